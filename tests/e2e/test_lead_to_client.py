"""The main path through HTTP: a lead is registered, worked, converted and taken live."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

Headers = dict[str, str]
Json = dict[str, Any]

BACKENDS = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]

CLIENT_STEPS = [
    ("register_in_dome", "registered_in_dome"),
    ("register_in_perlahub", "registered"),
    ("validate_record", "validated"),
    ("start_onboarding", "onboarding"),
    ("go_live", "live"),
]


@pytest.mark.parametrize("container", BACKENDS, indirect=True)
def test_a_lead_is_registered_worked_converted_and_taken_live(
    client: TestClient[Litestar],
    agent: Headers,
    reader: Headers,
    lead_payload: Callable[..., Json],
    conversion_details: Callable[[int], Json],
) -> None:
    created = client.post("/api/v1/leads", json=lead_payload(), headers=agent)
    assert created.status_code == 201
    lead = created.json()
    lead_url = f"/api/v1/leads/{lead['id']}"
    assert created.headers["location"] == lead_url
    assert created.headers["etag"] == f'"{lead["version"]}"'
    assert lead["phase"] == "lead"
    assert lead["status"] == lead["lead_status"] == "new"
    assert lead["phone"] == "+34943711952"
    assert lead["markets"] == ["ES", "PT"]
    assert lead["missing_for_conversion"] == [
        "legal_name",
        "tax_id",
        "business_type",
        "billing_address",
    ]
    assert lead["created_at"].endswith(("Z", "+00:00"))

    read = client.get(lead_url, headers=reader)
    assert read.status_code == 200
    assert read.json() == lead

    patched = client.patch(lead_url, json=conversion_details(lead["version"]), headers=agent)
    assert patched.status_code == 200, patched.text
    lead = patched.json()
    assert lead["missing_for_conversion"] == []
    assert lead["tax_id"] == {"country": "ES", "number": "B58378431", "display": "B58378431"}
    assert lead["contacts"][0]["role"] == "administration"

    for action, status in [
        ("mark_contacted", "contacted"),
        ("record_meeting", "meeting_held"),
        ("grant_benchmark_access", "benchmark_access"),
    ]:
        moved = client.post(
            f"{lead_url}/transitions",
            json={"action": action, "version": lead["version"]},
            headers=agent,
        )
        assert moved.status_code == 200, moved.text
        assert moved.json()["lead_status"] == status
        assert moved.json()["version"] == lead["version"] + 1
        lead = moved.json()

    converted = client.post(f"{lead_url}/convert", json={"version": lead["version"]}, headers=agent)
    assert converted.status_code == 200, converted.text
    party = converted.json()
    client_url = f"/api/v1/clients/{party['id']}"
    assert converted.headers["location"] == client_url
    assert party["phase"] == "client"
    assert party["lead_status"] == "won"
    assert party["status"] == party["client_status"] == "pending_registration"
    assert party["converted_at"] is not None
    assert party["allowed_actions"] == ["register_in_dome"]

    for action, status in CLIENT_STEPS:
        moved = client.post(f"{client_url}/transitions", json={"action": action}, headers=agent)
        assert moved.status_code == 200, moved.text
        assert moved.json()["client_status"] == status
    live = client.get(client_url, headers=reader)
    assert live.status_code == 200
    assert live.headers["etag"] == f'"{live.json()["version"]}"'
    assert live.json()["status"] == "live"

    listed = client.get("/api/v1/clients", params={"status": "live"}, headers=reader)
    assert [p["id"] for p in listed.json()["items"]] == [party["id"]]
    assert client.get("/api/v1/leads", headers=reader).json()["total"] == 0

    activity = client.get(f"{client_url}/activity", headers=reader)
    assert activity.status_code == 200
    kinds = [entry["type"] for entry in activity.json()]
    assert kinds == [
        "onboarding.lead_registered",
        "onboarding.details_changed",
        "onboarding.lead_status_changed",
        "onboarding.lead_status_changed",
        "onboarding.lead_status_changed",
        "onboarding.lead_status_changed",
        "onboarding.lead_converted",
        *["onboarding.client_status_changed"] * len(CLIENT_STEPS),
    ]
    converted_entry = activity.json()[6]
    assert converted_entry["actor"] == "agent key"
    assert converted_entry["tax_id"] == "B58378431"
    assert activity.json()[-1]["to_status"] == "live"
    assert set(activity.json()[1]["changed"]) >= {"legal_name", "tax_id", "addresses"}


def test_a_live_client_can_go_dormant_churn_and_come_back(
    client: TestClient[Litestar], agent: Headers, client_party: Json
) -> None:
    url = f"/api/v1/clients/{client_party['id']}"
    for action, _ in CLIENT_STEPS:
        assert (
            client.post(f"{url}/transitions", json={"action": action}, headers=agent).status_code
            == 200
        )
    for action, status in [
        ("mark_dormant", "dormant"),
        ("churn", "churned"),
        ("reactivate", "live"),
    ]:
        moved = client.post(
            f"{url}/transitions", json={"action": action, "reason": "seasonal"}, headers=agent
        )
        assert moved.status_code == 200, moved.text
        assert moved.json()["client_status"] == status
    last = client.get(f"{url}/activity", headers=agent).json()[-1]
    assert last["reason"] == "seasonal"
    assert (last["from_status"], last["to_status"]) == ("churned", "live")


def test_a_lost_lead_keeps_its_reason_until_it_is_reopened(
    client: TestClient[Litestar], agent: Headers, register: Callable[..., Json]
) -> None:
    lead = register()
    url = f"/api/v1/leads/{lead['id']}/transitions"
    lost = client.post(
        url, json={"action": "mark_lost", "reason": "chose a competitor"}, headers=agent
    )
    assert lost.status_code == 200
    assert (lost.json()["status"], lost.json()["lost_reason"]) == ("lost", "chose a competitor")
    reopened = client.post(url, json={"action": "reopen"}, headers=agent)
    assert reopened.status_code == 200
    assert (reopened.json()["status"], reopened.json()["lost_reason"]) == ("contacted", None)


def test_patch_keeps_absent_fields_and_clears_null_ones(
    client: TestClient[Litestar], agent: Headers, register: Callable[..., Json]
) -> None:
    lead = register(website="https://viajesbrisa.es", notes="met at FITUR")
    url = f"/api/v1/leads/{lead['id']}"
    patched = client.patch(
        url,
        json={"version": lead["version"], "website": None, "trade_name": "Brisa Viajes"},
        headers=agent,
    )
    assert patched.status_code == 200, patched.text
    after = patched.json()
    assert after["website"] is None
    assert after["trade_name"] == "Brisa Viajes"
    assert after["notes"] == "met at FITUR"
    assert after["email"] == lead["email"]
    assert after["version"] == lead["version"] + 1
    assert patched.headers["etag"] == f'"{after["version"]}"'


def test_convert_needs_no_body(
    client: TestClient[Litestar],
    agent: Headers,
    register: Callable[..., Json],
    conversion_details: Callable[[int], Json],
) -> None:
    lead = register()
    url = f"/api/v1/leads/{lead['id']}"
    client.patch(url, json=conversion_details(lead["version"]), headers=agent)
    client.post(f"{url}/transitions", json={"action": "mark_contacted"}, headers=agent)
    converted = client.post(f"{url}/convert", headers=agent)
    assert converted.status_code == 200, converted.text
    assert converted.json()["phase"] == "client"
