"""The campaigns' HTTP API: preview, start, follow, pause/resume/cancel a dormant-client run;
the roles; bad input as problem details."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from litestar import Litestar
from litestar.testing import TestClient
from tests.unit.campaigns.data import a_client

from perla_entrypoints.campaign_handlers import campaign_tick, dispatch_once
from perla_entrypoints.container import Container, uow_factory
from perla_entrypoints.workers import register_actors

Headers = dict[str, str]


def seeded(container: Container, n: int = 3) -> None:
    new_uow: Any = uow_factory(container)
    for i in range(1, n + 1):
        a_client(new_uow, i)
    a_client(new_uow, n + 1, consent=False)


def test_a_dry_run_counts_the_dormant_clients_and_their_exclusions_writing_nothing(
    client: TestClient[Litestar], container: Container, reader: Headers
) -> None:
    seeded(container)
    found = client.post("/api/v1/campaigns/dormant/preview", json={}, headers=reader)
    assert found.status_code == 200, found.text
    body = found.json()
    assert (body["dormant"], body["selected"]) == (4, 3)
    assert body["excluded"]["no_consent"] == 1
    assert len(body["sample"]) == 3
    assert body["config"]["months"] == 8
    fewer = client.post("/api/v1/campaigns/dormant/preview", json={"months": 30}, headers=reader)
    assert fewer.json()["dormant"] == 0


def test_a_run_is_started_followed_paused_resumed_and_cancelled(
    client: TestClient[Litestar], container: Container, agent: Headers, reader: Headers
) -> None:
    seeded(container)
    started = client.post(
        "/api/v1/campaigns/dormant/runs", json={"rate_per_second": 2}, headers=agent
    )
    assert started.status_code == 201, started.text
    run = started.json()
    assert (run["status"], run["selected"], run["pending"], run["sent"]) == ("running", 3, 3, 0)
    assert run["config"]["rate_per_second"] == 2
    url = f"/api/v1/campaigns/runs/{run['id']}"
    register_actors(container)

    assert campaign_tick(container)  # the scheduler's tick finds it due
    assert dispatch_once(container, UUID(run["id"])).sent == 2
    assert client.get(url, headers=reader).json()["sent"] == 2

    paused = client.post(f"{url}/pause", headers=agent)
    assert paused.status_code == 200, paused.text
    assert paused.json()["status"] == "paused"
    assert campaign_tick(container) == []
    again = client.post(f"{url}/pause", headers=agent)
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")
    assert client.post(f"{url}/resume", headers=agent).json()["status"] == "running"
    cancelled = client.post(f"{url}/cancel", headers=agent).json()
    assert (cancelled["status"], cancelled["sent"], cancelled["pending"]) == ("cancelled", 2, 1)


def test_a_reader_cannot_start_a_run(client: TestClient[Litestar], reader: Headers) -> None:
    refused = client.post("/api/v1/campaigns/dormant/runs", json={}, headers=reader)
    assert refused.status_code == 403


def test_bad_input_is_a_problem_naming_the_field(
    client: TestClient[Litestar], agent: Headers
) -> None:
    for months in (0, -2):
        bad = client.post("/api/v1/campaigns/dormant/runs", json={"months": months}, headers=agent)
        assert bad.status_code == 422, bad.text
        assert [e["field"] for e in bad.json()["errors"]] == ["months"]
    unknown = client.post("/api/v1/campaigns/dormant/runs", json={"colour": 1}, headers=agent)
    assert unknown.status_code == 400
    missing = client.get(f"/api/v1/campaigns/runs/{uuid4()}", headers=agent)
    assert missing.status_code == 404
    assert client.get("/api/v1/campaigns/runs/not-a-uuid", headers=agent).status_code == 404
