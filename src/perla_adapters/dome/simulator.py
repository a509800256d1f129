"""A local Dome: ``create_dome_simulator()`` serves an :class:`InMemoryDome` over the contract.

Endpoints, bodies and errors are those of ``docs/contracts/dome.md``; the test-only
``/_sim/*`` routes are described in :mod:`perla_adapters.simulators`, plus Dome's own
``POST /_sim/suppliers``, which seeds suppliers Dome already holds (a JSON list of
:class:`~perla_adapters.memory.dome.ExistingSupplier`), so a local Dome can hold thousands of
hotels. Run one with ``perla simulate dome`` or :func:`perla_adapters.simulators.serve_simulator`.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Final

from litestar import Litestar, Request, Response, get, post
from litestar.params import FromPath

from perla_adapters.dome.client import strict_numbers
from perla_adapters.http_support import problem_fields
from perla_adapters.memory.dome import ExistingSupplier, InMemoryDome
from perla_adapters.simulators import DEFAULT_API_KEY, BadRequest, SimulatorKit
from perla_core.gateways.dome import DomeCustomerRequest, DomeOrderRequest, DomeSupplierRequest
from perla_core.gateways.errors import RemoteFieldError

LISTING_PARAMETERS: Final = ("kind", "country", "city", "updated_since", "cursor", "limit")
DEFAULT_LIMIT: Final = 200


def create_dome_simulator(
    *, api_key: str = DEFAULT_API_KEY, dome: InMemoryDome | None = None
) -> Litestar:
    """A Litestar app speaking Dome's contract; ``dome`` holds its state (a new one if None)."""
    held = dome if dome is not None else InMemoryDome()
    kit = SimulatorKit(
        "dome",
        api_key,
        records=lambda: {
            "customers": held.customers,
            "suppliers": held.suppliers,
            "orders": held.orders,
        },
        forget=held.reset,
    )
    strict_numbers(kit.wire)

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

    @get("/api/v1/suppliers")
    async def list_suppliers(request: Request[Any, Any, Any]) -> Response[Any]:
        given, errors = _listing_parameters(request)
        limit = DEFAULT_LIMIT
        if "limit" in given:
            try:
                limit = int(given["limit"])
            except ValueError:
                errors.append(RemoteFieldError("limit", "must be a whole number"))
        updated_since: datetime | None = None
        if "updated_since" in given:
            try:
                updated_since = kit.wire.structure(given["updated_since"], datetime)
            except ValueError as exc:
                errors.append(RemoteFieldError("updated_since", str(exc)))
        if errors:
            raise BadRequest(_listing_problem(errors), errors)
        page = held.list_suppliers(
            kind=given.get("kind"),
            country=given.get("country"),
            city=given.get("city"),
            updated_since=updated_since,
            cursor=given.get("cursor"),
            limit=limit,
        )
        return kit.answer(page)

    @post("/_sim/suppliers", status_code=201)
    async def seed_suppliers(request: Request[Any, Any, Any]) -> dict[str, Any]:
        try:
            data = json.loads(await request.body())
        except (ValueError, UnicodeDecodeError):
            raise BadRequest("the body is not valid JSON") from None
        if not isinstance(data, list):
            raise BadRequest("the body must be a JSON list of suppliers")
        try:
            seeds = kit.wire.structure(data, list[ExistingSupplier])
        except Exception as exc:  # noqa: BLE001 - every structuring failure is the client's
            errors = problem_fields(exc)
            fields = ", ".join(e.field or "(body)" for e in errors)
            raise BadRequest(
                f"the suppliers to seed have invalid members: {fields}", errors
            ) from None
        seeded = held.seed_suppliers(seeds)
        return {"seeded": len(seeded), "codes": [s.code for s in seeded]}

    return kit.app(
        [
            create_customer,
            get_customer,
            create_supplier,
            get_supplier,
            list_suppliers,
            seed_suppliers,
            _order_route(kit, held),
        ]
    )


def _order_route(kit: SimulatorKit, held: InMemoryDome) -> Any:
    """``POST /api/v1/orders``: record an order and its pre-invoice (idempotent by key)."""

    @post("/api/v1/orders", status_code=201)
    async def record_order(request: Request[Any, Any, Any]) -> Response[Any]:
        payload = await kit.read(request, DomeOrderRequest)
        key = kit.idempotency_key(request)
        replayed = held.ledger.knows("orders.record", key)
        record = held.record_order(payload, key)
        return kit.answer(record, status=201, replayed=replayed)

    return record_order


def _listing_parameters(
    request: Request[Any, Any, Any],
) -> tuple[dict[str, str], list[RemoteFieldError]]:
    """The listing's query parameters, and what is wrong with them: an unknown or repeated one."""
    query = request.query_params
    errors = [
        RemoteFieldError(name, "is not a parameter of the supplier listing")
        for name in query
        if name not in LISTING_PARAMETERS
    ]
    given: dict[str, str] = {}
    for name in LISTING_PARAMETERS:
        values = query.getall(name, [])
        if len(values) > 1:
            errors.append(RemoteFieldError(name, "is given more than once"))
        elif values:
            given[name] = values[0]
    return given, errors


def _listing_problem(errors: list[RemoteFieldError]) -> str:
    return "the supplier listing has invalid parameters: " + ", ".join(
        e.field or "?" for e in errors
    )
