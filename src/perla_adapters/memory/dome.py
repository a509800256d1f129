"""An in-memory Dome: the first-class fake of :class:`DomeGateway`.

It keeps customers and suppliers, applies Dome's documented validation rules
(``docs/contracts/dome.md``), honours idempotency keys and refuses duplicate tax ids, exactly
as the HTTP adapter does against the simulator (the contract suite proves it). The Dome
simulator serves this same object over HTTP.

Knobs for tests: :meth:`InMemoryDome.fail_next` makes the next calls fail (before or after
taking effect, as when an answer is lost on the way back); ``calls`` records every call;
``customers`` and ``suppliers`` show what Dome holds; :meth:`InMemoryDome.seed_suppliers`
puts in suppliers Dome already had (legacy data, unvalidated, thousands at once).

This module also holds what the in-memory gateways share (:class:`RecordedCall`,
:class:`IdempotencyLedger`, :class:`FailurePlan`, :class:`FieldErrors`).
"""

from __future__ import annotations

import base64
import binascii
import heapq
import re
import threading
from collections import deque
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import TypeVar, cast

import attrs
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban

from perla_core.gateways.dome import (
    DomeAddress,
    DomeContact,
    DomeCustomer,
    DomeCustomerRequest,
    DomeOrderRecord,
    DomeOrderRequest,
    DomeSupplier,
    DomeSupplierPage,
    DomeSupplierRequest,
    check_supplier_listing,
)
from perla_core.gateways.errors import (
    ExternalConflict,
    ExternalError,
    ExternalNotFound,
    ExternalRejected,
    ExternalUnavailable,
    RemoteFieldError,
)
from perla_core.gateways.idempotency import check_idempotency_key
from perla_core.kernel.ports import Clock
from perla_core.kernel.text import fold

T = TypeVar("T")

SYSTEM = "dome"

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,63}$")
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
SLUG = re.compile(r"^[a-z][a-z0-9_-]{1,31}$")
TAX_ID = re.compile(r"^[A-Z0-9]{4,20}$")
AMOUNT = re.compile(r"^-?[0-9]{1,15}(\.[0-9]{1,4})?$")


# --- shared by the in-memory gateways -------------------------------------------------------


class _SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def default_clock(clock: Clock | None) -> Clock:
    return clock if clock is not None else _SystemClock()


@attrs.frozen
class RecordedCall:
    """One call a fake gateway received: ``outcome`` is ``ok``, ``replayed`` or an error code."""

    operation: str
    idempotency_key: str | None = None
    target: str | None = None
    request: object | None = attrs.field(default=None, repr=False)
    outcome: str = "ok"


class FieldErrors:
    """Collects a remote system's field refusals, then raises them all at once."""

    def __init__(self, system: str) -> None:
        self.system = system
        self.errors: list[RemoteFieldError] = []

    def add(self, field: str, message: str) -> None:
        self.errors.append(RemoteFieldError(field, message))

    def text(
        self, field: str, value: str | None, *, required: bool = True, limit: int = 200
    ) -> None:
        if value is None or not value.strip():
            if required:
                self.add(field, "is required")
        elif len(value) > limit:
            self.add(field, f"has at most {limit} characters")

    def match(
        self,
        field: str,
        value: str | None,
        pattern: re.Pattern[str],
        what: str,
        *,
        required: bool = True,
    ) -> None:
        if value is None or value == "":
            if required:
                self.add(field, "is required")
        elif not pattern.match(value):
            self.add(field, f"must be {what}")

    def each(self, field: str, values: Iterable[str], pattern: re.Pattern[str], what: str) -> None:
        for i, value in enumerate(values):
            self.match(f"{field}[{i}]", value, pattern, what)

    def between(self, field: str, value: float, low: float, high: float) -> None:
        if not low <= value <= high:
            self.add(field, f"must be between {low} and {high}")

    def raise_if_any(self, what: str) -> None:
        if self.errors:
            fields = ", ".join(e.field or "?" for e in self.errors)
            raise ExternalRejected(
                self.system,
                f"{self.system} refused the {what}: {fields}",
                errors=self.errors,
                remote_code="validation_failed",
            )


class IdempotencyLedger:
    """Remembers the answer to each ``(operation, key)``; only successes are remembered."""

    def __init__(self, system: str) -> None:
        self.system = system
        self._entries: dict[tuple[str, str], tuple[object, object]] = {}

    def knows(self, operation: str, key: str) -> bool:
        return (operation, key) in self._entries

    def replay(self, operation: str, key: str, request: object) -> object | None:
        """The first answer for this key, or None; a different request is a conflict."""
        entry = self._entries.get((operation, key))
        if entry is None:
            return None
        if entry[0] != request:
            raise ExternalConflict(
                self.system,
                f"the idempotency key {key!r} was already used with a different request",
                reason="idempotency_key_reused",
            )
        return entry[1]

    def remember(self, operation: str, key: str, request: object, answer: object) -> None:
        self._entries[(operation, key)] = (request, answer)

    def clear(self) -> None:
        self._entries.clear()


