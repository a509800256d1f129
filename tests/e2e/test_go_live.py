"""Go-live through HTTP: the checklist says what is missing, go-live is refused listing it, and
technical validations and benchmark access are recorded on the party."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

Headers = dict[str, str]
Json = dict[str, Any]
ProblemCheck = Callable[..., Json]

ALL_ITEMS = [
    "validated_record",
    "registered_in_dome",
    "registered_in_perlahub",
    "live_credential",
    "connection_test",
    "technical_validations",
]


def read(client: TestClient[Litestar], headers: Headers, party: Json) -> Json:
    body: Json = client.get(f"/api/v1/leads/{party['id']}", headers=headers).json()
    return body


def checklist(client: TestClient[Litestar], headers: Headers, party: Json) -> Json:
    response = client.get(f"/api/v1/clients/{party['id']}/go-live", headers=headers)
    assert response.status_code == 200, response.text
    body: Json = response.json()
    return body


def test_go_live_is_refused_listing_everything_still_missing(
    client: TestClient[Litestar],
    agent: Headers,
    reader: Headers,
    client_party: Json,
    assert_problem: ProblemCheck,
) -> None:
    found = checklist(client, reader, client_party)
    assert found["ready"] is False
    assert found["missing"] == ALL_ITEMS
    assert [i["key"] for i in found["items"]] == ALL_ITEMS
    assert all(i["label"] and i["detail"] for i in found["items"])

    response = client.post(f"/api/v1/clients/{client_party['id']}/go-live", headers=agent)
    body = assert_problem(response, 422, "go_live_refused")
    assert body["missing"] == ALL_ITEMS
    assert [b["key"] for b in body["blocking"]] == ALL_ITEMS
    assert body["errors"][0]["field"] == "validated_record"
    assert "no active live credential" in body["detail"]
    assert read(client, agent, client_party) == client_party


def test_a_client_with_everything_but_the_tests_is_told_exactly_that(
    client: TestClient[Litestar],
    agent: Headers,
    issued_credential: Json,
    priced_client: Json,
    assert_problem: ProblemCheck,
) -> None:
    url = f"/api/v1/clients/{priced_client['id']}"
    onboarding = client.post(
        f"{url}/transitions", json={"action": "start_onboarding"}, headers=agent
    ).json()
    failed = client.post(
        f"{url}/technical-validations",
        json={"name": "booking_flow", "passed": False},
        headers=agent,
    )
    assert failed.status_code == 200, failed.text
    assert failed.json()["technical_validations"] == {"booking_flow": False}
    assert failed.json()["version"] == onboarding["version"] + 1

    found = checklist(client, agent, priced_client)
    assert found["missing"] == ["connection_test", "technical_validations"]
    validations = next(i for i in found["items"] if i["key"] == "technical_validations")
    assert validations["detail"] == "failed: booking_flow"

    before = read(client, agent, priced_client)
    refused = client.post(f"{url}/go-live", json={"version": before["version"]}, headers=agent)
    body = assert_problem(refused, 422, "go_live_refused")
    assert body["missing"] == ["connection_test", "technical_validations"]
    assert read(client, agent, priced_client) == before


def test_going_live_from_validated_without_onboarding_is_an_illegal_transition(
    client: TestClient[Litestar],
    agent: Headers,
    issued_credential: Json,
    priced_client: Json,
    assert_problem: ProblemCheck,
) -> None:
    url = f"/api/v1/clients/{priced_client['id']}"
    client.post(f"/api/v1/credentials/{issued_credential['id']}/connection-test", headers=agent)
    client.post(
        f"{url}/technical-validations", json={"name": "search", "passed": True}, headers=agent
    )
    assert checklist(client, agent, priced_client)["ready"] is True
    before = read(client, agent, priced_client)
    response = client.post(f"{url}/go-live", headers=agent)
    body = assert_problem(response, 409, "illegal_transition")
    assert body["current"] == "validated"
    assert read(client, agent, priced_client) == before


def test_go_live_with_a_stale_version_is_refused(
    client: TestClient[Litestar], agent: Headers, live_client: Json, assert_problem: ProblemCheck
) -> None:
    url = f"/api/v1/clients/{live_client['id']}/go-live"
    assert_problem(
        client.post(url, json={"version": live_client["version"] - 1}, headers=agent),
        409,
        "stale_version",
        ["version"],
    )
    assert read(client, agent, live_client) == live_client


@pytest.mark.parametrize(
    ("body", "status", "code", "fields"),
    [
        ({"name": "  ", "passed": True}, 422, "invalid_value", ["name"]),
        ({"name": "x" * 81, "passed": True}, 422, "invalid_value", ["name"]),
        ({"name": "search"}, 400, "invalid_request", ["passed"]),
        ({"name": "search", "passed": "yes"}, 400, "invalid_request", ["passed"]),
        ({"name": "search", "passed": True, "version": 99}, 409, "stale_version", ["version"]),
    ],
)
def test_a_refused_technical_validation_records_nothing(
    client: TestClient[Litestar],
    agent: Headers,
    client_party: Json,
    assert_problem: ProblemCheck,
    body: Json,
    status: int,
    code: str,
    fields: list[str],
) -> None:
    response = client.post(
        f"/api/v1/clients/{client_party['id']}/technical-validations", json=body, headers=agent
    )
    assert_problem(response, status, code, fields)
    assert read(client, agent, client_party) == client_party


def test_a_lead_has_no_technical_validations_and_its_checklist_says_it_is_a_lead(
    client: TestClient[Litestar],
    agent: Headers,
    register: Callable[..., Json],
    assert_problem: ProblemCheck,
) -> None:
    lead = register()
    response = client.post(
        f"/api/v1/clients/{lead['id']}/technical-validations",
        json={"name": "search", "passed": True},
        headers=agent,
    )
    assert_problem(response, 409, "illegal_transition")
    found = checklist(client, agent, lead)
    assert found["items"][0]["detail"] == "still a lead (new)"
    assert read(client, agent, lead) == lead


# --- benchmark access ------------------------------------------------------------------------


def test_benchmark_access_is_granted_until_a_date_and_opened_by_perlahub(
    client: TestClient[Litestar],
    agent: Headers,
    register: Callable[..., Json],
    drain: Callable[[], int],
) -> None:
    lead = register()
    url = f"/api/v1/leads/{lead['id']}"
    client.post(f"{url}/transitions", json={"action": "mark_contacted"}, headers=agent)
    until = (datetime.now(UTC) + timedelta(days=10)).replace(microsecond=0)
    granted = client.post(
        f"{url}/benchmark-access",
        json={"until": until.isoformat(), "products": ["hotels", "activities"]},
        headers=agent,
    )
    assert granted.status_code == 200, granted.text
    benchmark = granted.json()["benchmark"]
    assert datetime.fromisoformat(benchmark["until"]) == until
    assert (benchmark["active"], benchmark["access_id"]) == (True, None)
    drain()
    opened = read(client, agent, lead)["benchmark"]
    assert opened["access_id"] is not None
    assert opened["login"] is not None
    activity = client.get(f"/api/v1/clients/{lead['id']}/activity", headers=agent).json()
    requested = next(e for e in activity if e["type"] == "onboarding.benchmark_access_requested")
    assert requested["products"] == ["hotels", "activities"]


@pytest.mark.parametrize(
    ("body", "status", "code", "fields"),
    [
        ({"until": "2020-01-01T00:00:00Z"}, 422, "invalid_value", ["until"]),
        ({"until": "2999-01-01T00:00:00Z"}, 422, "invalid_value", ["until"]),
        ({"until": "2030-01-01T00:00:00"}, 400, "invalid_request", ["until"]),
        ({"products": ["cruises"]}, 422, "invalid_input", ["products[0]"]),
        ({"version": 0}, 409, "stale_version", ["version"]),
        ({"login": "mine"}, 400, "invalid_request", ["login"]),
    ],
)
def test_a_refused_benchmark_access_leaves_the_lead_as_it_was(
    client: TestClient[Litestar],
    agent: Headers,
    register: Callable[..., Json],
    assert_problem: ProblemCheck,
    body: Json,
    status: int,
    code: str,
    fields: list[str],
) -> None:
    lead = register()
    url = f"/api/v1/leads/{lead['id']}"
    contacted = client.post(
        f"{url}/transitions", json={"action": "mark_contacted"}, headers=agent
    ).json()
    response = client.post(f"{url}/benchmark-access", json=body, headers=agent)
    assert_problem(response, status, code, fields)
    assert read(client, agent, lead) == contacted


def test_benchmark_access_needs_a_contacted_lead(
    client: TestClient[Litestar],
    agent: Headers,
    register: Callable[..., Json],
    client_party: Json,
    assert_problem: ProblemCheck,
) -> None:
    lead = register(trade_name="Nueva", email="nueva@agencia.es")
    for party in (lead, client_party):
        response = client.post(f"/api/v1/leads/{party['id']}/benchmark-access", headers=agent)
        assert_problem(response, 409, "illegal_transition")
        assert read(client, agent, party) == party
