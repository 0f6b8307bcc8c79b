"""The composition root: the one place that finds the workspace and opens its store.

Each command that needs the store is registered as `reading` or `writing`: the ``edigate``
command finds the workspace (``--workspace DIR``, else ``EDIGATE_WORKSPACE``, else the
first ``edigate.yaml`` from the current directory upwards, else the current directory's
defaults), builds one `Context` for it and hands it to the command. A reading command never
creates a store: where there is none it stops with one line naming where it looked.
"""

from __future__ import annotations

import argparse
import functools
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from edigate.errors import UsageError

if TYPE_CHECKING:  # the configuration's modules load when a command first needs them (not for `x12`)
    from edigate.config.context import Context
    from edigate.config.workspace import Located, Workspace
    from edigate.config.partners import Partner
    from edigate.stages.pipeline import Pipeline
    from edigate.store import Store
    from edigate.store.archive import ArchiveBackend

__all__ = [
    "ENV_WORKSPACE", "ContextHandler", "Handler", "archive_of", "assemble", "located", "open_context", "open_pipeline",
    "pipeline_at", "pipeline_of", "reading", "workspace_of", "writing",
]

ENV_WORKSPACE = "EDIGATE_WORKSPACE"

Handler = Callable[[argparse.Namespace, TextIO], int]
ContextHandler = Callable[["Context", argparse.Namespace, TextIO], int]


def located(args: argparse.Namespace) -> Located:
    """The workspace of this command: ``--workspace``, ``EDIGATE_WORKSPACE``, or found upwards."""
    from edigate.config.workspace import locate_workspace

    given = getattr(args, "workspace", None) or os.environ.get(ENV_WORKSPACE) or None
    return locate_workspace(Path.cwd(), Path(given) if given else None)


def workspace_of(args: argparse.Namespace) -> Workspace:
    """The workspace of this command (for commands that read configuration, not the store),
    its log settings applied."""
    ws = located(args).workspace
    _use_logging(ws)
    return ws


def reading(handler: ContextHandler, *, strict_partners: bool = True) -> Handler:
    """A command that reads the store: it needs one, and never creates it."""
    return functools.partial(_run, handler, create=False, strict_partners=strict_partners)


def writing(handler: ContextHandler) -> Handler:
    """A command that records: it opens the workspace's store, creating it when new."""
    return functools.partial(_run, handler, create=True, strict_partners=True)


def _run(handler: ContextHandler, args: argparse.Namespace, out: TextIO, *, create: bool,
         strict_partners: bool) -> int:
    with open_context(located(args), create=create, strict_partners=strict_partners) as ctx:
        return handler(ctx, args, out)


@contextmanager
def open_context(where: Located | Workspace, *, create: bool = True,
                 strict_partners: bool = True) -> Iterator[Context]:
    """The workspace's context, its store and channels closed when the block ends.

    ``create``: a new store may be made (SQLite file, schema); else a missing SQLite store
    is a usage error. ``strict_partners``: a partner file with problems stops the command
    (else the partners that load are used: for reports that only need their names)."""
    from edigate.config.workspace import Located

    place = where if isinstance(where, Located) else Located(where, None, (where.root,), explicit=True)
    ws = place.workspace
    _use_logging(ws)
    if not create:
        _require_store(place)
    partners = _partners(ws, strict_partners)
    from edigate.store import Store

    store = Store.open(ws.store_url(), password=ws.store_secret())
    ctx = assemble(ws, store, archive_of(ws, store), partners)
    try:
        yield ctx
    finally:
        ctx.pool.close()
        store.close()


def archive_of(ws: Workspace, store: Store) -> ArchiveBackend:
    """The archive ``edigate.yaml`` names: the folder, the store's database, or an S3 bucket."""
    from edigate.store.archive import Archive

    settings = ws.archive
    if settings.backend == "postgresql":
        from edigate.store.archive_db import DatabaseArchive

        return DatabaseArchive(store, ws.archive_path)
    if settings.backend == "s3":
        from edigate.store.archive_s3 import S3Archive, s3_client

        key, secret = settings.access_key_id, settings.secret_access_key
        client = s3_client(settings.endpoint_url, settings.region, key.resolve() if key else None,
                           secret.resolve() if secret else None)
        return S3Archive(client, settings.bucket or "", settings.prefix, ws.archive_path)
    return Archive(ws.archive_path)


def assemble(workspace: Workspace, store: Store, archive: ArchiveBackend, partners: Mapping[str, Partner]) -> Context:
    """A context over a store already open (the caller closes it): the rest is made here."""
    from edigate.config.context import Context
    from edigate.mapping.cache import MapCache
    from edigate.transport import ChannelPool
    from edigate.x12.validate import Validator

    return Context(workspace=workspace, store=store, archive=archive, partners=dict(partners), pool=ChannelPool(),
                   validator=Validator(limits=workspace.findings.limits()), maps=MapCache(workspace.maps_path))


def pipeline_of(ctx: Context) -> Pipeline:
    """The pipeline over ``ctx``: our AS2 keys and the context's channel pool for its sends."""
    import dataclasses

    from edigate.stages.pipeline import Pipeline

    pipeline = Pipeline(ctx.workspace, ctx.store, ctx.archive, ctx.partners, validator=ctx.validator, maps=ctx.maps)
    # the pool logs in once per channel rather than once per transmission; each channel settles as configured
    pipeline.channel_options = dataclasses.replace(pipeline.channel_options, as2=ctx.as2, pool=ctx.pool,
                                                   settle_seconds=None)
    return pipeline


def pipeline_at(root: Path) -> Pipeline:
    """A worker process's own pipeline on the workspace at ``root`` (its own store connection);
    the worker closes its store when done."""
    from edigate.config.workspace import locate_workspace
    from edigate.store import Store

    ws = locate_workspace(root, root).workspace
    store = Store.open(ws.store_url(), password=ws.store_secret())
    try:
        return pipeline_of(assemble(ws, store, archive_of(ws, store), _partners(ws, strict=True)))
    except BaseException:
        store.close()
        raise


@contextmanager
def open_pipeline(where: Located | Workspace) -> Iterator[Pipeline]:
    """The workspace's pipeline, over a context opened for it (a writing command's)."""
    with open_context(where) as ctx:
        yield pipeline_of(ctx)


def _partners(ws: Workspace, strict: bool) -> dict[str, Partner]:
    from edigate.config.partners import load_partners, read_partners

    if strict:
        return load_partners(ws.partners_path)
    return read_partners(ws.partners_path)[0]


def _require_store(place: Located) -> None:
    """A reading command's store must exist: say where we looked when it does not."""
    from edigate.config.workspace import WORKSPACE_FILE

    ws = place.workspace
    file = ws.store_file()
    if file is None or file.exists():
        return
    if place.file is None and not place.explicit:
        where = f"{place.looked[0]}" + (" or any parent" if len(place.looked) > 1 else "")
        raise UsageError(f"no workspace: no {WORKSPACE_FILE} in {where}, and no store {file}; "
                         f"cd into a workspace, pass --workspace DIR (or set {ENV_WORKSPACE}), "
                         "or make one with: edigate init DIR")
    source = place.file or ws.root
    raise UsageError(f"no store yet at {file} (workspace {source}): nothing received; "
                     "edigate ingest FILE or edigate run --once makes it")


def _use_logging(ws: Workspace) -> None:
    from edigate.cli.logs import use_workspace_logging

    use_workspace_logging(ws.log_level, ws.path(ws.debug_log) if ws.debug_log else None)
