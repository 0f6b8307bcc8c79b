"""Local stand-ins for five ticket systems, behaving as their vendors document them.

Each checks authentication as documented (Jira Cloud and Zendesk: basic with e-mail and API
token, Zendesk's user ``email/token``; Freshdesk: basic with the API key and ``X``;
ServiceNow: basic; Salesforce: an OAuth 2 bearer token from its token endpoint), checks
every request body against a schema written from the vendor's reference
(``schemas/*.schema.json``, each naming its reference), keeps its tickets, and answers with
the vendor's documented error bodies. ``fail`` holds answers to give (a 429 with
``Retry-After``, a 500) before the next request is served; ``lose_answer`` makes the next
create (201) succeed and still answer 500 (the answer lost on the way).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import jsonschema

from edigate.config.tickets import TicketSystem as TicketSettings_
from tests.support.httpd import Answer, Request, serve

_SCHEMAS = Path(__file__).parents[1] / "connectors" / "schemas"
_JSON = {"Content-Type": "application/json;charset=UTF-8"}


def check(schema_file: str, name: str, body: Any) -> str | None:
    """Why ``body`` breaks the ``name`` definition of ``schema_file``, or None."""
    schema = json.loads((_SCHEMAS / schema_file).read_text())
    try:
        jsonschema.validate(body, {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": f"#/$defs/{name}"})
    except jsonschema.ValidationError as exc:
        return f"{'/'.join(map(str, exc.absolute_path))}: {exc.message}"
    return None


def answer(status: int, body: Any, headers: dict[str, str] | None = None) -> Answer:
    return status, {**_JSON, **(headers or {})}, b"" if body is None else json.dumps(body).encode()


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@dataclass
class TicketSystem:
    """What every stand-in shares: credentials, tickets by id, injected failures."""

    authorization: str = ""
    tickets: dict[str, dict[str, Any]] = field(default_factory=dict)
    fail: list[Answer] = field(default_factory=list)
    lose_answer: bool = False
    url: str = ""
    seen: list[Request] = field(default_factory=list)

    def __call__(self, r: Request) -> Answer:
        self.seen.append(r)
        if not self.authorized(r):
            return self.unauthorized()
        if self.fail:
            return self.fail.pop(0)
        got = self.route(r.method, urlsplit(r.path).path, {k: v[0] for k, v in parse_qs(urlsplit(r.path).query).items()},
                         json.loads(r.body) if r.body else None)
        if self.lose_answer and got[0] == 201:
            self.lose_answer = False
            return self.server_error()
        return got

    def authorized(self, r: Request) -> bool:
        return r.header("authorization") == self.authorization

    def reset(self) -> None:
        """Empty: no tickets, no failures waiting, no requests seen."""
        self.tickets.clear()
        self.fail.clear()
        self.seen.clear()
        self.lose_answer = False

    def opened(self) -> list[dict[str, Any]]:
        return list(self.tickets.values())

    def unauthorized(self) -> Answer:
        raise NotImplementedError

    def server_error(self) -> Answer:
        return answer(500, {"error": "internal"})

    def route(self, method: str, path: str, query: dict[str, str], body: Any) -> Answer:
        raise NotImplementedError


@dataclass
class Jira(TicketSystem):
    """Jira Cloud REST v3; project ``EDI``; workflow To Do -> In Progress -> Done."""

    TRANSITIONS = ({"id": "11", "name": "To Do", "to": {"name": "To Do", "statusCategory": {"key": "new"}}},
                   {"id": "21", "name": "Start work", "to": {"name": "In Progress", "statusCategory": {"key": "indeterminate"}}},
                   {"id": "31", "name": "Resolve", "to": {"name": "Done", "statusCategory": {"key": "done"}}})

    def unauthorized(self) -> Answer:
        return answer(401, {"errorMessages": ["You are not authenticated. Authentication required to perform this "
                                              "operation."], "errors": {}})

    def route(self, method: str, path: str, query: dict[str, str], body: Any) -> Answer:
        m = re.fullmatch(r"/rest/api/3/issue(?:/(\d+)(/comment|/transitions)?)?", path)
        if method == "GET" and path == "/rest/api/3/search/jql":
            label = re.search(r'labels = "([^"]+)"', query.get("jql", ""))
            found = [t for t in self.tickets.values() if label and label[1] in t["fields"]["labels"]]
            return answer(200, {"issues": [{"id": t["id"], "key": t["key"]} for t in found], "isLast": True})
        if m is None:
            return answer(404, {"errorMessages": ["Not found"], "errors": {}})
        if m[1] is None:
            return self._create(body) if method == "POST" else answer(405, None)
        issue = self.tickets.get(m[1])
        if issue is None:
            return answer(404, {"errorMessages": ["Issue does not exist or you do not have permission to see it."],
                                "errors": {}})
        if m[2] == "/comment":
            return self._comment(issue, body)
        if m[2] == "/transitions":
            return answer(200, {"transitions": list(self.TRANSITIONS)}) if method == "GET" else self._move(issue, body)
        return answer(200, {"id": issue["id"], "key": issue["key"], "fields": {"status": issue["status"]}})

    def _create(self, body: Any) -> Answer:
        problem = check("jira-issues.schema.json", "createIssue", body)
        if problem is None and body["fields"]["project"].get("key") != "EDI":
            problem = "valid project is required"
        if problem is not None:
            return answer(400, {"errorMessages": [], "errors": {"fields": problem}})
        n = len(self.tickets) + 1
        issue = {"id": str(10000 + n), "key": f"EDI-{n}", "fields": body["fields"], "comments": [],
                 "status": {"name": "To Do", "statusCategory": {"key": "new"}}}
        self.tickets[issue["id"]] = issue
        return answer(201, {"id": issue["id"], "key": issue["key"], "self": f"{self.url}/rest/api/3/issue/{issue['id']}"})

    def _comment(self, issue: dict[str, Any], body: Any) -> Answer:
        problem = check("jira-issues.schema.json", "addComment", body)
        if problem is not None:
            return answer(400, {"errorMessages": [], "errors": {"comment": problem}})
        issue["comments"].append(body["body"])
        return answer(201, {"id": str(len(issue["comments"])), "body": body["body"]})

    def _move(self, issue: dict[str, Any], body: Any) -> Answer:
        problem = check("jira-issues.schema.json", "transitionIssue", body)
        chosen = [t for t in self.TRANSITIONS if body and t["id"] == body.get("transition", {}).get("id")]
        if problem is not None or not chosen:
            return answer(400, {"errorMessages": [problem or "Transition id is not valid for this issue."],
                                "errors": {}})
        issue["status"] = chosen[0]["to"]
        issue["comments"] += [c["add"]["body"] for c in body.get("update", {}).get("comment", [])]
        return 204, {}, b""


@dataclass
class ServiceNow(TicketSystem):
    """The Table API on ``incident``."""

    def unauthorized(self) -> Answer:
        return answer(401, {"error": {"message": "User Not Authenticated",
                                      "detail": "Required to provide Auth information"}, "status": "failure"})

    def server_error(self) -> Answer:
        return answer(500, {"error": {"message": "Internal server error", "detail": None}, "status": "failure"})

    def route(self, method: str, path: str, query: dict[str, str], body: Any) -> Answer:
        m = re.fullmatch(r"/api/now/table/incident(?:/([0-9a-f]{32}))?", path)
        if m is None:
            return answer(400, {"error": {"message": "Invalid table", "detail": None}, "status": "failure"})
        if m[1] is None and method == "GET":
            wanted = query.get("sysparm_query", "").removeprefix("correlation_id=")
            return answer(200, {"result": [{"sys_id": s} for s, t in self.tickets.items()
                                           if t["correlation_id"] == wanted]})
        if m[1] is None:
            return self._create(body)
        record = self.tickets.get(m[1])
        if record is None:
            return answer(404, {"error": {"message": "No Record found", "detail": "Record doesn't exist or ACL "
                                          "restricts the record retrieval"}, "status": "failure"})
        return self._update(record, body) if method == "PATCH" else answer(200, {"result": {"state": record["state"]}})

    def _create(self, body: Any) -> Answer:
        problem = check("servicenow-incident.schema.json", "create", body)
        if problem is not None:
            return answer(400, {"error": {"message": "Invalid request", "detail": problem}, "status": "failure"})
        sys_id = f"{len(self.tickets) + 1:032x}"
        self.tickets[sys_id] = {**body, "sys_id": sys_id, "number": f"INC{10000 + len(self.tickets):07d}",
                                "state": "1", "work_notes": []}
        return answer(201, {"result": {"sys_id": sys_id, "number": self.tickets[sys_id]["number"]}},
                      {"Location": f"{self.url}/api/now/table/incident/{sys_id}"})

    def _update(self, record: dict[str, Any], body: Any) -> Answer:
        problem = check("servicenow-incident.schema.json", "update", body)
        if problem is None and body.get("state") == "6" and not (body.get("close_code") and body.get("close_notes")):
            return answer(403, {"error": {"message": "Operation Failed", "detail": "Data Policy Exception: \n The "
                                          "following fields are mandatory: Resolution code, Resolution notes\n"},
                                "status": "failure"})
        if problem is not None:
            return answer(400, {"error": {"message": "Invalid request", "detail": problem}, "status": "failure"})
        if "work_notes" in body:
            record["work_notes"].append(body.pop("work_notes"))
        record.update(body)
        return answer(200, {"result": {"sys_id": record["sys_id"], "state": record["state"]}})


@dataclass
class Zendesk(TicketSystem):
    """Zendesk Support's Tickets API."""

    def unauthorized(self) -> Answer:
        return answer(401, {"error": "Couldn't authenticate you"})

    def route(self, method: str, path: str, query: dict[str, str], body: Any) -> Answer:
        if path == "/api/v2/tickets.json" and method == "GET":
            found = [t for t in self.tickets.values() if t.get("external_id") == query.get("external_id")]
            return answer(200, {"tickets": found, "count": len(found), "next_page": None})
        if path == "/api/v2/tickets.json" and method == "POST":
            return self._create(body)
        m = re.fullmatch(r"/api/v2/tickets/(\d+)\.json", path)
        ticket = self.tickets.get(m[1]) if m else None
        if ticket is None:
            return answer(404, {"error": "RecordNotFound", "description": "Not found"})
        return self._update(ticket, body) if method == "PUT" else answer(200, {"ticket": ticket})

    def _create(self, body: Any) -> Answer:
        problem = check("zendesk-tickets.schema.json", "create", body)
        if problem is not None:
            return answer(422, {"error": "RecordInvalid", "description": "Record validation errors",
                                "details": {"base": [{"description": problem}]}})
        n = str(len(self.tickets) + 1)
        ticket = {**body["ticket"], "id": int(n), "status": "new", "comments": [body["ticket"].pop("comment")]}
        ticket.pop("comment", None)
        self.tickets[n] = ticket
        return answer(201, {"ticket": ticket}, {"Location": f"{self.url}/api/v2/tickets/{n}.json"})

    def _update(self, ticket: dict[str, Any], body: Any) -> Answer:
        problem = check("zendesk-tickets.schema.json", "update", body)
        if problem is None and ticket["status"] == "closed":
            problem = "Status: closed prevents ticket update"
        if problem is not None:
            return answer(422, {"error": "RecordInvalid", "description": "Record validation errors",
                                "details": {"status": [{"description": problem}]}})
        change = dict(body["ticket"])
        if "comment" in change:
            ticket["comments"].append(change.pop("comment"))
        ticket.update(change)
        return answer(200, {"ticket": ticket})


