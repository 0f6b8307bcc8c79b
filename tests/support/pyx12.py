"""pyx12 as the tests run it: `validate_with_pyx12` with its parsed maps kept for the whole
process (`Pyx12Maps`), so the differential tests do not parse pyx12's XML maps per call; and
kept on disk, by content, for the other test processes of the run and the runs after it."""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import Any

from edigate.x12.pyx12_bridge import Pyx12Maps, Pyx12Result, validate_with_pyx12
from tests.support.paths import REPO

__all__ = ["MAPS", "pyx12_validate"]

KEPT = REPO / ".pytest_cache" / "d" / "pyx12-maps"
"""Parsed maps, pickled, named by a digest of everything the parse reads (pytest's own cache
folder: ``--cache-clear`` and ``make clean`` empty it)."""


class _KeptOnDisk(Pyx12Maps):
    """`Pyx12Maps` whose parses are also pickled to `KEPT`: each test process would otherwise
    parse every map it meets (0.15 s each; a worker meets a few dozen, and each of the four
    the same ones). A map is named by the bytes of its XML, of the codes.xml and dataele.xml
    beside it, the codes it is told to skip, and the pyx12 and Python versions, so a changed
    input is parsed afresh. Unpickling is what pyx12's parse gives: the bridge kept its maps
    pickled that way before it kept them as objects."""

    def parse(self, map_file: str, param: Any, map_path: str | None) -> Any:
        if map_path is None:
            return super().parse(map_file, param, map_path)
        import pyx12  # type: ignore[import-untyped]

        digest = hashlib.sha256(repr((map_file, param.get("exclude_external_codes"), pyx12.__version__,
                                      sys.version_info[:2])).encode())
        for name in (map_file, "codes.xml", "dataele.xml"):
            digest.update(Path(map_path, name).read_bytes())
        kept = KEPT / f"{digest.hexdigest()}.pickle"
        try:
            return pickle.loads(kept.read_bytes())
        except Exception:  # not there yet, or unreadable: parse it and keep it
            parsed = super().parse(map_file, param, map_path)
        KEPT.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=KEPT, suffix=".part", delete=False) as part:
            part.write(pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(part.name, kept)  # whole or not at all, whichever process writes it
        return parsed


MAPS: Pyx12Maps = _KeptOnDisk()
"""The maps every test that runs pyx12 shares (`Pyx12Maps.installed` for x12n_document itself)."""


def pyx12_validate(data: bytes, *, name: str = "<bytes>", strict_codes: bool = False) -> Pyx12Result:
    """pyx12's verdict on ``data`` (`validate_with_pyx12`), from the kept maps."""
    return validate_with_pyx12(data, name=name, strict_codes=strict_codes, maps=MAPS)
