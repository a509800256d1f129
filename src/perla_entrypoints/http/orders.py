"""Orders and carts ("carritos"), with the account-manager rules of seed 003 on every save.

``/api/v1/orders`` lists and creates orders; ``/{id}`` reads one and edits its lines or its
manager; ``place``, ``complete`` and ``cancel`` move it. A save answers with the manager the
order got and the rule that decided (``assignment``). ``/api/v1/carts`` lists the carts with
their value and age, opens one, replaces its lines and converts it into a placed order;
``/api/v1/carts/kpis`` counts open, abandoned and converted carts.

MICROCOM's purchase (issue 8, :func:`purchase_routes`): ``summary`` records that the client is
shown the summary, ``confirm`` takes its explicit confirmation (prices and stock checked again:
a change answers ``changed`` and the order is back in draft), ``payments`` lists and records
payments by hand (idempotent on ``payment_id``); ``cancel`` works until the order is invoiced.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Controller, Response, Router, get, patch, post, put
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from msgspec import UNSET, Meta, Struct, UnsetType

from perla_core.customers import kpis
from perla_core.kernel.pagination import PageRequest
from perla_core.orders import sales, services
from perla_core.orders.commands import (
    KEEP,
    CancelOrder,
    CompleteOrder,
    ConvertCart,
    OrderLineInput,
    PlaceOrder,
    SaveCart,
    SaveOrder,
)
from perla_core.orders.model import (
    CartStatus,
    ChosenFinancing,
    ConfirmationOutcome,
    DocumentRef,
    LineChange,
    LineChangeKind,
    Order,
    OrderChannel,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentChannel,
)
from perla_core.orders.ports import CartQuery, OrderQuery
from perla_core.orders.pricing import CataloguePricing
from perla_core.orders.services import CartView, OrderSaved
from perla_entrypoints.container import Container, settings_of, uow_factory
from perla_entrypoints.http.auth import CAN_WRITE
from perla_entrypoints.http.dependencies import ActorDep, ClockDep, IdsDep, NewUow
from perla_entrypoints.http.leads import Limit, Offset
from perla_entrypoints.http.managers import AssignmentOut
from perla_entrypoints.http.openapi import ETAG, LOCATION, doc, responses
from perla_entrypoints.http.schemas import (
    CurrencyCode,
    MoneyOut,
    StrictBody,
    Version,
    VersionIn,
    one_of,
)

ORDERS = "/api/v1/orders"
CARTS = "/api/v1/carts"

Price = Annotated[
    str | int,
    Meta(
        description='The unit price in the order\'s currency, as text ("12.50") or a whole number'
    ),
]
Percent = Annotated[
    str | int, Meta(description='A discount from 0 to 100, two decimals at most: "10.5"')
]
ChannelText = Annotated[str, one_of([c.value for c in OrderChannel], "Where the order came from")]
MAX_ABANDONED_HOURS = 87_600
"""Ten years: older thresholds reach before the calendar starts."""
AbandonedAfter = Annotated[
    int | None,
    QueryParameter(
        ge=1,
        le=MAX_ABANDONED_HOURS,
        description="Hours without changes after which an open cart is abandoned (24)",
    ),
]

# --- bodies ---------------------------------------------------------------------------------


class OrderLineIn(StrictBody):
    """A line: a ``sku`` and/or a ``description``."""

    description: str | None = None
    sku: str | None = None
    quantity: int = 1
    unit_price: Price = 0
    discount_pct: Percent = 0
    vat_rate: Percent | None = None

    def to_input(self) -> OrderLineInput:
        return OrderLineInput(**msgspec.structs.asdict(self))


def _lines(lines: list[OrderLineIn]) -> tuple[OrderLineInput, ...]:
    return tuple(line.to_input() for line in lines)


class OrderIn(StrictBody):
    """A new order. Leave ``manager_id`` out to let the rules of seed 003 assign one; a
    manager given must be active. ``place`` places it in the same save."""

    client_id: UUID
    currency: CurrencyCode
    lines: list[OrderLineIn] = msgspec.field(default_factory=list)
    channel: ChannelText = "backoffice"
    manager_id: UUID | UnsetType | None = UNSET
    place: bool = False

    def to_command(self) -> SaveOrder:
        return SaveOrder(
            client_id=self.client_id,
            currency=self.currency,
            lines=_lines(self.lines),
            channel=self.channel,
            place=self.place,
            manager_id=KEEP if isinstance(self.manager_id, UnsetType) else self.manager_id,
        )


class OrderPatch(StrictBody):
    """Changes to a draft or placed order: its lines (all of them) and/or its manager
    (``null`` clears it, and the rules fill it again)."""

    version: Version | None = None
    lines: list[OrderLineIn] | UnsetType = UNSET
    manager_id: UUID | UnsetType | None = UNSET

    def to_command(self, order_id: UUID) -> SaveOrder:
        return SaveOrder(
            order_id=order_id,
            expected_version=self.version,
            lines=KEEP if isinstance(self.lines, UnsetType) else _lines(self.lines),
            manager_id=KEEP if isinstance(self.manager_id, UnsetType) else self.manager_id,
        )


class OrderCancelIn(StrictBody):
    reason: str | None = None
    version: Version | None = None


class CartIn(StrictBody):
    client_id: UUID
    currency: CurrencyCode
    lines: list[OrderLineIn] = msgspec.field(default_factory=list)


class CartPut(StrictBody):
    """The cart's contents, all of them (changing an abandoned cart opens it again)."""

    client_id: UUID
    currency: CurrencyCode
    lines: list[OrderLineIn] = msgspec.field(default_factory=list)
    version: Version | None = None


