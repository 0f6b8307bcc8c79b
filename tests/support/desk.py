"""The order desk's context over a test's pipeline: its workspace, store, archive, partners."""

from __future__ import annotations

from edigate.cli.context import assemble
from edigate.config.context import Context
from edigate.stages.pipeline import Pipeline

__all__ = ["desk_context"]


def desk_context(pipeline: Pipeline) -> Context:
    """What `edigate orders ...` would hand the desk, built over ``pipeline``'s parts."""
    return assemble(pipeline.workspace, pipeline.store, pipeline.archive, pipeline.partners)
