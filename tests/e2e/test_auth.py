"""API keys on the HTTP API: who may call what, and how a refusal looks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from dependency_injector import providers
from litestar import Litestar
from litestar.testing import TestClient
from tests.e2e.test_health_and_schema import OPERATIONS

from perla_core.access.model import SYSTEM, Role
from perla_core.access.services import create_api_key, revoke_api_key
from perla_entrypoints.container import Container, build_container
from perla_entrypoints.http import create_app

Headers = dict[str, str]
Json = dict[str, Any]
ProblemCheck = Callable[..., Json]

WRITES = [
    ("POST", "/api/v1/leads"),
    ("PATCH", "/api/v1/leads/{id}"),
    ("POST", "/api/v1/leads/{id}/transitions"),
    ("POST", "/api/v1/leads/{id}/convert"),
    ("POST", "/api/v1/leads/{id}/benchmark-access"),
    ("PATCH", "/api/v1/clients/{id}"),
    ("POST", "/api/v1/clients/{id}/transitions"),
    ("POST", "/api/v1/clients/{id}/registration/retry"),
    ("POST", "/api/v1/clients/{id}/technical-validations"),
    ("POST", "/api/v1/clients/{id}/go-live"),
    ("POST", "/api/v1/clients/{id}/credentials"),
    ("POST", "/api/v1/clients/{id}/commercial-policy/rules"),
    ("PUT", "/api/v1/clients/{id}/commercial-policy/priced-scope"),
    ("POST", "/api/v1/clients/{id}/commercial-policy/scheduled-changes"),
]
# writes on a credential or a rule of the client: the id is filled in by the test
NESTED_WRITES = [
    ("PATCH", "/api/v1/credentials/{credential}"),
    ("POST", "/api/v1/credentials/{credential}/suspend"),
    ("POST", "/api/v1/credentials/{credential}/reactivate"),
    ("POST", "/api/v1/credentials/{credential}/revoke"),
    ("POST", "/api/v1/credentials/{credential}/rotate-secret"),
    ("POST", "/api/v1/credentials/{credential}/connection-test"),
    ("PATCH", "/api/v1/clients/{id}/commercial-policy/rules/{rule}"),
    ("POST", "/api/v1/clients/{id}/commercial-policy/rules/{rule}/enable"),
    ("POST", "/api/v1/clients/{id}/commercial-policy/rules/{rule}/disable"),
    ("DELETE", "/api/v1/clients/{id}/commercial-policy/rules/{rule}?reason=x"),
    ("DELETE", "/api/v1/clients/{id}/commercial-policy/scheduled-changes/{schedule}?reason=x"),
]
ADMIN_ONLY = [
    ("GET", "/api/v1/api-keys", None),
    ("POST", "/api/v1/api-keys", {"name": "bot", "role": "agent"}),
    ("DELETE", "/api/v1/api-keys/{id}", None),
]


PATH_IDS = (
    "{import_id}",
    "{ref}",
    "{client_id}",
    "{key_id}",
    "{credential_id}",
    "{rule_id}",
    "{schedule_id}",
    "{request_id}",
    "{inquiry_id}",
    "{reminder_id}",
    "{unmatched_id}",
    "{address_id}",
    "{contact_id}",
    "{title_id}",
    "{group_id}",
    "{manager_id}",
    "{order_id}",
    "{cart_id}",
    "{contact}",
    "{sku}",
    "{warehouse}",
    "{run_id}",
    "{conversation_id}",
)


def api_operations(client: TestClient[Litestar]) -> list[tuple[str, str]]:
    paths: Json = client.get("/schema/openapi.json").json()["paths"]
    found: list[tuple[str, str]] = []
    for path, operations in paths.items():
        if not path.startswith("/api/"):
            continue
        for name in PATH_IDS:
            path = path.replace(name, str(uuid4()))  # noqa: PLW2901 - filled in place
        found.extend((method.upper(), path) for method in operations)
    return found


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer not-a-perla-key",
        "Bearer perla_000000000000_guessed-secret",
    ],
)
def test_every_api_route_needs_a_valid_bearer_key(
    client: TestClient[Litestar], assert_problem: ProblemCheck, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    operations = api_operations(client)
    assert len(operations) == len([path for _, path in OPERATIONS if path.startswith("/api/")])
    for method, path in operations:
        response = client.request(method, path, headers=headers, json={"x": 1})
        assert_problem(response, 401, "unauthenticated")
        assert response.headers["www-authenticate"] == "Bearer"


def test_a_wrong_secret_for_a_known_prefix_is_refused(
    client: TestClient[Litestar], keys: dict[Role, str], assert_problem: ProblemCheck
) -> None:
    prefix = keys[Role.ADMIN].split("_")[1]
    forged = {"Authorization": f"Bearer perla_{prefix}_{'A' * 43}"}
    assert_problem(client.get("/api/v1/leads", headers=forged), 401, "unauthenticated")


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_a_readonly_key_cannot_write_and_nothing_changes(
    client: TestClient[Litestar],
    reader: Headers,
    client_party: Json,
    register: Callable[..., Json],
    assert_problem: ProblemCheck,
    method: str,
    path: str,
) -> None:
    lead = register(trade_name="Otra Agencia", email="otra@agencia.es")
    before = client.get("/api/v1/leads", headers=reader).json()
    party = client_party if "/clients/" in path else lead
    url = path.format(id=party["id"])
    # the role is refused before the body is read: even garbage gets 403, not 400
    for body in (
        {"version": party["version"], "notes": "x", "action": "mark_contacted"},
        {"nonsense": True},
    ):
        response = client.request(method, url, json=body, headers=reader)
        body_of = assert_problem(response, 403, "permission_denied")
        assert body_of["role"] == "readonly"
    assert client.get("/api/v1/leads", headers=reader).json() == before
    assert (
        client.get(f"/api/v1/clients/{client_party['id']}", headers=reader).json() == client_party
    )


@pytest.mark.parametrize(("method", "path"), NESTED_WRITES)
def test_a_readonly_key_cannot_touch_credentials_or_rules_and_nothing_changes(
    client: TestClient[Litestar],
    agent: Headers,
    reader: Headers,
    issued_credential: Json,
    priced_client: Json,
    assert_problem: ProblemCheck,
    method: str,
    path: str,
) -> None:
    policy_url = f"/api/v1/clients/{priced_client['id']}/commercial-policy"
    scheduled = client.post(
        f"{policy_url}/scheduled-changes",
        json={
            "effective_at": "2099-01-01T00:00:00+00:00",
            "change": {"action": "set_priced", "currencies": ["EUR", "USD"]},
            "reason": "dollars next year",
        },
        headers=agent,
    )
    assert scheduled.status_code == 201, scheduled.text
    policy = client.get(policy_url, headers=reader).json()
    credential = client.get(f"/api/v1/credentials/{issued_credential['id']}", headers=reader)
    url = path.format(
        id=priced_client["id"],
        credential=issued_credential["id"],
        rule=policy["rules"][0]["id"],
        schedule=policy["scheduled_changes"][0]["id"],
    )
    body = {"version": 1, "reason": "x", "label": "mine"}
    problem = assert_problem(
        client.request(method, url, json=body, headers=reader), 403, "permission_denied"
    )
    assert problem["role"] == "readonly"
    assert client.get(policy_url, headers=reader).json() == policy
    after = client.get(f"/api/v1/credentials/{issued_credential['id']}", headers=reader)
    assert after.json() == credential.json()


def test_a_readonly_key_can_read_everything_and_price(
    client: TestClient[Litestar], reader: Headers, issued_credential: Json, priced_client: Json
) -> None:
    party_id = priced_client["id"]
    for path in (
        "/api/v1/leads",
        f"/api/v1/leads/{party_id}",
        "/api/v1/clients",
        f"/api/v1/clients/{party_id}",
        f"/api/v1/clients/{party_id}/activity",
        f"/api/v1/clients/{party_id}/go-live",
        f"/api/v1/clients/{party_id}/credentials",
        f"/api/v1/credentials/{issued_credential['id']}",
        f"/api/v1/clients/{party_id}/commercial-policy",
        f"/api/v1/clients/{party_id}/commercial-policy/history",
        f"/api/v1/clients/{party_id}/commercial-policy/diff?from=0&to=2",
        "/api/v1/global-rules",
    ):
        assert client.get(path, headers=reader).status_code == 200, path
    rate = {
        "hotel": "H1",
        "channel": "web",
        "supplier": "S1",
        "booking_date": "2030-01-10",
        "stay_date": "2030-02-01",
        "net": "100",
        "currency": "EUR",
    }
    priced = client.post(
        f"/api/v1/clients/{party_id}/commercial-policy/price",
        json={"rates": [rate]},
        headers=reader,
    )
    assert priced.status_code == 200, priced.text
    assert priced.json()["rates"][0]["selling"] == {"amount": "112.50", "currency": "EUR"}


@pytest.mark.parametrize("role", [Role.AGENT, Role.READONLY])
def test_only_an_admin_changes_perlahubs_global_rules(
    client: TestClient[Litestar],
    keys: dict[Role, str],
    admin: Headers,
    assert_problem: ProblemCheck,
    role: Role,
) -> None:
    before = client.get("/api/v1/global-rules", headers=admin).json()
    headers = {"Authorization": f"Bearer {keys[role]}"}
    rules = {"min_margin_percent": "0", "max_margin_percent": "5"}
    response = client.put("/api/v1/global-rules", json=rules, headers=headers)
    problem = assert_problem(response, 403, "permission_denied")
    assert problem["permission"] == "administer"
    assert client.get("/api/v1/global-rules", headers=headers).json() == before
    changed = client.put("/api/v1/global-rules", json=rules, headers=admin)
    assert changed.status_code == 200, changed.text
    assert client.get("/api/v1/global-rules", headers=headers).json()["max_margin_percent"] == "5"


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ONLY)
@pytest.mark.parametrize("role", [Role.AGENT, Role.READONLY])
def test_only_an_admin_manages_api_keys(
    client: TestClient[Litestar],
    keys: dict[Role, str],
    admin: Headers,
    assert_problem: ProblemCheck,
    method: str,
    path: str,
    body: Json | None,
    role: Role,
) -> None:
    before = client.get("/api/v1/api-keys", headers=admin).json()
    victim = before[0]["id"]
    headers = {"Authorization": f"Bearer {keys[role]}"}
    response = client.request(method, path.format(id=victim), json=body, headers=headers)
    problem = assert_problem(response, 403, "permission_denied")
    assert problem["permission"] == "administer"
    assert client.get("/api/v1/api-keys", headers=admin).json() == before


def test_an_admin_creates_a_key_that_is_shown_once_and_works_for_its_role(
    client: TestClient[Litestar], admin: Headers, assert_problem: ProblemCheck
) -> None:
    created = client.post(
        "/api/v1/api-keys", json={"name": "CRM sync", "role": "readonly"}, headers=admin
    )
    assert created.status_code == 201, created.text
    issued = created.json()
    assert set(issued) == {"id", "name", "role", "key"}
    assert issued["key"].startswith("perla_")
    assert (issued["name"], issued["role"]) == ("CRM sync", "readonly")

    listing = client.get("/api/v1/api-keys", headers=admin)
    assert issued["key"].split("_", 2)[2] not in listing.text
    entry = next(k for k in listing.json() if k["id"] == issued["id"])
    assert set(entry) == {"id", "name", "role", "prefix", "created_at", "revoked_at", "active"}
    assert entry["active"] is True
    assert issued["key"].split("_")[1] == entry["prefix"]

    new_key = {"Authorization": f"Bearer {issued['key']}"}
    assert client.get("/api/v1/leads", headers=new_key).status_code == 200
    refused = client.post("/api/v1/leads", json={"trade_name": "x"}, headers=new_key)
    assert_problem(refused, 403, "permission_denied")


def test_a_revoked_key_is_refused_at_once_by_the_process_that_revoked_it(
    client: TestClient[Litestar], admin: Headers, assert_problem: ProblemCheck
) -> None:
    issued = client.post(
        "/api/v1/api-keys", json={"name": "temp", "role": "agent"}, headers=admin
    ).json()
    temp = {"Authorization": f"Bearer {issued['key']}"}
    assert client.get("/api/v1/leads", headers=temp).status_code == 200
    revoked = client.delete(f"/api/v1/api-keys/{issued['id']}", headers=admin)
    assert revoked.status_code == 204
    assert revoked.content == b""
    assert_problem(client.get("/api/v1/leads", headers=temp), 401, "unauthenticated")
    entry = next(
        k for k in client.get("/api/v1/api-keys", headers=admin).json() if k["id"] == issued["id"]
    )
    assert entry["active"] is False
    assert datetime.fromisoformat(entry["revoked_at"]).tzinfo is not None


def _revoke_elsewhere(container: Container, key: str) -> None:
    """Revoke a key as another process would: straight in the store, not through this app."""
    prefix = key.split("_")[1]
    with container.uow() as uow:
        key_id: UUID = next(k.id for k in uow.api_keys.list() if k.prefix == prefix)
    revoke_api_key(key_id, container.uow(), container.clock(), SYSTEM)


def test_a_checked_key_is_cached_for_the_configured_time(
    container: Container, client: TestClient[Litestar], keys: dict[Role, str]
) -> None:
    agent = {"Authorization": f"Bearer {keys[Role.AGENT]}"}
    assert client.get("/api/v1/leads", headers=agent).status_code == 200
    _revoke_elsewhere(container, keys[Role.AGENT])
    assert client.get("/api/v1/leads", headers=agent).status_code == 200


@pytest.fixture
def uncached() -> Iterator[tuple[Container, TestClient[Litestar]]]:
    container = build_container(database_url="memory://", auth_cache_seconds=0)
    with TestClient(create_app(container)) as client:
        yield container, client


def test_with_the_cache_disabled_a_key_revoked_elsewhere_is_refused_at_once(
    uncached: tuple[Container, TestClient[Litestar]], assert_problem: ProblemCheck
) -> None:
    container, client = uncached
    key = create_api_key(
        "agent",
        Role.AGENT,
        container.uow(),
        container.clock(),
        container.ids(),
        container.secrets(),
    ).key
    agent = {"Authorization": f"Bearer {key}"}
    assert client.get("/api/v1/leads", headers=agent).status_code == 200
    _revoke_elsewhere(container, key)
    assert_problem(client.get("/api/v1/leads", headers=agent), 401, "unauthenticated")


class BrokenClock:
    def now(self) -> datetime:
        raise RuntimeError("clock exploded at /srv/perla/secret-path")


def test_an_unexpected_error_is_a_generic_500_that_does_not_leak_the_key(
    container: Container,
    client: TestClient[Litestar],
    keys: dict[Role, str],
    lead_payload: Callable[..., Json],
    assert_problem: ProblemCheck,
    capsys: pytest.CaptureFixture[str],
) -> None:
    container.clock.override(providers.Object(BrokenClock()))
    agent = {"Authorization": f"Bearer {keys[Role.AGENT]}"}
    response = client.post("/api/v1/leads", json=lead_payload(), headers=agent)
    problem = assert_problem(response, 500, "internal_error")
    assert "exploded" not in response.text
    assert "secret-path" not in response.text
    assert problem["errors"] == []
    logged = capsys.readouterr()
    assert "RuntimeError" in logged.out + logged.err
    assert keys[Role.AGENT] not in logged.out + logged.err
    assert keys[Role.AGENT].split("_", 2)[2] not in logged.out + logged.err
