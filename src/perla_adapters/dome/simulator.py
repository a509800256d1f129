"""A local Dome: ``create_dome_simulator()`` serves an :class:`InMemoryDome` over the contract.

Endpoints, bodies and errors are those of ``docs/contracts/dome.md``; the test-only
``/_sim/*`` routes are described in :mod:`perla_adapters.simulators`. Run one with
``perla simulate dome`` or :func:`perla_adapters.simulators.serve_simulator`.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar, Request, Response, get, post
from litestar.params import FromPath

from perla_adapters.memory.dome import InMemoryDome
from perla_adapters.simulators import DEFAULT_API_KEY, SimulatorKit
from perla_core.gateways.dome import DomeCustomerRequest, DomeSupplierRequest


def create_dome_simulator(
    *, api_key: str = DEFAULT_API_KEY, dome: InMemoryDome | None = None
) -> Litestar:
    """A Litestar app speaking Dome's contract; ``dome`` holds its state (a new one if None)."""
    held = dome if dome is not None else InMemoryDome()
    kit = SimulatorKit(
        "dome",
        api_key,
        records=lambda: {"customers": held.customers, "suppliers": held.suppliers},
        forget=held.reset,
    )

    @post("/api/v1/customers", status_code=201)
    async def create_customer(request: Request[Any, Any, Any]) -> Response[Any]:
        payload = await kit.read(request, DomeCustomerRequest)
        key = kit.idempotency_key(request)
        replayed = held.ledger.knows("customers.create", key)
        customer = held.create_customer(payload, key)
        return kit.answer(customer, status=201, replayed=replayed)

    @get("/api/v1/customers/{code:str}")
    async def get_customer(code: FromPath[str]) -> Response[Any]:
        return kit.answer(held.get_customer(code))

    @post("/api/v1/suppliers", status_code=201)
    async def create_supplier(request: Request[Any, Any, Any]) -> Response[Any]:
        payload = await kit.read(request, DomeSupplierRequest)
        key = kit.idempotency_key(request)
        replayed = held.ledger.knows("suppliers.create", key)
        supplier = held.create_supplier(payload, key)
        return kit.answer(supplier, status=201, replayed=replayed)

    @get("/api/v1/suppliers/{code:str}")
    async def get_supplier(code: FromPath[str]) -> Response[Any]:
        return kit.answer(held.get_supplier(code))

    return kit.app([create_customer, get_customer, create_supplier, get_supplier])
