"""An HTTP listener for a WSGI app (the AS2 endpoint), served by waitress in a thread.

`HttpListener.start` binds and returns once the port listens (so a port in use is an error
at start, not later); `stop` closes every connection from inside waitress's loop and waits
for the requests in hand to finish.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import waitress  # type: ignore[import-untyped]

from edigate.errors import TransportError

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

__all__ = ["HttpListener"]


class HttpListener:
    """``app`` on ``host:port`` (port 0: any free port, see `port`)."""

    def __init__(self, app: WSGIApplication, host: str, port: int, *, threads: int = 4) -> None:
        self.app, self.host, self.requested_port, self.threads = app, host, port, threads
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
        try:
            self._server = waitress.create_server(self.app, host=self.host, port=self.requested_port,
                                                  threads=self.threads, asyncore_loop_timeout=0.2,
                                                  clear_untrusted_proxy_headers=True)
        except OSError as exc:
            raise TransportError(f"cannot listen on {self.host}:{self.requested_port}: "
                                 f"{exc.strerror or exc}", code="transport.listen") from exc
        self._thread = threading.Thread(target=self._server.run, name="edigate-http", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.trigger.pull_trigger(lambda: _close_all(server))
        thread.join(timeout)
        server.task_dispatcher.shutdown(timeout=timeout)
        self._server = self._thread = None


def _close_all(server: Any) -> None:
    """Run inside waitress's loop: close every socket so that its loop returns."""
    for channel in list(server._map.values()):
        channel.close()
