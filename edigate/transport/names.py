"""Remote file names are data, never paths: make them safe to use locally.

A partner's server chooses the names we list; `safe_name` turns any of them into one plain
file name (no separators, no ``..``, no control characters) before it touches our disk.
`is_temporary` says which names mean "still being written" on either side;
`edigate.printable.shown` makes any of them safe to print.
"""

from __future__ import annotations

import secrets
import unicodedata

__all__ = ["TEMPORARY_SUFFIXES", "is_temporary", "safe_name", "temporary_name"]

TEMPORARY_SUFFIXES = (".tmp", ".part", ".filepart")
_FORBIDDEN = set('/\\:*?"<>|')
_WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL"} | {
    f"{d}{n}" for d in ("COM", "LPT") for n in range(1, 10)
}
_MAX_BYTES = 200


def _safe_char(ch: str) -> str:
    if ch in _FORBIDDEN or unicodedata.category(ch)[0] == "C" or ch in "\u2028\u2029":
        return "_"
    return ch


def safe_name(name: str) -> str:
    """One local file name for ``name``: separators and control characters become ``_``.

    Leading dots and spaces go (so no ``..`` and no hidden files), the result fits in 200
    bytes, and an empty result becomes ``_``.
    """
    if name.isascii() and name.isprintable() and _FORBIDDEN.isdisjoint(name):
        cleaned = name  # printable ASCII: NFC leaves it, and no character needs replacing
    else:
        cleaned = "".join(_safe_char(ch) for ch in unicodedata.normalize("NFC", name))
    cleaned = cleaned.lstrip(". ").rstrip(". ")
    while len(cleaned.encode("utf-8")) > _MAX_BYTES:
        cleaned = cleaned[:-1]
    if cleaned.split(".")[0].upper() in _WINDOWS_DEVICES:
        cleaned = "_" + cleaned
    return cleaned or "_"


def is_temporary(name: str) -> bool:
    """True for names that are still being written: a temporary suffix or a leading dot."""
    return name.startswith(".") or name.lower().endswith(TEMPORARY_SUFFIXES)


def temporary_name(name: str) -> str:
    """A hidden ``.part`` name beside ``name`` for writing before an atomic rename."""
    return f".{safe_name(name)}.{secrets.token_hex(4)}.part"
