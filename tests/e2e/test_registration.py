"""The administrative registration through HTTP: Dome, then PerlaHub, after conversion.

A failure in either system is shown on the client (``registration.error``) and in its
timeline; ``POST .../registration/retry`` completes it, and idempotency keys make sure no
retry ever creates a second customer or agency.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from perla_adapters.memory.dome import InMemoryDome
from perla_adapters.memory.perlahub import InMemoryPerlaHub
from perla_core.gateways.errors import (
    ExternalError,
    ExternalProtocolError,
    ExternalRejected,
    ExternalUnavailable,
    RemoteFieldError,
)
from perla_entrypoints.container import Container

Headers = dict[str, str]
Json = dict[str, Any]
ProblemCheck = Callable[..., Json]


def dome_of(container: Container) -> InMemoryDome:
    dome = container.dome()
    assert isinstance(dome, InMemoryDome)
    return dome


def perlahub_of(container: Container) -> InMemoryPerlaHub:
    perlahub = container.perlahub()
    assert isinstance(perlahub, InMemoryPerlaHub)
    return perlahub


def read(client: TestClient[Litestar], headers: Headers, party: Json) -> Json:
    response = client.get(f"/api/v1/clients/{party['id']}", headers=headers)
    assert response.status_code == 200
    body: Json = response.json()
    return body


def retry(
    client: TestClient[Litestar], headers: Headers, party: Json, body: Json | None = None
) -> Any:
    return client.post(
        f"/api/v1/clients/{party['id']}/registration/retry", json=body, headers=headers
    )


@pytest.mark.parametrize(
    "failure",
    [
        ExternalUnavailable("dome", "Dome answered 500", remote_status=500),
        ExternalUnavailable("dome", "Dome timed out after 10 s"),
        ExternalProtocolError("dome", "Dome answered something that is not JSON"),
    ],
    ids=["500", "timeout", "garbage"],
)
def test_a_dome_failure_is_shown_on_the_client_and_a_retry_completes_it_with_one_customer(
    container: Container,
    client: TestClient[Litestar],
    agent: Headers,
    client_party: Json,
    drain: Callable[[], int],
    failure: ExternalError,
) -> None:
    dome, perlahub = dome_of(container), perlahub_of(container)
    dome.fail_next(1, failure)
    drain()

    failed = read(client, agent, client_party)
    assert failed["status"] == "pending_registration"
    assert failed["registration"]["dome_customer_code"] is None
    assert failed["registration"]["error"].startswith("dome: ")
    assert failure.message in failed["registration"]["error"]
    assert dome.customers == []
    assert perlahub.agencies == []
    last = client.get(f"/api/v1/clients/{client_party['id']}/activity", headers=agent).json()[-1]
    assert (last["type"], last["system"], last["retryable"]) == (
        "onboarding.registration_failed",
        "dome",
        True,
    )

    retried = retry(client, agent, client_party, {"version": failed["version"]})
    assert retried.status_code == 202, retried.text
    assert retried.json()["registration"]["error"] is None
    drain()

    done = read(client, agent, client_party)
    assert done["status"] == "registered"
    assert done["registration"] == {
        "dome_customer_code": dome.customers[0].code,
        "perlahub_agency_id": perlahub.agencies[0].agency_id,
        "error": None,
    }
    assert len(dome.customers) == 1
    assert len(perlahub.agencies) == 1
    assert retry(client, agent, client_party).status_code == 409


def test_an_answer_lost_after_dome_created_the_customer_never_creates_a_second_one(
    container: Container,
    client: TestClient[Litestar],
    agent: Headers,
    client_party: Json,
    drain: Callable[[], int],
) -> None:
    dome = dome_of(container)
    dome.fail_next(1, after_effect=True)
    drain()
    assert read(client, agent, client_party)["registration"]["error"].startswith("dome: ")
    assert len(dome.customers) == 1  # Dome did the work; perla never heard back

    assert retry(client, agent, client_party).status_code == 202
    drain()

    done = read(client, agent, client_party)
    assert done["status"] == "registered"
    assert [c.code for c in dome.customers] == [done["registration"]["dome_customer_code"]]
    creates = [c for c in dome.calls if c.operation == "customers.create"]
    assert [c.outcome for c in creates] == ["external_unavailable", "replayed"]
    assert len({c.idempotency_key for c in creates}) == 1


def test_a_perlahub_failure_leaves_the_client_in_dome_and_the_retry_only_asks_perlahub(
    container: Container,
    client: TestClient[Litestar],
    agent: Headers,
    client_party: Json,
    drain: Callable[[], int],
) -> None:
    dome, perlahub = dome_of(container), perlahub_of(container)
    perlahub.fail_next(1, operation="agencies.create")
    drain()

    half = read(client, agent, client_party)
    assert half["status"] == "registered_in_dome"
    assert half["registration"]["dome_customer_code"] == dome.customers[0].code
    assert half["registration"]["perlahub_agency_id"] is None
    assert half["registration"]["error"].startswith("perlahub: ")

    assert retry(client, agent, client_party).status_code == 202
    drain()
    done = read(client, agent, client_party)
    assert done["status"] == "registered"
    assert len(dome.customers) == 1
    assert len(perlahub.agencies) == 1
    assert len([c for c in dome.calls if c.operation == "customers.create"]) == 1


def test_data_dome_refuses_waits_for_an_agent_and_is_not_retried_by_itself(
    container: Container,
    client: TestClient[Litestar],
    agent: Headers,
    client_party: Json,
    drain: Callable[[], int],
) -> None:
    dome = dome_of(container)
    refusal = ExternalRejected(
        "dome",
        "dome refused the customer: tax_id",
        errors=[RemoteFieldError("tax_id", "is blocked")],
    )
    dome.fail_next(1, refusal)
    drain()
    drain()  # nothing is due: a refusal is not retried by itself
    refused = read(client, agent, client_party)
    assert refused["registration"]["error"] == "dome: tax_id: dome refused the customer: tax_id"
    assert len([c for c in dome.calls if c.operation == "customers.create"]) == 1
    last = client.get(f"/api/v1/clients/{client_party['id']}/activity", headers=agent).json()[-1]
    assert last["retryable"] is False

    assert retry(client, agent, client_party).status_code == 202
    drain()
    assert read(client, agent, client_party)["status"] == "registered"


def test_a_refused_retry_changes_nothing(
    client: TestClient[Litestar],
    agent: Headers,
    client_party: Json,
    register: Callable[..., Json],
    assert_problem: ProblemCheck,
) -> None:
    stale = retry(client, agent, client_party, {"version": client_party["version"] + 1})
    assert_problem(stale, 409, "stale_version", ["version"])
    unknown = retry(client, agent, client_party, {"force": True})
    assert_problem(unknown, 400, "invalid_request", ["force"])
    assert read(client, agent, client_party) == client_party

    lead = register(trade_name="Todavía Lead", email="lead@agencia.es")
    assert_problem(retry(client, agent, lead), 409, "illegal_transition")
    after = client.get(f"/api/v1/leads/{lead['id']}", headers=agent).json()
    assert after == lead