@attrs.define
class _Failure:
    error: Exception
    after_effect: bool
    operation: str | None


class FailurePlan:
    """Failures queued by ``fail_next``: each one fails one matching call."""

    def __init__(self, system: str) -> None:
        self.system = system
        self._queue: deque[_Failure] = deque()

    def add(
        self, n: int, error: Exception | None, after_effect: bool, operation: str | None
    ) -> None:
        err = error or ExternalUnavailable(
            self.system, f"{self.system} is down (simulated)", remote_status=503
        )
        self._queue.extend(_Failure(err, after_effect, operation) for _ in range(n))

    def take(self, operation: str) -> _Failure | None:
        for failure in self._queue:
            if failure.operation in (None, operation):
                self._queue.remove(failure)
                return failure
        return None

    def clear(self) -> None:
        self._queue.clear()

    def __len__(self) -> int:
        return len(self._queue)


class FakeGateway:
    """Locking, call recording, queued failures and idempotency for an in-memory gateway."""

    system = "external"

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = default_clock(clock)
        self.calls: list[RecordedCall] = []
        self.ledger = IdempotencyLedger(self.system)
        self._failures = FailurePlan(self.system)
        self._lock = threading.RLock()

    def fail_next(
        self,
        n: int = 1,
        error: Exception | None = None,
        *,
        after_effect: bool = False,
        operation: str | None = None,
    ) -> None:
        """Make the next ``n`` calls (of ``operation``, if given) raise ``error``.

        The default error is :class:`ExternalUnavailable`. With ``after_effect`` the call takes
        effect first, as when the system did the work but its answer was lost.
        """
        with self._lock:
            self._failures.add(n, error, after_effect, operation)

    def reset_failures(self) -> None:
        with self._lock:
            self._failures.clear()

    def _call(
        self,
        operation: str,
        effect: Callable[[], T],
        *,
        key: str | None = None,
        target: str | None = None,
        request: object | None = None,
    ) -> T:
        if key is not None:
            check_idempotency_key(key)
        with self._lock:
            failure = self._failures.take(operation)
            replayed = key is not None and self.ledger.knows(operation, key)
            try:
                if failure is not None and not failure.after_effect:
                    raise failure.error
                answer = None if key is None else self.ledger.replay(operation, key, request)
                if answer is not None:
                    result = cast("T", answer)
                else:
                    result = effect()
                    if key is not None:
                        self.ledger.remember(operation, key, request, result)
                if failure is not None:
                    raise failure.error
            except Exception as exc:
                outcome = exc.code if isinstance(exc, ExternalError) else type(exc).__name__
                self.calls.append(RecordedCall(operation, key, target, request, outcome))
                raise
            self.calls.append(
                RecordedCall(operation, key, target, request, "replayed" if replayed else "ok")
            )
            return result

    def _now(self) -> datetime:
        return self.clock.now()


# --- Dome -----------------------------------------------------------------------------------


def _check_address(errors: FieldErrors, field: str, address: DomeAddress) -> None:
    errors.text(f"{field}.line1", address.line1)
    errors.text(f"{field}.line2", address.line2, required=False)
    errors.text(f"{field}.city", address.city, limit=100)
    errors.text(f"{field}.postal_code", address.postal_code, limit=20)
    errors.text(f"{field}.region", address.region, required=False, limit=100)
    errors.match(f"{field}.country", address.country, COUNTRY, "an ISO 3166-1 alpha-2 code")


def _check_contact(errors: FieldErrors, field: str, contact: DomeContact) -> None:
    errors.text(f"{field}.role", contact.role, limit=50)
    errors.text(f"{field}.name", contact.name)
    errors.match(f"{field}.email", contact.email, EMAIL, "an e-mail address", required=False)
    errors.match(f"{field}.phone", contact.phone, E164, "an E.164 phone number", required=False)


