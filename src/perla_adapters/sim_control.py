"""A client of the local doubles' test-only routes (``/_sim/*``): faults, state, reset, and
for the Zenvia double the webhook it calls and the events it emits to it.

The doubles (``perla simulate dome|perlahub|zenvia``) serve these routes without
authentication on loopback; tests and the demo drive them through this one client.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx


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

    def set_webhook(self, url: str, headers: Mapping[str, str] | None = None) -> None:
        """Zenvia double: where to POST the events it emits, with these static headers."""
        self._call("POST", "/_sim/webhook", {"url": url, "headers": dict(headers or {})})

    def emit(self, *events: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Zenvia double: emit these MESSAGE/MESSAGE_STATUS events to the webhook; returns,
        per delivery, the event, the URL and the webhook's status (or the error)."""
        answer: dict[str, Any] = self._call(
            "POST", "/_sim/emit", {"events": [dict(e) for e in events]}
        )
        delivered: list[dict[str, Any]] = answer["delivered"]
        return delivered
