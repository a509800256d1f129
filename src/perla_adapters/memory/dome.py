"""An in-memory Dome: the first-class fake of :class:`DomeGateway`.

It keeps customers and suppliers, applies Dome's documented validation rules
(``docs/contracts/dome.md``), honours idempotency keys and refuses duplicate tax ids, exactly
as the HTTP adapter does against the simulator (the contract suite proves it). The Dome
simulator serves this same object over HTTP.

Knobs for tests: :meth:`InMemoryDome.fail_next` makes the next calls fail (before or after
taking effect, as when an answer is lost on the way back); ``calls`` records every call;
``customers`` and ``suppliers`` show what Dome holds.

This module also holds what the in-memory gateways share (:class:`RecordedCall`,
:class:`IdempotencyLedger`, :class:`FailurePlan`, :class:`FieldErrors`).
"""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TypeVar, cast

import attrs
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban

from perla_core.gateways.dome import (
    DomeAddress,
    DomeContact,
    DomeCustomer,
    DomeCustomerRequest,
    DomeSupplier,
    DomeSupplierRequest,
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

T = TypeVar("T")

SYSTEM = "dome"

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,63}$")
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
SLUG = re.compile(r"^[a-z][a-z0-9_-]{1,31}$")
TAX_ID = re.compile(r"^[A-Z0-9]{4,20}$")


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

    def between(self, field: str, value: int, low: int, high: int) -> None:
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
    errors.raise_if_any("supplier")


class InMemoryDome(FakeGateway):
    """Dome's customers and suppliers in this process's memory (see the module docstring)."""

    system = SYSTEM

    def __init__(self, clock: Clock | None = None) -> None:
        super().__init__(clock)
        self._customers: dict[str, DomeCustomer] = {}
        self._suppliers: dict[str, DomeSupplier] = {}
        self._customer_by_tax: dict[tuple[str, str], str] = {}
        self._supplier_by_tax: dict[tuple[str, str], str] = {}

    @property
    def customers(self) -> list[DomeCustomer]:
        with self._lock:
            return list(self._customers.values())

    @property
    def suppliers(self) -> list[DomeSupplier]:
        with self._lock:
            return list(self._suppliers.values())

    def reset(self) -> None:
        """Forget everything: records, keys, calls and queued failures."""
        with self._lock:
            self._customers.clear()
            self._suppliers.clear()
            self._customer_by_tax.clear()
            self._supplier_by_tax.clear()
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
            code = f"S{len(self._suppliers) + 1:06d}"
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
            )
            self._suppliers[code] = supplier
            self._supplier_by_tax[tax] = code
            return supplier

        return self._call("suppliers.create", effect, key=idempotency_key, request=request)

    def get_supplier(self, code: str) -> DomeSupplier:
        return self._call(
            "suppliers.get", lambda: self._get(self._suppliers, "supplier", code), target=code
        )

    @staticmethod
    def _get(table: dict[str, T], kind: str, code: str) -> T:
        try:
            return table[code]
        except KeyError:
            raise ExternalNotFound(SYSTEM, kind, code) from None
