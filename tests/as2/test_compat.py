"""The oscrypto fix: pyas2lib's crypto loads on OpenSSL 3.0.10+ once edigate.transport.as2 is imported."""

from __future__ import annotations

import ast
import re
import ssl
import subprocess
import sys

import pytest

from edigate.transport.as2 import _compat
from tests.support.paths import REPO

VERSION = "OpenSSL 3.0.19 27 Jan 2026"
SYSTEM = ssl.OPENSSL_VERSION.split()[1]  # what Python's ssl module loaded, e.g. "3.0.19"


def _pattern(literal: str) -> str:
    value = ast.literal_eval(literal)
    assert isinstance(value, str)
    return value


def test_the_wide_pattern_reads_a_two_digit_patch() -> None:
    assert re.search(_pattern(_compat.NARROW_PATTERN), VERSION) is None
    match = re.search(_pattern(_compat.WIDE_PATTERN), VERSION)
    assert match is not None and match.group(1) == "3.0.19"
    assert re.search(_pattern(_compat.WIDE_PATTERN), "OpenSSL 1.1.1w 11 Sep 2023")


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], check=False, cwd=REPO,
                          capture_output=True,
                          text=True, timeout=60)


def test_oscrypto_loads_the_system_openssl_after_importing_edigate_as2() -> None:
    proc = _run("import edigate.transport.as2\n"
                "from oscrypto import asymmetric\n"
                "asymmetric.generate_pair('rsa', 1024)\n"
                "from oscrypto._openssl._libcrypto import libcrypto_version_info as v\n"
                "print('.'.join(map(str, v[:3])))")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == re.sub("[a-z]+$", "", SYSTEM)


def test_without_the_fix_this_oscrypto_fails_here() -> None:
    """The trap is real on this machine (else the fix is a no-op and this test says so)."""
    if not re.fullmatch(r"\d+\.\d+\.\d{2,}[a-z]*", SYSTEM):
        pytest.skip(f"{ssl.OPENSSL_VERSION} has a one-digit patch number")
    proc = _run("from oscrypto import asymmetric\nasymmetric.generate_pair('rsa', 1024)")
    if proc.returncode == 0:
        pytest.skip("the installed oscrypto reads this OpenSSL version by itself")
    assert "LibraryNotFoundError" in proc.stderr
