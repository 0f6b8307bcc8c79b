"""Exceptions become tickets in every configured system, against local stand-ins of Jira
Cloud, ServiceNow, Zendesk, Freshdesk and Salesforce: a failed transmission opens exactly one
ticket in each, a second failure comments on it, a resolve closes it, a ticket closed on the
other side is read back, and a system that fails holds up nothing and loses nothing."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from edigate.config.tickets import TicketRoute, TicketSettings, TicketSystem as Settings
from edigate.config.workspace import Workspace, load_workspace
from edigate.errors import ConfigError
from edigate.gateway.alerts import ORDER_HELD, TX_FAILED, run_alert_checks
from edigate.connectors.tickets import connector
from edigate.desk import reject, release
from edigate.gateway.tickets import TicketSync, sync_tickets as sync_with
from edigate.stages.pipeline import Pipeline
from edigate.store import AckStatus, AuditAction, DocumentKind, DocumentStatus, ErrorEntry, EventKind, Status, Store
from tests.support.cli import cli_runner
from tests.support.desk import desk_context
from tests.support.paths import REPO
from tests.support.ticket_systems import SECRETS, Jira, TicketSystem, running_systems

NOW = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)  # failures recorded "now" are 2 h old by then
MINUTE = dt.timedelta(minutes=1)

Systems = dict[str, tuple[TicketSystem, Settings]]


@pytest.fixture(scope="module")
def running() -> Iterator[Systems]:
    with pytest.MonkeyPatch.context() as mp:
        for name, value in SECRETS.items():
            mp.setenv(name, value)
        with running_systems() as found:
            yield found


@pytest.fixture
def systems(running: Systems) -> Systems:
    for fake, _ in running.values():
        fake.reset()
    return running


def sync_tickets(store: Store, settings: TicketSettings, at: dt.datetime) -> TicketSync:
    """The gateway's sync, its clients waiting out nothing (the waits asked are asserted elsewhere)."""
    return sync_with(store, settings, at, lambda system: connector(system, sleep=lambda _: None))


def workspace(tmp_path: Path, systems: Systems, *routes: TicketRoute) -> Workspace:
    return Workspace(root=tmp_path, tickets=TicketSettings(systems={k: s for k, (_, s) in systems.items()},
                                                           routes=routes))


def failed(store: Store, partner: str = "bigbox", parent: int | None = None) -> int:
    if parent is None:
        data = f"{partner} {dt.datetime.now(dt.UTC).isoformat()}".encode()
        tx = store.record_received(partner=partner, channel="folder", file_name="po.x12", size=len(data),
                                   sha256=hashlib.sha256(data).hexdigest()).transmission.id
    else:
        tx = store.reprocess(parent, actor="ana", note="map fixed").id
    store.add_errors(tx, [ErrorEntry("validate", "x12.element.too_long", "BEG03 is longer than 22 characters",
                                     segment_id="BEG", segment_position=2, element_position=3, value="P" * 30,
                                     hint="ask the partner for a PO number of at most 22 characters")])
    store.set_status(tx, Status.FAILED, stage="validate")
    return tx


def counts(systems: Systems) -> dict[str, tuple[int, int, bool]]:
    """Per system: tickets, comments on the one ticket, whether it is closed."""
    found = {}
    for kind, (fake, _) in systems.items():
        tickets = fake.opened()
        assert len(tickets) <= 1, f"{kind}: {len(tickets)} tickets"
        t = tickets[0] if tickets else {}
        comments = {"jira": lambda: len(t["comments"]), "servicenow": lambda: len(t["work_notes"]),
                    "zendesk": lambda: len(t["comments"]) - 1, "freshdesk": lambda: len(t["notes"]),
                    "salesforce": lambda: len(getattr(fake, "comments"))}[kind]
        closed = {"jira": lambda: t["status"]["name"] == "Done", "servicenow": lambda: t["state"] == "6",
                  "zendesk": lambda: t["status"] == "solved", "freshdesk": lambda: t["status"] == 4,
                  "salesforce": lambda: t["IsClosed"]}[kind]
        found[kind] = (len(tickets), comments() if t else 0, bool(t) and closed())
    return found