@dataclass
class Freshdesk(TicketSystem):
    """Freshdesk API v2: tickets, notes, search by tag."""

    def unauthorized(self) -> Answer:
        return answer(401, {"code": "invalid_credentials", "message": "You have to be logged in to perform this action."})

    def route(self, method: str, path: str, query: dict[str, str], body: Any) -> Answer:
        if path == "/api/v2/search/tickets":
            tag = re.fullmatch(r"\"tag:'([^']+)'\"", query.get("query", ""))
            found = [t for t in self.tickets.values() if tag and tag[1] in t["tags"]]
            return answer(200, {"results": found, "total": len(found)})
        if path == "/api/v2/tickets":
            return self._create(body)
        m = re.fullmatch(r"/api/v2/tickets/(\d+)(/notes)?", path)
        ticket = self.tickets.get(m[1]) if m else None
        if m is None or ticket is None:
            return answer(404, {"code": "access_denied", "message": "You are not authorized to perform this action."})
        if m[2]:
            return self._note(ticket, body)
        if method == "PUT":
            problem = check("freshdesk-tickets.schema.json", "update", body)
            if problem is not None:
                return self._invalid(problem)
            ticket.update(body)
        return answer(200, ticket)

    def _invalid(self, problem: str) -> Answer:
        return answer(400, {"description": "Validation failed",
                            "errors": [{"field": problem.split(":")[0], "message": problem, "code": "invalid_value"}]})

    def _create(self, body: Any) -> Answer:
        problem = check("freshdesk-tickets.schema.json", "create", body)
        if problem is not None:
            return self._invalid(problem)
        n = str(len(self.tickets) + 1)
        self.tickets[n] = {**body, "id": int(n), "notes": []}
        return answer(201, self.tickets[n], {"Location": f"{self.url}/api/v2/tickets/{n}"})

    def _note(self, ticket: dict[str, Any], body: Any) -> Answer:
        problem = check("freshdesk-tickets.schema.json", "note", body)
        if problem is not None:
            return self._invalid(problem)
        ticket["notes"].append(body)
        return answer(201, {"id": len(ticket["notes"]), "ticket_id": ticket["id"], **body})


