"""``HttpDomeGateway``: the Dome port over Dome's HTTP API (``docs/contracts/dome.md``).

Creates are POSTs with an ``Idempotency-Key``, so they are retried like the GETs (the
supplier listing included): on timeouts, connection errors, 408, 429 and 5xx, with backoff and
``Retry-After``. Everything else is mapped to the typed errors of
:mod:`perla_core.gateways.errors` by :class:`~perla_adapters.http_support.JsonHttpClient`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

import cattrs
import httpx

from perla_adapters.http_support import JsonHttpClient, RetryPolicy, decode, wire_converter
from perla_core.gateways.dome import (
    DomeCustomer,
    DomeCustomerRequest,
    DomeOrderRecord,
    DomeOrderRequest,
    DomeSupplier,
    DomeSupplierPage,
    DomeSupplierRequest,
    check_supplier_listing,
)

SYSTEM = "dome"


def _number(value: Any, _: Any) -> float:
    if type(value) not in (int, float) or not math.isfinite(value):
        raise ValueError("must be a number")
    return float(value)


def strict_numbers(converter: cattrs.Converter) -> cattrs.Converter:
    """Make ``converter`` read a ``float`` (the coordinates) only from a finite JSON number,
    never from a string or a boolean."""
    converter.register_structure_hook(float, _number)
    return converter


class HttpDomeGateway:
    """Dome's customers, suppliers and orders through its HTTP API.

    ``timeout`` is per attempt, in seconds; ``retries`` is how many times an idempotent call
    is repeated after the first attempt; ``backoff``/``max_backoff`` shape the waits (tests
    make them tiny) and ``max_retry_after`` is the longest ``Retry-After`` slept inline.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 10.0,
        retries: int = 3,
        backoff: float = 0.25,
        max_backoff: float = 8.0,
        max_retry_after: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._http = JsonHttpClient(
            SYSTEM,
            base_url,
            api_key,
            timeout=timeout,
            retry=RetryPolicy(retries, backoff, max_backoff, max_retry_after),
            transport=transport,
            sleep=sleep,
        )
        self._wire = strict_numbers(wire_converter())

    def __repr__(self) -> str:
        return f"HttpDomeGateway({self._http!r})"

    def close(self) -> None:
        self._http.close()

    def create_customer(self, request: DomeCustomerRequest, idempotency_key: str) -> DomeCustomer:
        data = self._http.request(
            "POST",
            "/api/v1/customers",
            body=self._wire.unstructure(request),
            idempotency_key=idempotency_key,
        )
        return decode(self._wire, SYSTEM, data, DomeCustomer, "customer")

    def get_customer(self, code: str) -> DomeCustomer:
        data = self._http.request(
            "GET", f"/api/v1/customers/{quote(code, safe='')}", resource=("customer", code)
        )
        return decode(self._wire, SYSTEM, data, DomeCustomer, "customer")

    def create_supplier(self, request: DomeSupplierRequest, idempotency_key: str) -> DomeSupplier:
        data = self._http.request(
            "POST",
            "/api/v1/suppliers",
            body=self._wire.unstructure(request),
            idempotency_key=idempotency_key,
        )
        return decode(self._wire, SYSTEM, data, DomeSupplier, "supplier")

    def record_order(self, request: DomeOrderRequest, idempotency_key: str) -> DomeOrderRecord:
        data = self._http.request(
            "POST",
            "/api/v1/orders",
            body=self._wire.unstructure(request),
            idempotency_key=idempotency_key,
        )
        return decode(self._wire, SYSTEM, data, DomeOrderRecord, "order")

    def get_supplier(self, code: str) -> DomeSupplier:
        data = self._http.request(
            "GET", f"/api/v1/suppliers/{quote(code, safe='')}", resource=("supplier", code)
        )
        return decode(self._wire, SYSTEM, data, DomeSupplier, "supplier")

    def list_suppliers(
        self,
        *,
        kind: str | None = "hotel",
        country: str | None = None,
        city: str | None = None,
        updated_since: datetime | None = None,
        cursor: str | None = None,
        limit: int = 200,
    ) -> DomeSupplierPage:
        check_supplier_listing(limit, updated_since)
        since = None if updated_since is None else self._wire.unstructure(updated_since)
        query = {
            "kind": kind,
            "country": country,
            "city": city,
            "updated_since": since,
            "cursor": cursor,
            "limit": str(limit),
        }
        given = urlencode({name: value for name, value in query.items() if value is not None})
        data = self._http.request("GET", f"/api/v1/suppliers?{given}")
        return decode(self._wire, SYSTEM, data, DomeSupplierPage, "supplier page")
