"""Make oscrypto 1.3.0 (pinned by pyas2lib 1.4.4) load OpenSSL 3.0.10 and later.

oscrypto 1.3.0 finds libcrypto's version with ``\\d\\.\\d\\.\\d``, which does not match a
two-digit patch ("OpenSSL 3.0.19"), so its first use raises ``LibraryNotFoundError``.
``oscrypto.use_openssl`` does not help (the same check runs on any library it is pointed
at), and PyPI offers no newer oscrypto. So, as Debian's python3-oscrypto does, the two
modules that read the version are loaded with the pattern widened to ``\\d+``; nothing
else of oscrypto is touched, and a release that already fixed the pattern loads unchanged.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import CodeType, ModuleType

__all__ = ["NARROW_PATTERN", "WIDE_PATTERN", "install"]

_MODULES = ("oscrypto._openssl._libcrypto_cffi", "oscrypto._openssl._libcrypto_ctypes")
# As written in oscrypto's source (a Python string literal with doubled backslashes).
NARROW_PATTERN = "'\\\\b(\\\\d\\\\.\\\\d\\\\.\\\\d[a-z]*)\\\\b'"
WIDE_PATTERN = "'\\\\b(\\\\d+\\\\.\\\\d+\\\\.\\\\d+[a-z]*)\\\\b'"


class _WideVersionLoader(importlib.machinery.SourceFileLoader):
    """Compile the module from its source with the version pattern widened (no .pyc)."""

    def get_code(self, fullname: str) -> CodeType:
        source = self.get_data(self.path).decode("utf-8")
        source = source.replace(NARROW_PATTERN, WIDE_PATTERN)
        return compile(source, self.path, "exec", dont_inherit=True)


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in _MODULES:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.origin is None:
            return spec
        loader = _WideVersionLoader(fullname, spec.origin)
        return importlib.machinery.ModuleSpec(fullname, loader, origin=spec.origin)


def install() -> None:
    """Put the finder first on ``sys.meta_path``; call before pyas2lib is imported."""
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