def _check_party(errors: FieldErrors, request: DomeCustomerRequest | DomeSupplierRequest) -> None:
    errors.text("external_ref", request.external_ref, limit=64)
    errors.text("legal_name", request.legal_name)
    errors.text("trade_name", request.trade_name)
    errors.match("tax_id", request.tax_id, TAX_ID, "4 to 20 upper-case letters and digits")
    errors.match("tax_country", request.tax_country, COUNTRY, "an ISO 3166-1 alpha-2 code")
    errors.match("country", request.country, COUNTRY, "an ISO 3166-1 alpha-2 code")
    errors.match("email", request.email, EMAIL, "an e-mail address")
    errors.match("phone", request.phone, E164, "an E.164 phone number", required=False)
    errors.match("currency", request.currency, CURRENCY, "an ISO 4217 code")


def validate_customer(request: DomeCustomerRequest) -> None:
    """Dome's rules for a new customer; :class:`ExternalRejected` naming every bad field."""
    errors = FieldErrors(SYSTEM)
    _check_party(errors, request)
    errors.text("business_type", request.business_type, limit=50)
    _check_address(errors, "billing_address", request.billing_address)
    for i, contact in enumerate(request.contacts):
        _check_contact(errors, f"contacts[{i}]", contact)
    errors.raise_if_any("customer")


def validate_supplier(request: DomeSupplierRequest) -> None:
    """Dome's rules for a new supplier; :class:`ExternalRejected` naming every bad field."""
    errors = FieldErrors(SYSTEM)
    _check_party(errors, request)
    errors.match("kind", request.kind, SLUG, "a lower-case code such as hotel")
    _check_address(errors, "address", request.address)
    if not request.iban or not stdnum_iban.is_valid(request.iban):
        errors.add("iban", "is not a valid IBAN")
    if not request.bic or not stdnum_bic.is_valid(request.bic):
        errors.add("bic", "is not a valid BIC")
    errors.text("account_holder", request.account_holder)
    errors.text("chain", request.chain, required=False, limit=100)
    if request.stars is not None:
        errors.between("stars", request.stars, 0, 5)
    if (request.latitude is None) != (request.longitude is None):
        errors.add("latitude" if request.latitude is None else "longitude", "needs the other one")
    if request.latitude is not None:
        errors.between("latitude", request.latitude, -90, 90)
    if request.longitude is not None:
        errors.between("longitude", request.longitude, -180, 180)
    errors.text("website", request.website, required=False)
    errors.raise_if_any("supplier")


def _amount(errors: FieldErrors, field: str, value: str) -> Decimal:
    if not AMOUNT.match(value or ""):
        errors.add(field, "must be a decimal amount such as 1250.00")
        return Decimal(0)
    try:
        return Decimal(value)
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        errors.add(field, "must be a decimal amount such as 1250.00")
        return Decimal(0)


def validate_order(request: DomeOrderRequest) -> None:
    """Dome's rules for an order: a customer (code or tax id), at least one line, amounts as
    decimal text, and totals that add up (the lines' net to ``net_total``, net and VAT to
    ``total``); :class:`ExternalRejected` naming every bad field."""
    errors = FieldErrors(SYSTEM)
    errors.text("external_ref", request.external_ref, limit=64)
    errors.text("order_number", request.order_number, limit=32)
    errors.match("currency", request.currency, CURRENCY, "an ISO 4217 code")
    if request.customer_code is None and request.customer_tax_id is None:
        errors.add("customer_code", "give Dome's customer code or the customer's tax id")
    errors.match(
        "customer_tax_id", request.customer_tax_id, TAX_ID, "4 to 20 upper-case letters and "
        "digits", required=False,
    )  # fmt: skip
    errors.text("pre_invoice_series", request.pre_invoice_series, limit=16)
    if request.pre_invoice_number < 1:
        errors.add("pre_invoice_number", "must be 1 or more")
    if not request.lines:
        errors.add("lines", "an order needs at least one line")
    net = Decimal(0)
    for i, item in enumerate(request.lines):
        errors.text(f"lines[{i}].description", item.description, limit=300)
        if item.quantity < 1:
            errors.add(f"lines[{i}].quantity", "must be 1 or more")
        _amount(errors, f"lines[{i}].unit_price", item.unit_price)
        _amount(errors, f"lines[{i}].vat_rate", item.vat_rate)
        _amount(errors, f"lines[{i}].discount_pct", item.discount_pct)
        net += _amount(errors, f"lines[{i}].net", item.net)
    net_total = _amount(errors, "net_total", request.net_total)
    vat_total = _amount(errors, "vat_total", request.vat_total)
    total = _amount(errors, "total", request.total)
    if not errors.errors:
        if net != net_total:
            errors.add("net_total", f"the lines add up to {net}")
        if net_total + vat_total != total:
            errors.add("total", f"net and VAT add up to {net_total + vat_total}")
    errors.raise_if_any("order")


