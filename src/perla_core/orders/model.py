"""A general order and the client's cart ("carrito").

:class:`Order` is deliberately small: a client, lines in one currency, totals, a status
(draft, placed, completed, cancelled), the channel it came through and its account manager.
Later issues extend it (MICROCOM's WhatsApp orders become pre-invoices and invoices, with
per-series gapless numbers); the number here is a readable increasing sequence.

Amounts are exact: a line's total is ``unit_price * quantity * (100 - discount_pct) / 100`` rounded
half-up to the currency's minor unit (cents), and the order's totals are sums of the rounded
line amounts, so the lines always add up to the total shown (:attr:`Order.total`, before VAT).
Each line carries its VAT rate (21 % or 10.5 %, as the product says; 21 % by default): the VAT of
each rate is computed once on the sum of that rate's lines and rounded half-up
(:attr:`Order.vat_breakdown`), and :attr:`Order.total_with_vat` is what the client pays.

MICROCOM's purchase through WhatsApp (issue 8) runs the order further: draft (the cart) ->
``awaiting_confirmation`` (a summary was sent, :meth:`Order.send_summary`) -> ``confirmed``
(:meth:`Order.confirm`, which re-checks prices and stock and sends the order back to draft
when anything changed) -> ``pre_invoiced`` -> ``recorded`` (in the management system) ->
``paid`` -> ``invoiced``; cancelled from any state before invoiced. The backoffice path
(draft -> placed -> completed) stays as it was. See ``docs/orders.md``.

:class:`Cart` holds what a client is about to order; it is *abandoned* when it stays open
without changes for longer than a threshold (:data:`DEFAULT_ABANDONED_AFTER`, 24 hours):
computed by :meth:`Cart.effective_status` and recorded by the service that marks them.
Changing an abandoned cart opens it again; a converted cart became an order and is final.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

import attrs

from perla_core.kernel.errors import (
    AlreadyExists,
    IllegalTransition,
    InvalidValue,
    PreconditionFailed,
)
from perla_core.kernel.money import Money
from perla_core.orders.events import (
    CartAbandoned,
    CartConverted,
    CartOpened,
    OrderCancelled,
    OrderCompleted,
    OrderConfirmed,
    OrderCreated,
    OrderExpired,
    OrderFinancingChosen,
    OrderInvoiced,
    OrderLinesChanged,
    OrderManagerAssigned,
    OrderPaid,
    OrderPlaced,
    OrderPreInvoiced,
    OrderRecorded,
    OrderRepriced,
    OrderSummarySent,
    PaymentRecorded,
)
from perla_core.suppliers.values import collect, line, percentage, pick, whole_number

MAX_LINES = 200
MAX_QUANTITY = 1_000_000
MAX_PRICE_DECIMALS = 4
MAX_REASON = 1000
DEFAULT_ABANDONED_AFTER = timedelta(hours=24)
DEFAULT_IDLE_EXPIRY = timedelta(hours=2)
"""How long a WhatsApp cart or an unanswered summary waits before it expires."""
EXPIRED = "expired"
"""The cancellation reason of an order that expired."""
DEFAULT_VAT = Decimal("21.00")
VAT_RATES: frozenset[Decimal] = frozenset({Decimal("21.00"), Decimal("10.50")})
MAX_INSTALLMENTS = 120
_HUNDRED = Decimal(100)
_CENT = Decimal("0.01")


class OrderStatus(StrEnum):
    DRAFT = "draft"
    PLACED = "placed"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    AWAITING_CONFIRMATION = "awaiting_confirmation"
    """A summary was sent; the client has to confirm it."""
    CONFIRMED = "confirmed"
    PRE_INVOICED = "pre_invoiced"
    RECORDED = "recorded"
    """Recorded in the management system (Dome)."""
    PAID = "paid"
    INVOICED = "invoiced"


class OrderChannel(StrEnum):
    """Where the order came from."""

    BACKOFFICE = "backoffice"
    WEB = "web"
    CART = "cart"
    WHATSAPP = "whatsapp"
    EMAIL = "email"
    PHONE = "phone"
    OTHER = "other"


_O = OrderStatus

_PAYABLE = (_O.CONFIRMED, _O.PRE_INVOICED, _O.RECORDED, _O.PAID)
_CANCELLABLE = (
    _O.DRAFT,
    _O.PLACED,
    _O.AWAITING_CONFIRMATION,
    _O.CONFIRMED,
    _O.PRE_INVOICED,
    _O.RECORDED,
    _O.PAID,
)

# action -> {from status: to status}
ORDER_TRANSITIONS: dict[str, dict[OrderStatus, OrderStatus]] = {
    "place": {_O.DRAFT: _O.PLACED},
    "complete": {_O.PLACED: _O.COMPLETED},
    "cancel": dict.fromkeys(_CANCELLABLE, _O.CANCELLED),
    "send_summary": {
        _O.DRAFT: _O.AWAITING_CONFIRMATION,
        _O.AWAITING_CONFIRMATION: _O.AWAITING_CONFIRMATION,
    },
    "confirm": {_O.AWAITING_CONFIRMATION: _O.CONFIRMED},
    "choose_financing": {s: s for s in (_O.DRAFT, _O.AWAITING_CONFIRMATION, _O.CONFIRMED)},
    "pre_invoice": {_O.CONFIRMED: _O.PRE_INVOICED},
    "record": {_O.PRE_INVOICED: _O.RECORDED},
    "pay": {s: s for s in _PAYABLE},
    "invoice": {_O.PAID: _O.INVOICED},
}
EDITABLE_ORDER_STATUSES: frozenset[OrderStatus] = frozenset(
    {_O.DRAFT, _O.PLACED, _O.AWAITING_CONFIRMATION}
)
"""Where the lines may change (a change while awaiting confirmation goes back to draft)."""
FINAL_ORDER_STATUSES: frozenset[OrderStatus] = frozenset({_O.COMPLETED, _O.CANCELLED, _O.INVOICED})
OPEN_ORDER_STATUSES: frozenset[OrderStatus] = frozenset(
    {
        _O.DRAFT,
        _O.PLACED,
        _O.AWAITING_CONFIRMATION,
        _O.CONFIRMED,
        _O.PRE_INVOICED,
        _O.RECORDED,
        _O.PAID,
    }
)
"""What counts as a manager's load for the least-loaded rule."""
REVENUE_ORDER_STATUSES: frozenset[OrderStatus] = frozenset(
    {_O.PLACED, _O.COMPLETED, _O.CONFIRMED, _O.PRE_INVOICED, _O.RECORDED, _O.PAID, _O.INVOICED}
)
"""What the KPIs count as orders and revenue."""
IDLE_ORDER_STATUSES: frozenset[OrderStatus] = frozenset({_O.DRAFT, _O.AWAITING_CONFIRMATION})
"""Where an order waits on the client and may expire (a draft only when it came by WhatsApp)."""


