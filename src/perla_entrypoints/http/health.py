"""Probes: ``/health`` says the process answers, ``/ready`` that its dependencies do."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from litestar import get

from perla_adapters.dramatiq import broker_ready
from perla_entrypoints.http.dependencies import BrokerProbe, StorageProbe
from perla_entrypoints.http.openapi import responses
from perla_entrypoints.http.problems import NotReady
from perla_entrypoints.http.schemas import Health, Readiness


@get(
    "/health",
    operation_id="health",
    summary="Liveness",
    description="The process is up and answering.",
    tags=["health"],
)
async def health() -> Health:
    return Health(status="ok")


@get(
    "/ready",
    operation_id="ready",
    summary="Readiness",
    description="The database and the broker answer; 503 with Retry-After while they do not.",
    tags=["health"],
    sync_to_thread=True,
    responses=responses(503),
)
def ready(storage: StorageProbe, broker: BrokerProbe) -> Readiness:
    database = _state(lambda: storage().ready())
    queue = _state(lambda: broker_ready(broker()))
    if database != "ok" or queue != "ok":
        raise NotReady(database=database, broker=queue)
    return Readiness(database=database, broker=queue)


def _state(check: Callable[[], bool]) -> Literal["ok", "unavailable"]:
    try:
        return "ok" if check() else "unavailable"
    except Exception:  # noqa: BLE001 - failing to build or reach it means "not ready"
        return "unavailable"
