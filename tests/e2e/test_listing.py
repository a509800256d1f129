"""Listing leads and clients: filters, text search and stable pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient

Headers = dict[str, str]
Json = dict[str, Any]


def test_leads_are_listed_newest_first_in_stable_pages(
    client: TestClient[Litestar], reader: Headers, register: Callable[..., Json]
) -> None:
    ids = [register(trade_name=f"Agencia {n}")["id"] for n in range(5)]
    newest_first = list(reversed(ids))

    first = client.get("/api/v1/leads", params={"limit": 2}, headers=reader).json()
    second = client.get("/api/v1/leads", params={"limit": 2, "offset": 2}, headers=reader).json()
    last = client.get("/api/v1/leads", params={"limit": 2, "offset": 4}, headers=reader).json()

    assert (first["total"], first["limit"], first["offset"]) == (5, 2, 0)
    assert [p["id"] for p in first["items"] + second["items"] + last["items"]] == newest_first
    assert client.get("/api/v1/leads", params={"offset": 10}, headers=reader).json()["items"] == []


def test_leads_filter_by_status_country_and_accent_blind_text(
    client: TestClient[Litestar], agent: Headers, reader: Headers, register: Callable[..., Json]
) -> None:
    spain = register(trade_name="Viajes Ibéricos")
    register(
        trade_name="Turismo Andino",
        country="AR",
        phone="+54 11 4321 5678",
        email="info@andino.com.ar",
    )
    client.post(
        f"/api/v1/leads/{spain['id']}/transitions", json={"action": "mark_contacted"}, headers=agent
    )

    def ids(**params: Any) -> list[str]:
        response = client.get("/api/v1/leads", params=params, headers=reader)
        assert response.status_code == 200, response.text
        return [p["trade_name"] for p in response.json()["items"]]

    assert ids(status="contacted") == ["Viajes Ibéricos"]
    assert ids(status="new") == ["Turismo Andino"]
    assert ids(country="ar") == ["Turismo Andino"]
    assert ids(q="ibericos") == ["Viajes Ibéricos"]
    assert ids(q="ANDINO", country="AR", status="new") == ["Turismo Andino"]
    assert ids(q="nobody") == []


def test_leads_and_clients_lists_are_split_by_phase(
    client: TestClient[Litestar],
    reader: Headers,
    register: Callable[..., Json],
    client_party: Json,
) -> None:
    lead = register(trade_name="Todavía Lead")
    leads = client.get("/api/v1/leads", headers=reader).json()
    clients = client.get("/api/v1/clients", headers=reader).json()
    assert [p["id"] for p in leads["items"]] == [lead["id"]]
    assert [p["id"] for p in clients["items"]] == [client_party["id"]]
    pending = client.get(
        "/api/v1/clients", params={"status": "pending_registration"}, headers=reader
    ).json()
    assert pending["total"] == 1
    assert (
        client.get("/api/v1/clients", params={"status": "live"}, headers=reader).json()["total"]
        == 0
    )


def test_a_lead_url_and_a_client_url_show_the_same_party(
    client: TestClient[Litestar], reader: Headers, client_party: Json
) -> None:
    as_lead = client.get(f"/api/v1/leads/{client_party['id']}", headers=reader)
    as_client = client.get(f"/api/v1/clients/{client_party['id']}", headers=reader)
    assert as_lead.json() == as_client.json() == client_party
    assert as_lead.json()["phase"] == "client"
