"""Account managers, orders and carts over HTTP (seed 003, "Designar a los gestores"): each
assignment rule seen through the API, the distribution rule, the refusals and the roles."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from perla_core.access.model import Role
from perla_core.access.services import create_api_key
from perla_entrypoints.container import Container

Headers = dict[str, str]
Json = dict[str, Any]
ProblemCheck = Callable[..., Json]

BACKENDS = ["memory", "sqlite"]
MANAGERS = "/api/v1/managers"
ORDERS = "/api/v1/orders"
CARTS = "/api/v1/carts"
ASSIGNMENT = "/api/v1/manager-assignment"
LINE = {"description": "Noche en doble", "quantity": 2, "unit_price": "80.00"}


def _ok(response: Any, status: int = 200) -> Json:
    assert response.status_code == status, response.text
    body: Json = response.json()
    return body


def _manager(client: TestClient[Litestar], admin: Headers, name: str, email: str) -> Json:
    response = client.post(MANAGERS, json={"name": name, "email": email}, headers=admin)
    created = _ok(response, 201)
    assert response.headers["location"] == f"{MANAGERS}/{created['id']}"
    return created


def _order(client: TestClient[Litestar], headers: Headers, client_id: str, **extra: Any) -> Json:
    body = {"client_id": client_id, "currency": "EUR", "lines": [LINE], **extra}
    response = client.post(ORDERS, json=body, headers=headers)
    created = _ok(response, 201)
    assert response.headers["location"] == f"{ORDERS}/{created['id']}"
    return created


def _client_manager(client: TestClient[Litestar], headers: Headers, client_id: str) -> str | None:
    account = _ok(client.get(f"/api/v1/clients/{client_id}/account", headers=headers))
    return None if account["manager"] is None else str(account["manager"]["id"])


def _key_of(container: Container, name: str) -> Headers:
    """An agent's API key named after a person: a manager when it is a manager's e-mail."""
    issued = create_api_key(
        name, Role.AGENT, container.uow(), container.clock(), container.ids(), container.secrets()
    )
    return {"Authorization": f"Bearer {issued.key}"}


@pytest.mark.parametrize("container", BACKENDS, indirect=True)
def test_the_client_manager_goes_on_a_new_order(
    client: TestClient[Litestar], agent: Headers, admin: Headers, client_party: Json
) -> None:
    ana = _manager(client, admin, "Ana Ruiz", "ana@perla.example")
    account_url = f"/api/v1/clients/{client_party['id']}/account"
    saved = _ok(client.patch(account_url, json={"manager_id": ana["id"]}, headers=agent))
    assert saved["manager"]["email"] == "ana@perla.example"

    order = _order(client, agent, client_party["id"])
    assert order["manager_id"] == ana["id"]
    assert order["assignment"]["reason"] == "client_manager"
    assert order["assignment"]["distribution"] is None
    assert order["total"] == {"amount": "160.00", "currency": "EUR"}


@pytest.mark.parametrize("container", BACKENDS, indirect=True)
def test_an_inactive_client_manager_is_replaced_by_the_distribution_rule(
    client: TestClient[Litestar], agent: Headers, admin: Headers, client_party: Json
) -> None:
    ana = _manager(client, admin, "Ana Ruiz", "ana@perla.example")
    bea = _manager(client, admin, "Bea Soto", "bea@perla.example")
    account_url = f"/api/v1/clients/{client_party['id']}/account"
    _ok(client.patch(account_url, json={"manager_id": ana["id"]}, headers=agent))
    off = _ok(client.post(f"{MANAGERS}/{ana['id']}/deactivate", headers=admin))
    assert off["active"] is False

    order = _order(client, agent, client_party["id"])
    assert order["assignment"]["reason"] == "inactive_client_manager"
    assert order["assignment"]["distribution"] == "round_robin"
    assert order["manager_id"] == bea["id"]  # the only active one
    assert order["client_manager_id"] == bea["id"]
    assert _client_manager(client, agent, client_party["id"]) == bea["id"]
    settings = _ok(client.get(ASSIGNMENT, headers=agent))
    assert settings["last_picked_manager_id"] == bea["id"]


@pytest.mark.parametrize("container", BACKENDS, indirect=True)
def test_the_order_manager_goes_to_a_client_without_one(
    client: TestClient[Litestar], agent: Headers, admin: Headers, client_party: Json
) -> None:
    bea = _manager(client, admin, "Bea Soto", "bea@perla.example")
    order = _order(client, agent, client_party["id"], manager_id=bea["id"])
    assert order["manager_id"] == bea["id"]
    assert order["assignment"]["reason"] == "order_manager"
    assert _client_manager(client, agent, client_party["id"]) == bea["id"]

    listed = _ok(client.get(ORDERS, params={"manager_id": bea["id"]}, headers=agent))
    assert [o["id"] for o in listed["items"]] == [order["id"]]


@pytest.mark.parametrize("container", BACKENDS, indirect=True)
def test_with_neither_the_editor_gets_the_order_and_the_client(
    client: TestClient[Litestar],
    admin: Headers,
    client_party: Json,
    container: Container,
) -> None:
    _manager(client, admin, "Ana Ruiz", "ana@perla.example")
    carla = _manager(client, admin, "Carla Vidal", "carla@perla.example")
    as_carla = _key_of(container, "Carla@Perla.example")

    order = _order(client, as_carla, client_party["id"])
    assert order["assignment"]["reason"] == "editor"
    assert order["manager_id"] == carla["id"]
    assert order["created_by"] == "Carla@Perla.example"
    assert _client_manager(client, as_carla, client_party["id"]) == carla["id"]


def test_a_client_record_saved_by_a_manager_gets_them(
    client: TestClient[Litestar], admin: Headers, client_party: Json, container: Container
) -> None:
    carla = _manager(client, admin, "Carla Vidal", "carla@perla.example")
    as_carla = _key_of(container, "carla@perla.example")
    url = f"/api/v1/clients/{client_party['id']}/contacts"
    contact = {"role": "sales", "name": "Iker", "email": "iker@viajesbrisa.es"}
    saved = _ok(client.post(url, json=contact, headers=as_carla), 201)
    assert saved["manager"]["id"] == carla["id"]
    assert saved["assignment"]["reason"] == "editor"


def test_an_editor_who_is_not_a_manager_uses_the_distribution_rule(
    client: TestClient[Litestar], agent: Headers, admin: Headers, client_party: Json
) -> None:
    ana = _manager(client, admin, "Ana Ruiz", "ana@perla.example")
    bea = _manager(client, admin, "Bea Soto", "bea@perla.example")
    busy = _order(client, agent, client_party["id"], manager_id=ana["id"])
    assert busy["manager_id"] == ana["id"]

    rule = _ok(client.put(ASSIGNMENT, json={"rule": "least_loaded"}, headers=admin))
    assert rule["rule"] == "least_loaded"
    # a second client, new: neither has a manager and the agent's key is not one
    other = client.post(
        "/api/v1/leads",
        json={"trade_name": "Viajes Sol", "country": "ES", "email": "hola@viajessol.es"},
        headers=agent,
    )
    lead = _ok(other, 201)
    order = _order(client, agent, lead["id"])
    assert order["assignment"]["reason"] == "editor_not_a_manager"
    assert order["assignment"]["distribution"] == "least_loaded"
    assert order["manager_id"] == bea["id"]


def test_an_inactive_manager_cannot_be_assigned_directly(
    client: TestClient[Litestar],
    agent: Headers,
    admin: Headers,
    client_party: Json,
    assert_problem: ProblemCheck,
) -> None:
    ana = _manager(client, admin, "Ana Ruiz", "ana@perla.example")
    _ok(client.post(f"{MANAGERS}/{ana['id']}/deactivate", json={"version": 1}, headers=admin))
    body = {"client_id": client_party["id"], "currency": "EUR", "manager_id": ana["id"]}
    assert_problem(
        client.post(ORDERS, json=body, headers=agent), 422, "precondition_failed", ["manager_id"]
    )
    assert _ok(client.get(ORDERS, headers=agent))["total"] == 0
    account_url = f"/api/v1/clients/{client_party['id']}/account"
    assert_problem(
        client.patch(account_url, json={"manager_id": ana["id"]}, headers=agent),
        422,
        "precondition_failed",
        ["manager_id"],
    )
    assert _client_manager(client, agent, client_party["id"]) is None

    _ok(client.post(f"{MANAGERS}/{ana['id']}/activate", headers=admin))
    order = _order(client, agent, client_party["id"], manager_id=ana["id"])
    other = _manager(client, admin, "Bea Soto", "bea@perla.example")
    _ok(client.post(f"{MANAGERS}/{other['id']}/deactivate", headers=admin))
    assert_problem(
        client.patch(f"{ORDERS}/{order['id']}", json={"manager_id": other["id"]}, headers=agent),
        422,
        "precondition_failed",
        ["manager_id"],
    )


@pytest.mark.parametrize("container", BACKENDS, indirect=True)
def test_an_order_is_edited_placed_completed_or_cancelled(
    client: TestClient[Litestar],
    agent: Headers,
    reader: Headers,
    client_party: Json,
    assert_problem: ProblemCheck,
) -> None:
    draft = _order(client, agent, client_party["id"], lines=[])
    url = f"{ORDERS}/{draft['id']}"
    assert draft["status"] == "draft"
    assert_problem(client.post(f"{url}/place", headers=agent), 422, "precondition_failed")

    bad = {"lines": [{"description": "X", "unit_price": "-1"}, {"quantity": 0, "sku": "A"}]}
    assert_problem(
        client.patch(url, json=bad, headers=agent),
        422,
        "invalid_input",
        ["lines[0].unit_price", "lines[1].quantity"],
    )
    edited = client.patch(
        url,
        json={"version": draft["version"], "lines": [{**LINE, "discount_pct": "10"}]},
        headers=agent,
    )
    body = _ok(edited)
    assert edited.headers["etag"] == f'"{body["version"]}"'
    assert body["total"]["amount"] == "144.00"
    assert body["discount_total"]["amount"] == "16.00"
    assert body["assignment"]["reason"] in {"kept", "no_active_manager"}

    placed = _ok(client.post(f"{url}/place", json={"version": body["version"]}, headers=agent))
    assert placed["status"] == "placed"
    done = _ok(client.post(f"{url}/complete", headers=agent))
    assert done["status"] == "completed"
    assert done["allowed_actions"] == []
    assert_problem(client.post(f"{url}/cancel", headers=agent), 409, "illegal_transition")

    other = _order(client, agent, client_party["id"])
    cancelled = _ok(
        client.post(f"{ORDERS}/{other['id']}/cancel", json={"reason": "duplicado"}, headers=agent)
    )
    assert cancelled["cancellation_reason"] == "duplicado"
    by_status = _ok(client.get(ORDERS, params={"status": "completed"}, headers=reader))
    assert [o["id"] for o in by_status["items"]] == [draft["id"]]
    by_client = _ok(client.get(ORDERS, params={"client_id": client_party["id"]}, headers=reader))
    assert by_client["total"] == 2
    assert _ok(client.get(url, headers=reader))["number"] == draft["number"]
    assert_problem(client.post(f"{url}/cancel", headers=reader), 403, "permission_denied")


@pytest.mark.parametrize("container", BACKENDS, indirect=True)
def test_carts_are_watched_and_converted(
    client: TestClient[Litestar],
    agent: Headers,
    admin: Headers,
    reader: Headers,
    client_party: Json,
    assert_problem: ProblemCheck,
) -> None:
    bea = _manager(client, admin, "Bea Soto", "bea@perla.example")
    empty = {"client_id": client_party["id"], "currency": "EUR"}
    response = client.post(CARTS, json=empty, headers=agent)
    cart = _ok(response, 201)
    assert response.headers["location"] == f"{CARTS}/{cart['id']}"
    assert cart["status"] == "open"
    assert cart["value"]["amount"] == "0.00"
    url = f"{CARTS}/{cart['id']}"
    assert_problem(client.post(f"{url}/convert", headers=agent), 422, "precondition_failed")

    filled = _ok(
        client.put(url, json={**empty, "lines": [LINE], "version": cart["version"]}, headers=agent)
    )
    assert filled["value"]["amount"] == "160.00"
    listed = _ok(client.get(CARTS, params={"status": "open"}, headers=reader))
    assert [c["id"] for c in listed["items"]] == [cart["id"]]
    assert listed["items"][0]["age_seconds"] >= 0
    kpis = _ok(client.get(f"{CARTS}/kpis", headers=reader))
    assert kpis["open"] == 1
    assert kpis["open_value"] == [{"amount": "160.00", "currency": "EUR"}]

    converted = client.post(f"{url}/convert", headers=agent)
    order = _ok(converted, 201)
    assert order["status"] == "placed"
    assert order["channel"] == "cart"
    assert order["manager_id"] == bea["id"]
    assert order["assignment"]["reason"] == "editor_not_a_manager"
    assert converted.headers["location"] == f"{ORDERS}/{order['id']}"
    after = _ok(client.get(url, headers=reader))
    assert after["status"] == "converted"
    assert after["converted_order_id"] == order["id"]
    kpis = _ok(client.get(f"{CARTS}/kpis", headers=reader))
    assert (kpis["open"], kpis["converted"], kpis["conversion_rate_pct"]) == (0, 1, "100.00")
    assert_problem(client.put(url, json=empty, headers=agent), 409, "illegal_transition")
    assert_problem(client.post(CARTS, json=empty, headers=reader), 403, "permission_denied")


def test_managers_are_administered_by_admins_only(
    client: TestClient[Litestar],
    agent: Headers,
    admin: Headers,
    reader: Headers,
    assert_problem: ProblemCheck,
) -> None:
    ana = _manager(client, admin, "Ana Ruiz", "ana@perla.example")
    url = f"{MANAGERS}/{ana['id']}"
    assert_problem(
        client.post(MANAGERS, json={"name": "Otra", "email": "ANA@perla.example"}, headers=admin),
        409,
        "already_exists",
        ["email"],
    )
    renamed = client.patch(
        url, json={"version": ana["version"], "name": "Ana Ruiz Gil"}, headers=admin
    )
    assert _ok(renamed)["name"] == "Ana Ruiz Gil"
    assert renamed.headers["etag"] == f'"{renamed.json()["version"]}"'
    assert _ok(client.get(url, headers=reader))["name"] == "Ana Ruiz Gil"
    assert [m["id"] for m in _ok(client.get(MANAGERS, headers=reader))["items"]] == [ana["id"]]
    inactive = _ok(client.get(MANAGERS, params={"active": "false"}, headers=reader))
    assert inactive["items"] == []

    for response in [
        client.post(MANAGERS, json={"name": "X", "email": "x@perla.example"}, headers=agent),
        client.patch(url, json={"name": "X"}, headers=agent),
        client.post(f"{url}/deactivate", headers=agent),
        client.put(ASSIGNMENT, json={"rule": "least_loaded"}, headers=agent),
    ]:
        assert_problem(response, 403, "permission_denied")
    assert_problem(
        client.put(ASSIGNMENT, json={"rule": "random"}, headers=admin),
        422,
        "invalid_value",
        ["rule"],
    )
    assert _ok(client.get(ASSIGNMENT, headers=reader))["rule"] == "round_robin"
