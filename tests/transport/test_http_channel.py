"""The HTTP channel against real local servers: authentication, retries, errors, timeouts."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from urllib.parse import parse_qs

import pytest

from edigate.config.channels import (
    BasicAuth,
    BearerAuth,
    HmacAuth,
    HttpTarget,
    OAuth1Auth,
    OAuth2Auth,
)
from edigate.config.secrets import SecretRef
from edigate.errors import ConfigError, TransportError
from edigate.transport import ChannelOptions, open_channel
from edigate.transport.http_auth import hmac_signature, verify_hmac
from edigate.transport.http_channel import HttpClient, HttpError, retry_after
from edigate.transport.retry import Backoff
from tests.support.httpd import Answer, Request, serve
from tests.support.oauth1 import authorization_params, expected_signature

OK: Answer = (200, {"Content-Type": "application/json"}, b'{"ok": true}')
FAST = Backoff(attempts=4, base=0.01, cap=5.0)


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {"API_TOKEN": "tok-123", "API_PASSWORD": "pa:ss", "CLIENT_SECRET": "cs-9",
                        "CONSUMER_SECRET": "c-secret", "TOKEN_SECRET": "t-secret",
                        "HOOK_SECRET": "hook-key"}.items():
        monkeypatch.setenv(name, value)
    yield


@pytest.fixture(autouse=True)
def _closed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every client a test makes is closed when it ends (no socket left to the collector)."""
    made: list[HttpClient] = []
    original = HttpClient.__init__

    def init(self: HttpClient, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        made.append(self)

    monkeypatch.setattr(HttpClient, "__init__", init)
    yield
    for client in made:
        client.close()


def env(name: str) -> SecretRef:
    return SecretRef("env", name)


class Waits:
    """Records the waits the client asked for (and waits none of them out)."""

    def __init__(self) -> None:
        self.asked: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)


def test_bearer_and_basic_send_the_secret_from_the_environment(secrets: None) -> None:
    with serve(lambda r: OK) as server:
        HttpClient(server.url, BearerAuth(token=env("API_TOKEN"))).request("GET", "/a")
        HttpClient(server.url, BasicAuth(user="edi", password=env("API_PASSWORD"))).request("GET", "/b")
    assert server.requests[0].header("authorization") == "Bearer tok-123"
    assert server.requests[1].header("authorization") == "Basic " + base64.b64encode(b"edi:pa:ss").decode()


def test_an_unset_secret_is_a_config_error_naming_the_reference() -> None:
    with serve(lambda r: OK) as server, pytest.raises(ConfigError, match="NOT_SET_ANYWHERE"):
        HttpClient(server.url, BearerAuth(token=env("NOT_SET_ANYWHERE"))).request("GET", "/")
    assert server.requests == []


def test_oauth2_token_is_reused_then_refreshed_after_a_401(secrets: None) -> None:
    issued: list[str] = []
    valid: set[str] = set()

    def vendor(r: Request) -> Answer:
        if r.path == "/oauth/token":
            form = parse_qs(r.body.decode())
            assert form["grant_type"] == ["client_credentials"] and form["scope"] == ["orders"]
            assert r.header("authorization") == "Basic " + base64.b64encode(b"edigate:cs-9").decode()
            token = f"t{len(issued)}"
            issued.append(token)
            valid.clear()
            valid.add(token)
            return 200, {"Content-Type": "application/json"}, json.dumps(
                {"access_token": token, "token_type": "Bearer", "expires_in": 3600}).encode()
        if r.header("authorization") not in {f"Bearer {t}" for t in valid}:
            return 401, {"WWW-Authenticate": 'Bearer error="invalid_token"'}, b'{"error":"invalid_token"}'
        return OK

    with serve(vendor) as server:
        auth = OAuth2Auth(token_url=server.url + "/oauth/token", client_id="edigate",
                          client_secret=env("CLIENT_SECRET"), scope="orders")
        client = HttpClient(server.url, auth)
        client.request("GET", "/orders/1")
        client.request("GET", "/orders/2")
        valid.clear()  # the server revokes the token
        client.request("GET", "/orders/3")
    assert issued == ["t0", "t1"]
    assert server.paths() == ["/oauth/token", "/orders/1", "/orders/2", "/orders/3", "/oauth/token", "/orders/3"]