@attrs.frozen
class OrderLine:
    """A product or service on an order or cart: ``sku`` and/or ``description`` (one is
    needed; the description defaults to the SKU), a whole ``quantity`` of at least 1, a
    ``unit_price`` of zero or more in the order's currency (before VAT), a ``discount_pct``
    from 0 to 100 and a ``vat_rate`` (21.00 or 10.50; lines stored before VAT existed read
    as 21.00)."""

    description: str
    quantity: int
    unit_price: Money
    discount_pct: Decimal = Decimal("0.00")
    sku: str | None = None
    vat_rate: Decimal = DEFAULT_VAT

    @classmethod
    def parse(cls, raw: object, *, currency: str, field: str = "line") -> OrderLine:
        """From an input object or a mapping with ``description``, ``sku``, ``quantity``,
        ``unit_price``, ``discount_pct`` and ``vat_rate``; every bad part is reported as
        ``<field>.<part>``."""
        parts = collect(
            {
                f"{field}.sku": lambda: line(pick(raw, "sku"), f"{field}.sku", 64),
                f"{field}.description": lambda: line(
                    pick(raw, "description"), f"{field}.description", 300
                ),
                f"{field}.quantity": lambda: whole_number(
                    pick(raw, "quantity", 1), f"{field}.quantity", 1, MAX_QUANTITY
                ),
                f"{field}.unit_price": lambda: _unit_price(
                    pick(raw, "unit_price"), currency, f"{field}.unit_price"
                ),
                f"{field}.discount_pct": lambda: percentage(
                    pick(raw, "discount_pct", 0) or 0, f"{field}.discount_pct"
                ),
                f"{field}.vat_rate": lambda: vat_rate(
                    pick(raw, "vat_rate", None), f"{field}.vat_rate"
                ),
            }
        )
        sku = parts[f"{field}.sku"]
        description = parts[f"{field}.description"] or sku
        if description is None:
            raise InvalidValue("give a SKU or a description", field=f"{field}.description")
        return cls(
            description,
            parts[f"{field}.quantity"],
            parts[f"{field}.unit_price"],
            parts[f"{field}.discount_pct"],
            sku,
            parts[f"{field}.vat_rate"],
        )

    @property
    def gross(self) -> Money:
        """Unit price times quantity, rounded half-up to the currency's minor unit."""
        return (self.unit_price * self.quantity).rounded()

    @property
    def total(self) -> Money:
        """After the discount, rounded half-up to the currency's minor unit."""
        factor = (_HUNDRED - self.discount_pct) / _HUNDRED
        return (self.unit_price * self.quantity * factor).rounded()

    @property
    def discount(self) -> Money:
        return self.gross - self.total


