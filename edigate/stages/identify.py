"""Which partner a file is from, read from its envelopes, and whether they agree.

A partner is known by its ISA sender (ISA05/ISA06, its ``identity.theirs``), which no two
partners share. Every interchange and group of a file must then name it as sender (ISA
and GS02) and one of our identities as receiver (ISA07/ISA08 and GS03: the workspace's
``identity`` or any partner's ``identity.ours``), with the ISA15 usage the partner is set
up for. What does not agree is a `Mismatch`: the pipeline records it and processes
nothing further under anyone's name.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from edigate.errors import EdigateError
from edigate.config.partners import Partner
from edigate.config.workspace import Identity, Workspace
from edigate.x12.envelope import GroupHeader, InterchangeHeader, Party
from edigate.x12.segment import element_text
from edigate.x12.tokenizer import tokenize

__all__ = ["UNKNOWN_PARTNER", "Mismatch", "PartnerDirectory"]

UNKNOWN_PARTNER = "(unknown)"
"""What a transmission records as its partner while no partner's identity matches its
envelope: never a partner id, whose pattern has no parentheses."""

UNKNOWN = "envelope.unknown_partner"
MISMATCH = "envelope.partner_mismatch"
USAGE = "envelope.usage"


@dataclass(frozen=True, slots=True)
class Mismatch:
    """One envelope field that does not fit the partner the file was taken for."""

    code: str
    message: str
    isa13: str
    segment_id: str
    element: int
    value: str
    gs06: str | None = None
    hint: str = ""


class PartnerDirectory:
    """The partners by their ISA sender identity, and our own identities."""

    def __init__(self, workspace: Workspace, partners: Mapping[str, Partner]) -> None:
        self.partners = partners
        self._senders = {_key(p.identity.theirs): p for p in partners.values() if not p.derived_identity}
        ours = [i for i in (workspace.identity, *(p.identity.ours for p in partners.values())) if i is not None]
        self._our_isa = {_key(i) for i in ours}
        self._our_gs = {i.gs_id for i in ours}

    def sender(self, party: Party) -> Partner | None:
        """The partner whose ISA05/ISA06 this is."""
        return self._senders.get((party.qualifier, party.id))

    def identify(self, data: bytes) -> str | None:
        """The partner of the file's first ISA sender; None when unknown or unreadable.

        Reads the first segment only: the envelope stage checks the whole file."""
        try:
            isa = next(iter(tokenize(data)), None)
        except EdigateError:
            return None
        if isa is None or isa.id != "ISA" or len(isa.elements) < 6:
            return None
        party = Party(element_text(isa.elements[4]), element_text(isa.elements[5]).strip())
        found = self.sender(party)
        return None if found is None else found.id

    def interchange(self, claimed: str, header: InterchangeHeader) -> Iterator[Mismatch]:
        """What in an ISA does not fit the partner ``claimed`` (`UNKNOWN_PARTNER` when none)."""
        isa13, sender = header.control_number, header.sender
        partner = self.partners.get(claimed)
        if partner is None:
            yield Mismatch(UNKNOWN, f"ISA05/ISA06 {sender} is the identity of no partner", isa13, "ISA", 6,
                           sender.id, hint="add the partner (partners/<id>.yaml, identity.theirs), then "
                                           "reprocess; or resolve the transmission if the file is not for us")
            return
        theirs = partner.identity.theirs
        if _key(theirs) != (sender.qualifier, sender.id):
            owner = self.sender(sender)
            whose = f"{owner.id}'s identity" if owner else "the identity of no partner"
            yield Mismatch(MISMATCH, f"ISA05/ISA06 {sender} is {whose}, not {partner.id}'s "
                           f"{theirs.isa_qualifier}:{theirs.isa_id}", isa13, "ISA", 6, sender.id,
                           hint=f"nothing was processed under {partner.id}'s name; ask who sent the file")
        if self._our_isa and (header.receiver.qualifier, header.receiver.id) not in self._our_isa:
            yield Mismatch(MISMATCH, f"ISA07/ISA08 {header.receiver} is not one of our identities", isa13,
                           "ISA", 8, header.receiver.id, hint="the file is addressed to someone else")
        if header.usage != partner.usage:
            yield Mismatch(USAGE, f"ISA15 is {header.usage!r} but {partner.id} is set up for {partner.usage!r} "
                           "(T test, P production)", isa13, "ISA", 15, header.usage,
                           hint=f"change usage in {partner.id}'s partner file if the partner moved, else "
                                "ask them to send it to the right gateway")

    def group(self, claimed: str, isa13: str, header: GroupHeader) -> Iterator[Mismatch]:
        """What in a GS does not fit the partner ``claimed``: GS02 theirs, GS03 one of ours."""
        partner = self.partners.get(claimed)
        if partner is None:
            return
        gs06 = header.control_number
        if header.sender != partner.identity.theirs.gs_id:
            yield Mismatch(MISMATCH, f"GS02 {header.sender!r} is not {partner.id}'s GS id "
                           f"{partner.identity.theirs.gs_id!r}", isa13, "GS", 2, header.sender, gs06)
        if self._our_gs and header.receiver not in self._our_gs:
            yield Mismatch(MISMATCH, f"GS03 {header.receiver!r} is not one of our GS ids", isa13, "GS", 3,
                           header.receiver, gs06)


def _key(identity: Identity) -> tuple[str, str]:
    return identity.isa_qualifier, identity.isa_id
