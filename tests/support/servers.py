"""Real servers on loopback for tests: an ASGI app under uvicorn in a background thread.

``running_server(app)`` binds a free port on 127.0.0.1 itself (so there is no race for it),
starts uvicorn on that socket in a daemon thread, waits until it accepts connections, yields
the base URL and stops the server when the block ends. ``SimulatorControl`` drives the
``/_sim/*`` routes of perla's Dome and PerlaHub simulators.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn

STARTUP_TIMEOUT = 10.0


@contextmanager
def running_server(app: Any, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve ``app`` on a free port of ``host``; yields ``http://host:port``."""
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets whose proto says TCP,
    # and without it every keep-alive answer waits ~40 ms for a delayed ACK (Nagle).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        ws="none",
        lifespan="off",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"uvicorn-{port}", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError(f"the test server on {host}:{port} did not start")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()


class SimulatorControl:
    """The test-only routes of a simulator: faults, state, reset."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        response = httpx.request(method, f"{self.base_url}{path}", json=body, timeout=5)
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        self._call("POST", "/_sim/reset")

    def fault(self, **spec: Any) -> None:
        """Queue a fault: ``status``, ``count``, ``delay_ms``, ``garbage``, ``body`` ..."""
        self._call("POST", "/_sim/faults", spec)

    def clear_faults(self) -> None:
        self._call("DELETE", "/_sim/faults")

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = self._call("GET", "/_sim/state")
        return state

    def records(self, kind: str) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = self.state()["records"][kind]
        return records

    def requests(self, method: str | None = None, path: str | None = None) -> list[dict[str, Any]]:
        """API requests seen, optionally only those of ``method`` on ``path`` (a prefix)."""
        return [
            r
            for r in self.state()["requests"]
            if (method is None or r["method"] == method)
            and (path is None or r["path"].startswith(path))
        ]
