"""The stage table: every arrow of the data flow, in order, with how it resumes.

Each stage is a module of `edigate.stages` with one implementation (its ``run``); the
runner (`edigate.stages.runner`) walks this table and reads everything it needs to know
about a stage from its row, never from its name. ``stored`` is the name the timeline and
the error log keep (unchanged, so stored transmissions resume after an upgrade).

| stage     | stored   | module                      | resume        |
|-----------|----------|-----------------------------|---------------|
| receive   | receive  | edigate.stages.receive      | before claims |
| envelope  | envelope | edigate.stages.envelope     | skip          |
| validate  | validate | edigate.stages.validate     | replay        |
| translate | map      | edigate.stages.translate    | skip          |
| decide    | rules    | edigate.stages.decide       | skip          |
| route     | route    | edigate.stages.route        | skip          |
| answer    | outbound | edigate.stages.answer       | skip          |
| send      | send     | edigate.stages.send         | always        |

A file from an ERP's reply channel (`edigate.stages.replies.is_reply`) runs `REPLY` instead:
the reply stage (an IDoc as the 855, 856 or 810 of a stored order), then the send stage.
An order from a commerce platform (`edigate.stages.commerce.is_commerce`) runs `COMMERCE`:
the take stage (the canonical order stored), then decide, route, answer and send.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from edigate.stages import answer, commerce, decide, envelope, replies, route, send, translate, validate
from edigate.stages.context import Parts, Run, StageRun

__all__ = ["CLAIMED", "COMMERCE", "REPLY", "STAGES", "TABLE", "Resume", "Stage", "StageMany"]

StageMany = Callable[[Parts, Sequence[Run]], list[Run]]
"""A stage's work for several transmissions at once; the runs it left to be run alone."""


class Resume(enum.Enum):
    """What a stage does on a later pass over a transmission (a resume after a crash, or
    after a stage that failed)."""

    BEFORE_CLAIMS = "before claims"
    """Runs once per file, before any worker claims it: the bytes archived and recorded
    under their sha256 (the same bytes again are a duplicate), the remote file marked done
    only after that commit."""
    SKIP = "skip"
    """Finished: not run again; a stage that stopped part way runs again and finds what it
    committed (keys, pages) rather than creating it twice."""
    REPLAY = "replay"
    """Finished, while the next stage is not: run again without a timeline entry and
    without output, to find again what it hands to the next stage."""
    ALWAYS = "always"
    """Every pass, after a stage that ended the transmission too: what is left is retried."""


@dataclass(frozen=True, slots=True)
class Stage:
    """One row of the table."""

    name: str
    stored: str
    """Its name in the timeline and the error log."""
    resume: Resume
    run: StageRun | None = None
    """What it does to a claimed transmission (None: it runs before claims)."""
    network: bool = False
    """It waits on other machines: never inside a held transaction."""
    partner_lock: bool = False
    """It locks what every worker of a partner needs (its control-number sequences, the
    stock of its items). Where other workers can run meanwhile (PostgreSQL's row locks) it
    commits step by step, so those locks are held for a draw or an allocation, not a stage;
    SQLite has a single writer anyway."""
    per_set: bool = False
    """Its error entries mean a set validate accepted did not end as a stored, routed and
    answered order (the decide stage's errors are decisions: held or rejected)."""
    acked: bool = False
    """Its error entries reject what the partner sent, and our TA1/997/999 says so."""
    many: StageMany | None = None
    """Its work for a batch of transmissions at once (a stage out of any held transaction
    that never replays): what it leaves runs alone through ``run``."""


TABLE: tuple[Stage, ...] = (
    Stage("receive", "receive", Resume.BEFORE_CLAIMS),
    Stage("envelope", envelope.NAME, Resume.SKIP, envelope.run, acked=True),
    Stage("validate", validate.NAME, Resume.REPLAY, validate.run, partner_lock=True, acked=True),
    Stage("translate", translate.NAME, Resume.SKIP, translate.run, per_set=True),
    Stage("decide", decide.NAME, Resume.SKIP, decide.run, partner_lock=True),
    Stage("route", route.NAME, Resume.SKIP, route.run, network=True, per_set=True, many=route.run_many),
    Stage("answer", answer.NAME, Resume.SKIP, answer.run, partner_lock=True, per_set=True),
    Stage("send", send.NAME, Resume.ALWAYS, send.run, network=True, many=send.run_many),
)

CLAIMED: tuple[Stage, ...] = tuple(s for s in TABLE if s.run is not None)
"""The stages a worker runs over a claimed transmission, in order."""

STAGES: tuple[str, ...] = tuple(s.stored for s in CLAIMED)
"""The timeline of a transmission that went all the way, as stored."""

REPLY: tuple[Stage, ...] = (
    Stage("reply", replies.NAME, Resume.SKIP, replies.run, partner_lock=True, per_set=True),
    CLAIMED[-1],
)
"""The stages of an ERP's reply: read and recorded with its X12, then sent."""

COMMERCE: tuple[Stage, ...] = (
    Stage("take", commerce.NAME, Resume.SKIP, commerce.run, per_set=True),
    *CLAIMED[3:],
)
"""The stages of an order from a commerce platform: stored, then as an 850's from decide on."""
