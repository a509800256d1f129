"""The HTTP API end to end: a container, a Litestar ``TestClient`` and an API key per role.

``container`` runs on the in-memory adapters; parametrize it indirectly with ``"sqlite"`` (a
migrated file in ``tmp_path``) or ``"postgres"`` to run a test on a real database. The keys
are issued through ``create_api_key``, as ``perla apikey create`` does. Dome and PerlaHub are
the container's in-memory doubles; ``drain()`` runs the outbox in-process, as the workers
would, so a converted client gets registered in both.

Only one test of the suite runs on PostgreSQL (the session shares one database, and the
parties here share a tax id).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from perla_core.access.model import Role
from perla_core.access.services import create_api_key
from perla_entrypoints.container import Container, build_container
from perla_entrypoints.http import create_app
from perla_entrypoints.workers import drain_outbox

Headers = dict[str, str]
Json = dict[str, Any]

VALID_CIF = "B58378431"
VALID_PHONE = "+34 943 71 19 52"
PUBLIC_NETWORK = "81.45.12.0/24"


def _lead_payload(**overrides: Any) -> Json:
    """What a commercial records after a first call: enough for a lead, not for a client."""
    body: Json = {
        "trade_name": "Viajes Brisa",
        "country": "ES",
        "email": "hola@viajesbrisa.es",
        "phone": VALID_PHONE,
        "markets": ["es", "PT"],
        "source": "fitur",
    }
    body.update(overrides)
    return body


def _conversion_details(version: int) -> Json:
    """What Dome needs to register the customer, as a PATCH body."""
    return {
        "version": version,
        "legal_name": "Viajes Brisa S.L.",
        "tax_id": VALID_CIF,
        "business_type": "travel_agency",
        "addresses": [
            {
                "line1": "Calle Mayor 1",
                "city": "Madrid",
                "postal_code": "28013",
                "country": "ES",
                "default_billing": True,
            }
        ],
        "contacts": [
            {"role": "administration", "name": "Lucía Pérez", "email": "lucia@viajesbrisa.es"}
        ],
    }


def _rule_payload(**overrides: Any) -> Json:
    """A 12.5% margin on every rate booked this decade."""
    body: Json = {
        "name": "Base margin",
        "kind": "percent",
        "value": "12.5",
        "booking_from": "2020-01-01",
        "booking_to": "2099-12-31",
        "reason": "launch terms agreed with the client",
    }
    body.update(overrides)
    return body


def _credential_payload(**overrides: Any) -> Json:
    """A live credential selling hotels in euros from one public network."""
    body: Json = {
        "environment": "live",
        "products": ["hotels"],
        "currencies": ["EUR"],
        "ip_allowlist": [PUBLIC_NETWORK],
    }
    body.update(overrides)
    return body


@pytest.fixture
def container(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Container]:
    backend = getattr(request, "param", "memory")
    if backend == "memory":
        url = "memory://"
    elif backend == "sqlite":
        url = f"sqlite:///{tmp_path}/t.db"
    else:
        url = request.getfixturevalue("postgres_url")
    built = build_container(database_url=url, data_dir=str(tmp_path))
    built.storage().migrate()
    yield built
    built.storage().close()


@pytest.fixture
def keys(container: Container) -> dict[Role, str]:
    return {
        role: create_api_key(
            f"{role.value} key",
            role,
            container.uow(),
            container.clock(),
            container.ids(),
            container.secrets(),
        ).key
        for role in Role
    }


@pytest.fixture
def client(container: Container) -> Iterator[TestClient[Litestar]]:
    with TestClient(create_app(container)) as test_client:
        yield test_client


@pytest.fixture
def admin(keys: dict[Role, str]) -> Headers:
    return {"Authorization": f"Bearer {keys[Role.ADMIN]}"}


@pytest.fixture
def agent(keys: dict[Role, str]) -> Headers:
    return {"Authorization": f"Bearer {keys[Role.AGENT]}"}


@pytest.fixture
def reader(keys: dict[Role, str]) -> Headers:
    return {"Authorization": f"Bearer {keys[Role.READONLY]}"}


@pytest.fixture
def lead_payload() -> Callable[..., Json]:
    """``lead_payload(**overrides)``: a valid registration body."""
    return _lead_payload


@pytest.fixture
def conversion_details() -> Callable[[int], Json]:
    """``conversion_details(version)``: the PATCH body that makes a lead convertible."""
    return _conversion_details


@pytest.fixture
def register(client: TestClient[Litestar], agent: Headers) -> Callable[..., Json]:
    """``register(**overrides)``: registers a lead as the agent and returns it."""

    def register_lead(**overrides: Any) -> Json:
        response = client.post("/api/v1/leads", json=_lead_payload(**overrides), headers=agent)
        assert response.status_code == 201, response.text
        body: Json = response.json()
        return body

    return register_lead


@pytest.fixture
def client_party(
    client: TestClient[Litestar], agent: Headers, register: Callable[..., Json]
) -> Json:
    """A lead taken through to a client pending registration."""
    lead = register()
    url = f"/api/v1/leads/{lead['id']}"
    patched = client.patch(url, json=_conversion_details(lead["version"]), headers=agent)
    assert patched.status_code == 200, patched.text
    contacted = client.post(f"{url}/transitions", json={"action": "mark_contacted"}, headers=agent)
    assert contacted.status_code == 200, contacted.text
    converted = client.post(f"{url}/convert", json={}, headers=agent)
    assert converted.status_code == 200, converted.text
    body: Json = converted.json()
    return body


@pytest.fixture
def drain(container: Container) -> Callable[[], int]:
    """``drain()`` delivers every due outbox message (Dome, PerlaHub) in this thread."""
    return lambda: drain_outbox(container)


@pytest.fixture
def rule_payload() -> Callable[..., Json]:
    """``rule_payload(**overrides)``: a valid margin rule body."""
    return _rule_payload


@pytest.fixture
def credential_payload() -> Callable[..., Json]:
    """``credential_payload(**overrides)``: a valid live credential body."""
    return _credential_payload


@pytest.fixture
def registered_client(
    client: TestClient[Litestar], agent: Headers, client_party: Json, drain: Callable[[], int]
) -> Json:
    """A converted client after the outbox ran: created in Dome and in PerlaHub."""
    drain()
    response = client.get(f"/api/v1/clients/{client_party['id']}", headers=agent)
    body: Json = response.json()
    assert body["status"] == "registered", body
    return body


@pytest.fixture
def validated_client(client: TestClient[Litestar], agent: Headers, registered_client: Json) -> Json:
    """A registered client whose record an agent validated ("ficha validada")."""
    url = f"/api/v1/clients/{registered_client['id']}/transitions"
    response = client.post(url, json={"action": "validate_record"}, headers=agent)
    assert response.status_code == 200, response.text
    body: Json = response.json()
    return body


@pytest.fixture
def priced_client(client: TestClient[Litestar], agent: Headers, validated_client: Json) -> Json:
    """A validated client whose policy has a margin rule and prices hotels in euros."""
    policy = f"/api/v1/clients/{validated_client['id']}/commercial-policy"
    added = client.post(f"{policy}/rules", json=_rule_payload(), headers=agent)
    assert added.status_code == 201, added.text
    scope = {"currencies": ["EUR"], "products": ["hotels"], "reason": "launch"}
    priced = client.put(f"{policy}/priced-scope", json=scope, headers=agent)
    assert priced.status_code == 200, priced.text
    return validated_client


@pytest.fixture
def issued_credential(
    client: TestClient[Litestar], agent: Headers, priced_client: Json, drain: Callable[[], int]
) -> Json:
    """A live credential of ``priced_client``, already pushed to PerlaHub; ``secret`` is the
    one shown at issue."""
    url = f"/api/v1/clients/{priced_client['id']}/credentials"
    response = client.post(url, json=_credential_payload(), headers=agent)
    assert response.status_code == 201, response.text
    drain()
    body: Json = response.json()
    return {**body["credential"], "secret": body["secret"]}


@pytest.fixture
def live_client(
    client: TestClient[Litestar], agent: Headers, issued_credential: Json, priced_client: Json
) -> Json:
    """``priced_client`` taken live: onboarding, a passing connection test with its live
    credential, a passed technical validation, go-live."""
    url = f"/api/v1/clients/{priced_client['id']}"
    steps = [
        (f"{url}/transitions", {"action": "start_onboarding"}),
        (f"/api/v1/credentials/{issued_credential['id']}/connection-test", None),
        (f"{url}/technical-validations", {"name": "availability_search", "passed": True}),
        (f"{url}/go-live", {}),
    ]
    for path, body in steps:
        response = client.post(path, json=body, headers=agent)
        assert response.status_code == 200, response.text
    live: Json = client.get(url, headers=agent).json()
    assert live["status"] == "live", live
    return live


ProblemCheck = Callable[..., Json]


def _assert_problem(
    response: Any, status: int, code: str, fields: list[str | None] | None = None
) -> Json:
    """The response is an RFC 9457 problem with ``status`` and ``code``, naming ``fields``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: Json = response.json()
    assert body["type"] == f"urn:perla:problem:{code}"
    assert body["code"] == code
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    assert body["instance"] == response.request.url.path
    if fields is not None:
        assert [e["field"] for e in body["errors"]] == fields, body
    return body


@pytest.fixture
def assert_problem() -> ProblemCheck:
    """``assert_problem(response, status, code, fields=None)`` returns the problem body."""
    return _assert_problem