def test_a_failure_opens_one_ticket_each_a_second_comments_a_resolve_closes(
        store: Store, systems: Systems, tmp_path: Path) -> None:
    ws = workspace(tmp_path, systems, TicketRoute(systems=("jira",), project="EDI"))
    first = failed(store)
    assert [a.code for a in run_alert_checks(store, ws, NOW)] == [TX_FAILED]
    done = sync_tickets(store, ws.tickets, NOW)
    assert (done.done, done.failed) == (5, 0)
    assert counts(systems) == {k: (1, 0, False) for k in systems}
    issue = systems["jira"][0].opened()[0]
    assert issue["fields"]["summary"] == f"edigate: transmission failed: bigbox, transmission {first}"
    incident = systems["servicenow"][0].opened()[0]
    assert "element: BEG03 | value: " + "P" * 30 in incident["description"]
    assert f"edigate tx reprocess {first} --file FIXED" in incident["description"]

    second = failed(store, parent=first)  # reprocessed, failed again
    assert [(a.code, a.transmission_id) for a in run_alert_checks(store, ws, NOW + MINUTE)] == [(TX_FAILED, second)]
    sync_tickets(store, ws.tickets, NOW + MINUTE)
    assert counts(systems) == {k: (1, 1, False) for k in systems}

    store.resolve(second, actor="ana", note="bigbox resent a corrected file")
    sync_tickets(store, ws.tickets, NOW + 2 * MINUTE)
    state = counts(systems)
    assert all(opened == 1 and closed for opened, _, closed in state.values()), state
    assert systems["servicenow"][0].opened()[0]["close_notes"] == \
        "Resolved in edigate by ana: bigbox resent a corrected file"
    assert {t.status for t in store.ticket_links()} == {"closed"}
    assert sync_tickets(store, ws.tickets, NOW + 3 * MINUTE).done == 0  # nothing left to do


def test_a_failing_system_holds_up_no_other_and_its_work_is_tried_again(
        store: Store, systems: Systems, tmp_path: Path) -> None:
    ws = workspace(tmp_path, systems, TicketRoute(systems=("jira",), project="EDI"))
    jira = systems["jira"][0]
    jira.fail.extend([(503, {"Retry-After": "1"}, b"")] * 3)  # 3 tries, as the settings allow
    failed(store)
    run_alert_checks(store, ws, NOW)
    first = sync_tickets(store, ws.tickets, NOW)
    assert (first.done, first.failed) == (4, 1) and "jira: open tx_failed:tx" in first.problems[0] and "503" in first.problems[0]
    assert counts(systems)["jira"] == (0, 0, False) and counts(systems)["zendesk"] == (1, 0, False)
    (logged,) = store.events(kind=EventKind.CHANNEL, code="ticket.failed")
    assert logged.channel == "tickets:jira" and "503" in logged.message
    [link] = [t for t in store.ticket_links() if t.system == "jira"]
    assert link.status == "pending" and link.pending == 1 and "503" in (link.last_error or "")

    assert sync_tickets(store, ws.tickets, NOW + MINUTE).done == 0  # not before retry_minutes
    jira.fail.clear()
    again = sync_tickets(store, ws.tickets, NOW + 6 * MINUTE)
    assert (again.done, again.failed) == (1, 0)
    assert counts(systems)["jira"] == (1, 0, False)


def test_a_create_whose_answer_was_lost_is_found_by_the_retry_not_opened_twice(
        store: Store, systems: Systems, tmp_path: Path) -> None:
    ws = workspace(tmp_path, systems, TicketRoute(systems=("jira",), project="EDI"))
    for kind in ("jira", "zendesk", "freshdesk", "servicenow"):
        systems[kind][0].lose_answer = True
    failed(store)
    run_alert_checks(store, ws, NOW)
    assert sync_tickets(store, ws.tickets, NOW).failed == 4
    assert sync_tickets(store, ws.tickets, NOW + 10 * MINUTE).done == 4
    assert counts(systems) == {k: (1, 0, False) for k in systems}
    assert all(t.external_id for t in store.ticket_links())