@dataclass
class Salesforce(TicketSystem):
    """Salesforce REST API v61.0: an OAuth 2 client credentials token endpoint, Case upserted
    by ``Edigate_Key__c``, CaseComment, Case updated and read."""

    client: str = ""
    token: str = "00Dxx0000000001!AQ4AQ.first"
    tokens_issued: int = 0
    comments: list[dict[str, Any]] = field(default_factory=list)

    def authorized(self, r: Request) -> bool:
        return r.path.startswith("/services/oauth2/token") or r.header("authorization") == f"Bearer {self.token}"

    def unauthorized(self) -> Answer:
        return answer(401, [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}])

    def reset(self) -> None:
        super().reset()
        self.comments.clear()

    def server_error(self) -> Answer:
        return answer(500, [{"message": "An unexpected error occurred.", "errorCode": "UNKNOWN_EXCEPTION"}])

    def __call__(self, r: Request) -> Answer:
        if r.method == "POST" and r.path == "/services/oauth2/token":
            return self._token(r)
        return super().__call__(r)

    def _token(self, r: Request) -> Answer:
        form = {k: v[0] for k, v in parse_qs(r.body.decode()).items()}
        if form.get("grant_type") != "client_credentials" or r.header("authorization") != self.client:
            return answer(400, {"error": "invalid_client", "error_description": "invalid client credentials"})
        self.tokens_issued += 1
        return answer(200, {"access_token": self.token, "instance_url": self.url, "token_type": "Bearer",
                            "issued_at": "1765100000000", "signature": "c2lnbmF0dXJl"})

    def route(self, method: str, path: str, query: dict[str, str], body: Any) -> Answer:
        base = "/services/data/v61.0/sobjects"
        if path.startswith(f"{base}/Case/Edigate_Key__c/") and method == "PATCH":
            return self._upsert(unquote(path.rsplit("/", 1)[1]), body)
        if path == f"{base}/CaseComment" and method == "POST":
            return self._comment(body)
        m = re.fullmatch(rf"{base}/Case/(500[A-Za-z0-9]{{15}})", path)
        case = self.tickets.get(m[1]) if m else None
        if case is None:
            return answer(404, [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}])
        if method == "PATCH":
            problem = check("salesforce-case.schema.json", "case", body)
            if problem is not None:
                return answer(400, [{"message": problem, "errorCode": "INVALID_FIELD", "fields": []}])
            case.update(body)
            case["IsClosed"] = case["Status"] == "Closed"
            return 204, {}, b""
        return answer(200, {"attributes": {"type": "Case", "url": path}, "Id": m[1] if m else "",
                            "Status": case["Status"], "IsClosed": case["IsClosed"]})

    def _upsert(self, key: str, body: Any) -> Answer:
        problem = check("salesforce-case.schema.json", "case", body)
        if problem is not None or "Edigate_Key__c" in body:
            return answer(400, [{"message": problem or "external id in body", "errorCode": "INVALID_FIELD",
                                 "fields": []}])
        existing = next((i for i, c in self.tickets.items() if c["Edigate_Key__c"] == key), None)
        if existing is not None:
            self.tickets[existing].update(body)
            return answer(200, {"id": existing, "success": True, "errors": [], "created": False})
        case_id = f"500{len(self.tickets) + 1:015d}"
        self.tickets[case_id] = {**body, "Edigate_Key__c": key, "IsClosed": False}
        return answer(201, {"id": case_id, "success": True, "errors": [], "created": True})

    def _comment(self, body: Any) -> Answer:
        problem = check("salesforce-case.schema.json", "caseComment", body)
        if problem is None and body["ParentId"] not in self.tickets:
            return answer(400, [{"message": "invalid cross reference id", "errorCode": "INVALID_CROSS_REFERENCE_KEY",
                                 "fields": ["ParentId"]}])
        if problem is not None:
            return answer(400, [{"message": problem, "errorCode": "INVALID_FIELD", "fields": []}])
        self.comments.append(body)
        return answer(201, {"id": f"00a{len(self.comments):015d}", "success": True, "errors": []})


