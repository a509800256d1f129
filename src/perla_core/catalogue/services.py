"""Use cases of the catalogue. Writes open one unit of work and return a frozen
:class:`ProductSaved`; reads return :class:`ProductView`\\ s: the product with its price
current at the moment asked, in ARS and USD (converted with the configured
:class:`~perla_core.catalogue.model.ExchangeRate`, half-up cents), and its total stock."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from decimal import Decimal

import attrs

from perla_core.access.model import SYSTEM, Actor, Permission
from perla_core.catalogue.model import (
    Attributes,
    Category,
    ExchangeRate,
    Price,
    Product,
    clean_sku,
    clean_warehouse,
    parse_attributes,
    parse_category,
    parse_price,
    parse_quantity,
    parse_vat,
    with_vat,
)
from perla_core.catalogue.ports import CatalogueUnitOfWork, ProductQuery
from perla_core.kernel.errors import InvalidInput, InvalidValue, NotFound, StaleVersion
from perla_core.kernel.money import Money
from perla_core.kernel.pagination import Page
from perla_core.kernel.ports import Clock, IdGenerator

# --- commands ------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class UpsertProduct:
    """A product's descriptive fields as primitives; ``attributes`` by the names of
    :class:`~perla_core.catalogue.model.Attributes`. Creates the SKU or replaces its fields;
    ``expected_version`` (optional) refuses a change to a product saved since."""

    sku: str
    brand: str
    model: str
    category: str
    description: str = ""
    attributes: Mapping[str, object] = attrs.field(factory=dict)
    vat_rate: object = None
    expected_version: int | None = None


@attrs.frozen(kw_only=True)
class SetPrice:
    """A list price for a SKU from ``valid_from`` (default: now) until ``valid_until``."""

    sku: str
    amount: object
    currency: str = "ARS"
    valid_from: datetime | None = None
    valid_until: datetime | None = None


@attrs.frozen(kw_only=True)
class SetStock:
    sku: str
    warehouse: str
    quantity: object


@attrs.frozen
class ProductFields:
    """An :class:`UpsertProduct` validated."""

    sku: str
    brand: str
    model: str
    category: Category
    description: str
    attributes: Attributes
    vat_rate: Decimal


def parse_product(command: UpsertProduct) -> ProductFields:
    """Validate every field; raises :class:`InvalidInput` naming each bad one."""
    errors: list[InvalidValue] = []

    def attempt(parse: object, value: object) -> object:
        try:
            return parse(value)  # type: ignore[operator]
        except InvalidValue as error:
            errors.append(error)
            return None

    sku = attempt(clean_sku, command.sku)
    category = attempt(parse_category, command.category)
    vat = attempt(parse_vat, command.vat_rate)
    for field in ("brand", "model"):
        value = (getattr(command, field) or "").strip()
        if not value:
            errors.append(InvalidValue(f"a product needs its {field}", field=field))
        elif len(value) > 200:
            errors.append(InvalidValue("at most 200 characters", field=field))
    unknown = sorted(set(command.attributes) - set(attrs.fields_dict(Attributes)))
    errors.extend(InvalidValue("not a product attribute", field=name) for name in unknown)
    attributes = parse_attributes(command.attributes, errors)
    if errors:
        raise InvalidInput(errors)
    assert isinstance(sku, str)
    assert isinstance(category, Category)
    assert isinstance(vat, Decimal)
    return ProductFields(
        sku=sku,
        brand=command.brand.strip(),
        model=command.model.strip(),
        category=category,
        description=(command.description or "").strip(),
        attributes=attributes,
        vat_rate=vat,
    )


# --- results -------------------------------------------------------------------------------


@attrs.frozen
class ProductSaved:
    product_id: object
    sku: str
    version: int
    created: bool = False
    changed: bool = True


@attrs.frozen
class ProductView:
    """A product as a customer is told about it at ``at``: ``price`` is the list price
    current then (``None`` when none is: never an expired one), also in ARS and USD, and in
    ARS with VAT."""

    product: Product
    at: datetime
    price: Price | None
    price_ars: Money | None
    price_usd: Money | None
    price_ars_with_vat: Money | None
    rate: ExchangeRate

    @property
    def total_stock(self) -> int:
        return self.product.total_stock

    @property
    def in_stock(self) -> bool:
        return self.product.in_stock


def view_of(product: Product, at: datetime, rate: ExchangeRate) -> ProductView:
    price = product.current_price(at)
    if price is None:
        return ProductView(product, at, None, None, None, None, rate)
    ars = rate.to_ars(price.amount)
    return ProductView(
        product, at, price, ars, rate.to_usd(price.amount), with_vat(ars, product.vat_rate), rate
    )


# --- writes --------------------------------------------------------------------------------


def upsert_product(
    command: UpsertProduct,
    uow: CatalogueUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    actor: Actor,
) -> ProductSaved:
    """Create the product of a SKU, or replace its descriptive fields (brand, model,
    category, description, attributes, VAT); prices and stock are set apart."""
    actor.require(Permission.WRITE_COMMERCIAL)
    fields = parse_product(command)
    now = clock.now()
    with uow:
        product = uow.products.by_sku(fields.sku)
        if product is None:
            product = Product.create(
                product_id=ids.new_id(), now=now, **attrs.asdict(fields, recurse=False)
            )
            uow.products.add(product)
            uow.commit()
            return ProductSaved(product.id, product.sku, product.version, created=True)
        _check_version(product, command.expected_version)
        described = attrs.asdict(fields, recurse=False)
        del described["sku"]
        changed = product.describe(now=now, **described)
        if changed:
            uow.products.save(product)
            uow.commit()
        return ProductSaved(product.id, product.sku, product.version, changed=bool(changed))


def set_price(
    command: SetPrice, uow: CatalogueUnitOfWork, clock: Clock, actor: Actor
) -> ProductSaved:
    """Set a SKU's list price (ARS or USD) from a moment, optionally until another; the
    price it replaces ends where this one starts. Setting the price already current changes
    nothing."""
    actor.require(Permission.WRITE_COMMERCIAL)
    now = clock.now()
    price = parse_price(
        command.amount, command.currency, command.valid_from or now, command.valid_until
    )
    with uow:
        product = _product(uow, command.sku)
        changed = product.set_price(price, now)
        if changed:
            uow.products.save(product)
            uow.commit()
        return ProductSaved(product.id, product.sku, product.version, changed=changed)


def set_stock(
    command: SetStock, uow: CatalogueUnitOfWork, clock: Clock, actor: Actor
) -> ProductSaved:
    """Set the quantity (0 or more) of a SKU in one warehouse."""
    actor.require(Permission.WRITE_COMMERCIAL)
    errors: list[InvalidValue] = []
    warehouse, quantity = "", 0
    try:
        warehouse = clean_warehouse(command.warehouse)
    except InvalidValue as error:
        errors.append(error)
    try:
        quantity = parse_quantity(command.quantity)
    except InvalidValue as error:
        errors.append(error)
    if errors:
        raise InvalidInput(errors)
    with uow:
        product = _product(uow, command.sku)
        changed = product.set_stock(warehouse, quantity, clock.now())
        if changed:
            uow.products.save(product)
            uow.commit()
        return ProductSaved(product.id, product.sku, product.version, changed=changed)


def _check_version(product: Product, expected: int | None) -> None:
    if expected is not None and expected != product.version:
        raise StaleVersion("product", product.sku, expected, product.version)


def _product(uow: CatalogueUnitOfWork, sku: str) -> Product:
    key = clean_sku(sku)
    product = uow.products.by_sku(key)
    if product is None:
        raise NotFound("product", key)
    return product


# --- reads ---------------------------------------------------------------------------------


def get_product(
    sku: str, uow: CatalogueUnitOfWork, clock: Clock, rate: ExchangeRate, actor: Actor
) -> ProductView:
    """A product by SKU with its current price (ARS, USD, ARS with VAT) and total stock."""
    actor.require(Permission.READ)
    with uow:
        return view_of(_product(uow, sku), clock.now(), rate)


def list_products(
    query: ProductQuery,
    uow: CatalogueUnitOfWork,
    clock: Clock,
    rate: ExchangeRate,
    actor: Actor,
) -> Page[ProductView]:
    """Products by brand, category, stock, text and current price range, by SKU, a page at
    a time; each with its current price and total stock."""
    actor.require(Permission.READ)
    now = clock.now()
    if query.min_price is not None or query.max_price is not None:
        query = attrs.evolve(query, at=now, usd_ars=rate.usd_ars)
    with uow:
        page = uow.products.list(query)
    return Page(
        items=[view_of(p, now, rate) for p in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )


def products_by_skus(
    skus: Collection[str],
    uow: CatalogueUnitOfWork,
    clock: Clock,
    rate: ExchangeRate,
    actor: Actor = SYSTEM,
) -> dict[str, ProductView]:
    """The products of these SKUs (those that exist), read in one query, with the price and
    stock they have now: what an answer quotes is read from the catalogue when it is given."""
    actor.require(Permission.READ)
    keys: set[str] = set()
    for sku in skus:
        try:
            keys.add(clean_sku(sku))
        except InvalidValue:
            continue
    now = clock.now()
    with uow:
        found = uow.products.by_skus(keys)
    return {sku: view_of(p, now, rate) for sku, p in found.items()}
