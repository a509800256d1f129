"""The Dome port: perla's view of the back office / ERP.

Dome is where a client becomes a customer (the first half of the "alta administrativa") and a
hotel becomes a supplier; the suppliers Dome already holds, listed page by page, feed the hotel
directory (:mod:`perla_core.hotels.sources`). Later issues add orders, pre-invoices and
invoices to the same port: :meth:`DomeGateway.record_order` records a confirmed order with its
pre-invoice (issue 8), with an idempotency key like every create. The wire contract is
``docs/contracts/dome.md``.

Requests and answers are frozen values of primitives (strings, numbers, tuples, timezone-aware
datetimes) in Dome's own field names; they carry no business validation of their own, because
refusing bad data is Dome's job and comes back as :class:`ExternalRejected` naming the fields.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final, Protocol

import attrs

from perla_core.kernel.errors import InvalidValue

MAX_PAGE_SIZE: Final = 500


@attrs.frozen
class DomeAddress:
    """A postal address as Dome stores it; ``country`` is ISO 3166-1 alpha-2."""

    line1: str
    city: str
    postal_code: str
    country: str
    line2: str | None = None
    region: str | None = None


@attrs.frozen
class DomeContact:
    """A contact person of a customer; ``role`` is free text such as ``administration``."""

    role: str
    name: str
    email: str | None = None
    phone: str | None = None


@attrs.frozen
class DomeCustomerRequest:
    """Everything Dome needs to open a customer account.

    ``external_ref`` is perla's client id, so Dome's record points back to perla's; Dome keeps
    one customer per ``(tax_country, tax_id)``. ``phone`` is E.164, ``currency`` ISO 4217.
    """

    external_ref: str
    legal_name: str
    trade_name: str
    tax_id: str
    tax_country: str
    country: str
    email: str
    billing_address: DomeAddress
    business_type: str
    phone: str | None = None
    currency: str = "EUR"
    contacts: tuple[DomeContact, ...] = ()


@attrs.frozen
class DomeCustomer:
    """A customer as Dome holds it; ``code`` is Dome's id for it (``C000123``)."""

    code: str
    external_ref: str
    legal_name: str
    trade_name: str
    tax_id: str
    tax_country: str
    country: str
    email: str
    currency: str
    status: str
    created_at: datetime


@attrs.frozen
class DomeSupplierRequest:
    """What Dome needs to open a supplier (a hotel, for the Suppliers team's requests).

    One supplier per ``(tax_country, tax_id)``; ``iban`` and ``bic`` are checked by Dome. The
    hotel fields (``chain``, ``stars``, WGS84 ``latitude``/``longitude``, ``website``) are
    optional and mean nothing for other kinds of supplier.
    """

    external_ref: str
    legal_name: str
    trade_name: str
    tax_id: str
    tax_country: str
    country: str
    email: str
    address: DomeAddress
    iban: str
    bic: str
    account_holder: str
    kind: str = "hotel"
    phone: str | None = None
    currency: str = "EUR"
    chain: str | None = None
    stars: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    website: str | None = None


def _same_as_created(supplier: DomeSupplier) -> datetime:
    return supplier.created_at


@attrs.frozen
class DomeSupplier:
    """A supplier as Dome holds it; ``code`` is Dome's supplier code (``S000042``).

    ``external_ref`` is perla's id for the record, None for suppliers opened in Dome by
    other means. ``updated_at`` is the last change (``created_at`` until one); the hotel
    fields are those of :class:`DomeSupplierRequest`.
    """

    code: str
    external_ref: str | None
    kind: str
    legal_name: str
    trade_name: str
    tax_id: str
    tax_country: str
    country: str
    email: str
    address: DomeAddress
    phone: str | None
    status: str
    created_at: datetime
    updated_at: datetime = attrs.field(default=attrs.Factory(_same_as_created, takes_self=True))
    chain: str | None = None
    stars: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    website: str | None = None


@attrs.frozen
class DomeSupplierPage:
    """One page of a supplier listing; ``next_cursor`` asks for the next one (None: the last)."""

    items: tuple[DomeSupplier, ...]
    next_cursor: str | None = None


def check_supplier_listing(limit: int, updated_since: datetime | None) -> None:
    """What every adapter refuses before asking Dome: a ``limit`` outside 1..500, a naive
    ``updated_since``; :class:`InvalidValue` naming the argument."""
    if isinstance(limit, bool) or not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidValue(
            f"a page holds 1 to {MAX_PAGE_SIZE} suppliers, not {limit!r}", field="limit"
        )
    if updated_since is not None and updated_since.utcoffset() is None:
        raise InvalidValue("needs a UTC offset (a timezone-aware datetime)", field="updated_since")