def test_oauth2_refused_token_is_an_auth_error(secrets: None) -> None:
    def vendor(r: Request) -> Answer:
        return 401, {"Content-Type": "application/json"}, b'{"error":"invalid_client"}'

    with serve(vendor) as server:
        auth = OAuth2Auth(token_url=server.url + "/token", client_id="x", client_secret=env("CLIENT_SECRET"))
        with pytest.raises(HttpError, match="invalid_client") as raised:
            HttpClient(server.url, auth).request("GET", "/")
    assert raised.value.code == "transport.http.auth"


def test_oauth1_hmac_sha256_signature_with_realm_verifies_on_the_server(secrets: None) -> None:
    seen: list[dict[str, str]] = []

    def vendor(r: Request) -> Answer:
        params = authorization_params(r.header("authorization") or "")
        seen.append(params)
        url = server.url + r.path
        good = expected_signature(r.method, url, params, "c-secret", "t-secret")
        if params["oauth_signature"] != good:
            return 401, {}, b'{"title":"Unauthorized","status":401}'
        return OK

    auth = OAuth1Auth(consumer_key="ck", consumer_secret=env("CONSUMER_SECRET"), token_id="tk",
                      token_secret=env("TOKEN_SECRET"), realm="1234567_SB1")
    with serve(vendor) as server:
        client = HttpClient(server.url, auth)
        client.request("PUT", "/record/v1/salesOrder/eid:acme-PO1?replace=item", body=b'{"a": 1}',
                       content_type="application/json")
        client.request("GET", "/query/v1/suiteql?limit=5&offset=0")
    assert [p["realm"] for p in seen] == ["1234567_SB1", "1234567_SB1"]
    assert all(p["oauth_signature_method"] == "HMAC-SHA256" and p["oauth_token"] == "tk" for p in seen)
    assert seen[0]["oauth_nonce"] != seen[1]["oauth_nonce"]


def test_hmac_signs_the_raw_body_and_verify_checks_it(secrets: None) -> None:
    body = b'{"po": "PO-1", "lines": 3}'
    with serve(lambda r: OK) as server:
        auth = HmacAuth(secret=env("HOOK_SECRET"), header="X-Signature", prefix="sha256=", encoding="hex")
        HttpClient(server.url, auth).request("POST", "/hook", body=body)
    signature = server.requests[0].header("x-signature")
    assert verify_hmac(b"hook-key", server.requests[0].body, signature, encoding="hex", prefix="sha256=")
    assert not verify_hmac(b"hook-key", body + b" ", signature, encoding="hex", prefix="sha256=")
    assert not verify_hmac(b"other", body, signature, encoding="hex", prefix="sha256=")
    assert not verify_hmac(b"hook-key", body, None)
    assert verify_hmac(b"k", b"x", hmac_signature(b"k", b"x"))


def test_429_waits_what_retry_after_asks_then_succeeds() -> None:
    answers: list[Answer] = [(429, {"Retry-After": "2"}, b'{"errors":"Exceeded 2 calls per second"}'), OK]
    waits = Waits()
    with serve(lambda r: answers.pop(0)) as server:
        answer = HttpClient(server.url, retry=FAST, sleep=waits).request("POST", "/orders", body=b"{}")
    assert answer.status == 200 and answer.attempts == 2
    assert len(waits.asked) == 1 and 2.0 <= waits.asked[0] <= 2.0 * 1.1 + 0.01


def test_retry_after_is_capped_and_read_as_a_date() -> None:
    waits = Waits()
    answers: list[Answer] = [(429, {"Retry-After": "3600"}, b""), OK]
    with serve(lambda r: answers.pop(0)) as server:
        HttpClient(server.url, retry=Backoff(attempts=3, base=0.01, cap=2.0), sleep=waits).request("GET", "/")
    assert waits.asked == [2.0]
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert retry_after("soon") is None and retry_after(None) is None
    assert retry_after("2.0") == 2.0 and retry_after("inf") is None and retry_after("-1") is None