def vat_rate(value: object, field: str = "vat_rate") -> Decimal:
    """21.00 or 10.50 (``None`` or blank: 21.00); text, ``int`` or ``Decimal``, never a float."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return DEFAULT_VAT
    rate = percentage(value, field)
    if rate not in VAT_RATES:
        raise InvalidValue("VAT is 21 or 10.5", field=field)
    return rate.quantize(_CENT)


def _unit_price(value: object, currency: str, field: str) -> Money:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidValue("is required", field=field)
    if isinstance(value, Money):
        price = value
        if price.currency != currency:
            raise InvalidValue(f"is in {price.currency}, the order is in {currency}", field=field)
    else:
        try:
            price = Money.of(value, currency)
        except InvalidValue as error:
            raise InvalidValue(error.message, field=field) from None
    if price.is_negative:
        raise InvalidValue("cannot be negative", field=field)
    exponent = price.amount.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MAX_PRICE_DECIMALS:
        raise InvalidValue(f"has more than {MAX_PRICE_DECIMALS} decimals", field=field)
    return price


def parse_lines(raw: Iterable[object] | None, *, currency: str) -> tuple[OrderLine, ...]:
    """Every line, each bad one reported as ``lines[i].<part>``."""
    if raw is None:
        return ()
    if isinstance(raw, str | bytes) or not hasattr(raw, "__iter__"):
        raise InvalidValue("must be a list of lines", field="lines")
    items = list(raw)
    if len(items) > MAX_LINES:
        raise InvalidValue(f"holds {len(items)} lines, at most {MAX_LINES}", field="lines")
    parsed = collect(
        {
            f"lines[{i}]": lambda item=item, i=i: OrderLine.parse(
                item, currency=currency, field=f"lines[{i}]"
            )
            for i, item in enumerate(items)
        }
    )
    return tuple(parsed.values())


def _sum(amounts: Iterable[Money], currency: str) -> Money:
    total = Money.zero(currency)
    for amount in amounts:
        total = total + amount
    return total.rounded()


def _check_currency(lines: Sequence[OrderLine], currency: str) -> None:
    for i, item in enumerate(lines):
        if item.unit_price.currency != currency:
            raise InvalidValue(
                f"is in {item.unit_price.currency}, the order is in {currency}",
                field=f"lines[{i}].unit_price",
            )


def _reason(value: str | None) -> str | None:
    text = (value or "").strip()
    if len(text) > MAX_REASON:
        raise InvalidValue(f"is longer than {MAX_REASON} characters", field="reason")
    return text or None


# --- values of the purchase lifecycle -------------------------------------------------------


@attrs.frozen
class VatAmount:
    """The VAT of one rate: ``base`` is the sum of that rate's lines, ``vat`` its VAT rounded
    half-up to cents."""

    rate: Decimal
    base: Money
    vat: Money


@attrs.frozen
class DocumentRef:
    """A billing document issued for the order (a pre-invoice or an invoice): its id in the
    document store and its number in its series."""

    document_id: str
    series: str
    number: int
    issued_at: datetime

    @classmethod
    def of(cls, document_id: str, series: str, number: int, issued_at: datetime) -> DocumentRef:
        parts = collect(
            {
                "document_id": lambda: line(document_id, "document_id", 100, required=True),
                "series": lambda: line(series, "series", 16, required=True),
                "number": lambda: whole_number(number, "number", 1, 10**12),
            }
        )
        return cls(parts["document_id"], parts["series"], parts["number"], issued_at)


def _non_negative(value: Money, currency: str, field: str) -> Money:
    if value.currency != currency:
        raise InvalidValue(f"is in {value.currency}, the order is in {currency}", field=field)
    if value.is_negative:
        raise InvalidValue("cannot be negative", field=field)
    return value.rounded()


def _rate(value: Decimal, field: str) -> Decimal:
    if not value.is_finite() or value < 0:
        raise InvalidValue("must be a percentage of zero or more (a Decimal)", field=field)
    return value


@attrs.frozen
class ChosenFinancing:
    """The financing plan the client chose: ``installments`` of ``instalment`` adding up to
    ``total``; ``tna``/``tea``/``cft``/``cft_with_vat`` are annual percentages (``Decimal``);
    ``rule_id`` the rate rule that priced it. The financing module's plan converts to this."""

    installments: int
    instalment: Money
    total: Money
    tna: Decimal
    tea: Decimal
    cft: Decimal
    cft_with_vat: Decimal
    rule_id: str | None = None

    def checked(self, currency: str) -> ChosenFinancing:
        """This plan, refused (:class:`InvalidValue` naming the field) when it cannot be one of
        an order in ``currency``."""
        parts = collect(
            {
                "financing.installments": lambda: whole_number(
                    self.installments, "financing.installments", 1, MAX_INSTALLMENTS
                ),
                "financing.instalment": lambda: _non_negative(
                    self.instalment, currency, "financing.instalment"
                ),
                "financing.total": lambda: _non_negative(self.total, currency, "financing.total"),
                "financing.tna": lambda: _rate(self.tna, "financing.tna"),
                "financing.tea": lambda: _rate(self.tea, "financing.tea"),
                "financing.cft": lambda: _rate(self.cft, "financing.cft"),
                "financing.cft_with_vat": lambda: _rate(
                    self.cft_with_vat, "financing.cft_with_vat"
                ),
                "financing.rule_id": lambda: line(self.rule_id, "financing.rule_id", 100),
            }
        )
        return ChosenFinancing(*parts.values())


