"""What the carrier emulators (``ghn_server``, ``ghtk_server``, ``vtp_server``) share: a werkzeug server in a thread
of the test process, state reset per test, and faults injected on request (a 5xx before anything happens, a
timeout after the call was executed, a refusal in the carrier's own shape)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


@dataclass
class Fault:
    path: str  #: the carrier's path the fault applies to (a path ending in ``/`` matches every path below it)
    kind: str  #: ``500`` | ``timeout`` | ``refuse`` (what each emulator supports)
    times: int = 1
    delay: float = 3.0  #: ``timeout``: how long the answer is held after the call was executed

    def matches(self, path: str) -> bool:
        return self.times > 0 and (path == self.path or (self.path.endswith("/") and path.startswith(self.path)))


class CarrierPeer:
    """A carrier emulator: subclasses set ``state_class`` (a dataclass with a ``faults`` list) and ``handle``."""

    state_class: type

    def __init__(self):
        self.state = self.state_class()
        self._lock = threading.Lock()
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def reset(self) -> None:
        """Forget everything: orders, calls, faults (and whatever else the state holds)."""
        with self._lock:
            self.state = self.state_class()

    def close(self) -> None:
        self._server.shutdown()

    def fail(self, path: str, kind: str, times: int = 1, delay: float = 3.0) -> None:
        """The next ``times`` calls of ``path`` fail with ``kind``."""
        self.state.faults.append(Fault(path, kind, times, delay))

    def _fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self.state.faults:
                if fault.matches(path):
                    fault.times -= 1
                    return fault
        return None

    def _wsgi(self, environ, start_response):
        return self.handle(Request(environ))(environ, start_response)

    def handle(self, request: Request) -> Response:
        raise NotImplementedError
