"""Catalogue products: what MICROCOM sells, at what list price, with how much stock where.

A :class:`Product` is identified by its SKU (unique). Its :class:`Attributes` are the typed
specs a customer asks about (``¿tienen domos de 4 MP con PoE?``). Its prices are a history of
:class:`Price`\\ s, each valid from a moment until another (or until replaced): the *current*
price at a moment is the one whose validity covers it, so an expired price is never shown as
current. Stock is a quantity (never negative) per warehouse. Prices are in ARS or USD; an
:class:`ExchangeRate` (USD→ARS, configured) converts either way with half-up cents.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, Final, Self
from uuid import UUID

import attrs

from perla_core.catalogue.events import PriceChanged, ProductChanged, StockChanged
from perla_core.kernel.errors import InvalidInput, InvalidValue
from perla_core.kernel.money import Money

CURRENCIES: Final = ("ARS", "USD")
VAT_RATES: Final = (Decimal("21"), Decimal("10.5"))
DEFAULT_VAT: Final = Decimal("21")
MAX_SKU: Final = 64
MAX_TEXT: Final = 2000


class Category(StrEnum):
    CAMERA = "camera"
    DVR = "dvr"
    NVR = "nvr"
    KIT = "kit"
    DISK = "disk"
    ACCESSORY = "accessory"
    SWITCH = "switch"
    CABLE = "cable"
    POWER = "power"


class FormFactor(StrEnum):
    DOME = "dome"
    BULLET = "bullet"
    TURRET = "turret"
    PTZ = "ptz"
    BOX = "box"
    FISHEYE = "fisheye"


class Placement(StrEnum):
    INDOOR = "indoor"
    OUTDOOR = "outdoor"
    BOTH = "both"


_LENS: Final = re.compile(r"^\d{1,3}(\.\d{1,2})?(-\d{1,3}(\.\d{1,2})?)?$")


@attrs.frozen
class Attributes:
    """A product's specs; ``None`` where it has none (a disk has no lens). ``lens_mm`` is a
    focal length (``"2.8"``) or a varifocal range (``"2.8-12"``)."""

    resolution_mp: Decimal | None = None
    form_factor: FormFactor | None = None
    placement: Placement | None = None
    ir_range_m: int | None = None
    lens_mm: str | None = None
    poe: bool | None = None
    channels: int | None = None
    storage_tb: Decimal | None = None
    wifi: bool | None = None
    audio: bool | None = None


DESCRIBED: Final = ("brand", "model", "category", "description", "attributes", "vat_rate")
ATTRIBUTE_NAMES: Final = tuple(a.name for a in attrs.fields(Attributes))


def _to_the_cent(money: Money) -> Money:
    return money.rounded()


@attrs.frozen
class Price:
    """A list price, kept to the cent (half-up), valid from ``valid_from`` until
    ``valid_until`` (exclusive; ``None``: until another replaces it)."""

    amount: Money = attrs.field(converter=_to_the_cent)
    valid_from: datetime
    valid_until: datetime | None = None

    def __attrs_post_init__(self) -> None:
        if self.amount.currency not in CURRENCIES:
            raise InvalidValue("list prices are in ARS or USD", field="currency")
        if self.amount.amount <= 0:
            raise InvalidValue("a list price must be positive", field="price")
        if self.valid_until is not None and self.valid_until <= self.valid_from:
            raise InvalidValue("a price must end after it starts", field="valid_until")

    def covers(self, at: datetime) -> bool:
        return self.valid_from <= at and (self.valid_until is None or at < self.valid_until)


@attrs.frozen
class ExchangeRate:
    """How many ARS one USD is worth, as of a date (configured, never guessed)."""

    usd_ars: Decimal
    as_of: date

    def __attrs_post_init__(self) -> None:
        if not self.usd_ars.is_finite() or self.usd_ars <= 0:
            raise InvalidValue("the exchange rate must be a positive number", field="usd_ars")

    @classmethod
    def parse(cls, value: object, as_of: date) -> Self:
        rate = _decimal(value, "usd_ars_rate")
        if rate is None:
            raise InvalidValue("the USD→ARS exchange rate is required", field="usd_ars_rate")
        return cls(rate, as_of)

    def to_ars(self, money: Money) -> Money:
        if money.currency == "ARS":
            return money.rounded()
        if money.currency != "USD":
            raise InvalidValue(f"cannot convert {money.currency}", field="currency")
        return Money(money.amount * self.usd_ars, "ARS").rounded()

    def to_usd(self, money: Money) -> Money:
        if money.currency == "USD":
            return money.rounded()
        if money.currency != "ARS":
            raise InvalidValue(f"cannot convert {money.currency}", field="currency")
        return Money(money.amount / self.usd_ars, "USD").rounded()

    def to(self, money: Money, currency: str) -> Money:
        return self.to_ars(money) if currency == "ARS" else self.to_usd(money)


def with_vat(money: Money, vat_rate: Decimal) -> Money:
    """The amount with VAT added, half-up cents."""
    return Money(money.amount * (1 + vat_rate / 100), money.currency).rounded()


# --- parsing primitives into values, every bad field reported ------------------------------


_TRUE: Final = frozenset({"true", "1", "si", "sí", "yes", "y", "s", "x"})
_FALSE: Final = frozenset({"false", "0", "no", "n", ""})
_FORM_WORDS: Final = {
    "domo": FormFactor.DOME,
    "minidomo": FormFactor.DOME,
    "bala": FormFactor.BULLET,
    "tubo": FormFactor.BULLET,
    "torreta": FormFactor.TURRET,
    "eyeball": FormFactor.TURRET,
    "speeddome": FormFactor.PTZ,
    "ojodepez": FormFactor.FISHEYE,
    "cubo": FormFactor.BOX,
}
_PLACEMENT_WORDS: Final = {
    "interior": Placement.INDOOR,
    "exterior": Placement.OUTDOOR,
    "ambos": Placement.BOTH,
    "interior/exterior": Placement.BOTH,
    "indoor/outdoor": Placement.BOTH,
}
_CATEGORY_WORDS: Final = {
    "camara": Category.CAMERA,
    "cámara": Category.CAMERA,
    "camaras": Category.CAMERA,
    "cámaras": Category.CAMERA,
    "disco": Category.DISK,
    "hdd": Category.DISK,
    "accesorio": Category.ACCESSORY,
    "fuente": Category.POWER,
    "fuentes": Category.POWER,
    "cable": Category.CABLE,
    "cables": Category.CABLE,
    "xvr": Category.DVR,
}


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _decimal(value: object, field: str) -> Decimal | None:
    if isinstance(value, float):
        raise InvalidValue("numbers must not be floats; pass text", field=field)
    if isinstance(value, bool):
        raise InvalidValue("must be a number", field=field)
    text = _text(value)
    if text is None:
        return None
    if isinstance(value, str):
        text = text.replace(" ", "")
        if "," in text and "." in text:  # 1.234,56 (es-AR) or 1,234.56
            text = (
                text.replace(".", "").replace(",", ".")
                if text.rfind(",") > text.rfind(".")
                else text.replace(",", "")
            )
        else:
            text = text.replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise InvalidValue(f"{value!r} is not a number", field=field) from None
    if not number.is_finite():
        raise InvalidValue(f"{value!r} is not a number", field=field)
    return number


def _int(value: object, field: str, *, minimum: int = 0) -> int | None:
    number = _decimal(value, field)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise InvalidValue(f"{value!r} is not a whole number", field=field)
    if number < minimum:
        raise InvalidValue(f"must be {minimum} or more", field=field)
    return int(number)


def _bool(value: object, field: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return None if text == "" else False
    raise InvalidValue(f"{value!r} is not yes or no", field=field)


def _choice(value: object, field: str, kind: type[StrEnum], words: Mapping[str, Any]) -> Any:
    text = _text(value)
    if text is None:
        return None
    key = text.lower().replace(" ", "").replace("-", "")
    if key in words:
        return words[key]
    try:
        return kind(text.lower())
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise InvalidValue(f"{text!r} is not one of {allowed}", field=field) from None


def parse_category(value: object) -> Category:
    category = _choice(value, "category", Category, _CATEGORY_WORDS)
    if category is None:
        raise InvalidValue("a product needs its category", field="category")
    return category  # type: ignore[no-any-return]


def parse_vat(value: object) -> Decimal:
    rate = _decimal(str(value).rstrip("% ") if isinstance(value, str) else value, "vat_rate")
    if rate is None:
        return DEFAULT_VAT
    if rate not in VAT_RATES:
        raise InvalidValue("VAT is 21 or 10.5", field="vat_rate")
    return Decimal("10.5") if rate == Decimal("10.5") else DEFAULT_VAT


def parse_lens(value: object) -> str | None:
    text = _text(value)
    if text is None:
        return None
    lens = text.lower().removesuffix("mm").strip().replace(",", ".").replace(" ", "")
    lens = lens.replace("~", "-").replace("a", "-")
    if not _LENS.match(lens):
        raise InvalidValue(f"{text!r} is not a lens in mm (2.8 or 2.8-12)", field="lens_mm")
    return lens


def _positive(value: Decimal | None, field: str) -> Decimal | None:
    if value is not None and value <= 0:
        raise InvalidValue("must be positive", field=field)
    return value


def parse_attributes(raw: Mapping[str, object], errors: list[InvalidValue]) -> Attributes:
    """The attributes in ``raw`` (primitives, text or numbers), appending to ``errors`` one
    :class:`InvalidValue` per bad field (that field is left out)."""
    parsers: dict[str, Any] = {
        "resolution_mp": lambda v: _positive(_decimal(v, "resolution_mp"), "resolution_mp"),
        "form_factor": lambda v: _choice(v, "form_factor", FormFactor, _FORM_WORDS),
        "placement": lambda v: _choice(v, "placement", Placement, _PLACEMENT_WORDS),
        "ir_range_m": lambda v: _int(v, "ir_range_m"),
        "lens_mm": parse_lens,
        "poe": lambda v: _bool(v, "poe"),
        "channels": lambda v: _int(v, "channels", minimum=1),
        "storage_tb": lambda v: _positive(_decimal(v, "storage_tb"), "storage_tb"),
        "wifi": lambda v: _bool(v, "wifi"),
        "audio": lambda v: _bool(v, "audio"),
    }
    values: dict[str, Any] = {}
    for name, parse in parsers.items():
        if raw.get(name) is None:
            continue
        try:
            values[name] = parse(raw[name])
        except InvalidValue as error:
            errors.append(error)
    return Attributes(**values)


def parse_price(
    amount: object, currency: object, valid_from: datetime, valid_until: datetime | None
) -> Price:
    errors: list[InvalidValue] = []
    value: Decimal | None = None
    code = (_text(currency) or "ARS").upper()
    try:
        value = _decimal(amount, "price")
        if value is None:
            errors.append(InvalidValue("a price needs its amount", field="price"))
    except InvalidValue as error:
        errors.append(error)
    if code not in CURRENCIES:
        errors.append(InvalidValue(f"{currency!r} is not ARS or USD", field="currency"))
    if errors:
        raise InvalidInput(errors)
    assert value is not None
    try:
        return Price(Money(value, code), valid_from, valid_until)
    except InvalidOperation:
        raise InvalidValue(f"{amount!r} is too large for a price", field="price") from None


def clean_sku(value: object) -> str:
    sku = _text(value)
    if sku is None:
        raise InvalidValue("a product needs its SKU", field="sku")
    if len(sku) > MAX_SKU or any(c.isspace() for c in sku):
        raise InvalidValue(f"a SKU is up to {MAX_SKU} characters without spaces", field="sku")
    return sku.upper()


def clean_warehouse(value: object) -> str:
    name = _text(value)
    if name is None or len(name) > 64:
        raise InvalidValue("a warehouse is named in 1 to 64 characters", field="warehouse")
    return name


def parse_quantity(value: object) -> int:
    quantity = _int(value, "quantity")
    if quantity is None:
        raise InvalidValue("a stock quantity is required", field="quantity")
    return quantity


# --- the aggregate -----------------------------------------------------------------------


@attrs.define(eq=False, kw_only=True)
class Product:
    """A catalogue product (see the module docstring); the methods record what changed."""

    id: UUID
    sku: str
    brand: str
    model: str
    category: Category
    description: str
    attributes: Attributes = attrs.field(factory=Attributes)
    vat_rate: Decimal = DEFAULT_VAT
    prices: tuple[Price, ...] = ()
    stock: dict[str, int] = attrs.field(factory=dict)
    created_at: datetime
    updated_at: datetime
    version: int = 0
    events: list[object] = attrs.field(factory=list, repr=False)

    @classmethod
    def create(
        cls,
        *,
        product_id: UUID,
        sku: str,
        brand: str,
        model: str,
        category: Category,
        description: str,
        attributes: Attributes,
        vat_rate: Decimal,
        now: datetime,
    ) -> Self:
        product = cls(
            id=product_id,
            sku=clean_sku(sku),
            brand=_required(brand, "brand"),
            model=_required(model, "model"),
            category=category,
            description=(description or "").strip()[:MAX_TEXT],
            attributes=attributes,
            vat_rate=vat_rate,
            created_at=now,
            updated_at=now,
        )
        product.events.append(ProductChanged(product.id, now, product.sku, DESCRIBED, created=True))
        return product

    def describe(
        self,
        *,
        brand: str,
        model: str,
        category: Category,
        description: str,
        attributes: Attributes,
        vat_rate: Decimal,
        now: datetime,
    ) -> tuple[str, ...]:
        """Replace the descriptive fields; returns the names of those that changed."""
        new = {
            "brand": _required(brand, "brand"),
            "model": _required(model, "model"),
            "category": category,
            "description": (description or "").strip()[:MAX_TEXT],
            "attributes": attributes,
            "vat_rate": vat_rate,
        }
        changed = tuple(k for k, v in new.items() if getattr(self, k) != v)
        if changed:
            for k in changed:
                setattr(self, k, new[k])
            self.updated_at = now
            self.events.append(ProductChanged(self.id, now, self.sku, changed))
        return changed

    def current_price(self, at: datetime) -> Price | None:
        """The price whose validity covers ``at`` (the latest to start, if several)."""
        covering = [p for p in self.prices if p.covers(at)]
        return max(covering, key=lambda p: p.valid_from) if covering else None

    def set_price(self, price: Price, now: datetime) -> bool:
        """A new list price from ``price.valid_from``: prices starting at or after it are
        replaced, an earlier open-ended one ends where it starts. Returns ``False`` (and
        changes nothing) when the price already current then is the same."""
        current = self.current_price(price.valid_from)
        if (
            current is not None
            and current.amount == price.amount
            and current.valid_until == price.valid_until
        ):
            return False
        kept: list[Price] = []
        for p in self.prices:
            if p.valid_from >= price.valid_from:
                continue
            if p.valid_until is None or p.valid_until > price.valid_from:
                p = attrs.evolve(p, valid_until=price.valid_from)  # noqa: PLW2901
            kept.append(p)
        self.prices = (*sorted(kept, key=lambda p: p.valid_from), price)
        self.updated_at = now
        self.events.append(
            PriceChanged(
                self.id,
                now,
                self.sku,
                str(price.amount.amount),
                price.amount.currency,
                price.valid_from,
                price.valid_until,
            )
        )
        return True

    def set_stock(self, warehouse: str, quantity: int, now: datetime) -> bool:
        """The quantity in ``warehouse`` (0 or more); ``False`` when it already was that."""
        name = clean_warehouse(warehouse)
        if quantity < 0:
            raise InvalidValue("stock cannot be negative", field="quantity")
        if self.stock.get(name) == quantity:
            return False
        self.stock[name] = quantity
        self.updated_at = now
        self.events.append(StockChanged(self.id, now, self.sku, name, quantity, self.total_stock))
        return True

    @property
    def total_stock(self) -> int:
        return sum(self.stock.values())

    @property
    def in_stock(self) -> bool:
        return self.total_stock > 0


def _required(value: str, field: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidValue(f"a product needs its {field}", field=field)
    if len(text) > 200:
        raise InvalidValue("at most 200 characters", field=field)
    return text