@attrs.frozen
class PricedSku:
    """What the catalogue says of a SKU now: its unit price before VAT in the order's
    currency, VAT rate, units available and whether it can be sold (it has a current price)."""

    sku: str
    description: str
    unit_price: Money
    vat_rate: Decimal
    available: int
    sellable: bool = True


class LineChangeKind(StrEnum):
    PRICE = "price"
    VAT = "vat"
    QUANTITY = "quantity"
    """Less stock than asked for: the quantity went down to what is available."""
    REMOVED = "removed"
    """Unknown, no longer sold, or out of stock."""


@attrs.frozen
class LineChange:
    """One thing a re-check changed on a line, ``before`` and ``after`` as text."""

    sku: str
    kind: LineChangeKind
    before: str
    after: str


class ConfirmationOutcome(StrEnum):
    CONFIRMED = "confirmed"
    CHANGED = "changed"
    """Prices or stock changed: the order is back in draft with the new lines."""
    STALE_SUMMARY = "stale_summary"
    """The client answered an older summary: the order is back in draft."""


@attrs.frozen
class Confirmation:
    """What :meth:`Order.confirm` did: confirmed, or back to draft with ``changes`` (send the
    client a new summary)."""

    outcome: ConfirmationOutcome
    summary_version: int
    changes: tuple[LineChange, ...] = ()

    @property
    def confirmed(self) -> bool:
        return self.outcome is ConfirmationOutcome.CONFIRMED


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def summary_digest(lines: Sequence[OrderLine], currency: str) -> str:
    """A fingerprint of the lines and prices a summary shows (SHA-256, hex)."""
    text = "\n".join(
        "|".join(
            (
                item.sku or "",
                item.description,
                str(item.quantity),
                _plain(item.unit_price.amount),
                _plain(item.discount_pct),
                _plain(item.vat_rate),
            )
        )
        for item in lines
    )
    return hashlib.sha256(f"{currency}\n{text}".encode()).hexdigest()


def reprice(
    lines: Sequence[OrderLine], pricing: Mapping[str, PricedSku]
) -> tuple[tuple[OrderLine, ...], tuple[LineChange, ...]]:
    """The lines as the catalogue prices them now, and what changed. Lines without a SKU are
    kept as they are; a SKU unknown, not sellable or without stock is removed; less stock than
    asked lowers the quantity."""
    kept: list[OrderLine] = []
    changes: list[LineChange] = []
    for item in lines:
        if item.sku is None:
            kept.append(item)
            continue
        priced = pricing.get(item.sku)
        if priced is None or not priced.sellable or priced.available < 1:
            changes.append(LineChange(item.sku, LineChangeKind.REMOVED, str(item.quantity), "0"))
            continue
        new = item
        if priced.unit_price != item.unit_price:
            changes.append(
                LineChange(
                    item.sku,
                    LineChangeKind.PRICE,
                    str(item.unit_price.amount),
                    str(priced.unit_price.amount),
                )
            )
            new = attrs.evolve(new, unit_price=priced.unit_price)
        if priced.vat_rate != item.vat_rate:
            changes.append(
                LineChange(item.sku, LineChangeKind.VAT, str(item.vat_rate), str(priced.vat_rate))
            )
            new = attrs.evolve(new, vat_rate=priced.vat_rate)
        if priced.available < item.quantity:
            changes.append(
                LineChange(
                    item.sku, LineChangeKind.QUANTITY, str(item.quantity), str(priced.available)
                )
            )
            new = attrs.evolve(new, quantity=priced.available)
        kept.append(new)
    return tuple(kept), tuple(changes)


