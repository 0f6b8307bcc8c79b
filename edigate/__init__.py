"""edigate: an EDI X12 translation and integration gateway.

Data flows channel -> transmission -> envelope -> validation -> map -> rules -> route ->
outbound documents; see DESIGN.md in the repository for the whole picture.
"""

from __future__ import annotations

from edigate.errors import EdigateError

__all__ = ["EdigateError", "__version__"]

__version__ = "0.1.0"
