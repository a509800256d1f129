"""The product catalogue: ``/api/v1/catalogue/products`` lists products by brand, category,
stock, text and current price range; ``/{sku}`` reads one (its current list price also in ARS
and USD at the configured exchange rate, and in ARS with VAT; never an expired price) and
creates or replaces it with ``PUT``; ``/{sku}/price`` sets its list price and
``/{sku}/stock/{warehouse}`` its stock in one warehouse."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import quote

import msgspec
from litestar import Controller, Response, Router, get, put
from litestar.di import Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody, SkipValidation
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from msgspec import Meta, Struct

from perla_core.catalogue import services
from perla_core.catalogue.model import Attributes, Category, ExchangeRate, Product
from perla_core.catalogue.ports import ProductQuery
from perla_core.catalogue.services import ProductView, SetPrice, SetStock, UpsertProduct
from perla_core.kernel.errors import InvalidValue
from perla_core.kernel.money import Money
from perla_core.kernel.pagination import PageRequest
from perla_entrypoints.container import Container, settings_of
from perla_entrypoints.http.auth import CAN_WRITE
from perla_entrypoints.http.dependencies import ActorDep, ClockDep, IdsDep, NewUow
from perla_entrypoints.http.leads import Limit, Offset
from perla_entrypoints.http.openapi import ETAG, LOCATION, doc, responses
from perla_entrypoints.http.schemas import Amount, Moment, MoneyOut, StrictBody, Version, one_of

PRODUCTS = "/api/v1/catalogue/products"

RateDep = SkipValidation[ExchangeRate]
Number = Annotated[
    str | int, Meta(description='A decimal written as text ("2.8") or a whole number')
]
CategoryText = Annotated[str, one_of([c.value for c in Category], "The product's category")]
ListCurrency = Annotated[str, one_of(["ARS", "USD"], "ARS or USD")]

# --- bodies ---------------------------------------------------------------------------------


class AttributesIn(StrictBody):
    """A product's specs; leave out what does not apply. ``form_factor``: dome, bullet, turret,
    ptz, box or fisheye; ``placement``: indoor, outdoor or both; ``lens_mm``: ``"2.8"`` or a
    varifocal range ``"2.8-12"``."""

    resolution_mp: Number | None = None
    form_factor: str | None = None
    placement: str | None = None
    ir_range_m: int | None = None
    lens_mm: str | None = None
    poe: bool | None = None
    channels: int | None = None
    storage_tb: Number | None = None
    wifi: bool | None = None
    audio: bool | None = None

    def to_mapping(self) -> dict[str, object]:
        return {
            name: getattr(self, name)
            for name in self.__struct_fields__
            if getattr(self, name) is not None
        }


class ProductIn(StrictBody):
    """A product's descriptive fields (prices and stock are set apart). ``vat_rate`` is 21
    (default) or 10.5; ``version``, when given, refuses a change to a product saved since."""

    brand: str
    model: str
    category: CategoryText
    description: str = ""
    attributes: AttributesIn = msgspec.field(default_factory=AttributesIn)
    vat_rate: Number | None = None
    version: Version | None = None

    def to_command(self, sku: str) -> UpsertProduct:
        return UpsertProduct(
            sku=sku,
            brand=self.brand,
            model=self.model,
            category=self.category,
            description=self.description,
            attributes=self.attributes.to_mapping(),
            vat_rate=self.vat_rate,
            expected_version=self.version,
        )


class PriceIn(StrictBody):
    """A list price valid from ``valid_from`` (default: now) until ``valid_until`` (default:
    until another replaces it)."""

    amount: Amount
    currency: ListCurrency = "ARS"
    valid_from: Moment | None = None
    valid_until: Moment | None = None


class StockIn(StrictBody):
    quantity: Annotated[int, Meta(ge=0, description="Units in the warehouse (0 or more)")]


# --- responses ------------------------------------------------------------------------------


class AttributesOut(Struct, kw_only=True):
    resolution_mp: str | None
    form_factor: str | None
    placement: str | None
    ir_range_m: int | None
    lens_mm: str | None
    poe: bool | None
    channels: int | None
    storage_tb: str | None
    wifi: bool | None
    audio: bool | None

    @classmethod
    def of(cls, a: Attributes) -> AttributesOut:
        return cls(
            resolution_mp=None if a.resolution_mp is None else str(a.resolution_mp),
            form_factor=None if a.form_factor is None else a.form_factor.value,
            placement=None if a.placement is None else a.placement.value,
            ir_range_m=a.ir_range_m,
            lens_mm=a.lens_mm,
            poe=a.poe,
            channels=a.channels,
            storage_tb=None if a.storage_tb is None else str(a.storage_tb),
            wifi=a.wifi,
            audio=a.audio,
        )


class CurrentPriceOut(Struct, kw_only=True):
    """The list price current now, as set and converted (half-up cents)."""

    list_price: MoneyOut
    valid_from: datetime
    valid_until: datetime | None
    ars: MoneyOut
    usd: MoneyOut
    ars_with_vat: MoneyOut


class ExchangeRateOut(Struct, kw_only=True):
    usd_ars: str
    as_of: date


class ProductOut(Struct, kw_only=True):
    """A product; ``price`` is ``null`` when no price is current (none set, or expired)."""

    id: str
    sku: str
    version: int
    brand: str
    model: str
    category: Category
    description: str
    attributes: AttributesOut
    vat_rate: str
    price: CurrentPriceOut | None
    stock: dict[str, int]
    total_stock: int
    in_stock: bool
    exchange_rate: ExchangeRateOut
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, view: ProductView) -> ProductOut:
        p: Product = view.product
        price = None
        if view.price is not None:
            assert view.price_ars is not None
            assert view.price_usd is not None
            assert view.price_ars_with_vat is not None
            price = CurrentPriceOut(
                list_price=MoneyOut.of(view.price.amount),
                valid_from=view.price.valid_from,
                valid_until=view.price.valid_until,
                ars=MoneyOut.of(view.price_ars),
                usd=MoneyOut.of(view.price_usd),
                ars_with_vat=MoneyOut.of(view.price_ars_with_vat),
            )
        return cls(
            id=str(p.id),
            sku=p.sku,
            version=p.version,
            brand=p.brand,
            model=p.model,
            category=p.category,
            description=p.description,
            attributes=AttributesOut.of(p.attributes),
            vat_rate=str(p.vat_rate),
            price=price,
            stock=dict(sorted(p.stock.items())),
            total_stock=view.total_stock,
            in_stock=view.in_stock,
            exchange_rate=ExchangeRateOut(usd_ars=str(view.rate.usd_ars), as_of=view.rate.as_of),
            created_at=p.created_at,
            updated_at=p.updated_at,
        )


class ProductPage(Struct, kw_only=True):
    items: list[ProductOut]
    total: int
    limit: int
    offset: int


# --- routes ---------------------------------------------------------------------------------


def product_response(
    view: ProductView, status: int = HTTP_200_OK, location: str | None = None
) -> Response[ProductOut]:
    headers = {"ETag": f'"{view.product.version}"'}
    if location is not None:
        headers["Location"] = location
    return Response(ProductOut.of(view), status_code=status, headers=headers)


def _money(value: str | None, currency: str, field: str) -> Money | None:
    if value is None:
        return None
    try:
        return Money.of(value, currency)
    except InvalidValue as error:
        raise InvalidValue(error.message, field=field) from None


WRITE_RESPONSES = responses(400, 401, 403, 404, 409, 413, 422)


class ProductController(Controller):
    path = PRODUCTS
    tags = ["catalogue"]

    @get(
        "/",
        operation_id="listProducts",
        summary="List catalogue products",
        description=doc(services.list_products),
        sync_to_thread=True,
        responses=responses(400, 401, 422),
    )
    def list_products(
        self,
        uows: NewUow,
        clock: ClockDep,
        rate: RateDep,
        actor: ActorDep,
        brand: FromQuery[str | None] = None,
        category: FromQuery[Category | None] = None,
        in_stock: FromQuery[bool | None] = None,
        q: FromQuery[str | None] = None,
        min_price: FromQuery[str | None] = None,
        max_price: FromQuery[str | None] = None,
        currency: FromQuery[str] = "ARS",
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> ProductPage:
        query = ProductQuery(
            brand=brand,
            category=category,
            in_stock=in_stock,
            text=q,
            min_price=_money(min_price, currency, "min_price"),
            max_price=_money(max_price, currency, "max_price"),
            page=PageRequest(limit=limit, offset=offset),
        )
        if currency.upper() not in ("ARS", "USD"):
            raise InvalidValue("prices are compared in ARS or USD", field="currency")
        page = services.list_products(query, uows(), clock, rate, actor)
        return ProductPage(
            items=[ProductOut.of(v) for v in page.items],
            total=page.total,
            limit=page.limit,
            offset=page.offset,
        )

    @get(
        "/{sku:str}",
        operation_id="getProduct",
        summary="Get a product by SKU, with its current price and stock",
        description=doc(services.get_product),
        sync_to_thread=True,
        response_headers=[ETAG],
        responses=responses(401, 404, 422),
    )
    def get_product(
        self, sku: FromPath[str], uows: NewUow, clock: ClockDep, rate: RateDep, actor: ActorDep
    ) -> Response[ProductOut]:
        return product_response(services.get_product(sku, uows(), clock, rate, actor))

    @put(
        "/{sku:str}",
        operation_id="upsertProduct",
        summary="Create a product, or replace its descriptive fields",
        description=doc(services.upsert_product),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        response_headers=[ETAG, LOCATION],
        responses={
            **WRITE_RESPONSES,
            HTTP_201_CREATED: ResponseSpec(ProductOut, description="The product was new: created"),
        },
    )
    def upsert_product(
        self,
        sku: FromPath[str],
        data: JSONBody[ProductIn],
        uows: NewUow,
        clock: ClockDep,
        ids: IdsDep,
        rate: RateDep,
        actor: ActorDep,
    ) -> Response[ProductOut]:
        saved = services.upsert_product(data.to_command(sku), uows(), clock, ids, actor)
        view = services.get_product(saved.sku, uows(), clock, rate, actor)
        if saved.created:
            return product_response(
                view, HTTP_201_CREATED, f"{PRODUCTS}/{quote(saved.sku, safe='')}"
            )
        return product_response(view)

    @put(
        "/{sku:str}/price",
        operation_id="setProductPrice",
        summary="Set a product's list price (ARS or USD) from a moment",
        description=doc(services.set_price),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        response_headers=[ETAG],
        responses=WRITE_RESPONSES,
    )
    def set_price(
        self,
        sku: FromPath[str],
        data: JSONBody[PriceIn],
        uows: NewUow,
        clock: ClockDep,
        rate: RateDep,
        actor: ActorDep,
    ) -> Response[ProductOut]:
        command = SetPrice(
            sku=sku,
            amount=data.amount,
            currency=data.currency,
            valid_from=data.valid_from,
            valid_until=data.valid_until,
        )
        saved = services.set_price(command, uows(), clock, actor)
        return product_response(services.get_product(saved.sku, uows(), clock, rate, actor))

    @put(
        "/{sku:str}/stock/{warehouse:str}",
        operation_id="setProductStock",
        summary="Set a product's stock in one warehouse",
        description=doc(services.set_stock),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        response_headers=[ETAG],
        responses=WRITE_RESPONSES,
    )
    def set_stock(
        self,
        sku: FromPath[str],
        warehouse: FromPath[str],
        data: JSONBody[StockIn],
        uows: NewUow,
        clock: ClockDep,
        rate: RateDep,
        actor: ActorDep,
    ) -> Response[ProductOut]:
        command = SetStock(sku=sku, warehouse=warehouse, quantity=data.quantity)
        saved = services.set_stock(command, uows(), clock, actor)
        return product_response(services.get_product(saved.sku, uows(), clock, rate, actor))


def catalogue_routes(container: Container) -> Router:
    """The product controller, with the configured USD→ARS rate as of today."""
    usd_ars = settings_of(container).usd_ars_rate

    def provide_rate() -> ExchangeRate:
        today = container.clock().now().date()
        return ExchangeRate.parse(usd_ars, today)

    deps: dict[str, Any] = {"rate": Provide(provide_rate, sync_to_thread=False)}
    return Router(path="/", route_handlers=[ProductController], dependencies=deps)
