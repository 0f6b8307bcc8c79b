from __future__ import annotations

import os
import shutil
from pathlib import Path

from edigate.mapping.cache import MapCache
from tests.support.paths import REPO


def test_maps_are_compiled_once_and_again_after_an_edit(tmp_path: Path) -> None:
    maps = tmp_path / "maps"
    shutil.copytree(REPO / "maps", maps)
    cache = MapCache(maps)
    inbound, outbound = cache.inbound("bigbox-850"), cache.outbound("bigbox-855")
    assert cache.inbound("bigbox-850") is inbound and cache.outbound("bigbox-855") is outbound
    base = maps / "850-4010.yaml"  # a base map the partner map extends
    st = base.stat()
    os.utime(base, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert cache.inbound("bigbox-850") is not inbound
    assert cache.outbound("bigbox-855") is not outbound
