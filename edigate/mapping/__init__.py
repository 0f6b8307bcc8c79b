"""The YAML map engine: partner maps turn X12 transaction sets into canonical documents.

`load_inbound_map` reads ``maps/<name>.yaml`` with the maps it ``extends`` and compiles it
once into plain callables; `InboundMap.translate` runs it over one set and returns an
`Order` and the mapping findings; `translate_file` does that for a file and a partner.
"""

from __future__ import annotations

from edigate.mapping.findings import MapFinding
from edigate.mapping.inbound import InboundMap, load_inbound_map
from edigate.mapping.paths import Path, PathError, parse_path
from edigate.mapping.translate import (
    TranslationResult,
    maps_test,
    translate_command,
    translate_file,
    translate_with_map,
)

__all__ = [
    "InboundMap",
    "MapFinding",
    "Path",
    "PathError",
    "TranslationResult",
    "load_inbound_map",
    "maps_test",
    "parse_path",
    "translate_command",
    "translate_file",
    "translate_with_map",
]
