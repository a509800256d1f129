"""The customer section of a client over HTTP (seed 002): the account (title, group,
manager, addresses, contacts, KPIs), the titles and customer-group catalogues, the overall
KPIs and the customer-service inbox, with every refusal on the way."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from perla_core.access.model import SYSTEM
from perla_core.inquiries.commands import RegisterInquiry
from perla_core.inquiries.services import receive_email, register_inquiry
from perla_core.mail.inbound import InboundEmail
from perla_entrypoints.container import Container

Headers = dict[str, str]
Json = dict[str, Any]
ProblemCheck = Callable[..., Json]

BACKENDS = ["memory", "sqlite"]
TITLES = "/api/v1/titles"
GROUPS = "/api/v1/customer-groups"
CUSTOMER_GROUP = "00000000-0000-4000-8000-00000000b003"


def _account_url(client_party: Json) -> str:
    return f"/api/v1/clients/{client_party['id']}/account"


def _ok(response: Any, status: int = 200) -> Json:
    assert response.status_code == status, response.text
    body: Json = response.json()
    return body


@pytest.mark.parametrize("container", BACKENDS, indirect=True)
def test_the_customer_section_keeps_title_group_addresses_and_contacts(
    client: TestClient[Litestar], agent: Headers, admin: Headers, client_party: Json
) -> None:
    url = _account_url(client_party)
    blank = _ok(client.get(url, headers=agent))
    assert blank["version"] == 0
    assert blank["group"]["code"] == "customer"
    assert blank["title"] is None
    assert blank["manager"] is None
    assert blank["kpis"]["orders"] == 0
    assert blank["kpis"]["revenue"] == []

    titles = _ok(client.get(TITLES, headers=agent))["items"]
    doctor = next(t for t in titles if t["code"] == "dr")
    vip = _ok(
        client.post(
            GROUPS, json={"code": "vip", "name": "VIP", "discount_pct": "7.5"}, headers=admin
        ),
        201,
    )
    saved = client.patch(
        url, json={"version": 0, "title_id": doctor["id"], "group_id": vip["id"]}, headers=agent
    )
    account = _ok(saved)
    assert saved.headers["etag"] == f'"{account["version"]}"'
    assert account["title"]["label"] == "Dr."
    assert account["group"] == {**vip, "members": 1, "version": vip["version"]}
    assert account["assignment"]["reason"] == "kept"  # the agent's key is not a manager

    office = {
        "name": "Oficina central",
        "line1": "Calle Mayor 1",
        "city": "Madrid",
        "country": "ES",
        "postal_code": "28013",
        "default_billing": True,
    }
    added = client.post(f"{url.removesuffix('/account')}/addresses", json=office, headers=agent)
    first = _ok(added, 201)
    assert added.headers["location"].endswith(f"/addresses/{first['item_id']}")
    second = _ok(
        client.post(
            f"{url.removesuffix('/account')}/addresses",
            json={**office, "name": "Almacén", "postal_code": "28001"},
            headers=agent,
        ),
        201,
    )
    defaults = {a["name"]: a["default_billing"] for a in second["addresses"]}
    assert defaults == {"Oficina central": False, "Almacén": True}

    address_url = f"{url.removesuffix('/account')}/addresses/{first['item_id']}"
    changed = _ok(client.patch(address_url, json={"city": "Alcalá"}, headers=agent))
    assert [a["city"] for a in changed["addresses"]] == ["Alcalá", "Madrid"]
    removed = _ok(client.delete(address_url, headers=agent))
    assert [a["name"] for a in removed["addresses"]] == ["Almacén"]

    contacts = f"{url.removesuffix('/account')}/contacts"
    contact = {"role": "customer_service", "name": "Ane", "email": "ane@viajesbrisa.es"}
    with_contact = _ok(client.post(contacts, json=contact, headers=agent), 201)
    contact_url = f"{contacts}/{with_contact['item_id']}"
    renamed = _ok(client.patch(contact_url, json={"phone": "943 71 19 52"}, headers=agent))
    assert renamed["contacts"][0]["phone"] == "+34943711952"
    assert _ok(client.delete(contact_url, headers=agent))["contacts"] == []

    stale = client.patch(url, json={"version": 1, "title_id": None}, headers=agent)
    assert stale.status_code == 409, stale.text


def test_bad_addresses_and_contacts_name_their_fields(
    client: TestClient[Litestar], agent: Headers, client_party: Json, assert_problem: ProblemCheck
) -> None:
    base = f"/api/v1/clients/{client_party['id']}"
    bad = {"name": "X", "line1": "Y", "city": "Z", "country": "ES", "postal_code": "99999"}
    assert_problem(
        client.post(f"{base}/addresses", json=bad, headers=agent),
        422,
        "invalid_value",
        ["address.postal_code"],
    )
    no_way = {"role": "sales", "name": "Nadie"}
    assert_problem(
        client.post(f"{base}/contacts", json=no_way, headers=agent),
        422,
        "invalid_value",
        ["contact.email"],
    )
    missing = "/api/v1/clients/00000000-0000-4000-8000-000000000001/account"
    assert_problem(client.get(missing, headers=agent), 404, "not_found")


@pytest.mark.parametrize("container", BACKENDS, indirect=True)
def test_a_title_in_use_cannot_be_deleted(
    client: TestClient[Litestar],
    agent: Headers,
    admin: Headers,
    client_party: Json,
    assert_problem: ProblemCheck,
) -> None:
    title = _ok(client.post(TITLES, json={"code": "prof", "label": "Prof."}, headers=admin), 201)
    url = f"{TITLES}/{title['id']}"
    _ok(client.patch(_account_url(client_party), json={"title_id": title["id"]}, headers=agent))

    refused = assert_problem(
        client.delete(url, headers=admin), 409, "precondition_failed", ["title_id"]
    )
    assert refused["in_use"] == 1
    assert any(t["id"] == title["id"] for t in _ok(client.get(TITLES, headers=agent))["items"])

    retired = _ok(client.patch(url, json={"active": False}, headers=admin))
    assert retired["active"] is False
    active = _ok(client.get(TITLES, params={"active": "true"}, headers=agent))["items"]
    assert title["id"] not in [t["id"] for t in active]

    _ok(client.patch(_account_url(client_party), json={"title_id": None}, headers=agent))
    assert client.delete(url, headers=admin).status_code == 204
    assert_problem(client.delete(url, headers=admin), 404, "not_found")


@pytest.mark.parametrize("container", BACKENDS, indirect=True)
def test_a_group_with_members_cannot_be_deleted(
    client: TestClient[Litestar],
    agent: Headers,
    admin: Headers,
    client_party: Json,
    assert_problem: ProblemCheck,
) -> None:
    groups = _ok(client.get(GROUPS, headers=agent))["items"]
    assert [g["code"] for g in groups[:3]] == ["visitor", "guest", "customer"]
    assert all(g["system"] for g in groups[:3])

    group = _ok(
        client.post(GROUPS, json={"code": "mayoristas", "name": "Mayoristas"}, headers=admin), 201
    )
    url = f"{GROUPS}/{group['id']}"
    _ok(client.patch(_account_url(client_party), json={"group_id": group["id"]}, headers=agent))
    listed = {g["code"]: g["members"] for g in _ok(client.get(GROUPS, headers=agent))["items"]}
    assert listed["mayoristas"] == 1

    refused = assert_problem(
        client.delete(url, headers=admin), 409, "precondition_failed", ["group_id"]
    )
    assert refused["members"] == 1
    assert_problem(
        client.delete(f"{GROUPS}/{CUSTOMER_GROUP}", headers=admin),
        409,
        "precondition_failed",
        ["group_id"],
    )

    discounted = _ok(client.patch(url, json={"discount_pct": 12}, headers=admin))
    assert discounted["discount_pct"] == "12.00"
    _ok(client.patch(_account_url(client_party), json={"group_id": CUSTOMER_GROUP}, headers=agent))
    assert client.delete(url, headers=admin).status_code == 204


def test_roles_bound_the_customer_section(
    client: TestClient[Litestar],
    agent: Headers,
    reader: Headers,
    client_party: Json,
    assert_problem: ProblemCheck,
) -> None:
    url = _account_url(client_party)
    assert client.get(url, headers=reader).status_code == 200
    assert_problem(
        client.patch(url, json={"title_id": None}, headers=reader), 403, "permission_denied"
    )
    assert_problem(
        client.post(f"{url.removesuffix('/account')}/contacts", json={}, headers=reader),
        403,
        "permission_denied",
    )
    for path, body in [
        (TITLES, {"code": "x", "label": "X"}),
        (GROUPS, {"code": "x", "name": "X"}),
    ]:
        assert_problem(client.post(path, json=body, headers=agent), 403, "permission_denied")
    assert client.get(TITLES, headers=reader).status_code == 200
    assert client.get(GROUPS, headers=reader).status_code == 200
    assert client.get("/api/v1/kpis/customers", headers=reader).status_code == 200
    assert_problem(client.get(TITLES), 401, "unauthenticated")


def test_kpis_count_placed_orders_per_currency(
    client: TestClient[Litestar], agent: Headers, client_party: Json
) -> None:
    def order(currency: str, price: str, *, place: bool = True) -> None:
        body = {
            "client_id": client_party["id"],
            "currency": currency,
            "lines": [{"description": "Noche", "quantity": 2, "unit_price": price}],
            "place": place,
        }
        _ok(client.post("/api/v1/orders", json=body, headers=agent), 201)

    order("EUR", "50.00")
    order("EUR", "25.005")
    order("USD", "10")
    order("EUR", "999", place=False)  # a draft: not revenue

    kpis = _ok(client.get(_account_url(client_party), headers=agent))["kpis"]
    assert kpis["orders"] == 3
    assert kpis["revenue"] == [
        {"amount": "150.01", "currency": "EUR"},
        {"amount": "20.00", "currency": "USD"},
    ]
    assert kpis["average_order_value"][0] == {"amount": "75.01", "currency": "EUR"}
    overall = _ok(client.get("/api/v1/kpis/customers", headers=agent))
    assert overall["orders"] == 3
    assert overall["last_order_at"] is not None


def test_the_inbox_merges_pending_inquiries_and_unmatched_emails(
    client: TestClient[Litestar], reader: Headers, container: Container
) -> None:
    clock, ids, secrets = container.clock(), container.ids(), container.secrets()
    inquiry_id = register_inquiry(
        RegisterInquiry(
            guest_name="Marta Gil",
            guest_phone="+34 600 000 000",
            message="¿Tenéis habitación doble para el puente?",
        ),
        container.uow(),
        clock,
        ids,
        secrets,
        SYSTEM,
    )
    later = datetime.now(UTC) + timedelta(hours=1)
    stray = InboundEmail(
        message_id="<stray-1@example.com>",
        sender="jon@example.com",
        sender_name="Jon",
        to=("reservas@perla.example",),
        subject="Re: algo que no conocemos",
        text="Hola, respondo a vuestro correo.",
        received_at=later,
        in_reply_to="<nobody-sent-this@example.com>",
    )
    receive_email(stray, container.uow(), clock, ids, secrets, SYSTEM)

    inbox = _ok(client.get("/api/v1/customer-service/inbox", headers=reader))
    assert inbox["total"] == 2
    assert [i["kind"] for i in inbox["items"]] == ["unmatched_email", "inquiry"]
    email, inquiry = inbox["items"]
    assert email["address"] == "jon@example.com"
    assert email["channel"] == "email"
    assert email["subject"] == "Re: algo que no conocemos"
    assert inquiry["id"] == str(inquiry_id)
    assert inquiry["name"] == "Marta Gil"
    assert inquiry["channel"] == "phone"
    assert inquiry["reference"].startswith("C-")
    assert "puente" in inquiry["summary"]
    page = _ok(
        client.get(
            "/api/v1/customer-service/inbox", params={"limit": 1, "offset": 1}, headers=reader
        )
    )
    assert [i["kind"] for i in page["items"]] == ["inquiry"]