# --- responses ------------------------------------------------------------------------------


class OrderLineOut(Struct, kw_only=True):
    description: str
    sku: str | None
    quantity: int
    unit_price: MoneyOut
    discount_pct: Decimal
    total: MoneyOut
    vat_rate: Decimal = Decimal("21.00")

    @classmethod
    def of(cls, line: OrderLine) -> OrderLineOut:
        return cls(
            description=line.description,
            sku=line.sku,
            quantity=line.quantity,
            unit_price=MoneyOut.of(line.unit_price),
            discount_pct=line.discount_pct,
            total=MoneyOut.of(line.total),
            vat_rate=line.vat_rate,
        )


class VatOut(Struct, kw_only=True):
    rate: Decimal
    base: MoneyOut
    vat: MoneyOut


class DocumentRefOut(Struct, kw_only=True):
    document_id: str
    series: str
    number: int
    issued_at: datetime

    @classmethod
    def maybe(cls, ref: DocumentRef | None) -> DocumentRefOut | None:
        if ref is None:
            return None
        return cls(
            document_id=ref.document_id, series=ref.series, number=ref.number,
            issued_at=ref.issued_at,
        )  # fmt: skip


class FinancingOut(Struct, kw_only=True):
    installments: int
    instalment: MoneyOut
    total: MoneyOut
    tna: Decimal
    tea: Decimal
    cft: Decimal
    cft_with_vat: Decimal
    rule_id: str | None

    @classmethod
    def maybe(cls, plan: ChosenFinancing | None) -> FinancingOut | None:
        if plan is None:
            return None
        return cls(
            installments=plan.installments, instalment=MoneyOut.of(plan.instalment),
            total=MoneyOut.of(plan.total), tna=plan.tna, tea=plan.tea, cft=plan.cft,
            cft_with_vat=plan.cft_with_vat, rule_id=plan.rule_id,
        )  # fmt: skip