@attrs.frozen
class DomeOrderLine:
    """A line of an order as Dome records it; amounts are decimal text before VAT
    (``"1250.00"``), ``vat_rate`` a percentage (``"21.00"``), ``net`` the line after its
    discount."""

    description: str
    quantity: int
    unit_price: str
    vat_rate: str
    net: str
    discount_pct: str = "0.00"
    sku: str | None = None


@attrs.frozen
class DomeOrderRequest:
    """A confirmed order and its pre-invoice, to record in Dome.

    ``external_ref`` is perla's order id; ``order_number`` perla's readable number. The
    customer is Dome's ``customer_code`` when perla knows it, otherwise its ``customer_tax_id``
    (and ``customer_tax_country``). Totals are decimal text: ``net_total`` (the lines'
    ``net`` summed), ``vat_total`` and ``total`` (their sum), in ``currency``.
    """

    external_ref: str
    order_number: str
    currency: str
    lines: tuple[DomeOrderLine, ...]
    net_total: str
    vat_total: str
    total: str
    pre_invoice_series: str
    pre_invoice_number: int
    customer_code: str | None = None
    customer_tax_id: str | None = None
    customer_tax_country: str | None = None
    installments: int | None = None


@attrs.frozen
class DomeOrderRecord:
    """An order as Dome holds it; ``reference`` is Dome's id for it (``PV000012``)."""

    reference: str
    external_ref: str
    order_number: str
    currency: str
    total: str
    status: str
    recorded_at: datetime


class DomeGateway(Protocol):
    """Dome's customers, suppliers and orders.

    Creates are idempotent by ``idempotency_key`` (see :mod:`perla_core.gateways.idempotency`):
    repeating a key with the same request returns the first answer and creates nothing; the
    same key with a different request raises :class:`ExternalConflict`
    (``idempotency_key_reused``). A second record for a tax id Dome already has raises
    :class:`ExternalConflict` (``duplicate_customer``/``duplicate_supplier``) with
    ``existing_id``. Reads are naturally idempotent. Adapters retry transient failures of these
    calls themselves; what still fails is :class:`ExternalUnavailable` (retry later with the
    same key), :class:`ExternalRejected` (fix the data), :class:`ExternalNotFound` or
    :class:`ExternalProtocolError`. An empty or malformed key is :class:`InvalidValue`, raised
    before anything is sent.

    :meth:`list_suppliers` is a read, retried like the others.
    """

    def create_customer(self, request: DomeCustomerRequest, idempotency_key: str) -> DomeCustomer:
        """Open the customer; the answer carries Dome's customer ``code``."""
        ...

    def get_customer(self, code: str) -> DomeCustomer:
        """The customer Dome knows by ``code``; :class:`ExternalNotFound` otherwise."""
        ...

    def create_supplier(self, request: DomeSupplierRequest, idempotency_key: str) -> DomeSupplier:
        """Open the supplier; the answer carries Dome's supplier ``code``."""
        ...

    def get_supplier(self, code: str) -> DomeSupplier:
        """The supplier Dome knows by ``code``; :class:`ExternalNotFound` otherwise."""
        ...

    def record_order(self, request: DomeOrderRequest, idempotency_key: str) -> DomeOrderRecord:
        """Record the order and its pre-invoice; the answer carries Dome's ``reference``. The
        same key returns the same record; a customer Dome does not know, or totals that do
        not add up, are :class:`ExternalRejected` naming the fields."""
        ...

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
        """The suppliers Dome holds, ``limit`` at a time, ordered by ``(updated_at, code)``.

        Filters: ``kind`` (None: every kind), ``country`` (the address's ISO code), ``city``
        (compared without accents or case: ``malaga`` finds Málaga), ``updated_since`` (changed
        at or after it). Pass the page's ``next_cursor``, an opaque token, with the same
        filters for the next page. The order is by last change, so a supplier changed while
        someone pages moves to the end and is listed again, and none is ever missed. A
        ``limit`` outside 1..500 or a naive ``updated_since`` is :class:`InvalidValue`, raised
        before anything is sent; a bad cursor or country is :class:`ExternalRejected`.
        """
        ...