@attrs.frozen(kw_only=True)
class ExistingSupplier:
    """A supplier Dome already holds, to seed a fake or simulated Dome with (legacy data too).

    A supplier as Dome answers it, except that ``code`` (the next free one), ``external_ref``
    (None), ``kind`` (``hotel``), ``status`` (``active``), ``created_at`` (now),
    ``updated_at`` (``created_at``) and the hotel fields may be left out. Nothing is
    validated: seeds are what Dome has, however it got there.
    """

    legal_name: str
    trade_name: str
    tax_id: str
    tax_country: str
    country: str
    email: str
    address: DomeAddress
    code: str | None = None
    external_ref: str | None = None
    kind: str = "hotel"
    phone: str | None = None
    status: str = "active"
    created_at: datetime | None = None
    updated_at: datetime | None = None
    chain: str | None = None
    stars: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    website: str | None = None


def _cursor(supplier: DomeSupplier) -> str:
    raw = f"{supplier.updated_at.astimezone(UTC).isoformat()}|{supplier.code}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _after_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, code = raw.split("|", 1)
        after = datetime.fromisoformat(moment)
        if after.tzinfo is None or not code:
            raise ValueError(cursor)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ExternalRejected(
            SYSTEM,
            "dome refused the listing: cursor",
            errors=[RemoteFieldError("cursor", "is not a cursor Dome gave")],
            remote_code="validation_failed",
        ) from None
    return after, code


def _check_listing_filters(kind: str | None, country: str | None) -> None:
    errors = FieldErrors(SYSTEM)
    if kind is not None:
        errors.match("kind", kind, SLUG, "a lower-case code such as hotel")
    if country is not None:
        errors.match("country", country, COUNTRY, "an ISO 3166-1 alpha-2 code")
    errors.raise_if_any("listing")