@attrs.define(eq=False)
class Order:
    """A client's order. Identity by ``id``; ``number`` is unique and readable; ``version``
    guards edits. One currency per order."""

    id: UUID
    number: int
    client_id: UUID
    currency: str
    channel: OrderChannel
    created_by: str
    created_at: datetime
    updated_at: datetime
    lines: tuple[OrderLine, ...] = ()
    manager_id: UUID | None = None
    status: OrderStatus = OrderStatus.DRAFT
    placed_at: datetime | None = None
    completed_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancellation_reason: str | None = None
    summary_version: int = 0
    summary_digest: str | None = None
    summary_sent_at: datetime | None = None
    confirmed_at: datetime | None = None
    financing: ChosenFinancing | None = None
    pre_invoice: DocumentRef | None = None
    erp_reference: str | None = None
    recorded_at: datetime | None = None
    paid_amount: Decimal = Decimal("0.00")
    paid_at: datetime | None = None
    invoice: DocumentRef | None = None
    version: int = 0
    events: list[object] = attrs.field(factory=list, repr=False)

    @classmethod
    def create(
        cls,
        *,
        order_id: UUID,
        number: int,
        client_id: UUID,
        currency: str,
        channel: OrderChannel,
        lines: Sequence[OrderLine],
        now: datetime,
        actor: str,
    ) -> Order:
        """A draft order; the manager is assigned by the save that stores it."""
        _check_currency(lines, currency)
        if len(lines) > MAX_LINES:
            raise InvalidValue(f"holds {len(lines)} lines, at most {MAX_LINES}", field="lines")
        order = cls(order_id, number, client_id, currency, channel, actor, now, now, tuple(lines))
        order.events.append(
            OrderCreated(
                order_id, now, actor, number, client_id, currency, order.total.amount, channel
            )
        )
        return order

    # --- reading ----------------------------------------------------------------------

    @property
    def subtotal(self) -> Money:
        """The lines before discounts."""
        return _sum((item.gross for item in self.lines), self.currency)

    @property
    def discount_total(self) -> Money:
        return _sum((item.discount for item in self.lines), self.currency)

    @property
    def total(self) -> Money:
        """The sum of the lines' rounded totals, before VAT (the KPIs' revenue)."""
        return _sum((item.total for item in self.lines), self.currency)

    @property
    def net_total(self) -> Money:
        """The same as :attr:`total`: the lines after discounts, before VAT."""
        return self.total

    @property
    def vat_breakdown(self) -> tuple[VatAmount, ...]:
        """The VAT of each rate on the lines, by rate (highest first)."""
        bases: dict[Decimal, Money] = {}
        for item in self.lines:
            bases[item.vat_rate] = bases.get(item.vat_rate, Money.zero(self.currency)) + item.total
        return tuple(
            VatAmount(rate, base.rounded(), (base * (rate / _HUNDRED)).rounded())
            for rate, base in sorted(bases.items(), reverse=True)
        )

    @property
    def vat_total(self) -> Money:
        return _sum((v.vat for v in self.vat_breakdown), self.currency)

    @property
    def total_with_vat(self) -> Money:
        """What the client pays: the net total plus the VAT of each rate."""
        return (self.total + self.vat_total).rounded()

    @property
    def paid(self) -> Money:
        """Every payment recorded so far."""
        return Money(self.paid_amount, self.currency)

    @property
    def balance(self) -> Money:
        """What is still owed (zero or more)."""
        owed = self.total_with_vat - self.paid
        return Money.zero(self.currency) if owed.is_negative else owed

    @property
    def is_fully_paid(self) -> bool:
        return bool(self.lines) and self.paid >= self.total_with_vat

    def idle_since(self) -> datetime:
        return self.updated_at

    def may_expire(self) -> bool:
        """Waiting on the client: a WhatsApp draft (its cart) or any unanswered summary."""
        return self.status is OrderStatus.AWAITING_CONFIRMATION or (
            self.status is OrderStatus.DRAFT and self.channel is OrderChannel.WHATSAPP
        )

    @property
    def is_open(self) -> bool:
        """Draft or placed: it counts in its manager's load."""
        return self.status in OPEN_ORDER_STATUSES

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_ORDER_STATUSES

    def allowed_actions(self) -> list[str]:
        moves = [a for a, t in ORDER_TRANSITIONS.items() if self.status in t]
        return sorted(moves + (["update"] if self.is_editable else []))

    # --- editing ----------------------------------------------------------------------

    def replace_lines(self, lines: Sequence[OrderLine], *, now: datetime, actor: str) -> bool:
        """Set the lines of a draft, placed or awaiting order (a change while awaiting
        confirmation sends it back to draft: the summary no longer holds); returns whether
        they changed."""
        self._require_editable("update")
        _check_currency(lines, self.currency)
        if len(lines) > MAX_LINES:
            raise InvalidValue(f"holds {len(lines)} lines, at most {MAX_LINES}", field="lines")
        if tuple(lines) == self.lines:
            return False
        if self.status is OrderStatus.PLACED and not lines:
            raise PreconditionFailed("a placed order keeps at least one line", missing=["lines"])
        if self.status is OrderStatus.AWAITING_CONFIRMATION:
            self.status = OrderStatus.DRAFT
        self.lines = tuple(lines)
        self.updated_at = now
        self.events.append(
            OrderLinesChanged(
                self.id, now, actor, len(self.lines), self.total.amount, self.currency
            )
        )
        return True

    def assign_manager(
        self, manager_id: UUID | None, *, reason: str, now: datetime, actor: str
    ) -> bool:
        """Record the order's manager (the services check it is active and apply the
        assignment rules); returns whether it changed."""
        if manager_id == self.manager_id:
            return False
        if self.status in FINAL_ORDER_STATUSES:
            raise IllegalTransition(
                "order", self.status.value, "assign_manager", allowed=self.allowed_actions()
            )
        previous = self.manager_id
        self.manager_id = manager_id
        self.updated_at = now
        self.events.append(
            OrderManagerAssigned(self.id, now, actor, self.client_id, manager_id, previous, reason)
        )
        return True

    # --- lifecycle ----------------------------------------------------------------------

    def place(self, *, now: datetime, actor: str) -> None:
        """The client confirms the order; it needs at least one line."""
        if self.status is OrderStatus.DRAFT and not self.lines:
            raise PreconditionFailed("an order needs at least one line", missing=["lines"])
        self.status = self._target("place")
        self.placed_at = now
        self.updated_at = now
        self.events.append(
            OrderPlaced(self.id, now, actor, self.client_id, self.total.amount, self.currency)
        )

    def complete(self, *, now: datetime, actor: str) -> None:
        self.status = self._target("complete")
        self.completed_at = now
        self.updated_at = now
        self.events.append(OrderCompleted(self.id, now, actor))

    def cancel(self, *, now: datetime, actor: str, reason: str | None = None) -> None:
        """Cancel the order from any state before invoiced."""
        text = _reason(reason)
        before = self.status
        self.status = self._target("cancel")
        self.cancelled_at = now
        self.cancellation_reason = text
        self.updated_at = now
        self.events.append(OrderCancelled(self.id, now, actor, before.value, text))

    def expire(self, *, now: datetime, actor: str, idle_for: timedelta) -> bool:
        """Cancel with the reason ``expired`` when the order waits on the client and had no
        change for longer than ``idle_for``; returns whether it expired."""
        if not self.may_expire() or now - self.updated_at <= idle_for:
            return False
        before, idle_since = self.status, self.updated_at
        self.cancel(now=now, actor=actor, reason=EXPIRED)
        self.events.append(OrderExpired(self.id, now, actor, self.number, before.value, idle_since))
        return True

    # --- the purchase (issue 8) -----------------------------------------------------------

    def send_summary(self, *, now: datetime, actor: str) -> int:
        """Record that the client was shown the lines and prices (a new summary version each
        time); the order awaits confirmation. Returns the summary version."""
        if not self.lines and self.status in ORDER_TRANSITIONS["send_summary"]:
            raise PreconditionFailed("an empty cart has no summary to send", missing=["lines"])
        self.status = self._target("send_summary")
        self.summary_version += 1
        self.summary_digest = summary_digest(self.lines, self.currency)
        self.summary_sent_at = now
        self.updated_at = now
        self.events.append(
            OrderSummarySent(
                self.id,
                now,
                actor,
                self.number,
                self.summary_version,
                self.summary_digest,
                self.total_with_vat.amount,
                self.currency,
            )
        )
        return self.summary_version

    def confirm(
        self,
        summary_version: int,
        pricing: Mapping[str, PricedSku],
        *,
        now: datetime,
        actor: str,
    ) -> Confirmation:
        """The client confirms the summary ``summary_version``. Prices, VAT and stock are
        checked against ``pricing`` (the catalogue now): when anything changed, or the version
        is not the latest summary, the order goes back to draft with the lines repriced and
        the answer says what changed, so the client gets a new summary instead of a silent
        change."""
        if self.status is not OrderStatus.AWAITING_CONFIRMATION:
            raise IllegalTransition(
                "order", self._status_text(), "confirm", allowed=self.allowed_actions()
            )
        lines, changes = reprice(self.lines, pricing)
        stale = summary_version != self.summary_version
        if changes or stale:
            outcome = ConfirmationOutcome.CHANGED if changes else ConfirmationOutcome.STALE_SUMMARY
            self.status = OrderStatus.DRAFT
            self.lines = lines
            self.updated_at = now
            self.events.append(
                OrderRepriced(
                    self.id,
                    now,
                    actor,
                    self.number,
                    outcome.value,
                    len(changes),
                    self.total_with_vat.amount,
                    self.currency,
                )
            )
            return Confirmation(outcome, self.summary_version, changes)
        self.status = self._target("confirm")
        self.confirmed_at = now
        self.placed_at = now
        self.updated_at = now
        self.events.append(
            OrderConfirmed(
                self.id,
                now,
                actor,
                self.number,
                self.client_id,
                self.summary_version,
                self.total_with_vat.amount,
                self.currency,
            )
        )
        return Confirmation(ConfirmationOutcome.CONFIRMED, self.summary_version)

    def choose_financing(self, plan: ChosenFinancing | None, *, now: datetime, actor: str) -> bool:
        """Store the financing plan the client chose (None clears it), until the pre-invoice
        is issued; returns whether it changed."""
        self._target("choose_financing")
        checked = None if plan is None else plan.checked(self.currency)
        if checked == self.financing:
            return False
        self.financing = checked
        self.updated_at = now
        self.events.append(
            OrderFinancingChosen(
                self.id, now, actor, self.number, None if checked is None else checked.installments
            )
        )
        return True

    def mark_pre_invoiced(self, document: DocumentRef, *, now: datetime, actor: str) -> bool:
        """The pre-invoice was issued; returns False when this same document was already
        recorded (a repeated call), refuses another one."""
        if self.pre_invoice is not None and self.pre_invoice.document_id == document.document_id:
            return False
        self.status = self._target("pre_invoice")
        self.pre_invoice = document
        self.updated_at = now
        self.events.append(
            OrderPreInvoiced(
                self.id, now, actor, self.number, document.document_id, document.series,
                document.number,
            )
        )  # fmt: skip
        return True

    def mark_recorded(self, erp_reference: str, *, now: datetime, actor: str) -> bool:
        """The management system holds the order as ``erp_reference``; returns False when it
        already was recorded with it. A payment in full already recorded makes it paid."""
        reference = line(erp_reference, "erp_reference", 100, required=True)
        assert reference is not None
        if self.erp_reference == reference:
            return False
        self.status = self._target("record")
        self.erp_reference = reference
        self.recorded_at = now
        self.updated_at = now
        self.events.append(OrderRecorded(self.id, now, actor, self.number, reference))
        self._settle(now, actor)
        return True

    def register_payment(
        self, payment_id: str, amount: Money, *, now: datetime, actor: str
    ) -> None:
        """Add a payment (the payment repository keeps it, unique by ``payment_id``); from
        confirmed on. Once the payments reach :attr:`total_with_vat` the order is fully paid,
        and it becomes ``paid`` as soon as it is recorded in the management system."""
        self._target("pay")
        if amount.currency != self.currency:
            raise InvalidValue(
                f"is in {amount.currency}, the order is in {self.currency}", field="currency"
            )
        if amount.is_negative or amount.amount == 0:
            raise InvalidValue("must be more than zero", field="amount")
        self.paid_amount = (self.paid + amount).rounded().amount
        self.updated_at = now
        self.events.append(
            PaymentRecorded(
                self.id,
                now,
                actor,
                self.number,
                payment_id,
                amount.amount,
                self.currency,
                self.paid_amount,
                self.total_with_vat.amount,
            )
        )
        if self.paid_at is None and self.is_fully_paid:
            self.paid_at = now
        self._settle(now, actor)

    def _settle(self, now: datetime, actor: str) -> None:
        if self.status is OrderStatus.RECORDED and self.is_fully_paid:
            self.status = OrderStatus.PAID
            self.events.append(
                OrderPaid(self.id, now, actor, self.number, self.client_id, self.paid_amount,
                          self.currency)
            )  # fmt: skip

    def mark_invoiced(self, document: DocumentRef, *, now: datetime, actor: str) -> bool:
        """The invoice was issued; returns False when this same document was already
        recorded."""
        if self.invoice is not None and self.invoice.document_id == document.document_id:
            return False
        self.status = self._target("invoice")
        self.invoice = document
        self.updated_at = now
        self.events.append(
            OrderInvoiced(
                self.id, now, actor, self.number, document.document_id, document.series,
                document.number,
            )
        )  # fmt: skip
        return True

    def _status_text(self) -> str:
        if self.status is OrderStatus.CANCELLED and self.cancellation_reason == EXPIRED:
            return "expired"
        return self.status.value

    def _target(self, action: str) -> OrderStatus:
        target = ORDER_TRANSITIONS[action].get(self.status)
        if target is None:
            raise IllegalTransition(
                "order", self._status_text(), action, allowed=self.allowed_actions()
            )
        return target

    def _require_editable(self, action: str) -> None:
        if not self.is_editable:
            raise IllegalTransition(
                "order", self.status.value, action, allowed=self.allowed_actions()
            )