def test_a_ticket_closed_there_is_read_back_and_shown(store: Store, systems: Systems, tmp_path: Path) -> None:
    ws = workspace(tmp_path, systems, TicketRoute(systems=("jira",), project="EDI"))
    failed(store)
    run_alert_checks(store, ws, NOW)
    sync_tickets(store, ws.tickets, NOW)
    jira = systems["jira"][0]
    assert isinstance(jira, Jira)
    jira.opened()[0]["status"] = {"name": "Won't Do", "statusCategory": {"key": "done"}}
    assert sync_tickets(store, ws.tickets, NOW + MINUTE).closed_there == 0  # read every poll_minutes
    later = sync_tickets(store, ws.tickets, NOW + 16 * MINUTE)
    assert later.closed_there == 1
    link = next(t for t in store.ticket_links() if t.system == "jira")
    assert (link.status, link.remote_status) == ("closed-there", "Won't Do")
    assert {t.status for t in store.ticket_links() if t.system != "jira"} == {"open"}
    (event,) = store.events(kind=EventKind.CHANNEL, code="ticket.closed_there")
    assert "was closed there: Won't Do" in event.message


def test_routes_place_tickets_per_partner_and_code(store: Store, systems: Systems, tmp_path: Path) -> None:
    ws = workspace(tmp_path, systems,
                   TicketRoute(partner="bigbox", code="x12.*", systems=("jira",), project="EDI",
                               assignee="5b10ac8d82e05b22cc7d4ef5", priority="highest"),
                   TicketRoute(systems=("jira",), project="OPS"),
                   TicketRoute(partner="bigbox", code="tx_failed", systems=("zendesk", "freshdesk"), assignee="3456",
                               priority="low"))
    failed(store)
    run_alert_checks(store, ws, NOW)
    sync_tickets(store, ws.tickets, NOW)
    assert all(len(fake.opened()) == 1 for fake, _ in systems.values())
    fields = systems["jira"][0].opened()[0]["fields"]
    assert fields["project"] == {"key": "EDI"}
    assert fields["assignee"] == {"accountId": "5b10ac8d82e05b22cc7d4ef5"} and fields["priority"] == {"name": "Highest"}
    zendesk = systems["zendesk"][0].opened()[0]
    assert (zendesk["priority"], zendesk["assignee_id"]) == ("low", 3456)
    freshdesk = systems["freshdesk"][0].opened()[0]
    assert (freshdesk["priority"], freshdesk["responder_id"]) == (1, 3456)
    incident = systems["servicenow"][0].opened()[0]  # no route: by severity (an error is high)
    assert (incident["urgency"], "assigned_to" in incident) == ("1", False)


def test_a_held_order_opens_a_ticket_that_its_release_closes(store: Store, systems: Systems, tmp_path: Path) -> None:
    ws = workspace(tmp_path, systems, TicketRoute(systems=("jira",), project="EDI"))
    ws = dataclasses.replace(ws, tickets=dataclasses.replace(ws.tickets, systems={"zendesk": systems["zendesk"][1]}))
    data = b"held order"
    tx = store.record_received(partner="bigbox", channel="folder", file_name="po.x12", size=len(data),
                               sha256=hashlib.sha256(data).hexdigest()).transmission.id
    doc = store.save_document(kind=DocumentKind.ORDER, partner="bigbox", key="PO-1:00", body="{}",
                              transmission_id=tx, status=DocumentStatus.HELD).document
    assert doc is not None
    raised = run_alert_checks(store, ws, NOW)
    assert [(a.code, a.subject) for a in raised] == [(ORDER_HELD, f"order{doc.id}")]
    sync_tickets(store, ws.tickets, NOW)
    (ticket,) = systems["zendesk"][0].opened()
    assert f"edigate orders release {doc.id} --reason TEXT" in ticket["comments"][0]["body"]
    store.audit(actor="ana", action=AuditAction.RESOLVE, target=f"order:{doc.id}",
                note="released from the queue: price agreed", transmission_id=tx)  # as `orders release` audits
    sync_tickets(store, ws.tickets, NOW + MINUTE)
    assert ticket["status"] == "solved"
    assert ticket["comments"][-1]["body"] == "Resolved in edigate by ana: released from the queue: price agreed"