class InMemoryDome(FakeGateway):
    """Dome's customers and suppliers in this process's memory (see the module docstring)."""

    system = SYSTEM

    def __init__(self, clock: Clock | None = None) -> None:
        super().__init__(clock)
        self._customers: dict[str, DomeCustomer] = {}
        self._suppliers: dict[str, DomeSupplier] = {}
        self._customer_by_tax: dict[tuple[str, str], str] = {}
        self._supplier_by_tax: dict[tuple[str, str], str] = {}
        self._orders: dict[str, DomeOrderRecord] = {}

    @property
    def customers(self) -> list[DomeCustomer]:
        with self._lock:
            return list(self._customers.values())

    @property
    def suppliers(self) -> list[DomeSupplier]:
        with self._lock:
            return list(self._suppliers.values())

    @property
    def orders(self) -> list[DomeOrderRecord]:
        with self._lock:
            return list(self._orders.values())

    def seed_suppliers(self, seeds: Iterable[ExistingSupplier]) -> list[DomeSupplier]:
        """Hold these suppliers as if Dome always had them; a seed with the ``code`` of one
        already held replaces it (how a test makes a supplier change). Not a call of the port:
        not recorded, never failed."""
        held = []
        with self._lock:
            now = self._now()
            for seed in seeds:
                code = seed.code if seed.code is not None else self._next_supplier_code()
                created = seed.created_at or now
                supplier = DomeSupplier(
                    code=code,
                    external_ref=seed.external_ref,
                    kind=seed.kind,
                    legal_name=seed.legal_name,
                    trade_name=seed.trade_name,
                    tax_id=seed.tax_id,
                    tax_country=seed.tax_country,
                    country=seed.country,
                    email=seed.email,
                    address=seed.address,
                    phone=seed.phone,
                    status=seed.status,
                    created_at=created,
                    updated_at=seed.updated_at or created,
                    chain=seed.chain,
                    stars=seed.stars,
                    latitude=seed.latitude,
                    longitude=seed.longitude,
                    website=seed.website,
                )
                old = self._suppliers.get(code)
                if old is not None and self._supplier_by_tax.get(_tax(old)) == code:
                    del self._supplier_by_tax[_tax(old)]
                self._suppliers[code] = supplier
                self._supplier_by_tax.setdefault(_tax(supplier), code)
                held.append(supplier)
        return held

    def reset(self) -> None:
        """Forget everything: records, keys, calls and queued failures."""
        with self._lock:
            self._customers.clear()
            self._suppliers.clear()
            self._customer_by_tax.clear()
            self._supplier_by_tax.clear()
            self._orders.clear()
            self.ledger.clear()
            self.calls.clear()
            self.reset_failures()

    # --- DomeGateway ---------------------------------------------------------------------

    def create_customer(self, request: DomeCustomerRequest, idempotency_key: str) -> DomeCustomer:
        def effect() -> DomeCustomer:
            validate_customer(request)
            tax = (request.tax_country, request.tax_id)
            if (existing := self._customer_by_tax.get(tax)) is not None:
                raise ExternalConflict(
                    SYSTEM,
                    f"Dome already has customer {existing} with tax id {request.tax_id}",
                    reason="duplicate_customer",
                    existing_id=existing,
                )
            code = f"C{len(self._customers) + 1:06d}"
            customer = DomeCustomer(
                code=code,
                external_ref=request.external_ref,
                legal_name=request.legal_name,
                trade_name=request.trade_name,
                tax_id=request.tax_id,
                tax_country=request.tax_country,
                country=request.country,
                email=request.email,
                currency=request.currency,
                status="active",
                created_at=self._now(),
            )
            self._customers[code] = customer
            self._customer_by_tax[tax] = code
            return customer

        return self._call("customers.create", effect, key=idempotency_key, request=request)

    def get_customer(self, code: str) -> DomeCustomer:
        return self._call(
            "customers.get", lambda: self._get(self._customers, "customer", code), target=code
        )

    def create_supplier(self, request: DomeSupplierRequest, idempotency_key: str) -> DomeSupplier:
        def effect() -> DomeSupplier:
            validate_supplier(request)
            tax = (request.tax_country, request.tax_id)
            if (existing := self._supplier_by_tax.get(tax)) is not None:
                raise ExternalConflict(
                    SYSTEM,
                    f"Dome already has supplier {existing} with tax id {request.tax_id}",
                    reason="duplicate_supplier",
                    existing_id=existing,
                )
            code = self._next_supplier_code()
            supplier = DomeSupplier(
                code=code,
                external_ref=request.external_ref,
                kind=request.kind,
                legal_name=request.legal_name,
                trade_name=request.trade_name,
                tax_id=request.tax_id,
                tax_country=request.tax_country,
                country=request.country,
                email=request.email,
                address=request.address,
                phone=request.phone,
                status="active",
                created_at=self._now(),
                chain=request.chain,
                stars=request.stars,
                latitude=request.latitude,
                longitude=request.longitude,
                website=request.website,
            )
            self._suppliers[code] = supplier
            self._supplier_by_tax[tax] = code
            return supplier

        return self._call("suppliers.create", effect, key=idempotency_key, request=request)

    def record_order(self, request: DomeOrderRequest, idempotency_key: str) -> DomeOrderRecord:
        def effect() -> DomeOrderRecord:
            validate_order(request)
            code = request.customer_code
            if code is not None and code not in self._customers:
                raise ExternalRejected(
                    SYSTEM,
                    "dome refused the order: customer_code",
                    errors=[RemoteFieldError("customer_code", f"Dome has no customer {code}")],
                    remote_code="validation_failed",
                )
            reference = f"PV{len(self._orders) + 1:06d}"
            record = DomeOrderRecord(
                reference=reference,
                external_ref=request.external_ref,
                order_number=request.order_number,
                currency=request.currency,
                total=request.total,
                status="recorded",
                recorded_at=self._now(),
            )
            self._orders[reference] = record
            return record

        return self._call("orders.record", effect, key=idempotency_key, request=request)

    def get_supplier(self, code: str) -> DomeSupplier:
        return self._call(
            "suppliers.get", lambda: self._get(self._suppliers, "supplier", code), target=code
        )

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

        def effect() -> DomeSupplierPage:
            _check_listing_filters(kind, country)
            after = None if cursor is None else _after_cursor(cursor)
            place = None if city is None else fold(city)
            chosen = heapq.nsmallest(
                limit + 1,
                (
                    s
                    for s in self._suppliers.values()
                    if (kind is None or s.kind == kind)
                    and (country is None or s.address.country == country)
                    and (place is None or fold(s.address.city) == place)
                    and (updated_since is None or s.updated_at >= updated_since)
                    and (after is None or (s.updated_at, s.code) > after)
                ),
                key=lambda s: (s.updated_at, s.code),
            )
            items = tuple(chosen[:limit])
            more = len(chosen) > limit
            return DomeSupplierPage(items, _cursor(items[-1]) if more else None)

        return self._call("suppliers.list", effect, target=cursor)

    def _next_supplier_code(self) -> str:
        n = len(self._suppliers) + 1
        while (code := f"S{n:06d}") in self._suppliers:
            n += 1
        return code

    @staticmethod
    def _get(table: dict[str, T], kind: str, code: str) -> T:
        try:
            return table[code]
        except KeyError:
            raise ExternalNotFound(SYSTEM, kind, code) from None


def _tax(supplier: DomeSupplier) -> tuple[str, str]:
    return (supplier.tax_country, supplier.tax_id)
