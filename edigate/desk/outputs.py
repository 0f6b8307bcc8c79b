"""What the order desk sends: outbound maps, routed payloads delivered, and recorded
outputs sent through the send stage (`edigate.stages.send`) with its failures reported
the desk's way: one line each, and a warning in each transmission's error log."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from edigate.config.partners import Partner
from edigate.config.workspace import Workspace
from edigate.errors import ConfigError, DataError, EdigateError
from edigate.mapping.outbound import OutboundMap, load_outbound_map
from edigate.orders.routing import Delivery
from edigate.stages import send as send_stage
from edigate.stages.send import ALL_CHANNELS
from edigate.store import Document, ErrorEntry, Outbound, Severity, Store
from edigate.store.archive import Archive
from edigate.transport import ChannelOptions, open_channel

__all__ = ["ALL_CHANNELS", "deliver", "load_map", "send"]


def load_map(partner: Partner, workspace: Workspace, set_id: str) -> OutboundMap:
    name = partner.documents.outbound.get(set_id)
    if name is None:
        raise ConfigError(f"{partner.file or partner.id}: documents.outbound names no {set_id} map")
    return load_outbound_map(name, workspace.maps_path)


def deliver(store: Store, workspace: Workspace, partner: Partner, doc: Document,
            deliveries: Sequence[Delivery]) -> tuple[str, ...]:
    """Each routed payload to its destination; what failed goes to the transmission's log."""
    options = ChannelOptions(root=workspace.root, settle_seconds=0)
    problems = []
    for d in deliveries:
        try:
            if d.error:
                raise DataError(d.error, code="route.format")
            with open_channel(d.target, f"{partner.id}:{d.destination}", options) as channel:
                channel.send(d.file_name, d.payload)
            if d.sent:
                d.sent()
        except EdigateError as exc:
            problems.append(f"{d.destination}: {exc.message}")
    if problems and doc.transmission_id is not None:
        store.add_errors(doc.transmission_id, [ErrorEntry("route", "route.failed", p, Severity.WARNING)
                                               for p in problems])
    return tuple(problems)


def send(store: Store, archive: Archive, workspace: Workspace, partner: Partner, outs: Sequence[Outbound],
         channel_types: Collection[str]) -> tuple[str, ...]:
    """Send each file once on the partner's outbound channel; a failure leaves them queued,
    and is returned as one line (and logged against each transmission they answer)."""
    got = send_stage.send(store, archive, partner, outs, channel_types=channel_types,
                          options=ChannelOptions(root=workspace.root, settle_seconds=0))
    if got.failure is None:
        return ()
    problem = f"{partner.id}:out: {got.failure.message} (the output stays queued)"
    for t in sorted({o.transmission_id for o in outs if o.transmission_id is not None}):
        store.add_errors(t, [ErrorEntry(send_stage.NAME, got.failure.code, problem, Severity.WARNING)])
    return (problem,)