def test_a_post_without_idempotency_key_is_not_repeated_after_a_500() -> None:
    with serve(lambda r: (500, {}, b'{"message":"Internal error"}')) as server:
        with pytest.raises(HttpError) as raised:
            HttpClient(server.url, retry=FAST, sleep=Waits()).request("POST", "/orders", body=b"{}")
    assert len(server.requests) == 1
    assert raised.value.status == 500 and raised.value.code == "transport.http.server"
    assert "Internal error" in str(raised.value)


def test_a_post_with_an_idempotency_key_is_repeated_with_the_same_key_until_it_gives_up() -> None:
    with serve(lambda r: (503, {}, b"<html>Service Unavailable</html>")) as server:
        with pytest.raises(HttpError, match="answered 503 after 4 attempt") as raised:
            HttpClient(server.url, retry=FAST, sleep=Waits()).request(
                "POST", "/orders", body=b"{}", idempotency=("Idempotency-Key", "k-1"))
    assert [r.header("idempotency-key") for r in server.requests] == ["k-1"] * 4
    assert raised.value.excerpt == "<html>Service Unavailable</html>"


def test_a_bad_payload_is_rejected_at_once_with_the_vendors_message() -> None:
    body = json.dumps({"type": "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.1",
                       "title": "Bad Request", "status": 400,
                       "o:errorDetails": [{"detail": "Invalid field value: entity.", "o:errorCode": "INVALID_VALUE"}]})
    with serve(lambda r: (400, {"Content-Type": "application/vnd.oracle.resource+json"}, body.encode())) as server:
        with pytest.raises(HttpError, match="INVALID_VALUE") as raised:
            HttpClient(server.url, retry=FAST, sleep=Waits()).request("PUT", "/x", body=b"{}")
    assert len(server.requests) == 1 and raised.value.code == "transport.http.rejected"
    assert isinstance(raised.value, TransportError)


def test_a_server_that_never_answers_is_a_timeout_after_the_tries() -> None:
    hung = threading.Event()

    with serve(lambda r: (hung.set(), server.release.wait(), OK)[-1]) as server:  # type: ignore[index]
        client = HttpClient(server.url, timeout=0.5, retry=Backoff(attempts=2, base=0.01, cap=1.0), sleep=Waits())
        with pytest.raises(HttpError, match="no answer in time after 2 attempt") as raised:
            client.request("GET", "/slow")
        assert hung.is_set()
    assert raised.value.code == "transport.http.timeout" and raised.value.status is None


def test_nobody_listening_is_unreachable() -> None:
    with serve(lambda r: OK) as server:
        url = server.url
    client = HttpClient(url, retry=Backoff(attempts=2, base=0.01, cap=1.0), sleep=Waits())
    with pytest.raises(HttpError) as raised:
        client.request("POST", "/", body=b"x")
    assert raised.value.code == "transport.http.unreachable"


def test_http_routing_target_posts_with_a_stable_idempotency_key(secrets: None) -> None:
    answers: list[Answer] = [(500, {}, b"busy"), OK, OK]
    with serve(lambda r: answers.pop(0)) as server:
        target = HttpTarget(url=server.url + "/inbound/orders", auth=BearerAuth(token=env("API_TOKEN")),
                            backoff_seconds=0.0, headers={"X-Tenant": "acme"})
        with open_channel(target, "erp", ChannelOptions(sleep=Waits())) as channel:
            sent = channel.send("acme-PO1-original-7.json", b'{"po": "PO1"}')
            channel.send("acme-PO1-original-7.json", b'{"po": "PO1"}')
            assert channel.list() == []
    keys = [r.header("idempotency-key") for r in server.requests]
    assert len(set(keys)) == 1 and keys[0]
    assert all(r.header("x-tenant") == "acme" and r.header("content-type") == "application/json"
               for r in server.requests)
    assert sent.size == len(b'{"po": "PO1"}')


def test_the_delivery_benchmark_delivers_every_order_once_despite_429_and_500() -> None:
    from benchmarks.http_delivery import run

    figures = run(40)
    assert figures["orders"] == 40 and figures["retries"] == 9  # orders 10..40 refused with 429, 7..35 with 500
