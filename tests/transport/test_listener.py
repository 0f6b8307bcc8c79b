"""The HTTP listener over real loopback sockets: asleep when idle, bounded per client.

Hostile clients connect from 127.0.0.1, the partner from 127.0.0.2 (both loopback on
Linux), as they would from two addresses."""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from edigate.transport.listener import HttpListener, Limits

PARTNER_ADDRESS = "127.0.0.2"


def _app(environ, start_response):  # type: ignore[no-untyped-def]
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    answer = b"got %d bytes\n" % len(body)
    start_response("200 OK", [("Content-Length", str(len(answer)))])
    return [answer]


@pytest.fixture
def listening() -> Iterator[HttpListener]:
    listener = HttpListener(_app, "127.0.0.1", 0, threads=2,
                            limits=Limits(max_body_bytes=100_000, max_headers=50,
                                          header_timeout=1, connections_per_peer=4,
                                          max_connections=8))
    listener.start()
    yield listener
    listener.stop()


def _post(listener: HttpListener, body: bytes, *, source: str = PARTNER_ADDRESS,
          headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", listener.port, timeout=30,
                                      source_address=(source, 0))
    try:
        conn.request("POST", "/as2", body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _cpu_seconds(thread: threading.Thread) -> float:
    """CPU time (user + system) the thread has used, from /proc."""
    fields = Path(f"/proc/self/task/{thread.native_id}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # utime, stime in clock ticks (USER_HZ 100)


def test_an_idle_listener_sleeps(listening: HttpListener) -> None:
    [loop] = [t for t in threading.enumerate() if t.name == "edigate-http"]
    before = _cpu_seconds(loop)
    time.sleep(3)
    assert _cpu_seconds(loop) - before < 0.3  # a polling loop takes all 3 seconds


def test_a_partner_is_served_while_one_peer_holds_slow_and_wide_connections(
        listening: HttpListener) -> None:
    hostile = []
    for n in range(20):  # slow headers, and endless headers, from one address
        s = socket.create_connection(("127.0.0.1", listening.port))
        s.sendall(b"POST /as2 HTTP/1.1\r\nHost: x\r\n" + (b"X-Many: 1\r\n" * 30 if n % 2 else b"X-Slow: "))
        hostile.append(s)
    try:
        assert _post(listening, b"ISA" * 100) == (200, b"got 300 bytes\n")
        open_ones = [s for s in hostile if _still_open(s)]
        assert len(open_ones) <= 4  # connections_per_peer
    finally:
        for s in hostile:
            s.close()


def _still_open(s: socket.socket) -> bool:
    s.settimeout(0.5)
    try:
        return s.recv(1) != b""
    except TimeoutError:
        return True
    except OSError:
        return False


def test_headers_that_never_end_are_cut_off(listening: HttpListener) -> None:
    with socket.create_connection(("127.0.0.1", listening.port)) as s:
        s.sendall(b"POST /as2 HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        s.settimeout(60)  # header_timeout is 1 s; the loop checks every second
        assert s.recv(100) == b""  # closed by the listener


def test_too_many_header_lines_are_refused_before_any_worker(listening: HttpListener) -> None:
    headers = {f"X-H{n}": "1" for n in range(60)}
    status, _ = _post(listening, b"x", headers=headers)
    assert status == 431


def test_a_body_over_the_limit_is_refused(listening: HttpListener) -> None:
    status, _ = _post(listening, b"x" * 200_000)
    assert status == 413


def test_requests_start_no_threads(listening: HttpListener) -> None:
    _post(listening, b"warm up")
    threads = threading.active_count()
    for _ in range(30):
        assert _post(listening, b"x")[0] == 200
    assert threading.active_count() == threads
