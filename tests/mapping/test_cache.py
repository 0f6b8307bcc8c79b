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


def test_a_second_cache_takes_the_maps_of_an_unchanged_folder_and_sees_an_edit_that_keeps_size_and_time(
        tmp_path: Path) -> None:
    maps = tmp_path / "maps"
    shutil.copytree(REPO / "maps", maps)
    first = MapCache(maps).inbound("bigbox-850")
    assert MapCache(maps).inbound("bigbox-850") is first
    other = tmp_path / "other"
    shutil.copytree(maps, other)
    assert MapCache(other).inbound("bigbox-850") is not first  # a compiled map names its files
    base = maps / "850-4010.yaml"
    st, text = base.stat(), base.read_text()
    edited = text.replace("# ", "#-", 1)  # same size
    assert edited != text and len(edited) == len(text)
    base.write_text(edited)
    os.utime(base, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert MapCache(maps).inbound("bigbox-850") is not first
