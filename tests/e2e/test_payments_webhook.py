"""The purchase over HTTP: a WhatsApp order priced from the catalogue, its summary and
confirmation, payments by the signed webhook (and by hand), the record in Dome through the
outbox, and the refusals of bad input."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from perla_adapters.memory.dome import InMemoryDome
from perla_core.access.model import SYSTEM
from perla_core.orders import sales
from perla_core.orders.signing import SIGNATURE_HEADER, signature_of
from perla_entrypoints.container import Container, build_container

Headers = dict[str, str]
Json = dict[str, Any]
ProblemCheck = Callable[..., Json]
SECRET = "whsec-test-0123456789"
PRODUCTS = "/api/v1/catalogue/products"
ORDERS = "/api/v1/orders"
WEBHOOK = "/webhooks/payments"


@pytest.fixture
def container(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Container]:
    backend = getattr(request, "param", "memory")
    url = "memory://" if backend == "memory" else f"sqlite:///{tmp_path}/t.db"
    built = build_container(
        database_url=url, data_dir=str(tmp_path), payments_webhook_secret=SECRET
    )
    built.storage().migrate()
    yield built
    built.storage().close()


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _signed(client: TestClient[Litestar], payload: Json, secret: str = SECRET) -> Any:
    body = json.dumps(payload).encode()
    headers = {SIGNATURE_HEADER: signature_of(secret, body), "Content-Type": "application/json"}
    return client.post(WEBHOOK, content=body, headers=headers)


@pytest.fixture
def confirmed_order(client: TestClient[Litestar], agent: Headers, client_party: Json) -> Json:
    """A WhatsApp order of two cameras (10.5 % VAT) at the catalogue's ARS price, confirmed."""
    product = {
        "brand": "Hikvision", "model": "DS-2CD1043G0-I", "category": "camera",
        "description": "Cámara IP bullet 4 MP", "vat_rate": "10.5",
    }  # fmt: skip
    _ok(client.put(f"{PRODUCTS}/CAM-1", json=product, headers=agent), 201)
    price = {"amount": "10.00", "currency": "USD", "valid_from": "2020-01-01T00:00:00Z"}
    _ok(client.put(f"{PRODUCTS}/CAM-1/price", json=price, headers=agent))
    _ok(client.put(f"{PRODUCTS}/CAM-1/stock/central", json={"quantity": 5}, headers=agent))
    line = {"sku": "CAM-1", "description": "Cámara", "quantity": 2, "unit_price": "10000.00",
            "vat_rate": "10.5"}  # fmt: skip
    order = _ok(
        client.post(ORDERS, json={"client_id": client_party["id"], "currency": "ARS",
                                  "channel": "whatsapp", "lines": [line]}, headers=agent),
        201,
    )  # fmt: skip
    summary = _ok(client.post(f"{ORDERS}/{order['id']}/summary", headers=agent))
    assert summary["changes"] == []
    assert summary["order"]["status"] == "awaiting_confirmation"
    assert summary["order"]["total_with_vat"] == {"amount": "22100.00", "currency": "ARS"}
    confirmed = _ok(
        client.post(f"{ORDERS}/{order['id']}/confirm",
                    json={"summary_version": summary["summary_version"]}, headers=agent)
    )  # fmt: skip
    assert confirmed["outcome"] == "confirmed"
    order_out: Json = confirmed["order"]
    return order_out


@pytest.mark.parametrize("container", ["memory", "sqlite"], indirect=True)
def test_a_signed_payment_in_two_parts_pays_the_order_once_it_is_recorded_in_dome(
    client: TestClient[Litestar],
    agent: Headers,
    container: Container,
    confirmed_order: Json,
    drain: Callable[[], int],
) -> None:
    order_id = confirmed_order["id"]
    first = {
        "payment_id": "mp-1", "order_number": confirmed_order["number"], "amount": "20000",
        "currency": "ARS", "method": "card", "paid_at": "2020-11-24T12:00:00-03:00",
    }  # fmt: skip

    paid = _ok(_signed(client, first))
    again = _ok(_signed(client, first))

    assert paid["duplicate"] is False
    assert again["duplicate"] is True
    assert again["payment_id"] == paid["payment_id"]
    assert again["balance"] == {"amount": "2100.00", "currency": "ARS"}
    manual = {"payment_id": "rcpt-7", "amount": "2100.00", "currency": "ARS"}
    rest = _ok(client.post(f"{ORDERS}/{order_id}/payments", json=manual, headers=agent))
    assert (rest["status"], rest["balance"]["amount"]) == ("confirmed", "0.00")

    sales.mark_pre_invoiced(container.uow(), container.clock(), SYSTEM, order_id=UUID(order_id),
                            document_id="doc-1", series="PF-0001", number=1)  # fmt: skip
    drain()  # OrderPreInvoiced -> Dome records the order -> recorded, and paid in full: paid

    got = _ok(client.get(f"{ORDERS}/{order_id}", headers=agent))
    dome = container.dome()
    assert isinstance(dome, InMemoryDome)
    assert [o.external_ref for o in dome.orders] == [order_id]
    assert got["erp_reference"] == dome.orders[0].reference
    assert got["status"] == "paid"
    assert got["paid"] == {"amount": "22100.00", "currency": "ARS"}
    payments = _ok(client.get(f"{ORDERS}/{order_id}/payments", headers=agent))
    assert [p["payment_id"] for p in payments] == ["mp-1", "rcpt-7"]


def test_an_unsigned_or_badly_signed_payment_is_refused_and_nothing_recorded(
    client: TestClient[Litestar], agent: Headers, confirmed_order: Json
) -> None:
    payload = {"payment_id": "mp-1", "order_id": confirmed_order["id"], "amount": "10",
               "currency": "ARS"}  # fmt: skip

    unsigned = client.post(WEBHOOK, json=payload)
    wrong = _signed(client, payload, secret="not-the-secret")

    assert (unsigned.status_code, wrong.status_code) == (401, 401)
    assert unsigned.headers["content-type"].startswith("application/problem+json")
    assert SECRET not in unsigned.text
    payments = _ok(client.get(f"{ORDERS}/{confirmed_order['id']}/payments", headers=agent))
    assert payments == []


def test_bad_payments_get_clear_problems(
    client: TestClient[Litestar], confirmed_order: Json, assert_problem: ProblemCheck
) -> None:
    base = {"payment_id": "mp-1", "order_id": confirmed_order["id"], "amount": "10",
            "currency": "ARS"}  # fmt: skip

    unknown = _signed(client, base | {"order_id": None, "order_number": 999_999})
    currency = _signed(client, base | {"currency": "USD"})
    negative = _signed(client, base | {"amount": "-5"})
    floaty = _signed(client, base | {"amount": True})
    _ok(_signed(client, base))
    changed = _signed(client, base | {"amount": "11"})

    assert_problem(unknown, 404, "not_found")
    assert_problem(currency, 422, "invalid_value", ["currency"])
    assert_problem(negative, 422, "invalid_input", ["amount"])
    assert_problem(floaty, 422, "invalid_value", ["amount"])
    assert_problem(changed, 409, "payment_conflict")


def test_the_webhook_answers_503_without_a_secret(tmp_path: Path) -> None:
    built = build_container(database_url="memory://", data_dir=str(tmp_path))
    from perla_entrypoints.http.app import create_app  # noqa: PLC0415

    with TestClient(create_app(built)) as client:
        response = client.post(WEBHOOK, json={})

    assert response.status_code == 503
