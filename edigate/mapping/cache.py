"""Compiled maps kept between transmissions, compiled again when a map file changes.

A long-running gateway would otherwise parse and compile a partner's YAML maps for every
file it receives (most of the cost of a small file). The cache is stamped with the size
and modification time of every map file in the folder, so an analyst's edit (a map, or a
base map it extends) is picked up by the next transmission.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from edigate.mapping.inbound import InboundMap, load_inbound_map
from edigate.mapping.outbound import OutboundMap, load_outbound_map

__all__ = ["MapCache", "folder_stamp"]

_Stamp = tuple[tuple[str, int, int], ...]
_MAP_FILE = re.compile(fnmatch.translate("*.y*ml")).match
_M = TypeVar("_M", InboundMap, OutboundMap)
_KEPT: dict[tuple[str, str, str], tuple[_Stamp, bytes, InboundMap | OutboundMap]] = {}
"""Maps compiled by any `MapCache` of this process, by kind, folder and name, with the folder's
stamp and the digest of its files' contents then: a command or test that builds another
cache on the same unchanged folder takes them instead of compiling the maps again. Bounded:
the oldest is forgotten past `_KEEP` (a test run makes thousands of folders)."""
_KEEP = 64


class MapCache:
    """`load_inbound_map` and `load_outbound_map` for one maps folder, remembered."""

    def __init__(self, maps_dir: Path) -> None:
        self.maps_dir = maps_dir
        self._stamp: _Stamp = ()
        self._inbound: dict[str, InboundMap] = {}
        self._outbound: dict[str, OutboundMap] = {}

    def inbound(self, name: str) -> InboundMap:
        self._refresh()
        if name not in self._inbound:
            self._inbound[name] = self._kept("inbound", name, InboundMap, load_inbound_map)
        return self._inbound[name]

    def outbound(self, name: str) -> OutboundMap:
        self._refresh()
        if name not in self._outbound:
            self._outbound[name] = self._kept("outbound", name, OutboundMap, load_outbound_map)
        return self._outbound[name]

    def _kept(self, kind: str, name: str, cls: type[_M], load: Callable[[str, Path], _M]) -> _M:
        """The map another cache compiled from this folder as it is now (same stamp, same
        contents), or the map compiled afresh."""
        key, digest = (kind, str(self.maps_dir), name), _digest(self._stamp)
        stamp, kept_digest, kept = _KEPT.get(key, ((), b"", None))
        if stamp == self._stamp and kept_digest == digest and isinstance(kept, cls):
            return kept
        compiled = load(name, self.maps_dir)
        _KEPT.pop(key, None)
        if len(_KEPT) >= _KEEP:
            del _KEPT[next(iter(_KEPT))]
        _KEPT[key] = (self._stamp, digest, compiled)
        return compiled

    def _refresh(self) -> None:
        stamp = folder_stamp(self.maps_dir)
        if stamp != self._stamp:
            self._stamp = stamp
            self._inbound.clear()
            self._outbound.clear()


def _digest(stamp: _Stamp) -> bytes:
    """The contents of the stamped files, digested (an edit that keeps size and mtime shows)."""
    digest = hashlib.blake2b(digest_size=16)
    for path, _mtime, _size in stamp:
        try:
            digest.update(Path(path).read_bytes())
        except OSError:
            digest.update(b"\0unreadable")
        digest.update(path.encode() + b"\0")
    return digest.digest()


def folder_stamp(folder: Path) -> _Stamp:
    """Every map file in ``folder`` with its modification time and size: the files
    ``folder.rglob("*.y*ml")`` finds (symlinked folders not entered), read with
    `os.scandir`, which costs a third of pathlib's walk; taken for every transmission."""
    found: list[tuple[str, int, int]] = []
    _scan(os.fspath(folder), found)
    found.sort(key=lambda f: f[0].split(os.sep))  # the order of sorted paths
    return tuple(found)


def _scan(folder: str, found: list[tuple[str, int, int]]) -> None:
    try:
        with os.scandir(folder) as it:
            entries = list(it)
    except OSError:
        return
    for entry in entries:
        if _MAP_FILE(entry.name):
            try:
                st = entry.stat()
            except OSError:
                pass
            else:
                found.append((entry.path, st.st_mtime_ns, st.st_size))
        try:
            inside = entry.is_dir() and not entry.is_symlink()
        except OSError:
            inside = False
        if inside:
            _scan(entry.path, found)
