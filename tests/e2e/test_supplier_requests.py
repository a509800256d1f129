"""Supplier requests over HTTP: from a partial description of a hotel to the e-mail the
Suppliers team receives, their answer, and every refusal on the way."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient

from perla_entrypoints.container import Container, settings_of
from perla_entrypoints.workers import drain_outbox

Headers = dict[str, str]
Json = dict[str, Any]
ProblemCheck = Callable[..., Json]

URL = "/api/v1/supplier-requests"

COMPLETION: Json = {
    "stars": 4,
    "address": "Paseo de la Concha 12",
    "postal_code": "20007",
    "latitude": "43.317",
    "longitude": -1.986,
    "phone": "+34 943 71 19 52",
    "email": "reservas@hotelconcha.es",
    "legal_name": "Hotel Concha S.L.",
    "tax_id": "B58378431",
    "vat_regime": "general",
    "iban": "ES91 2100 0418 4502 0005 1332",
    "bic": "CAIXESBBXXX",
    "account_holder": "Hotel Concha S.L.",
    "contract_type": "net",
    "markup_pct": "12.5",
    "payment_terms": {"basis": "after_invoice", "days": 30},
    "release_days": 7,
    "cancellation_policy": "Free cancellation up to 48 hours before arrival.",
    "contacts": [
        {"role": "reservations", "name": "Ane Etxeberria", "email": "reservas@hotelconcha.es"},
        {"role": "accounting", "name": "Jon Arrieta", "phone": "943 71 19 52"},
    ],
}


def _create(client: TestClient[Litestar], agent: Headers, **extra: Any) -> Json:
    body = {"name": "Hotel Concha", "city": "Donostia", "country": "ES", **extra}
    response = client.post(URL, json=body, headers=agent)
    assert response.status_code == 201, response.text
    created: Json = response.json()
    assert response.headers["location"] == f"{URL}/{created['id']}"
    return created


def _get(client: TestClient[Litestar], headers: Headers, request_id: str) -> Json:
    response = client.get(f"{URL}/{request_id}", headers=headers)
    assert response.status_code == 200, response.text
    body: Json = response.json()
    return body


def _complete(client: TestClient[Litestar], agent: Headers) -> Json:
    created = _create(client, agent)
    response = client.patch(
        f"{URL}/{created['id']}", json={"version": created["version"], **COMPLETION}, headers=agent
    )
    assert response.status_code == 200, response.text
    body: Json = response.json()
    assert body["status"] == "ready", body
    return body


def test_a_request_goes_from_draft_to_acknowledged(
    client: TestClient[Litestar], agent: Headers, reader: Headers, container: Container
) -> None:
    created = _create(client, agent)
    assert created["status"] == "draft"
    assert "iban" in created["missing"]["banking"]

    found = client.get(f"{URL}/{created['id']}/completeness", headers=reader).json()
    assert found["complete"] is False
    assert "tax_id" in found["missing"]["administrative"]
    assert "contacts.reservations" in found["missing"]["commercial"]

    patched = client.patch(
        f"{URL}/{created['id']}", json={"version": created["version"], **COMPLETION}, headers=agent
    )
    assert patched.status_code == 200, patched.text
    ready = patched.json()
    assert ready["status"] == "ready"
    assert ready["missing"] == {}
    assert ready["iban"] == "ES91 2100 0418 4502 0005 1332"
    assert ready["bic"] == "CAIXESBBXXX"
    assert ready["tax_id"] == {"country": "ES", "number": "B58378431"}
    assert ready["phone"] == "+34943711952"
    assert ready["latitude"] == "43.317000"
    assert ready["markup_pct"] == "12.50"
    assert [c["role"] for c in ready["contacts"]] == ["reservations", "accounting"]
    assert client.get(f"{URL}/{created['id']}/completeness", headers=reader).json()["complete"]

    sent = client.post(f"{URL}/{created['id']}/send", json={}, headers=agent)
    assert sent.status_code == 202, sent.text
    assert sent.json()["status"] == "sending"
    drain_outbox(container)
    after = _get(client, reader, created["id"])
    assert after["status"] == "sent"
    assert after["suppliers_address"] == settings_of(container).suppliers_email
    mails = list((settings_of(container).data_dir / "mail").glob("*.eml"))
    assert len(mails) == 1

    acked = client.post(
        f"{URL}/{created['id']}/acknowledge", json={"dome_supplier_code": "HT-2041"}, headers=agent
    )
    assert acked.status_code == 200, acked.text
    assert acked.json()["status"] == "acknowledged"
    assert acked.json()["dome_supplier_code"] == "HT-2041"

    listed = client.get(URL, params={"status": "acknowledged"}, headers=reader).json()
    assert listed["total"] == 1
    assert [i["id"] for i in listed["items"]] == [created["id"]]
    assert client.get(URL, params={"status": "draft"}, headers=reader).json()["total"] == 0


def test_invalid_values_are_named_and_nothing_is_stored(
    client: TestClient[Litestar], agent: Headers, assert_problem: ProblemCheck
) -> None:
    bad = {
        "name": "Hotel Roto",
        "country": "ES",
        "iban": "ES91 2100 0418 4502 0005 1333",
        "bic": "XX",
        "tax_id": "B58378432",
        "phone": "12",
        "email": "not-an-address",
        "latitude": "95",
        "longitude": "abc",
    }
    response = client.post(URL, json=bad, headers=agent)
    body = assert_problem(response, 422, "invalid_input")
    named = {e["field"] for e in body["errors"]}
    assert {"iban", "bic", "tax_id", "phone", "email", "latitude", "longitude"} <= named
    assert client.get(URL, headers=agent).json()["total"] == 0


def test_refusals_leave_the_request_as_it_was(
    client: TestClient[Litestar], agent: Headers, reader: Headers, assert_problem: ProblemCheck
) -> None:
    created = _create(client, agent)
    url = f"{URL}/{created['id']}"
    before = _get(client, reader, created["id"])

    incomplete = client.post(f"{url}/send", json={}, headers=agent)
    problem = assert_problem(incomplete, 422, "precondition_failed")
    assert "iban" in problem["missing"]

    invalid = client.patch(url, json={"version": 1, "iban": "nope"}, headers=agent)
    assert_problem(invalid, 422, "invalid_input", ["iban"])

    stale = client.patch(url, json={"version": 99, "chain": "Mar"}, headers=agent)
    assert_problem(stale, 409, "stale_version")

    forbidden = client.patch(url, json={"version": 1, "chain": "Mar"}, headers=reader)
    assert_problem(forbidden, 403, "permission_denied")
    assert_problem(client.post(URL, json={"name": "X"}, headers=reader), 403, "permission_denied")

    unknown = client.patch(url, json={"version": 1, "colour": "blue"}, headers=agent)
    assert_problem(unknown, 400, "invalid_request", ["colour"])

    assert _get(client, reader, created["id"]) == before


def test_acknowledge_needs_the_code(
    client: TestClient[Litestar], agent: Headers, reader: Headers, assert_problem: ProblemCheck
) -> None:
    ready = _complete(client, agent)
    url = f"{URL}/{ready['id']}"
    assert client.post(f"{url}/send", headers=agent).status_code == 202
    before = _get(client, reader, ready["id"])
    refused = client.post(f"{url}/acknowledge", json={}, headers=agent)
    assert_problem(refused, 422, "invalid_value", ["dome_supplier_code"])
    assert _get(client, reader, ready["id"]) == before


def test_a_rejected_request_is_corrected_and_a_cancelled_one_stays(
    client: TestClient[Litestar], agent: Headers, assert_problem: ProblemCheck
) -> None:
    ready = _complete(client, agent)
    url = f"{URL}/{ready['id']}"
    assert client.post(f"{url}/send", headers=agent).status_code == 202
    assert_problem(client.post(f"{url}/reject", json={}, headers=agent), 422, "invalid_value")
    rejected = client.post(f"{url}/reject", json={"reason": "IBAN holder"}, headers=agent)
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["rejection_reason"] == "IBAN holder"
    cancelled = client.post(f"{url}/cancel", headers=agent)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["allowed_actions"] == []
    again = client.post(f"{url}/send", headers=agent)
    assert_problem(again, 409, "illegal_transition")


def test_unknown_ids_are_not_found(
    client: TestClient[Litestar], agent: Headers, assert_problem: ProblemCheck
) -> None:
    url = f"{URL}/0190a0b4-5c6d-7e8f-9a0b-1c2d3e4f5a6b"
    assert_problem(client.get(url, headers=agent), 404, "not_found")
    assert_problem(client.get(f"{url}/completeness", headers=agent), 404, "not_found")
    assert_problem(client.post(f"{url}/send", headers=agent), 404, "not_found")
    assert_problem(client.patch(url, json={"version": 1}, headers=agent), 404, "not_found")
