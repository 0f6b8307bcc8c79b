"""An HTTP listener for a WSGI app (the AS2 endpoint), served by waitress in a thread.

`HttpListener.start` binds and returns once the port listens (so a port in use is an error
at start, not later); `stop` closes every connection from inside waitress's loop and waits
for the requests in hand to finish.

Waitress reads each request in its one event-loop thread and hands it to a worker only once
whole (a body above 512 KB is spooled to a temporary file, not memory), so slow senders
never hold a worker. `Limits` adds what waitress lacks: a deadline for the headers and for
the whole request, a cap on header lines, and a cap on connections from one peer address,
so a few hostile clients cannot take every connection slot from the partners.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from waitress.adjustments import Adjustments  # type: ignore[import-untyped]
from waitress.channel import HTTPChannel  # type: ignore[import-untyped]
from waitress.parser import HTTPRequestParser  # type: ignore[import-untyped]
from waitress.server import TcpWSGIServer  # type: ignore[import-untyped]
from waitress.task import ThreadedTaskDispatcher  # type: ignore[import-untyped]
from waitress.utilities import RequestHeaderFieldsTooLarge  # type: ignore[import-untyped]

from edigate.errors import TransportError

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

__all__ = ["HttpListener", "Limits"]

log = logging.getLogger(__name__)

_LOOP_SECONDS = 1
"""How long waitress's loop sleeps in poll() with nothing to do (an int: waitress needs one)."""


@dataclass(frozen=True, slots=True)
class Limits:
    """What one request and one peer may take; sizes in bytes, times in seconds."""

    max_body_bytes: int = 64 * 2**20
    max_header_bytes: int = 32 * 2**10
    max_headers: int = 100
    header_timeout: int = 20
    request_timeout: int = 600
    max_connections: int = 100
    connections_per_peer: int = 10


class HttpListener:
    """``app`` on ``host:port`` (port 0: any free port, see `port`)."""

    def __init__(self, app: WSGIApplication, host: str, port: int, *, threads: int = 4,
                 limits: Limits = Limits()) -> None:
        self.app, self.host, self.requested_port, self.threads = app, host, port, threads
        self.limits = limits
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The port listened on (known once started)."""
        return int(self._server.effective_port) if self._server is not None else self.requested_port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def start(self) -> None:
        adj = Adjustments(host=self.host, port=self.requested_port,
                          **_adjustments(self.threads, self.limits))
        dispatcher = ThreadedTaskDispatcher()
        dispatcher.set_thread_count(adj.threads)
        try:
            self._server = _GuardedServer(self.app, self.limits, dispatcher=dispatcher, adj=adj,
                                          sockinfo=adj.listen[0])
        except OSError as exc:
            raise TransportError(f"cannot listen on {self.host}:{self.requested_port}: "
                                 f"{exc.strerror or exc}", code="transport.listen") from exc
        self._thread = threading.Thread(target=self._server.run, name="edigate-http", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        with contextlib.suppress(OSError):  # its loop already ended and closed the trigger: nothing to wake
            server.trigger.pull_trigger(lambda: _close_all(server))
        thread.join(timeout)
        server.task_dispatcher.shutdown(timeout=timeout)
        self._server = self._thread = None


def _adjustments(threads: int, limits: Limits) -> dict[str, object]:
    """Waitress's settings, each of the type waitress keeps (it truncates floats to int)."""
    return {"threads": threads, "asyncore_loop_timeout": _LOOP_SECONDS, "cleanup_interval": 1,
            "channel_timeout": limits.header_timeout,
            "connection_limit": limits.max_connections,
            "max_request_header_size": limits.max_header_bytes,
            "max_request_body_size": limits.max_body_bytes,
            "clear_untrusted_proxy_headers": True, "log_socket_errors": False}


class _TimedParser(HTTPRequestParser):  # type: ignore[misc]
    """Waitress's request parser, stamped with its start and refusing too many header lines."""

    def __init__(self, adj: Any, max_headers: int) -> None:
        super().__init__(adj)
        self.started, self.max_headers = time.time(), max_headers

    def parse_header(self, header_plus: bytes) -> None:
        if header_plus.count(b"\n") >= self.max_headers:
            super().parse_header(b"GET / HTTP/1.0\r\n")
            self.error = RequestHeaderFieldsTooLarge(f"more than {self.max_headers} header lines")
            return
        super().parse_header(header_plus)


class _Channel(HTTPChannel):  # type: ignore[misc]
    """Waitress's connection, with our parser."""

    def parser_class(self, adj: Any) -> _TimedParser:
        return _TimedParser(adj, self.server.edigate_limits.max_headers)


class _GuardedServer(TcpWSGIServer):  # type: ignore[misc]
    """Waitress's TCP server, with a cap per peer and deadlines for requests in progress."""

    channel_class = _Channel

    def __init__(self, app: WSGIApplication, limits: Limits, **kw: Any) -> None:
        self.edigate_limits = limits
        super().__init__(app, {}, **kw)

    def handle_accept(self) -> None:
        try:
            accepted = self.accept()
        except OSError:
            return
        if accepted is None:
            return
        conn, addr = accepted
        peer = addr[0] if isinstance(addr, tuple) else addr
        open_now = sum(1 for c in self.active_channels.values() if _peer(c) == peer)
        if open_now >= self.edigate_limits.connections_per_peer:
            log.debug("refused a connection from %s: %d already open", peer, open_now)
            conn.close()
            return
        self.set_socket_options(conn)
        self.channel_class(self, conn, self.fix_addr(addr), self.adj, map=self._map)

    def maintenance(self, now: float) -> None:
        super().maintenance(now)
        limits = self.edigate_limits
        for channel in list(self.active_channels.values()):
            request = channel.request
            if request is None or request.completed:
                continue
            limit = limits.request_timeout if request.headers_finished else limits.header_timeout
            if now - request.started > limit:
                log.debug("closed a connection from %s: request not received in %ss",
                          _peer(channel), limit)
                channel.will_close = True


def _peer(channel: Any) -> object:
    addr = channel.addr
    return addr[0] if isinstance(addr, tuple) else addr


def _close_all(server: Any) -> None:
    """Run inside waitress's loop: close every socket so that its loop returns."""
    for channel in list(server._map.values()):
        channel.close()