def test_no_ticket_systems_no_tickets(store: Store, tmp_path: Path) -> None:
    ws = Workspace(root=tmp_path)
    failed(store)
    assert [a.code for a in run_alert_checks(store, ws, NOW)] == [TX_FAILED]
    assert sync_tickets(store, ws.tickets, NOW).done == 0 and store.ticket_links() == []


def test_the_readme_example_loads_and_a_route_to_an_unknown_system_is_refused(tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    example = readme.split("### Tickets", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "edigate.yaml").write_text(example, encoding="utf-8")
    settings = load_workspace(tmp_path).tickets
    assert sorted(s.kind for s in settings.systems.values()) == sorted(
        ["jira", "servicenow", "zendesk", "freshdesk", "salesforce"])
    assert settings.routes[0].priority == "high" and settings.routes[1].systems == ("jira",)
    (tmp_path / "edigate.yaml").write_text(example.replace("systems: [jira], project: EDI", "systems: [jirra]"),
                                           encoding="utf-8")
    with pytest.raises(ConfigError, match="no ticket system 'jirra'"):
        load_workspace(tmp_path)


def test_tickets_list_shows_each_ticket_and_its_state_there(url: str, systems: Systems, tmp_path: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "edigate.yaml").write_text(f"store: {json.dumps(url)}\n", encoding="utf-8")
    with Store.open(url) as store:
        ws = workspace(root, systems, TicketRoute(systems=("jira",), project="EDI"))
        failed(store)
        run_alert_checks(store, ws, NOW)
        sync_tickets(store, ws.tickets, NOW)
        systems["zendesk"][0].opened()[0]["status"] = "closed"
        sync_tickets(store, ws.tickets, NOW + 20 * MINUTE)
    done = cli_runner(root)("tickets", "list", "--json")
    assert done.returncode == 0, done.stderr
    rows = {r["system"]: r for r in json.loads(done.stdout)}
    assert set(rows) == set(systems)
    assert (rows["zendesk"]["status"], rows["zendesk"]["there"], rows["zendesk"]["ticket"]) == ("closed-there", "closed", "1")
    assert (rows["jira"]["status"], rows["jira"]["there"], rows["jira"]["ticket"]) == ("open", "To Do", "10001")
    text = cli_runner(root)("tickets", "list", "--open").stdout
    assert "jira" in text and "zendesk" not in text


def test_a_failed_attempt_superseded_by_a_reprocess_that_got_through_closes_its_ticket(
        store: Store, systems: Systems, tmp_path: Path) -> None:
    ws = workspace(tmp_path, systems, TicketRoute(systems=("jira",), project="EDI"))
    ws = dataclasses.replace(ws, tickets=dataclasses.replace(ws.tickets, systems={"snow": systems["servicenow"][1]}))
    first = failed(store)
    run_alert_checks(store, ws, NOW)
    sync_tickets(store, ws.tickets, NOW)
    second = store.reprocess(first, actor="ana", note="map fixed").id
    store.set_status(second, Status.DONE)
    assert store.supersede(first, by=second)
    sync_tickets(store, ws.tickets, NOW + MINUTE)
    (incident,) = systems["servicenow"][0].opened()
    assert incident["state"] == "6" and incident["close_notes"] == \
        f"A later attempt got through: superseded by tx:{second}"
    assert run_alert_checks(store, ws, NOW + 2 * MINUTE) == []  # no alert for a superseded attempt either


@pytest.mark.parametrize("action", ["release", "reject"])
def test_the_desks_release_and_reject_close_the_held_orders_ticket(
        pipeline: Pipeline, systems: Systems, tmp_path: Path, action: str) -> None:
    path = tmp_path / "held.x12"
    path.write_bytes((REPO / "samples" / "x12" / "bigbox-850-4010.x12").read_bytes()
                     .replace(b"PO1*1*24*", b"PO1*1*25*"))  # 25 of a pack of 6: held by the pack rule
    assert pipeline.ingest(path, "bigbox").status is Status.HELD
    store = pipeline.store
    ws = dataclasses.replace(pipeline.workspace, tickets=TicketSettings(systems={"fd": systems["freshdesk"][1]}))
    [alert] = [a for a in run_alert_checks(store, ws, NOW) if a.code == ORDER_HELD]
    sync_tickets(store, ws.tickets, NOW)
    (ticket,) = systems["freshdesk"][0].opened()
    assert "rule." in ticket["description"] and "edigate orders release" in ticket["description"]
    order = int(alert.subject.removeprefix("order"))
    ctx, partner = desk_context(pipeline), pipeline.partners["bigbox"]
    if action == "release":
        release(ctx, partner, order, actor="ana", reason="six packs agreed by phone")
    else:
        reject(ctx, partner, order, actor="ana", reason="pack size")
    sync_tickets(store, ws.tickets, NOW + MINUTE)
    note = {"release": "released from the queue: six packs agreed by phone", "reject": "rejected: pack size"}[action]
    assert ticket["status"] == 4 and ticket["notes"][-1]["body"] == f"Resolved in edigate by ana: {note}"


def test_work_a_system_keeps_refusing_is_dropped_after_max_tries_and_frees_the_ticket(
        store: Store, systems: Systems, tmp_path: Path) -> None:
    ws = workspace(tmp_path, systems)
    ws = dataclasses.replace(ws, tickets=TicketSettings(systems={"zd": systems["zendesk"][1]}, max_tries=2))
    zendesk = systems["zendesk"][0]
    first = failed(store)
    run_alert_checks(store, ws, NOW)
    sync_tickets(store, ws.tickets, NOW)
    zendesk.opened()[0]["status"] = "closed"  # closed tickets refuse updates (422)
    failed(store, parent=first)
    run_alert_checks(store, ws, NOW + MINUTE)
    assert sync_tickets(store, ws.tickets, NOW + MINUTE).failed == 1
    assert sync_tickets(store, ws.tickets, NOW + 10 * MINUTE).failed == 1
    (dropped,) = store.events(kind=EventKind.CHANNEL, code="ticket.dropped")
    assert "try 2, dropped" in dropped.message and "Status: closed prevents ticket update" in dropped.message
    [link] = store.ticket_links()
    assert link.pending == 0
    assert sync_tickets(store, ws.tickets, NOW + 30 * MINUTE).failed == 0


def test_an_overdue_acks_ticket_closes_when_the_ack_comes_a_silent_partners_when_it_sends(
        store: Store, systems: Systems, tmp_path: Path) -> None:
    ws = dataclasses.replace(workspace(tmp_path, systems),
                             tickets=TicketSettings(systems={"sf": systems["salesforce"][1]}))
    for hours in range(10):  # every hour for 10 hours, then nothing for two days
        data = f"quiet {hours}".encode()
        store.record_received(partner="quiet", channel="folder", file_name="in.x12", size=len(data),
                              sha256=hashlib.sha256(data).hexdigest(),
                              received_at=NOW - dt.timedelta(days=2, hours=hours))
    out, _ = store.record_outbound(partner="acme", set_id="855", key="855:1", isa13="000000001", gs06="1",
                                   st02="0001", archive_path="x", sha256="0" * 64, ack_due_at=NOW - 60 * MINUTE)
    assert sorted(a.code for a in run_alert_checks(store, ws, NOW)) == ["alert.ack_overdue", "alert.partner_silent"]
    sync_tickets(store, ws.tickets, NOW)
    salesforce = systems["salesforce"][0]
    assert sorted(c["Edigate_Key__c"] for c in salesforce.opened()) == [f"ack_overdue:out{out.id}",
                                                                         "partner_silent:quiet"]
    assert sync_tickets(store, ws.tickets, NOW + MINUTE).done == 0  # nothing over yet
    store.set_ack(out.id, AckStatus.ACCEPTED, "A")
    data = b"quiet again"
    store.record_received(partner="quiet", channel="folder", file_name="in.x12", size=len(data),
                          sha256=hashlib.sha256(data).hexdigest(), received_at=NOW + MINUTE)
    assert sync_tickets(store, ws.tickets, NOW + 2 * MINUTE).done == 2
    assert all(c["IsClosed"] for c in salesforce.opened())
    notes = sorted(c["CommentBody"] for c in getattr(salesforce, "comments"))
    assert notes[0] == "acme acknowledged our 855 (ISA13 000000001): accepted"
    assert notes[1].startswith("quiet sent again: transmission ")
