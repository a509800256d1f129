"""The local Messages-API double as tests drive it: scripting its next answers and reading back
what it received (``perla_adapters.llm.simulator``'s ``/_sim`` routes)."""

from __future__ import annotations

from typing import Any

import httpx


class MessagesDouble:
    """The double served at ``base_url``."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def reset(self) -> MessagesDouble:
        httpx.post(f"{self.base_url}/_sim/reset", timeout=5).raise_for_status()
        return self

    def script(self, *steps: dict[str, Any]) -> None:
        httpx.post(f"{self.base_url}/_sim/script", json=list(steps), timeout=5).raise_for_status()

    def requests(self) -> list[dict[str, Any]]:
        """What reached ``POST /v1/messages``: the headers that matter and the body."""
        received: list[dict[str, Any]] = httpx.get(f"{self.base_url}/_sim/state", timeout=5).json()[
            "requests"
        ]
        return received

    def bodies(self) -> list[dict[str, Any]]:
        return [r["body"] for r in self.requests()]

    def queued(self) -> list[dict[str, Any]]:
        queued: list[dict[str, Any]] = httpx.get(f"{self.base_url}/_sim/state", timeout=5).json()[
            "queued"
        ]
        return queued
