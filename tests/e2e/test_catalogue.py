"""The product catalogue over HTTP (issue 7): a product created with ``PUT``, its list price
in USD shown also in ARS at the configured rate (half-up cents) and with VAT, stock per
warehouse, filters, an expired price never shown as current, bad input refused field by
field, and the roles."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from perla_core.outbox import OutboxStatus
from perla_entrypoints.container import Container

Headers = dict[str, str]
Json = dict[str, Any]
ProblemCheck = Callable[..., Json]

PRODUCTS = "/api/v1/catalogue/products"
BULLET = {
    "brand": "Hikvision",
    "model": "DS-2CD1043G0-I",
    "category": "camera",
    "description": "Cámara IP bullet 4 MP, lente 2.8 mm, IR 30 m, PoE",
    "attributes": {
        "resolution_mp": "4",
        "form_factor": "bullet",
        "placement": "outdoor",
        "ir_range_m": 30,
        "lens_mm": "2.8",
        "poe": True,
    },
    "vat_rate": "10.5",
}


def _ok(response: Any, status: int = 200) -> Json:
    assert response.status_code == status, response.text
    body: Json = response.json()
    return body


def _product(client: TestClient[Litestar], agent: Headers, sku: str, **overrides: Any) -> Json:
    return _ok(client.put(f"{PRODUCTS}/{sku}", json=BULLET | overrides, headers=agent), 201)


@pytest.mark.parametrize("container", ["memory", "sqlite"], indirect=True)
def test_a_product_is_created_priced_in_usd_shown_in_ars_and_stocked_per_warehouse(
    client: TestClient[Litestar], agent: Headers, reader: Headers, container: Container
) -> None:
    created = client.put(f"{PRODUCTS}/hik-ds-2cd1043g0-i-2.8", json=BULLET, headers=agent)
    body = _ok(created, 201)
    assert created.headers["location"] == f"{PRODUCTS}/HIK-DS-2CD1043G0-I-2.8"
    assert body["sku"] == "HIK-DS-2CD1043G0-I-2.8"
    assert body["attributes"]["form_factor"] == "bullet"
    assert body["price"] is None
    assert body["in_stock"] is False

    url = f"{PRODUCTS}/HIK-DS-2CD1043G0-I-2.8"
    priced = _ok(
        client.put(
            f"{url}/price",
            json={"amount": "62.425", "currency": "USD", "valid_from": "2020-01-01T00:00:00Z"},
            headers=agent,
        )
    )
    assert priced["price"]["list_price"] == {"amount": "62.43", "currency": "USD"}  # half-up
    assert priced["price"]["ars"] == {"amount": "62430.00", "currency": "ARS"}
    assert priced["price"]["usd"] == {"amount": "62.43", "currency": "USD"}
    assert priced["price"]["ars_with_vat"] == {"amount": "68985.15", "currency": "ARS"}
    assert priced["exchange_rate"]["usd_ars"] == "1000.00"

    _ok(client.put(f"{url}/stock/CABA", json={"quantity": 5}, headers=agent))
    stocked = _ok(client.put(f"{url}/stock/Córdoba", json={"quantity": 0}, headers=agent))
    assert stocked["stock"] == {"CABA": 5, "Córdoba": 0}
    assert stocked["total_stock"] == 5
    assert stocked["in_stock"] is True

    read = client.get(url, headers=reader)
    assert _ok(read)["version"] == stocked["version"] == 4
    assert read.headers["etag"] == '"4"'

    with container.uow() as uow:
        messages = uow.outbox.for_aggregate(UUID(body["id"]))
    topics = [m.topic for m in messages]
    assert all(m.status is OutboxStatus.PENDING for m in messages)
    assert topics == [
        "catalogue.product_changed",
        "catalogue.price_changed",
        "catalogue.stock_changed",
        "catalogue.stock_changed",
    ]


def test_products_are_filtered_by_brand_category_stock_and_current_price(
    client: TestClient[Litestar], agent: Headers, reader: Headers
) -> None:
    for sku, brand, category, usd, stock in (
        ("CAM-1", "Hikvision", "camera", "60", 3),
        ("CAM-2", "Dahua", "camera", "48", 0),
        ("DVR-1", "Hikvision", "dvr", "42", 2),
        ("CAM-3", "hikvisión", "camera", "150", 1),
    ):
        _product(client, agent, sku, brand=brand, category=category)
        price = {"amount": usd, "currency": "USD", "valid_from": "2020-01-01T00:00:00Z"}
        _ok(client.put(f"{PRODUCTS}/{sku}/price", json=price, headers=agent))
        _ok(client.put(f"{PRODUCTS}/{sku}/stock/CABA", json={"quantity": stock}, headers=agent))

    def skus(**params: Any) -> list[str]:
        page = _ok(client.get(PRODUCTS, params=params, headers=reader))
        return [p["sku"] for p in page["items"]]

    assert skus(brand="HIKVISION") == ["CAM-1", "CAM-3", "DVR-1"]
    assert skus(category="camera", in_stock="true") == ["CAM-1", "CAM-3"]
    assert skus(in_stock="false") == ["CAM-2"]
    assert skus(min_price="45000", max_price="61000") == ["CAM-1", "CAM-2"]  # ARS
    assert skus(max_price="50", currency="USD") == ["CAM-2", "DVR-1"]
    assert skus(limit=2, offset=1) == ["CAM-2", "CAM-3"]


def test_an_expired_price_is_never_shown_as_current(
    client: TestClient[Litestar], agent: Headers, reader: Headers
) -> None:
    _product(client, agent, "VIEJO-1")
    expired = {
        "amount": "19.00",
        "currency": "USD",
        "valid_from": "2020-01-01T00:00:00Z",
        "valid_until": "2021-01-01T00:00:00Z",
    }
    body = _ok(client.put(f"{PRODUCTS}/VIEJO-1/price", json=expired, headers=agent))
    assert body["price"] is None
    assert _ok(client.get(f"{PRODUCTS}/VIEJO-1", headers=reader))["price"] is None
    assert _ok(client.get(PRODUCTS, params={"min_price": "1"}, headers=reader))["items"] == []


def test_bad_input_is_refused_field_by_field_and_unknown_skus_are_404(
    client: TestClient[Litestar],
    agent: Headers,
    reader: Headers,
    assert_problem: ProblemCheck,
) -> None:
    bad = BULLET | {
        "brand": " ",
        "category": "camara espia",
        "vat_rate": "15",
        "attributes": {"lens_mm": "grande", "ir_range_m": -5},
    }
    problem = assert_problem(
        client.put(f"{PRODUCTS}/X-1", json=bad, headers=agent), 422, "invalid_input"
    )
    assert {e["field"] for e in problem["errors"]} == {
        "category",
        "vat_rate",
        "brand",
        "ir_range_m",
        "lens_mm",
    }
    _product(client, agent, "X-1")
    assert_problem(
        client.put(
            f"{PRODUCTS}/X-1/price", json={"amount": "abc", "currency": "EUR"}, headers=agent
        ),
        422,
        "invalid_input",
        ["price", "currency"],
    )
    assert_problem(
        client.put(f"{PRODUCTS}/X-1/stock/CABA", json={"quantity": -1}, headers=agent),
        400,
        "invalid_request",
    )
    assert_problem(client.get(f"{PRODUCTS}/NO-EXISTE", headers=reader), 404, "not_found")
    stale = BULLET | {"description": "otra", "version": 7}
    assert_problem(client.put(f"{PRODUCTS}/X-1", json=stale, headers=agent), 409, "stale_version")
    assert_problem(
        client.put(f"{PRODUCTS}/X-2", json=BULLET, headers=reader), 403, "permission_denied"
    )
