"""The ticket connectors against local stand-ins of Jira Cloud, ServiceNow, Zendesk,
Freshdesk and Salesforce (`tests.support.ticket_systems`): each request's authentication and
body as the vendor's reference says (the stand-ins check both and refuse what is off), the
documented error bodies, 401, 429 with ``Retry-After`` and 500."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest

from edigate.config.tickets import TicketSystem as Settings
from edigate.connectors.tickets import LogLine, Placement, Ticket, TicketConnector, connector
from edigate.connectors.tickets.render import adf
from edigate.transport.http_error import HttpError
from tests.support.ticket_systems import SECRETS, Jira, Salesforce, TicketSystem, answer, check, running_systems

KINDS = ("jira", "servicenow", "zendesk", "freshdesk", "salesforce")

TICKET = Ticket(
    key="tx_failed:tx17", title="edigate: transmission failed: bigbox, transmission 17",
    summary="transmission 17 from bigbox (po.x12) failed at validate",
    errors=(LogLine("x12.element.too_long", "BEG03 is longer than 22", "BEG (segment 2)", "BEG03", "PO" * 15,
                    "ask bigbox to send a PO number of at most 22 characters"),),
    commands=("edigate tx view 17", "edigate tx reprocess 17 --file FIXED"), partner="bigbox",
    placement=Placement(priority="high"))


@pytest.fixture(scope="module")
def systems() -> Iterator[dict[str, tuple[TicketSystem, Settings]]]:
    with pytest.MonkeyPatch.context() as mp:
        for name, value in SECRETS.items():
            mp.setenv(name, value)
        with running_systems() as found:
            yield found


class Waits(list[float]):
    """The waits the client asked for (instead of sleeping), and the connectors to close."""

    made: list[TicketConnector]


@pytest.fixture
def waits() -> Iterator[Waits]:
    found = Waits()
    found.made = []
    yield found
    for conn in found.made:
        conn.shutdown()


def make(systems: dict[str, tuple[TicketSystem, Settings]], kind: str, waits: Waits
         ) -> tuple[TicketSystem, TicketConnector]:
    fake, settings = systems[kind]
    fake.reset()
    conn = connector(settings, sleep=waits.append)
    waits.made.append(conn)
    return fake, conn


@pytest.mark.parametrize("kind", KINDS)
def test_open_comment_and_close_one_ticket(systems: dict[str, tuple[TicketSystem, Settings]], kind: str,
                                           waits: Waits) -> None:
    fake, conn = make(systems, kind, waits)
    ticket_id = conn.open(TICKET)
    assert conn.find(TICKET.key) in (ticket_id, None)  # Salesforce's upsert is its own lookup
    conn.comment(ticket_id, "Happened again: attempt 2 failed too")
    assert conn.state(ticket_id).closed is False
    conn.close(ticket_id, "Resolved in edigate by ana: partner resent")
    state = conn.state(ticket_id)
    assert state.closed is True and state.status in ("Done", "Resolved", "solved", "Closed")
    assert len(fake.opened()) == 1


def test_jira_issue_carries_the_error_log_as_an_adf_table_and_the_commands(
        systems: dict[str, tuple[TicketSystem, Settings]], waits: Waits) -> None:
    fake, conn = make(systems, "jira", waits)
    conn.open(TICKET)
    (issue,) = fake.opened()
    fields = issue["fields"]
    assert fields["project"] == {"key": "EDI"} and fields["issuetype"] == {"name": "Task"}
    assert fields["priority"] == {"name": "High"} and "edigate" in fields["labels"]
    table = next(n for n in fields["description"]["content"] if n["type"] == "table")
    cells = [c["content"][0]["content"][0]["text"] for c in table["content"][1]["content"]]
    assert cells == ["x12.element.too_long", "BEG (segment 2)", "BEG03", "PO" * 15,
                     "ask bigbox to send a PO number of at most 22 characters"]
    code = next(n for n in fields["description"]["content"] if n["type"] == "codeBlock")
    assert code["content"][0]["text"] == "edigate tx view 17\nedigate tx reprocess 17 --file FIXED"
    sent = json.loads(fake.seen[-1].body)
    assert check("jira-issues.schema.json", "createIssue", sent) is None


@pytest.mark.parametrize(("kind", "header"), [
    ("jira", "Basic " + base64.b64encode(b"ops@acme.example:jira-api-token").decode()),
    ("servicenow", "Basic " + base64.b64encode(b"edigate:snow-pass").decode()),
    ("zendesk", "Basic " + base64.b64encode(b"ops@acme.example/token:zd-token").decode()),
    ("freshdesk", "Basic " + base64.b64encode(b"fd-api-key:X").decode()),
    ("salesforce", "Bearer 00Dxx0000000001!AQ4AQ.first"),
])
def test_each_request_is_authenticated_as_the_vendor_documents(
        systems: dict[str, tuple[TicketSystem, Settings]], kind: str, header: str, waits: Waits) -> None:
    fake, conn = make(systems, kind, waits)
    conn.open(TICKET)
    assert {r.header("authorization") for r in fake.seen if "oauth2" not in r.path} == {header}


@pytest.mark.parametrize("kind", KINDS)
def test_a_wrong_secret_is_the_vendors_401_and_not_retried(
        systems: dict[str, tuple[TicketSystem, Settings]], kind: str, waits: Waits,
        monkeypatch: pytest.MonkeyPatch) -> None:
    fake, _ = systems[kind]
    secret = {"jira": "JIRA_TOKEN", "servicenow": "SNOW_PASSWORD", "zendesk": "ZENDESK_TOKEN",
              "freshdesk": "FRESHDESK_KEY", "salesforce": "SF_SECRET"}[kind]
    monkeypatch.setenv(secret, "wrong")
    _, conn = make(systems, kind, waits)
    with pytest.raises(HttpError) as caught:
        conn.open(TICKET)
    assert caught.value.code == "transport.http.auth" and caught.value.status in (400, 401)
    assert fake.opened() == [] and waits == []


def test_a_401_for_an_expired_salesforce_token_fetches_a_new_one_once(
        systems: dict[str, tuple[TicketSystem, Settings]], waits: Waits) -> None:
    fake, conn = make(systems, "salesforce", waits)
    assert isinstance(fake, Salesforce)
    case = conn.open(TICKET)
    before = fake.tokens_issued
    fake.token = "00Dxx0000000001!AQ4AQ.second"
    try:
        conn.comment(case, "again")
    finally:
        fake.token = "00Dxx0000000001!AQ4AQ.first"
    assert fake.tokens_issued == before + 1 and len(fake.comments) == 1


@pytest.mark.parametrize("kind", KINDS)
def test_429_waits_the_retry_after_it_names_then_succeeds(
        systems: dict[str, tuple[TicketSystem, Settings]], kind: str, waits: Waits) -> None:
    fake, conn = make(systems, kind, waits)
    fake.fail.append(answer(429, {"message": "Rate limit exceeded"}, {"Retry-After": "7"}))
    conn.open(TICKET)
    assert len(fake.opened()) == 1
    assert len(waits) == 1 and 7 <= waits[0] <= 7.8


@pytest.mark.parametrize("kind", ("jira", "servicenow", "zendesk", "freshdesk"))
def test_a_create_whose_answer_is_lost_is_found_again_not_opened_twice(
        systems: dict[str, tuple[TicketSystem, Settings]], kind: str, waits: Waits) -> None:
    fake, conn = make(systems, kind, waits)
    fake.lose_answer = True
    with pytest.raises(HttpError) as caught:
        conn.open(TICKET)  # a POST that may have acted is not repeated blindly
    assert caught.value.status == 500 and caught.value.code == "transport.http.server"
    found = conn.find(TICKET.key)
    assert found is not None and len(fake.opened()) == 1


def test_salesforce_upserts_by_external_id_so_a_retried_create_is_the_same_case(
        systems: dict[str, tuple[TicketSystem, Settings]], waits: Waits) -> None:
    fake, conn = make(systems, "salesforce", waits)
    fake.fail.append(fake.server_error())  # the PATCH upsert is idempotent: tried again at once
    first = conn.open(TICKET)
    assert conn.open(TICKET) == first
    assert len(fake.opened()) == 1 and len(waits) == 1
    (case,) = fake.opened()
    assert case["Edigate_Key__c"] == "tx_failed:tx17" and case["Priority"] == "High"


@pytest.mark.parametrize(("kind", "fragment"), [
    ("jira", '"errorMessages":["Issue does not exist or you do not have permission to see it."]'),
    ("servicenow", '"message":"No Record found"'),
    ("zendesk", '"error":"RecordNotFound"'),
    ("freshdesk", '"code":"access_denied"'),
    ("salesforce", '"errorCode":"INVALID_CROSS_REFERENCE_KEY"'),
])
def test_a_refusal_carries_the_vendors_error_body(
        systems: dict[str, tuple[TicketSystem, Settings]], kind: str, fragment: str, waits: Waits) -> None:
    _, conn = make(systems, kind, waits)
    missing = {"jira": "99999", "servicenow": "f" * 32, "zendesk": "999", "freshdesk": "999",
               "salesforce": "500000000000000999"}[kind]
    with pytest.raises(HttpError) as caught:
        conn.comment(missing, "hello")
    assert fragment in str(caught.value) and caught.value.code == "transport.http.rejected"


def test_a_500_that_persists_on_a_repeatable_request_is_tried_attempts_times(
        systems: dict[str, tuple[TicketSystem, Settings]], waits: Waits) -> None:
    fake, conn = make(systems, "zendesk", waits)
    ticket = conn.open(TICKET)
    fake.fail.extend([fake.server_error()] * 3)  # a PUT may be repeated; the settings allow 3 tries
    with pytest.raises(HttpError) as caught:
        conn.close(ticket, "done")
    assert caught.value.status == 500 and len(waits) == 2
    assert conn.state(ticket).closed is False


def test_servicenow_resolve_sends_the_code_and_notes_its_data_policy_requires(
        systems: dict[str, tuple[TicketSystem, Settings]], waits: Waits) -> None:
    fake, conn = make(systems, "servicenow", waits)
    sys_id = conn.open(TICKET)
    conn.comment(sys_id, "work note")
    conn.close(sys_id, "fixed the map")
    record = fake.tickets[sys_id]
    assert record["state"] == "6" and record["close_code"] == "Solved (Permanently)"
    assert record["close_notes"] == "fixed the map" and record["work_notes"] == ["work note"]
    assert record["correlation_id"] == "tx_failed:tx17" and record["urgency"] == "1"


def test_jira_resolve_picks_the_transition_to_done_and_comments_the_note(
        systems: dict[str, tuple[TicketSystem, Settings]], waits: Waits) -> None:
    fake, conn = make(systems, "jira", waits)
    assert isinstance(fake, Jira)
    issue = conn.open(TICKET)
    conn.close(issue, "partner resent")
    assert fake.tickets[issue]["status"]["name"] == "Done"
    assert fake.tickets[issue]["comments"][-1]["content"][0]["content"][0]["text"] == "partner resent"


def test_the_adf_description_is_valid_for_any_ticket() -> None:
    empty = Ticket("k", "t", "", errors=(LogLine("c", "m"),))
    assert check("jira-issues.schema.json", "createIssue", {"fields": {
        "project": {"key": "EDI"}, "summary": "t", "issuetype": {"name": "Task"}, "description": adf(empty)}}) is None
