"""Every route refuses bad input with a problem naming the field, and stores nothing of it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import uuid4

import pytest
from litestar import Litestar
from litestar.testing import TestClient

Headers = dict[str, str]
Json = dict[str, Any]
ProblemCheck = Callable[..., Json]

UNKNOWN_ID = "01900000-0000-7000-8000-000000000000"
RULE = {
    "name": "Base",
    "kind": "percent",
    "value": "10",
    "booking_from": "2020-01-01",
    "booking_to": "2099-12-31",
    "reason": "r",
}
SCOPE = {"currencies": ["EUR"], "products": ["hotels"], "reason": "r"}


def stored(client: TestClient[Litestar], headers: Headers, party: Json) -> Json:
    response = client.get(f"/api/v1/leads/{party['id']}", headers=headers)
    assert response.status_code == 200
    body: Json = response.json()
    return body


def no_leads(client: TestClient[Litestar], headers: Headers) -> bool:
    total: int = client.get("/api/v1/leads", headers=headers).json()["total"]
    return total == 0


# --- registering ---------------------------------------------------------------------------


def test_an_unknown_key_in_a_new_lead_is_refused_with_400_naming_it(
    client: TestClient[Litestar],
    agent: Headers,
    lead_payload: Callable[..., Json],
    assert_problem: ProblemCheck,
) -> None:
    response = client.post("/api/v1/leads", json=lead_payload(vat="x"), headers=agent)
    body = assert_problem(response, 400, "invalid_request", ["vat"])
    assert "vat" in body["detail"]
    nested = lead_payload(
        addresses=[{"line1": "a", "city": "b", "postal_code": "1", "country": "ES", "floor": 3}]
    )
    response = client.post("/api/v1/leads", json=nested, headers=agent)
    assert_problem(response, 400, "invalid_request", ["addresses[0].floor"])
    assert no_leads(client, agent)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"trade_name": 42}, "trade_name"),
        ({"markets": "ES"}, "markets"),
        (
            {"addresses": [{"line1": "a", "city": 7, "postal_code": "1", "country": "ES"}]},
            "addresses[0].city",
        ),
        ({"contacts": [{"role": "billing"}]}, "contacts[0].name"),
    ],
)
def test_a_wrong_json_type_in_a_new_lead_is_refused_with_400_naming_the_field(
    client: TestClient[Litestar],
    agent: Headers,
    lead_payload: Callable[..., Json],
    assert_problem: ProblemCheck,
    overrides: Json,
    field: str,
) -> None:
    response = client.post("/api/v1/leads", json=lead_payload(**overrides), headers=agent)
    assert_problem(response, 400, "invalid_request", [field])
    assert no_leads(client, agent)


def test_a_missing_required_field_is_refused_with_400_naming_it(
    client: TestClient[Litestar], agent: Headers, assert_problem: ProblemCheck
) -> None:
    response = client.post("/api/v1/leads", json={"country": "ES"}, headers=agent)
    assert_problem(response, 400, "invalid_request", ["trade_name"])


def test_invalid_tax_id_email_and_phone_are_refused_together_with_422(
    client: TestClient[Litestar],
    agent: Headers,
    lead_payload: Callable[..., Json],
    assert_problem: ProblemCheck,
) -> None:
    bad = lead_payload(tax_id="B58378432", email="no-at-sign", phone="12")
    body = assert_problem(
        client.post("/api/v1/leads", json=bad, headers=agent),
        422,
        "invalid_input",
        ["tax_id", "email", "phone"],
    )
    assert "NIF" in body["errors"][0]["message"]
    assert no_leads(client, agent)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"tax_id": "12345678A"}, "tax_id"),
        ({"email": "hola@@brisa"}, "email"),
        ({"phone": "+34 1"}, "phone"),
        ({"country": "XX"}, "country"),
        ({"business_type": "airline"}, "business_type"),
        ({"markets": ["ES", "Spain"]}, "markets"),
        ({"contacts": [{"role": "boss", "name": "Ana"}]}, "contacts[0].role"),
        ({"trade_name": "   "}, "trade_name"),
        ({"email": None, "phone": None}, "email"),
    ],
)
def test_each_invalid_value_is_refused_with_422_naming_its_field(
    client: TestClient[Litestar],
    agent: Headers,
    lead_payload: Callable[..., Json],
    assert_problem: ProblemCheck,
    overrides: Json,
    field: str,
) -> None:
    response = client.post("/api/v1/leads", json=lead_payload(**overrides), headers=agent)
    body = assert_problem(response, 422, response.json()["code"])
    assert body["code"] in {"invalid_input", "invalid_value"}
    assert [e["field"] for e in body["errors"]] == [field]
    assert no_leads(client, agent)


def test_malformed_json_is_refused_with_400(
    client: TestClient[Litestar], agent: Headers, assert_problem: ProblemCheck
) -> None:
    headers = {**agent, "Content-Type": "application/json"}
    for raw in (b'{"trade_name": "Brisa",', b"not json", b"[1, 2]", b""):
        response = client.post("/api/v1/leads", content=raw, headers=headers)
        assert_problem(response, 400, "invalid_request")
    assert no_leads(client, agent)


def test_an_oversize_body_is_refused_with_413(
    client: TestClient[Litestar],
    agent: Headers,
    lead_payload: Callable[..., Json],
    assert_problem: ProblemCheck,
) -> None:
    huge = lead_payload(notes="x" * 1_100_000)
    body = assert_problem(
        client.post("/api/v1/leads", json=huge, headers=agent), 413, "payload_too_large"
    )
    assert "1048576" in body["detail"]
    assert no_leads(client, agent)


def test_a_tax_id_already_on_file_is_refused_with_409(
    client: TestClient[Litestar],
    agent: Headers,
    register: Callable[..., Json],
    lead_payload: Callable[..., Json],
    assert_problem: ProblemCheck,
) -> None:
    first = register(tax_id="B58378431")
    again = client.post(
        "/api/v1/leads", json=lead_payload(tax_id="ESB58378431", trade_name="Copia"), headers=agent
    )
    body = assert_problem(again, 409, "already_exists", ["tax_id"])
    assert body["existing_id"] == first["id"]
    listed = client.get("/api/v1/leads", headers=agent).json()
    assert [p["id"] for p in listed["items"]] == [first["id"]]


# --- editing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "status", "code", "fields"),
    [
        ({"tax_id": "B58378432"}, 422, "invalid_input", ["tax_id"]),
        ({"email": "nope", "phone": "0"}, 422, "invalid_input", ["email", "phone"]),
        ({"country": "AR"}, 422, "invalid_value", ["tax_id"]),
        ({"nickname": "Brisa"}, 400, "invalid_request", ["nickname"]),
        ({"trade_name": None}, 400, "invalid_request", ["trade_name"]),
        ({"markets": None}, 400, "invalid_request", ["markets"]),
        (
            {
                "addresses": [
                    {
                        "line1": "a",
                        "city": "b",
                        "postal_code": "1",
                        "country": "ES",
                        "default_billing": True,
                    }
                ]
                * 2
            },
            422,
            "invalid_value",
            ["addresses"],
        ),
    ],
)
def test_a_refused_edit_leaves_the_record_as_it_was(
    client: TestClient[Litestar],
    agent: Headers,
    register: Callable[..., Json],
    assert_problem: ProblemCheck,
    changes: Json,
    status: int,
    code: str,
    fields: list[str],
) -> None:
    lead = register(tax_id="B58378431")
    before = stored(client, agent, lead)
    response = client.patch(
        f"/api/v1/leads/{lead['id']}", json={"version": lead["version"], **changes}, headers=agent
    )
    assert_problem(response, status, code, fields)
    assert stored(client, agent, lead) == before


def test_an_edit_without_a_version_is_refused_with_400(
    client: TestClient[Litestar],
    agent: Headers,
    register: Callable[..., Json],
    assert_problem: ProblemCheck,
) -> None:
    lead = register()
    response = client.patch(f"/api/v1/leads/{lead['id']}", json={"notes": "x"}, headers=agent)
    assert_problem(response, 400, "invalid_request", ["version"])
    assert stored(client, agent, lead) == lead


def test_an_edit_based_on_a_stale_version_is_refused_with_409(
    client: TestClient[Litestar],
    agent: Headers,
    register: Callable[..., Json],
    assert_problem: ProblemCheck,
) -> None:
    lead = register()
    url = f"/api/v1/leads/{lead['id']}"
    first = client.patch(url, json={"version": lead["version"], "notes": "first"}, headers=agent)
    assert first.status_code == 200
    late = client.patch(url, json={"version": lead["version"], "notes": "second"}, headers=agent)
    body = assert_problem(late, 409, "stale_version", ["version"])
    assert (body["expected"], body["actual"]) == (lead["version"], lead["version"] + 1)
    assert stored(client, agent, lead) == first.json()


def test_a_clients_tax_id_cannot_be_removed(
    client: TestClient[Litestar],
    agent: Headers,
    client_party: Json,
    assert_problem: ProblemCheck,
) -> None:
    url = f"/api/v1/clients/{client_party['id']}"
    response = client.patch(
        url, json={"version": client_party["version"], "tax_id": None}, headers=agent
    )
    assert_problem(response, 422, "invalid_value", ["tax_id"])
    assert client.get(url, headers=agent).json() == client_party


# --- lifecycle -----------------------------------------------------------------------------


def test_an_illegal_lead_transition_is_refused_with_409_listing_the_allowed_ones(
    client: TestClient[Litestar],
    agent: Headers,
    register: Callable[..., Json],
    assert_problem: ProblemCheck,
) -> None:
    lead = register()
    response = client.post(
        f"/api/v1/leads/{lead['id']}/transitions", json={"action": "reopen"}, headers=agent
    )
    body = assert_problem(response, 409, "illegal_transition")
    assert body["allowed"] == ["mark_contacted", "mark_lost", "record_meeting"]
    assert body["current"] == "new"
    assert stored(client, agent, lead) == lead


@pytest.mark.parametrize(
    ("transition", "status", "code", "fields"),
    [
        ({"action": "fly_away"}, 422, "invalid_value", ["action"]),
        ({"action": "convert"}, 422, "invalid_value", ["action"]),
        ({"action": "mark_lost"}, 422, "invalid_value", ["reason"]),
        ({"action": "mark_lost", "reason": "  "}, 422, "invalid_value", ["reason"]),
        ({"action": "mark_contacted", "version": 99}, 409, "stale_version", ["version"]),
        ({"action": "mark_contacted", "version": "one"}, 400, "invalid_request", ["version"]),
        ({"action": "mark_contacted", "when": "now"}, 400, "invalid_request", ["when"]),
        ({}, 400, "invalid_request", ["action"]),
    ],
)
def test_a_refused_lead_transition_leaves_the_lead_as_it_was(
    client: TestClient[Litestar],
    agent: Headers,
    register: Callable[..., Json],
    assert_problem: ProblemCheck,
    transition: Json,
    status: int,
    code: str,
    fields: list[str],
) -> None:
    lead = register()
    response = client.post(
        f"/api/v1/leads/{lead['id']}/transitions", json=transition, headers=agent
    )
    assert_problem(response, status, code, fields)
    assert stored(client, agent, lead) == lead


def test_converting_an_incomplete_lead_is_refused_with_what_is_missing(
    client: TestClient[Litestar],
    agent: Headers,
    register: Callable[..., Json],
    assert_problem: ProblemCheck,
) -> None:
    lead = register()
    url = f"/api/v1/leads/{lead['id']}"
    contacted = client.post(
        f"{url}/transitions", json={"action": "mark_contacted"}, headers=agent
    ).json()
    body = assert_problem(
        client.post(f"{url}/convert", json={}, headers=agent), 422, "precondition_failed"
    )
    assert body["missing"] == ["legal_name", "tax_id", "business_type", "billing_address"]
    assert body["errors"][0]["field"] == "legal_name"
    assert stored(client, agent, lead) == contacted


def test_converting_with_a_stale_version_or_twice_is_refused_with_409(
    client: TestClient[Litestar],
    agent: Headers,
    client_party: Json,
    assert_problem: ProblemCheck,
) -> None:
    url = f"/api/v1/leads/{client_party['id']}/convert"
    stale = client.post(url, json={"version": 1}, headers=agent)
    assert_problem(stale, 409, "stale_version", ["version"])
    twice = client.post(url, json={}, headers=agent)
    assert_problem(twice, 409, "illegal_transition")
    unknown = client.post(url, json={"version": 1, "force": True}, headers=agent)
    assert_problem(unknown, 400, "invalid_request", ["force"])
    assert stored(client, agent, client_party) == client_party


@pytest.mark.parametrize(
    ("transition", "status", "code", "fields"),
    [
        ({"action": "start_onboarding"}, 409, "illegal_transition", ["status"]),
        ({"action": "go_live"}, 422, "invalid_value", ["action"]),
        ({"action": "register_in_dome"}, 422, "invalid_value", ["action"]),
        ({"action": "register_in_perlahub", "version": 1}, 422, "invalid_value", ["action"]),
        ({"action": "validate_record", "version": 1}, 409, "stale_version", ["version"]),
        ({"action": "mark_contacted"}, 422, "invalid_value", ["action"]),
        ({"action": 3}, 400, "invalid_request", ["action"]),
    ],
)
def test_a_refused_client_transition_leaves_the_client_as_it_was(
    client: TestClient[Litestar],
    agent: Headers,
    client_party: Json,
    assert_problem: ProblemCheck,
    transition: Json,
    status: int,
    code: str,
    fields: list[str],
) -> None:
    url = f"/api/v1/clients/{client_party['id']}"
    body = assert_problem(
        client.post(f"{url}/transitions", json=transition, headers=agent), status, code, fields
    )
    if code == "illegal_transition":
        assert body["current"] == "pending_registration"
    if transition.get("action") in ("go_live", "register_in_dome", "register_in_perlahub"):
        assert "by hand" in body["detail"]
    assert client.get(url, headers=agent).json() == client_party


def test_a_client_step_on_a_lead_is_an_illegal_transition(
    client: TestClient[Litestar],
    agent: Headers,
    register: Callable[..., Json],
    assert_problem: ProblemCheck,
) -> None:
    lead = register()
    response = client.post(
        f"/api/v1/clients/{lead['id']}/transitions",
        json={"action": "validate_record"},
        headers=agent,
    )
    assert_problem(response, 409, "illegal_transition")
    assert stored(client, agent, lead) == lead


@pytest.mark.parametrize(
    ("estimate", "field"),
    [
        ({"monthly_bookings": 10, "monthly_revenue": {"amount": 1200.5}}, "amount"),
        ({"monthly_bookings": 10, "monthly_revenue": {"amount": 1200}}, "amount"),
        ({"monthly_bookings": 1.5, "monthly_revenue": {"amount": "1"}}, "monthly_bookings"),
        ({"monthly_bookings": 10, "monthly_revenue": {"amount": "1", "cents": 3}}, "cents"),
    ],
)
def test_money_written_as_a_json_number_is_refused_naming_the_field(
    client: TestClient[Litestar],
    agent: Headers,
    lead_payload: Callable[..., Json],
    assert_problem: ProblemCheck,
    estimate: Json,
    field: str,
) -> None:
    response = client.post("/api/v1/leads", json=lead_payload(estimate=estimate), headers=agent)
    path = "estimate" if field == "monthly_bookings" else "estimate.monthly_revenue"
    body = assert_problem(response, 400, "invalid_request", [f"{path}.{field}"])
    if field == "amount":
        assert "text" in body["errors"][0]["message"]
    assert no_leads(client, agent)


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        (
            {"estimate": {"monthly_bookings": 10, "monthly_revenue": {"amount": "lots"}}},
            ["estimate.monthly_revenue.amount"],
        ),
        (
            {
                "estimate": {
                    "monthly_bookings": 10,
                    "monthly_revenue": {"amount": "1", "currency": "XXX"},
                }
            },
            ["estimate.monthly_revenue.currency"],
        ),
        (
            {"estimate": {"monthly_bookings": -1, "monthly_revenue": {"amount": "1"}}},
            ["estimate.monthly_bookings"],
        ),
        pytest.param(
            {"onboarding": {"products": ["hotels", "cruises"]}},
            ["onboarding.products[1]"],
        ),
        pytest.param(
            {"onboarding": {"currencies": ["EURO"]}},
            ["onboarding.currencies[0]"],
        ),
        ({"onboarding": {"connection_type": "fax"}}, ["onboarding.connection_type"]),
    ],
)
def test_a_refused_onboarding_or_estimate_leaves_the_record_as_it_was(
    client: TestClient[Litestar],
    agent: Headers,
    register: Callable[..., Json],
    assert_problem: ProblemCheck,
    changes: Json,
    fields: list[str],
) -> None:
    lead = register()
    response = client.patch(
        f"/api/v1/leads/{lead['id']}", json={"version": lead["version"], **changes}, headers=agent
    )
    assert_problem(response, 422, "invalid_input", fields)
    assert stored(client, agent, lead) == lead


# --- ids, routes and parameters ------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/v1/leads/{id}", None),
        ("PATCH", "/api/v1/leads/{id}", {"version": 1, "notes": "x"}),
        ("POST", "/api/v1/leads/{id}/transitions", {"action": "mark_contacted"}),
        ("POST", "/api/v1/leads/{id}/convert", {}),
        ("POST", "/api/v1/leads/{id}/benchmark-access", {}),
        ("GET", "/api/v1/clients/{id}", None),
        ("PATCH", "/api/v1/clients/{id}", {"version": 1}),
        ("POST", "/api/v1/clients/{id}/transitions", {"action": "validate_record"}),
        ("GET", "/api/v1/clients/{id}/activity", None),
        ("POST", "/api/v1/clients/{id}/registration/retry", {}),
        ("POST", "/api/v1/clients/{id}/technical-validations", {"name": "x", "passed": True}),
        ("GET", "/api/v1/clients/{id}/go-live", None),
        ("POST", "/api/v1/clients/{id}/go-live", {}),
        ("GET", "/api/v1/clients/{id}/credentials", None),
        (
            "POST",
            "/api/v1/clients/{id}/credentials",
            {"environment": "test", "products": [], "currencies": []},
        ),
        ("GET", "/api/v1/credentials/{id}", None),
        ("PATCH", "/api/v1/credentials/{id}", {"version": 1}),
        ("POST", "/api/v1/credentials/{id}/suspend", {}),
        ("POST", "/api/v1/credentials/{id}/reactivate", {}),
        ("POST", "/api/v1/credentials/{id}/revoke", {}),
        ("POST", "/api/v1/credentials/{id}/rotate-secret", {}),
        ("POST", "/api/v1/credentials/{id}/connection-test", None),
        ("GET", "/api/v1/clients/{id}/commercial-policy", None),
        ("POST", "/api/v1/clients/{id}/commercial-policy/rules", RULE),
        ("PUT", "/api/v1/clients/{id}/commercial-policy/priced-scope", SCOPE),
        ("GET", "/api/v1/clients/{id}/commercial-policy/history", None),
        ("POST", "/api/v1/clients/{id}/commercial-policy/price", {"rates": []}),
    ],
)
def test_an_unknown_id_is_404(
    client: TestClient[Litestar],
    agent: Headers,
    assert_problem: ProblemCheck,
    method: str,
    path: str,
    body: Json | None,
) -> None:
    unknown = str(uuid4())
    response = client.request(method, path.format(id=unknown), json=body, headers=agent)
    problem = assert_problem(response, 404, "not_found")
    assert problem["id"] == unknown
    not_a_uuid = client.request(method, path.format(id="brisa"), json=body, headers=agent)
    assert_problem(not_a_uuid, 404, "not_found")


def test_unknown_routes_and_methods_are_problems(
    client: TestClient[Litestar], agent: Headers, assert_problem: ProblemCheck
) -> None:
    assert_problem(client.get("/api/v1/prospects", headers=agent), 404, "not_found")
    wrong_method = client.delete("/api/v1/leads", headers=agent)
    assert_problem(wrong_method, 405, "method_not_allowed")
    assert "POST" in wrong_method.headers["allow"]


@pytest.mark.parametrize(
    ("params", "status", "fields"),
    [
        ({"limit": 0}, 400, ["limit"]),
        ({"limit": 201}, 400, ["limit"]),
        ({"limit": "ten"}, 400, ["limit"]),
        ({"offset": -1}, 400, ["offset"]),
        ({"status": "live"}, 400, ["status"]),
        ({"status": "nope", "limit": 0}, 400, ["status", "limit"]),
        ({"country": "Spain"}, 422, ["country"]),
    ],
)
def test_bad_list_parameters_are_refused_naming_each(
    client: TestClient[Litestar],
    reader: Headers,
    assert_problem: ProblemCheck,
    params: Json,
    status: int,
    fields: list[str],
) -> None:
    response = client.get("/api/v1/leads", params=params, headers=reader)
    assert response.status_code == status
    assert sorted(e["field"] for e in response.json()["errors"]) == sorted(fields)
    assert_problem(response, status, response.json()["code"])


def test_client_status_filter_takes_client_statuses_only(
    client: TestClient[Litestar], reader: Headers, assert_problem: ProblemCheck
) -> None:
    response = client.get("/api/v1/clients", params={"status": "contacted"}, headers=reader)
    assert_problem(response, 400, "invalid_request", ["status"])
    assert (
        client.get("/api/v1/clients", params={"status": "live"}, headers=reader).status_code == 200
    )


# --- api keys ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "fields"),
    [
        ({"name": "bot", "role": "root"}, 422, ["role"]),
        ({"name": "  ", "role": "agent"}, 422, ["name"]),
        ({"name": "x" * 101, "role": "agent"}, 422, ["name"]),
        ({"name": "bot"}, 400, ["role"]),
        ({"name": "bot", "role": "agent", "secret": "mine"}, 400, ["secret"]),
    ],
)
def test_a_refused_api_key_is_not_created(
    client: TestClient[Litestar],
    admin: Headers,
    assert_problem: ProblemCheck,
    body: Json,
    status: int,
    fields: list[str],
) -> None:
    before = client.get("/api/v1/api-keys", headers=admin).json()
    response = client.post("/api/v1/api-keys", json=body, headers=admin)
    assert_problem(response, status, response.json()["code"], fields)
    assert client.get("/api/v1/api-keys", headers=admin).json() == before


def test_revoking_an_unknown_key_is_404(
    client: TestClient[Litestar], admin: Headers, assert_problem: ProblemCheck
) -> None:
    assert_problem(client.delete(f"/api/v1/api-keys/{UNKNOWN_ID}", headers=admin), 404, "not_found")