class OrderOut(Struct, kw_only=True):
    """An order; after a save, ``assignment`` says which rule gave it (and its client) their
    manager, and ``client_manager_id`` is the client's manager after the save."""

    id: UUID
    number: int
    version: int
    status: OrderStatus
    client_id: UUID
    currency: str
    channel: OrderChannel
    lines: list[OrderLineOut]
    subtotal: MoneyOut
    discount_total: MoneyOut
    total: MoneyOut
    manager_id: UUID | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    placed_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    cancellation_reason: str | None
    allowed_actions: list[str]
    vat: list[VatOut]
    total_with_vat: MoneyOut
    paid: MoneyOut
    balance: MoneyOut
    summary_version: int
    summary_sent_at: datetime | None
    confirmed_at: datetime | None
    financing: FinancingOut | None
    pre_invoice: DocumentRefOut | None
    erp_reference: str | None
    paid_at: datetime | None
    invoice: DocumentRefOut | None
    client_manager_id: UUID | None = None
    assignment: AssignmentOut | None = None

    @classmethod
    def of(cls, o: Order, saved: OrderSaved | None = None) -> OrderOut:
        return cls(
            id=o.id,
            number=o.number,
            version=o.version,
            status=o.status,
            client_id=o.client_id,
            currency=o.currency,
            channel=o.channel,
            lines=[OrderLineOut.of(line) for line in o.lines],
            subtotal=MoneyOut.of(o.subtotal),
            discount_total=MoneyOut.of(o.discount_total),
            total=MoneyOut.of(o.total),
            manager_id=o.manager_id,
            created_by=o.created_by,
            created_at=o.created_at,
            updated_at=o.updated_at,
            placed_at=o.placed_at,
            completed_at=o.completed_at,
            cancelled_at=o.cancelled_at,
            cancellation_reason=o.cancellation_reason,
            allowed_actions=o.allowed_actions(),
            vat=[
                VatOut(rate=v.rate, base=MoneyOut.of(v.base), vat=MoneyOut.of(v.vat))
                for v in o.vat_breakdown
            ],
            total_with_vat=MoneyOut.of(o.total_with_vat),
            paid=MoneyOut.of(o.paid),
            balance=MoneyOut.of(o.balance),
            summary_version=o.summary_version,
            summary_sent_at=o.summary_sent_at,
            confirmed_at=o.confirmed_at,
            financing=FinancingOut.maybe(o.financing),
            pre_invoice=DocumentRefOut.maybe(o.pre_invoice),
            erp_reference=o.erp_reference,
            paid_at=o.paid_at,
            invoice=DocumentRefOut.maybe(o.invoice),
            client_manager_id=None if saved is None else saved.client_manager_id,
            assignment=None if saved is None else AssignmentOut.of(saved.assignment),
        )


class OrderPage(Struct, kw_only=True):
    items: list[OrderOut]
    total: int
    limit: int
    offset: int


class CartOut(Struct, kw_only=True):
    """A cart with its effective status (an open cart idle past the threshold is abandoned),
    its value, its age and how long it has been idle."""

    id: UUID
    client_id: UUID
    currency: str
    status: CartStatus
    lines: list[OrderLineOut]
    value: MoneyOut
    age_seconds: int
    idle_seconds: int
    created_at: datetime
    updated_at: datetime
    abandoned_at: datetime | None
    converted_at: datetime | None
    converted_order_id: UUID | None
    version: int

    @classmethod
    def of(cls, view: CartView) -> CartOut:
        c = view.cart
        return cls(
            id=c.id,
            client_id=c.client_id,
            currency=c.currency,
            status=view.status,
            lines=[OrderLineOut.of(line) for line in c.lines],
            value=MoneyOut.of(view.value),
            age_seconds=int(view.age.total_seconds()),
            idle_seconds=int(view.idle.total_seconds()),
            created_at=c.created_at,
            updated_at=c.updated_at,
            abandoned_at=c.abandoned_at,
            converted_at=c.converted_at,
            converted_order_id=c.converted_order_id,
            version=c.version,
        )


class CartPage(Struct, kw_only=True):
    items: list[CartOut]
    total: int
    limit: int
    offset: int


class CartKpisOut(Struct, kw_only=True):
    """Carts by effective status, the open carts' value per currency, and the share of carts
    that became orders (percent, two decimals)."""

    open: int
    abandoned: int
    converted: int
    total: int
    open_value: list[MoneyOut]
    conversion_rate_pct: Decimal


# --- routes ---------------------------------------------------------------------------------


def _hours(value: int | None) -> timedelta | None:
    return None if value is None else timedelta(hours=value)


def order_response(
    order: Order,
    saved: OrderSaved | None = None,
    status: int = HTTP_200_OK,
    location: str | None = None,
) -> Response[OrderOut]:
    headers = {"ETag": f'"{order.version}"'}
    if location is not None:
        headers["Location"] = location
    return Response(OrderOut.of(order, saved), status_code=status, headers=headers)