# --- carts ------------------------------------------------------------------------------------


class CartStatus(StrEnum):
    OPEN = "open"
    ABANDONED = "abandoned"
    CONVERTED = "converted"


def abandoned_after(value: timedelta | None) -> timedelta:
    """The idle time after which an open cart counts as abandoned (default 24 hours)."""
    threshold = DEFAULT_ABANDONED_AFTER if value is None else value
    if threshold <= timedelta(0):
        raise InvalidValue("must be a positive duration", field="abandoned_after")
    return threshold


@attrs.define(eq=False)
class Cart:
    """What a client is about to order, in one currency. ``updated_at`` is its last activity.
    Identity by ``id``; ``version`` guards edits."""

    id: UUID
    client_id: UUID
    currency: str
    created_at: datetime
    updated_at: datetime
    lines: tuple[OrderLine, ...] = ()
    status: CartStatus = CartStatus.OPEN
    abandoned_at: datetime | None = None
    converted_at: datetime | None = None
    converted_order_id: UUID | None = None
    version: int = 0
    events: list[object] = attrs.field(factory=list, repr=False)

    @classmethod
    def open(
        cls,
        *,
        cart_id: UUID,
        client_id: UUID,
        currency: str,
        lines: Sequence[OrderLine],
        now: datetime,
        actor: str,
    ) -> Cart:
        _check_currency(lines, currency)
        cart = cls(cart_id, client_id, currency, now, now, tuple(lines))
        cart.events.append(CartOpened(cart_id, now, actor, client_id, currency))
        return cart

    @property
    def value(self) -> Money:
        """The sum of the lines' rounded totals."""
        return _sum((item.total for item in self.lines), self.currency)

    def age(self, now: datetime) -> timedelta:
        return now - self.created_at

    def idle(self, now: datetime) -> timedelta:
        return now - self.updated_at

    def effective_status(self, now: datetime, threshold: timedelta | None = None) -> CartStatus:
        """Abandoned when open and idle for longer than ``threshold`` (default 24 hours),
        whether or not it has been marked yet."""
        if self.status is CartStatus.OPEN and self.idle(now) > abandoned_after(threshold):
            return CartStatus.ABANDONED
        return self.status

    def replace_lines(self, lines: Sequence[OrderLine], *, now: datetime) -> bool:
        """Change what is in the cart (its activity, not announced: carts change often); an
        abandoned cart opens again. Returns whether it changed."""
        self._require_not_converted("update")
        _check_currency(lines, self.currency)
        if tuple(lines) == self.lines and self.status is CartStatus.OPEN:
            return False
        self.lines = tuple(lines)
        self.status = CartStatus.OPEN
        self.abandoned_at = None
        self.updated_at = now
        return True

    def mark_abandoned(
        self, *, now: datetime, actor: str, threshold: timedelta | None = None
    ) -> bool:
        """Record that the open cart is abandoned, when it is; returns whether it changed."""
        if self.effective_status(now, threshold) is not CartStatus.ABANDONED:
            return False
        if self.status is CartStatus.ABANDONED:
            return False
        self.status = CartStatus.ABANDONED
        self.abandoned_at = now
        self.events.append(
            CartAbandoned(
                self.id,
                now,
                actor,
                self.client_id,
                self.updated_at,
                self.value.amount,
                self.currency,
            )
        )
        return True

    def mark_converted(self, order_id: UUID, *, now: datetime, actor: str) -> None:
        """The cart became ``order_id``; open and abandoned carts can convert."""
        self._require_not_converted("convert")
        if not self.lines:
            raise PreconditionFailed("an empty cart cannot become an order", missing=["lines"])
        self.status = CartStatus.CONVERTED
        self.converted_order_id = order_id
        self.converted_at = now
        self.updated_at = now
        self.events.append(CartConverted(self.id, now, actor, self.client_id, order_id))

    def _require_not_converted(self, action: str) -> None:
        if self.status is CartStatus.CONVERTED:
            raise IllegalTransition("cart", self.status.value, action)


