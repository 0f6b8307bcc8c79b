"""A real HTTP server on 127.0.0.1 for tests, answering as a test's handler says.

Each test plays a vendor's service: its handler reads the request as it came over the socket
(method, path, headers, raw body) and returns status, headers and body. Every request is
kept in ``server.requests`` for the test's assertions. A handler that must hang (to test a
client's timeout) waits on a `threading.Event` the test releases.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["Answer", "Request", "Server", "serve"]


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes = field(repr=False)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


Answer = tuple[int, Mapping[str, str], bytes]
Handler = Callable[[Request], Answer]


class Server:
    """The running server: its base URL and the requests it received."""

    def __init__(self, httpd: ThreadingHTTPServer, handler: Handler) -> None:
        self.httpd = httpd
        self.handler = handler
        self.requests: list[Request] = []
        self.connections: set[socket.socket] = set()
        self.release = threading.Event()
        """Set when the test ends, so a handler that hangs lets go."""
        host, port = httpd.server_address[:2]
        self.url = f"http://{host!s}:{port}"

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]


def _handler_class(server: list[Server]) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go in two writes: no 40 ms delayed-ACK stall

        def setup(self) -> None:
            super().setup()
            server[0].connections.add(self.connection)

        def finish(self) -> None:
            server[0].connections.discard(self.connection)
            super().finish()

        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            request = Request(self.command, self.path, headers, body)
            server[0].requests.append(request)
            status, answer_headers, answer = server[0].handler(request)
            try:
                self.send_response(status)
                for name, value in answer_headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (its timeout): nothing to answer

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _any

        def log_message(self, format: str, *args: object) -> None:
            pass

    return _Handler


@contextmanager
def serve(handler: Handler) -> Iterator[Server]:
    """Run a server answering with ``handler`` until the block ends."""
    holder: list[Server] = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_class(holder))
    httpd.daemon_threads = False  # server_close waits for every connection's thread
    server = Server(httpd, handler)
    holder.append(server)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        httpd.shutdown()
        for connection in list(server.connections):  # kept-alive connections end their thread
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        httpd.server_close()
        thread.join()