def cart_response(
    view: CartView, status: int = HTTP_200_OK, location: str | None = None
) -> Response[CartOut]:
    headers = {"ETag": f'"{view.cart.version}"'}
    if location is not None:
        headers["Location"] = location
    return Response(CartOut.of(view), status_code=status, headers=headers)


WRITE_RESPONSES = responses(400, 401, 403, 404, 409, 413, 422)


class OrderController(Controller):
    path = ORDERS
    tags = ["orders"]

    @get(
        "/",
        operation_id="listOrders",
        summary="List orders",
        description=doc(services.list_orders),
        sync_to_thread=True,
        responses=responses(400, 401),
    )
    def list_orders(
        self,
        uows: NewUow,
        actor: ActorDep,
        client_id: FromQuery[UUID | None] = None,
        manager_id: FromQuery[UUID | None] = None,
        status: FromQuery[OrderStatus | None] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> OrderPage:
        query = OrderQuery(
            client_id=client_id,
            manager_id=manager_id,
            status=status,
            page=PageRequest(limit=limit, offset=offset),
        )
        page = services.list_orders(query, uows(), actor)
        return OrderPage(
            items=[OrderOut.of(o) for o in page.items],
            total=page.total,
            limit=page.limit,
            offset=page.offset,
        )

    @post(
        "/",
        operation_id="createOrder",
        summary="Create an order; the account-manager rules assign its manager",
        description=doc(services.save_order),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_201_CREATED,
        response_headers=[ETAG, LOCATION],
        responses=WRITE_RESPONSES,
    )
    def create_order(
        self,
        data: JSONBody[OrderIn],
        uows: NewUow,
        clock: ClockDep,
        ids: IdsDep,
        actor: ActorDep,
    ) -> Response[OrderOut]:
        saved = services.save_order(data.to_command(), uows(), clock, ids, actor)
        order = services.get_order(saved.order_id, uows(), actor)
        return order_response(order, saved, HTTP_201_CREATED, f"{ORDERS}/{order.id}")

    @get(
        "/{order_id:uuid}",
        operation_id="getOrder",
        summary="Get an order",
        description=doc(services.get_order),
        sync_to_thread=True,
        response_headers=[ETAG],
        responses=responses(401, 404),
    )
    def get_order(
        self, order_id: FromPath[UUID], uows: NewUow, actor: ActorDep
    ) -> Response[OrderOut]:
        return order_response(services.get_order(order_id, uows(), actor))

    @patch(
        "/{order_id:uuid}",
        operation_id="updateOrder",
        summary="Change an order's lines or manager; the account-manager rules apply again",
        description=doc(services.save_order),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        response_headers=[ETAG],
        responses=WRITE_RESPONSES,
    )
    def update_order(
        self,
        order_id: FromPath[UUID],
        data: JSONBody[OrderPatch],
        uows: NewUow,
        clock: ClockDep,
        ids: IdsDep,
        actor: ActorDep,
    ) -> Response[OrderOut]:
        saved = services.save_order(data.to_command(order_id), uows(), clock, ids, actor)
        return order_response(services.get_order(order_id, uows(), actor), saved)

    @post(
        "/{order_id:uuid}/place",
        operation_id="placeOrder",
        summary="The client confirms a draft order",
        description=doc(services.place_order),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        response_headers=[ETAG],
        responses=WRITE_RESPONSES,
    )
    def place_order(
        self,
        order_id: FromPath[UUID],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
        data: JSONBody[VersionIn | None] = None,
    ) -> Response[OrderOut]:
        version = None if data is None else data.version
        services.place_order(PlaceOrder(order_id, version), uows(), clock, actor)
        return order_response(services.get_order(order_id, uows(), actor))

    @post(
        "/{order_id:uuid}/complete",
        operation_id="completeOrder",
        summary="A placed order was delivered",
        description=doc(services.complete_order),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        response_headers=[ETAG],
        responses=WRITE_RESPONSES,
    )
    def complete_order(
        self,
        order_id: FromPath[UUID],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
        data: JSONBody[VersionIn | None] = None,
    ) -> Response[OrderOut]:
        version = None if data is None else data.version
        services.complete_order(CompleteOrder(order_id, version), uows(), clock, actor)
        return order_response(services.get_order(order_id, uows(), actor))

    @post(
        "/{order_id:uuid}/cancel",
        operation_id="cancelOrder",
        summary="Cancel an order in any state before invoiced",
        description=doc(services.cancel_order),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        response_headers=[ETAG],
        responses=WRITE_RESPONSES,
    )
    def cancel_order(
        self,
        order_id: FromPath[UUID],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
        data: JSONBody[OrderCancelIn | None] = None,
    ) -> Response[OrderOut]:
        body = data or OrderCancelIn()
        command = CancelOrder(order_id, reason=body.reason, expected_version=body.version)
        services.cancel_order(command, uows(), clock, actor)
        return order_response(services.get_order(order_id, uows(), actor))


class CartController(Controller):
    path = CARTS
    tags = ["carts"]

    @get(
        "/",
        operation_id="listCarts",
        summary="List carts with their value and age",
        description=doc(services.list_carts),
        sync_to_thread=True,
        responses=responses(400, 401, 422),
    )
    def list_carts(
        self,
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
        client_id: FromQuery[UUID | None] = None,
        status: FromQuery[CartStatus | None] = None,
        abandoned_after_hours: AbandonedAfter = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> CartPage:
        query = CartQuery(
            client_id=client_id, status=status, page=PageRequest(limit=limit, offset=offset)
        )
        page = services.list_carts(
            query, uows(), clock, actor, threshold=_hours(abandoned_after_hours)
        )
        return CartPage(
            items=[CartOut.of(v) for v in page.items],
            total=page.total,
            limit=page.limit,
            offset=page.offset,
        )

    @post(
        "/",
        operation_id="createCart",
        summary="Open a cart for a client",
        description=doc(services.save_cart),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_201_CREATED,
        response_headers=[ETAG, LOCATION],
        responses=WRITE_RESPONSES,
    )
    def create_cart(
        self,
        data: JSONBody[CartIn],
        uows: NewUow,
        clock: ClockDep,
        ids: IdsDep,
        actor: ActorDep,
    ) -> Response[CartOut]:
        command = SaveCart(
            client_id=data.client_id, currency=data.currency, lines=_lines(data.lines)
        )
        saved = services.save_cart(command, uows(), clock, ids, actor)
        view = services.get_cart(saved.cart_id, uows(), clock, actor)
        return cart_response(view, HTTP_201_CREATED, f"{CARTS}/{saved.cart_id}")

    @get(
        "/kpis",
        operation_id="getCartKpis",
        summary="Open, abandoned and converted carts, their value and the conversion rate",
        description=doc(kpis.cart_kpis),
        sync_to_thread=True,
        responses=responses(400, 401, 422),
    )
    def cart_kpis(
        self,
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
        client_id: FromQuery[UUID | None] = None,
        created_since: FromQuery[datetime | None] = None,
        abandoned_after_hours: AbandonedAfter = None,
    ) -> CartKpisOut:
        found = kpis.cart_kpis(
            uows(),
            clock,
            actor,
            client_id=client_id,
            created_since=created_since,
            threshold=_hours(abandoned_after_hours),
        )
        return CartKpisOut(
            open=found.open,
            abandoned=found.abandoned,
            converted=found.converted,
            total=found.total,
            open_value=[MoneyOut.of(m) for m in found.open_value],
            conversion_rate_pct=found.conversion_rate_pct,
        )

    @get(
        "/{cart_id:uuid}",
        operation_id="getCart",
        summary="Get a cart",
        description=(
            "A cart with its effective status (an open cart idle past the threshold, 24 hours "
            "by default, counts as abandoned), its value, its age and its idle time."
        ),
        sync_to_thread=True,
        response_headers=[ETAG],
        responses=responses(401, 404, 422),
    )
    def get_cart(
        self,
        cart_id: FromPath[UUID],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
        abandoned_after_hours: AbandonedAfter = None,
    ) -> Response[CartOut]:
        view = services.get_cart(
            cart_id, uows(), clock, actor, threshold=_hours(abandoned_after_hours)
        )
        return cart_response(view)

    @put(
        "/{cart_id:uuid}",
        operation_id="replaceCart",
        summary="Replace what is in a cart",
        description=doc(services.save_cart),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        response_headers=[ETAG],
        responses=WRITE_RESPONSES,
    )
    def replace_cart(
        self,
        cart_id: FromPath[UUID],
        data: JSONBody[CartPut],
        uows: NewUow,
        clock: ClockDep,
        ids: IdsDep,
        actor: ActorDep,
    ) -> Response[CartOut]:
        command = SaveCart(
            client_id=data.client_id,
            currency=data.currency,
            lines=_lines(data.lines),
            cart_id=cart_id,
            expected_version=data.version,
        )
        services.save_cart(command, uows(), clock, ids, actor)
        return cart_response(services.get_cart(cart_id, uows(), clock, actor))

    @post(
        "/{cart_id:uuid}/convert",
        operation_id="convertCart",
        summary="Turn a cart into a placed order; the account-manager rules assign its manager",
        description=doc(services.convert_cart),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_201_CREATED,
        response_headers=[ETAG, LOCATION],
        responses=WRITE_RESPONSES,
    )
    def convert_cart(
        self,
        cart_id: FromPath[UUID],
        uows: NewUow,
        clock: ClockDep,
        ids: IdsDep,
        actor: ActorDep,
        data: JSONBody[VersionIn | None] = None,
    ) -> Response[OrderOut]:
        version = None if data is None else data.version
        saved = services.convert_cart(ConvertCart(cart_id, version), uows(), clock, ids, actor)
        order = services.get_order(saved.order_id, uows(), actor)
        return order_response(order, saved, HTTP_201_CREATED, f"{ORDERS}/{order.id}")


# --- the purchase (issue 8): summary, confirmation, payments ----------------------------------


class ConfirmIn(StrictBody):
    """The client's explicit confirmation of the summary it was shown."""

    summary_version: Annotated[int, Meta(ge=1, description="The summary the client answered")]


class LineChangeOut(Struct, kw_only=True):
    sku: str
    kind: LineChangeKind
    before: str
    after: str


class SummaryOut(Struct, kw_only=True):
    """The summary to show the client, with the version its confirmation must quote and what
    repricing changed before it was sent."""

    summary_version: int
    changes: list[LineChangeOut]
    order: OrderOut


class ConfirmationOut(Struct, kw_only=True):
    """``confirmed``, or back to draft (``changed``: prices or stock moved; ``stale_summary``:
    an older summary was answered): send the client a new summary."""

    outcome: ConfirmationOutcome
    summary_version: int
    changes: list[LineChangeOut]
    order: OrderOut


def _changes(changes: tuple[LineChange, ...]) -> list[LineChangeOut]:
    return [LineChangeOut(sku=c.sku, kind=c.kind, before=c.before, after=c.after) for c in changes]


class PaymentIn(StrictBody):
    """A payment recorded by hand; ``payment_id`` is the provider's (or the receipt's) id:
    the same id again counts once."""

    payment_id: Annotated[str, Meta(min_length=1, max_length=200)]
    amount: Price
    currency: CurrencyCode
    method: Annotated[str, Meta(max_length=32)] = "transfer"
    paid_at: datetime | None = None


class PaymentOut(Struct, kw_only=True):
    """A payment and where its order stands; ``duplicate`` when it had been recorded before
    (nothing counted twice)."""

    payment_id: str
    order_id: UUID
    order_number: int
    amount: MoneyOut
    method: str
    channel: PaymentChannel
    paid_at: datetime
    recorded_at: datetime
    status: OrderStatus
    paid: MoneyOut
    total: MoneyOut
    balance: MoneyOut
    duplicate: bool

    @classmethod
    def of(cls, result: sales.PaymentResult) -> PaymentOut:
        p = result.payment
        return cls(
            payment_id=p.payment_id, order_id=result.order_id, order_number=result.order_number,
            amount=MoneyOut.of(p.amount), method=p.method, channel=p.channel, paid_at=p.paid_at,
            recorded_at=p.recorded_at, status=result.status, paid=MoneyOut.of(result.paid),
            total=MoneyOut.of(result.total), balance=MoneyOut.of(result.balance),
            duplicate=result.duplicate,
        )  # fmt: skip


class PaymentRowOut(Struct, kw_only=True):
    payment_id: str
    amount: MoneyOut
    method: str
    channel: PaymentChannel
    paid_at: datetime
    recorded_at: datetime
    recorded_by: str

    @classmethod
    def of(cls, p: Payment) -> PaymentRowOut:
        return cls(
            payment_id=p.payment_id, amount=MoneyOut.of(p.amount), method=p.method,
            channel=p.channel, paid_at=p.paid_at, recorded_at=p.recorded_at,
            recorded_by=p.recorded_by,
        )  # fmt: skip


def purchase_routes(container: Container) -> Router:
    """Summary, confirmation and payments of an order; prices are re-read from the catalogue."""
    pricing = CataloguePricing(uow_factory(container), container.clock(), container.exchange_rate())

    class PurchaseController(Controller):
        path = ORDERS
        tags = ["orders"]

        @post(
            "/{order_id:uuid}/summary",
            operation_id="sendOrderSummary",
            summary="Record that the client is shown the summary; it awaits confirmation",
            description=doc(sales.send_summary),
            guards=[CAN_WRITE],
            sync_to_thread=True,
            status_code=HTTP_200_OK,
            responses=WRITE_RESPONSES,
        )
        def send_summary(
            self, order_id: FromPath[UUID], uows: NewUow, clock: ClockDep, actor: ActorDep
        ) -> SummaryOut:
            sent = sales.send_summary(uows(), clock, actor, order_id=order_id, pricing=pricing)
            return SummaryOut(
                summary_version=sent.summary_version,
                changes=_changes(sent.changes),
                order=OrderOut.of(services.get_order(order_id, uows(), actor)),
            )

        @post(
            "/{order_id:uuid}/confirm",
            operation_id="confirmOrder",
            summary="The client confirms the summary; prices and stock are checked again",
            description=doc(sales.confirm_order),
            guards=[CAN_WRITE],
            sync_to_thread=True,
            status_code=HTTP_200_OK,
            responses=WRITE_RESPONSES,
        )
        def confirm(
            self,
            order_id: FromPath[UUID],
            data: JSONBody[ConfirmIn],
            uows: NewUow,
            clock: ClockDep,
            actor: ActorDep,
        ) -> ConfirmationOut:
            result = sales.confirm_order(
                uows(), pricing, clock, actor, order_id=order_id,
                summary_version=data.summary_version,
                idle_for=timedelta(minutes=settings_of(container).order_idle_minutes),
            )  # fmt: skip
            return ConfirmationOut(
                outcome=result.outcome,
                summary_version=result.summary_version,
                changes=_changes(result.changes),
                order=OrderOut.of(services.get_order(order_id, uows(), actor)),
            )

        @get(
            "/{order_id:uuid}/payments",
            operation_id="listOrderPayments",
            summary="List an order's payments",
            description=doc(sales.list_payments),
            sync_to_thread=True,
            responses=responses(401, 404),
        )
        def list_payments(
            self, order_id: FromPath[UUID], uows: NewUow, actor: ActorDep
        ) -> list[PaymentRowOut]:
            return [PaymentRowOut.of(p) for p in sales.list_payments(order_id, uows(), actor)]

        @post(
            "/{order_id:uuid}/payments",
            operation_id="recordOrderPayment",
            summary="Record a payment by hand (idempotent on payment_id)",
            description=doc(sales.record_payment),
            guards=[CAN_WRITE],
            sync_to_thread=True,
            status_code=HTTP_200_OK,
            responses=WRITE_RESPONSES,
        )
        def record_payment(
            self,
            order_id: FromPath[UUID],
            data: JSONBody[PaymentIn],
            uows: NewUow,
            clock: ClockDep,
            actor: ActorDep,
        ) -> PaymentOut:
            result = sales.record_payment(
                uows(), clock, actor, payment_id=data.payment_id, amount=data.amount,
                currency=data.currency, order_id=order_id, method=data.method,
                paid_at=data.paid_at, channel=PaymentChannel.API,
            )  # fmt: skip
            return PaymentOut.of(result)

    return Router(path="/", route_handlers=[PurchaseController])