# --- payments ---------------------------------------------------------------------------------


class PaymentChannel(StrEnum):
    """How the payment reached perla."""

    WEBHOOK = "webhook"
    API = "api"
    CLI = "cli"


MAX_PAYMENT_ID = 200


class PaymentConflict(AlreadyExists):
    """A payment id already recorded with another order or amount."""

    code = "payment_conflict"
    title = "Payment conflict"


@attrs.frozen
class Payment:
    """One payment of an order, as the provider (or a person) reported it: ``payment_id`` is
    the provider's id and unique, so the same payment reported twice counts once."""

    payment_id: str
    order_id: UUID
    amount: Money
    method: str
    paid_at: datetime
    recorded_at: datetime
    recorded_by: str
    channel: PaymentChannel

    @classmethod
    def parse(
        cls,
        *,
        payment_id: object,
        order_id: UUID,
        amount: object,
        currency: object,
        method: object,
        paid_at: datetime,
        recorded_at: datetime,
        recorded_by: str,
        channel: PaymentChannel,
    ) -> Payment:
        """Every bad part named: ``payment_id``, ``amount`` (more than zero, cents at most),
        ``currency``, ``method``, ``paid_at`` (timezone-aware)."""
        parts = collect(
            {
                "payment_id": lambda: line(payment_id, "payment_id", MAX_PAYMENT_ID, required=True),
                "amount": lambda: _payment_amount(amount, currency),
                "method": lambda: line(method, "method", 32) or "other",
                "paid_at": lambda: _aware(paid_at, "paid_at"),
            }
        )
        return cls(
            parts["payment_id"],
            order_id,
            parts["amount"],
            parts["method"],
            parts["paid_at"],
            recorded_at,
            recorded_by,
            channel,
        )

    def same_as(self, other: Payment) -> bool:
        """The same payment reported again (order and amount equal)."""
        return (self.order_id, self.amount) == (other.order_id, other.amount)


def _payment_amount(amount: object, currency: object) -> Money:
    if amount is None or (isinstance(amount, str) and not amount.strip()):
        raise InvalidValue("is required", field="amount")
    try:
        code = Money.zero(str(currency or "")).currency
    except InvalidValue as error:
        raise InvalidValue(error.message, field="currency") from None
    try:
        money = Money.of(amount, code)
    except InvalidValue as error:
        raise InvalidValue(error.message, field="amount") from None
    if money.is_negative or money.amount == 0:
        raise InvalidValue("must be more than zero", field="amount")
    if money.rounded() != money:
        raise InvalidValue(f"has more than {money.minor_units} decimals", field="amount")
    return money


def _aware(value: object, field: str) -> datetime:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise InvalidValue("needs a UTC offset (a timezone-aware datetime)", field=field)
    return value
