"""The main path through HTTP: a lead is registered, worked, given benchmark access, converted,
registered in Dome and PerlaHub by the outbox, validated, configured and taken live."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from perla_adapters.memory.dome import InMemoryDome
from perla_adapters.memory.perlahub import InMemoryPerlaHub
from perla_core.access.model import digest
from perla_entrypoints.container import Container

Headers = dict[str, str]
Json = dict[str, Any]

BACKENDS = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]

ONBOARDING = {
    "products": ["hotels", "transfers"],
    "currencies": ["eur"],
    "markets": ["ES", "pt"],
    "connection_type": "json_api",
}
ESTIMATE = {"monthly_bookings": 150, "monthly_revenue": {"amount": "60000.00", "currency": "EUR"}}


def _post(client: TestClient[Litestar], url: str, body: Json | None, headers: Headers) -> Json:
    response = client.post(url, json=body, headers=headers)
    assert response.status_code in (200, 201), response.text
    result: Json = response.json()
    return result


@pytest.mark.parametrize("container", BACKENDS, indirect=True)
def test_a_lead_is_registered_worked_converted_registered_validated_and_taken_live(
    container: Container,
    client: TestClient[Litestar],
    agent: Headers,
    reader: Headers,
    lead_payload: Callable[..., Json],
    conversion_details: Callable[[int], Json],
    rule_payload: Callable[..., Json],
    credential_payload: Callable[..., Json],
    drain: Callable[[], int],
) -> None:
    dome = container.dome()
    perlahub = container.perlahub()
    assert isinstance(dome, InMemoryDome)
    assert isinstance(perlahub, InMemoryPerlaHub)

    # a lead, with what onboarding will configure and the first billing estimate
    created = client.post(
        "/api/v1/leads",
        json=lead_payload(onboarding=ONBOARDING, estimate=ESTIMATE),
        headers=agent,
    )
    assert created.status_code == 201, created.text
    lead = created.json()
    lead_url = f"/api/v1/leads/{lead['id']}"
    assert created.headers["location"] == lead_url
    assert created.headers["etag"] == f'"{lead["version"]}"'
    assert lead["phase"] == "lead"
    assert lead["status"] == lead["lead_status"] == "new"
    assert lead["phone"] == "+34943711952"
    assert lead["markets"] == ["ES", "PT"]
    assert lead["onboarding"] == {
        "products": ["hotels", "transfers"],
        "currencies": ["EUR"],
        "markets": ["ES", "PT"],
        "connection_type": "json_api",
    }
    assert lead["estimate"] == {
        "monthly_bookings": 150,
        "monthly_revenue": {"amount": "60000.00", "currency": "EUR"},
        "potential_tier": "B",
    }
    assert lead["benchmark"] == {"until": None, "access_id": None, "login": None, "active": False}
    assert lead["registration"] == {
        "dome_customer_code": None,
        "perlahub_agency_id": None,
        "error": None,
    }
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

    for action, status in [("mark_contacted", "contacted"), ("record_meeting", "meeting_held")]:
        moved = _post(
            client, f"{lead_url}/transitions", {"action": action, "version": lead["version"]}, agent
        )
        assert moved["lead_status"] == status
        assert moved["version"] == lead["version"] + 1
        lead = moved

    # benchmark access: PerlaHub opens the limited login through the outbox
    lead = _post(client, f"{lead_url}/benchmark-access", {"version": lead["version"]}, agent)
    assert lead["lead_status"] == "benchmark_access"
    assert lead["benchmark"]["active"] is True
    assert lead["benchmark"]["access_id"] is None
    drain()
    lead = client.get(lead_url, headers=agent).json()
    assert lead["benchmark"]["access_id"] == perlahub.benchmark_accesses[0].access_id
    assert lead["benchmark"]["login"]

    # conversion; the registration in Dome, then PerlaHub, follows by itself
    converted = client.post(f"{lead_url}/convert", json={"version": lead["version"]}, headers=agent)
    assert converted.status_code == 200, converted.text
    party = converted.json()
    client_url = f"/api/v1/clients/{party['id']}"
    assert converted.headers["location"] == client_url
    assert party["phase"] == "client"
    assert party["lead_status"] == "won"
    assert party["status"] == party["client_status"] == "pending_registration"
    assert party["converted_at"] is not None
    refused = client.post(
        f"{client_url}/transitions", json={"action": "register_in_dome"}, headers=agent
    )
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["action"]

    drain()
    party = client.get(client_url, headers=reader).json()
    assert party["status"] == "registered"
    assert [c.code for c in dome.customers] == [party["registration"]["dome_customer_code"]]
    assert [a.agency_id for a in perlahub.agencies] == [party["registration"]["perlahub_agency_id"]]
    assert perlahub.agencies[0].dome_customer_code == dome.customers[0].code
    assert party["registration"]["error"] is None

    # the agent validates the record ("ficha validada") and starts onboarding
    party = _post(client, f"{client_url}/transitions", {"action": "validate_record"}, agent)
    assert (party["status"], party["validated_by"]) == ("validated", "agent key")
    assert party["validated_at"] is not None
    party = _post(client, f"{client_url}/transitions", {"action": "start_onboarding"}, agent)
    assert party["status"] == "onboarding"

    checklist = client.get(f"{client_url}/go-live", headers=reader).json()
    assert checklist["ready"] is False
    assert checklist["missing"] == ["live_credential", "connection_test", "technical_validations"]

    # the commercial policy: a margin rule, and what it prices
    policy_url = f"{client_url}/commercial-policy"
    policy = _post(client, f"{policy_url}/rules", rule_payload(), agent)
    assert [r["name"] for r in policy["rules"]] == ["Base margin"]
    scope = {"currencies": ["EUR"], "products": ["hotels"], "reason": "launch"}
    assert client.put(f"{policy_url}/priced-scope", json=scope, headers=agent).status_code == 200

    # a live credential, pushed to PerlaHub, and its connection test
    issued = client.post(f"{client_url}/credentials", json=credential_payload(), headers=agent)
    assert issued.status_code == 201, issued.text
    assert issued.headers["cache-control"] == "no-store"
    credential, secret = issued.json()["credential"], issued.json()["secret"]
    credential_url = f"/api/v1/credentials/{credential['id']}"
    assert issued.headers["location"] == credential_url
    assert credential["ip_allowlist"] == ["81.45.12.0/24"]
    drain()
    assert [c.username for c in perlahub.credentials] == [credential["username"]]
    tested = _post(client, f"{credential_url}/connection-test", None, agent)
    assert tested["last_connection_test"]["ok"] is True

    party = _post(
        client,
        f"{client_url}/technical-validations",
        {"name": "availability_search", "passed": True},
        agent,
    )
    assert party["technical_validations"] == {"availability_search": True}
    checklist = client.get(f"{client_url}/go-live", headers=reader).json()
    assert (checklist["ready"], checklist["missing"]) == (True, [])
    assert [i["key"] for i in checklist["items"]] == [
        "validated_record",
        "registered_in_dome",
        "registered_in_perlahub",
        "live_credential",
        "connection_test",
        "technical_validations",
    ]

    party = _post(client, f"{client_url}/go-live", {"version": party["version"]}, agent)
    assert party["status"] == "live"
    assert party["live_at"] is not None
    live = client.get(client_url, headers=reader)
    assert live.headers["etag"] == f'"{live.json()["version"]}"'
    assert live.json() == party

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
        "onboarding.benchmark_access_requested",
        "onboarding.benchmark_access_opened",
        "onboarding.lead_status_changed",
        "onboarding.lead_converted",
        "onboarding.client_status_changed",
        "onboarding.registration_recorded",
        "onboarding.client_status_changed",
        "onboarding.registration_recorded",
        "onboarding.client_status_changed",
        "onboarding.client_status_changed",
        "policies.policy_created",
        "policies.rule_added",
        "policies.priced_scope_changed",
        "onboarding.technical_validation_recorded",
        "onboarding.client_status_changed",
    ]
    entries = activity.json()
    converted_entry = entries[8]
    assert converted_entry["actor"] == "agent key"
    assert converted_entry["tax_id"] == "B58378431"
    assert [(e["system"], e["actor"]) for e in entries if "system" in e] == [
        ("dome", "system"),
        ("perlahub", "system"),
    ]
    assert entries[-1]["to_status"] == "live"
    assert set(entries[1]["changed"]) >= {"legal_name", "tax_id", "addresses"}
    for text in (secret, digest(secret)):
        assert text not in activity.text
        assert text not in client.get(credential_url, headers=reader).text


def test_a_live_client_can_go_dormant_churn_and_come_back(
    client: TestClient[Litestar], agent: Headers, live_client: Json
) -> None:
    url = f"/api/v1/clients/{live_client['id']}"
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


def test_onboarding_and_estimate_are_edited_and_cleared_with_patch(
    client: TestClient[Litestar], agent: Headers, register: Callable[..., Json]
) -> None:
    lead = register()
    url = f"/api/v1/leads/{lead['id']}"
    estimate = {"monthly_bookings": 800, "monthly_revenue": {"amount": "1000", "currency": "USD"}}
    patched = client.patch(
        url,
        json={"version": lead["version"], "onboarding": ONBOARDING, "estimate": estimate},
        headers=agent,
    )
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert body["onboarding"]["currencies"] == ["EUR"]
    assert body["estimate"] == {
        "monthly_bookings": 800,
        "monthly_revenue": {"amount": "1000.00", "currency": "USD"},
        "potential_tier": "A",
    }
    cleared = client.patch(
        url, json={"version": body["version"], "estimate": None, "onboarding": None}, headers=agent
    )
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["estimate"] is None
    assert cleared.json()["onboarding"] == {
        "products": [],
        "currencies": [],
        "markets": [],
        "connection_type": None,
    }


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
