"""A local PerlaHub: ``create_perlahub_simulator()`` serves an :class:`InMemoryPerlaHub`.

Endpoints, bodies and errors are those of ``docs/contracts/perlahub.md``; the test-only
``/_sim/*`` routes are described in :mod:`perla_adapters.simulators`. Run one with
``perla simulate perlahub`` or :func:`perla_adapters.simulators.serve_simulator`.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar, Request, Response, delete, get, post, put
from litestar.params import FromPath

from perla_adapters.memory.perlahub import InMemoryPerlaHub
from perla_adapters.perlahub.wire import ConnectionTestRequest, PolicyPush
from perla_adapters.simulators import DEFAULT_API_KEY, BadRequest, SimulatorKit
from perla_core.gateways.errors import RemoteFieldError
from perla_core.gateways.perlahub import (
    BenchmarkAccessRequest,
    CredentialUpsert,
    PerlaHubAgencyRequest,
)


def create_perlahub_simulator(
    *, api_key: str = DEFAULT_API_KEY, hub: InMemoryPerlaHub | None = None
) -> Litestar:
    """A Litestar app speaking PerlaHub's contract; ``hub`` holds its state (new if None)."""
    held = hub if hub is not None else InMemoryPerlaHub()
    kit = SimulatorKit(
        "perlahub",
        api_key,
        records=lambda: {
            "agencies": held.agencies,
            "benchmark_accesses": held.benchmark_accesses,
            "credentials": held.credentials,
            "policies": held.policies,
        },
        forget=held.reset,
    )

    @post("/api/v1/agencies", status_code=201)
    async def create_agency(request: Request[Any, Any, Any]) -> Response[Any]:
        payload = await kit.read(request, PerlaHubAgencyRequest)
        key = kit.idempotency_key(request)
        replayed = held.ledger.knows("agencies.create", key)
        return kit.answer(held.create_agency(payload, key), status=201, replayed=replayed)

    @get("/api/v1/agencies/{agency_id:str}")
    async def get_agency(agency_id: FromPath[str]) -> Response[Any]:
        return kit.answer(held.get_agency(agency_id))

    @post("/api/v1/benchmark-accesses", status_code=201)
    async def grant_benchmark_access(request: Request[Any, Any, Any]) -> Response[Any]:
        payload = await kit.read(request, BenchmarkAccessRequest)
        key = kit.idempotency_key(request)
        replayed = held.ledger.knows("benchmark.grant", key)
        access = held.grant_benchmark_access(payload, key)
        return kit.answer(access, status=201, replayed=replayed)

    @delete("/api/v1/benchmark-accesses/{access_id:str}", status_code=200)
    async def revoke_benchmark_access(access_id: FromPath[str]) -> Response[Any]:
        return kit.answer(held.revoke_benchmark_access(access_id))

    @put("/api/v1/agencies/{agency_id:str}/credentials/{credential_id:str}")
    async def upsert_credential(
        request: Request[Any, Any, Any], agency_id: FromPath[str], credential_id: FromPath[str]
    ) -> Response[Any]:
        payload = await kit.read(request, CredentialUpsert)
        key = kit.idempotency_key(request)
        mismatched = [
            RemoteFieldError(name, f"must be {expected}, as in the path")
            for name, given, expected in (
                ("agency_id", payload.agency_id, agency_id),
                ("credential_id", payload.credential_id, credential_id),
            )
            if given != expected
        ]
        if mismatched:
            raise BadRequest("the body does not match the path", mismatched)
        replayed = held.ledger.knows("credentials.upsert", key)
        return kit.answer(held.upsert_credential(payload, key), replayed=replayed)

    @get("/api/v1/agencies/{agency_id:str}/credentials/{credential_id:str}")
    async def get_credential(
        agency_id: FromPath[str], credential_id: FromPath[str]
    ) -> Response[Any]:
        return kit.answer(held.get_credential(agency_id, credential_id))

    @put("/api/v1/agencies/{agency_id:str}/policy")
    async def push_policy(
        request: Request[Any, Any, Any], agency_id: FromPath[str]
    ) -> Response[Any]:
        payload = await kit.read(request, PolicyPush)
        key = kit.idempotency_key(request)
        replayed = held.ledger.knows("policies.push", key)
        policy = held.push_policy(agency_id, payload.rules, payload.revision, key)
        return kit.answer(policy, replayed=replayed)

    @get("/api/v1/agencies/{agency_id:str}/policy")
    async def get_policy(agency_id: FromPath[str]) -> Response[Any]:
        return kit.answer(held.get_policy(agency_id))

    @post("/api/v1/agencies/{agency_id:str}/connection-tests", status_code=200)
    async def test_connection(
        request: Request[Any, Any, Any], agency_id: FromPath[str]
    ) -> Response[Any]:
        payload = await kit.read(request, ConnectionTestRequest)
        outcome = held.test_connection(agency_id, payload.username, payload.environment)
        return kit.answer(outcome)

    return kit.app(
        [
            create_agency,
            get_agency,
            grant_benchmark_access,
            revoke_benchmark_access,
            upsert_credential,
            get_credential,
            push_policy,
            get_policy,
            test_connection,
        ]
    )
