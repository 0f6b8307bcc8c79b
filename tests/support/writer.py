"""A partner's program writing a file in steps, for the tests of when a file is ready to take."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

__all__ = ["Writer"]


class Writer:
    """A partner's program writing ``data`` into ``path`` in the steps it is told to take."""

    def __init__(self, path: Path, data: bytes, cuts: list[int]) -> None:
        self.path, self.data, self.cuts, self.at = path, data, [*cuts, len(data)], 0

    def step(self, _seconds: float = 0.0) -> None:
        end = self.cuts.pop(0)
        with open(self.path, "ab") as fh:
            fh.write(self.data[self.at:end])
        self.at = end

    def steps(self) -> Iterator[None]:
        while self.cuts:
            yield self.step()