# -- all five, running, with the settings that reach them ---------------------------------

SECRETS = {"JIRA_TOKEN": "jira-api-token", "SNOW_PASSWORD": "snow-pass", "ZENDESK_TOKEN": "zd-token",
           "FRESHDESK_KEY": "fd-api-key", "SF_SECRET": "sf-secret"}
"""The environment the settings' ``env:`` references read (a test sets it)."""


@contextmanager
def running_systems() -> Iterator[dict[str, tuple[TicketSystem, TicketSettings_]]]:
    """The five stand-ins on local ports, each with the `TicketSystem` settings that reach it."""
    from edigate.config.channels import BasicAuth, BearerAuth, OAuth2Auth
    from edigate.config.secrets import SecretRef
    from edigate.config.tickets import TicketSystem as Settings

    fakes: dict[str, TicketSystem] = {
        "jira": Jira(basic("ops@acme.example", SECRETS["JIRA_TOKEN"])),
        "servicenow": ServiceNow(basic("edigate", SECRETS["SNOW_PASSWORD"])),
        "zendesk": Zendesk(basic("ops@acme.example/token", SECRETS["ZENDESK_TOKEN"])),
        "freshdesk": Freshdesk(basic(SECRETS["FRESHDESK_KEY"], "X")),
        "salesforce": Salesforce(client=basic("sf-client", SECRETS["SF_SECRET"])),
    }
    auths: dict[str, object] = {"jira": BasicAuth(user="ops@acme.example", password=SecretRef("env", "JIRA_TOKEN")),
             "servicenow": BasicAuth(user="edigate", password=SecretRef("env", "SNOW_PASSWORD")),
             "zendesk": BasicAuth(user="ops@acme.example/token", password=SecretRef("env", "ZENDESK_TOKEN")),
             "freshdesk": BearerAuth(token=SecretRef("env", "FRESHDESK_KEY"))}
    with ExitStack() as stack:
        found = {}
        for kind, fake in fakes.items():
            server = stack.enter_context(serve(fake))
            fake.url = server.url
            auth = auths.get(kind) or OAuth2Auth(token_url=f"{server.url}/services/oauth2/token", client_id="sf-client",
                                                 client_secret=SecretRef("env", "SF_SECRET"))
            found[kind] = (fake, Settings(url=server.url, auth=auth, kind=kind, backoff_seconds=0.0,  # type: ignore[arg-type]
                                          attempts=3, timeout_seconds=5.0, project="EDI" if kind == "jira" else None,
                                          requester="edi-desk@acme.example" if kind == "freshdesk" else None))
        yield found
