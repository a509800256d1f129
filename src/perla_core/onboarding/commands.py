"""Commands of the onboarding area: what a caller asks for, in primitives.

Commands carry plain strings and numbers (as an HTTP body, a CLI or an assistant's tool call
would give them); :func:`parse_details` validates them into the domain's value objects,
reporting every invalid field at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Final
from uuid import UUID

import attrs

from perla_core.kernel.errors import InvalidInput, InvalidValue
from perla_core.kernel.money import Money
from perla_core.kernel.values import Email, Phone, TaxId, country_code
from perla_core.onboarding.model import (
    Address,
    BusinessType,
    CommercialEstimate,
    ConnectionType,
    Contact,
    ContactRole,
    OnboardingConfig,
)


class Keep(Enum):
    """Marks a field an update leaves as it is (``None`` clears it)."""

    KEEP = "keep"


KEEP: Final = Keep.KEEP


@attrs.frozen
class AddressInput:
    line1: str
    city: str
    postal_code: str
    country: str
    label: str = "main"
    line2: str | None = None
    region: str | None = None
    default_billing: bool = False
    default_shipping: bool = False


@attrs.frozen
class ContactInput:
    role: str
    name: str
    email: str | None = None
    phone: str | None = None
    title: str | None = None


@attrs.frozen
class OnboardingInput:
    """Products, currencies and markets to configure, and how the client connects."""

    products: Sequence[str] = ()
    currencies: Sequence[str] = ()
    markets: Sequence[str] = ()
    connection_type: str | None = None


@attrs.frozen
class EstimateInput:
    """The initial billing estimate: expected bookings and revenue per month."""

    monthly_bookings: int
    monthly_revenue: str
    currency: str = "EUR"


@attrs.frozen
class RegisterLead:
    """Record a new lead after the first contact with a prospective client."""

    trade_name: str
    country: str
    legal_name: str | None = None
    tax_id: str | None = None
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    business_type: str | None = None
    markets: Sequence[str] = ()
    source: str | None = None
    sales_owner: str | None = None
    notes: str | None = None
    addresses: Sequence[AddressInput] = ()
    contacts: Sequence[ContactInput] = ()
    onboarding: OnboardingInput | None = None
    estimate: EstimateInput | None = None


@attrs.frozen
class UpdateDetails:
    """Change a lead's or client's record; fields left as ``KEEP`` stay as they are."""

    client_id: UUID
    expected_version: int | None = None
    trade_name: str | Keep = KEEP
    country: str | Keep = KEEP
    legal_name: str | Keep | None = KEEP
    tax_id: str | Keep | None = KEEP
    email: str | Keep | None = KEEP
    phone: str | Keep | None = KEEP
    website: str | Keep | None = KEEP
    business_type: str | Keep | None = KEEP
    markets: Sequence[str] | Keep = KEEP
    source: str | Keep | None = KEEP
    sales_owner: str | Keep | None = KEEP
    notes: str | Keep | None = KEEP
    addresses: Sequence[AddressInput] | Keep = KEEP
    contacts: Sequence[ContactInput] | Keep = KEEP
    onboarding: OnboardingInput | Keep | None = KEEP
    estimate: EstimateInput | Keep | None = KEEP

    def changes(self) -> dict[str, Any]:
        skip = {"client_id", "expected_version"}
        return {
            f.name: getattr(self, f.name)
            for f in attrs.fields(type(self))
            if f.name not in skip and getattr(self, f.name) is not KEEP
        }


LEAD_ACTIONS: Final = (
    "mark_contacted",
    "record_meeting",
    "grant_benchmark_access",
    "mark_lost",
    "reopen",
)


@attrs.frozen
class AdvanceLead:
    """Move a lead along its pipeline (contacted, meeting held, benchmark access, lost ...)."""

    client_id: UUID
    action: str
    expected_version: int | None = None
    reason: str | None = None


@attrs.frozen
class GrantBenchmarkAccess:
    """Give a lead a limited, expiring login to compare prices (default 30 days)."""

    client_id: UUID
    until: datetime | None = None
    products: Sequence[str] = ("hotels",)
    expected_version: int | None = None


@attrs.frozen
class RetryRegistration:
    """Ask again for the Dome/PerlaHub registration steps still missing."""

    client_id: UUID
    expected_version: int | None = None


@attrs.frozen
class RecordTechnicalValidation:
    """Record the result of a technical validation needed before go-live."""

    client_id: UUID
    name: str
    passed: bool
    expected_version: int | None = None


@attrs.frozen
class GoLive:
    """Put a client live; refused with the checklist's missing items."""

    client_id: UUID
    expected_version: int | None = None


@attrs.frozen
class ConvertLead:
    """The lead confirmed it wants to work with PerlaHub: make it a client."""

    client_id: UUID
    expected_version: int | None = None


@attrs.frozen
class AdvanceClient:
    """Take a client lifecycle step (registration, validation, onboarding, go-live ...)."""

    client_id: UUID
    action: str
    expected_version: int | None = None
    reason: str | None = None


def _text(value: object, field: str, max_len: int = 200, *, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise InvalidValue("is required", field=field)
        return None
    if not isinstance(value, str):
        raise InvalidValue("must be text", field=field)
    text = value.strip()
    if required and not text:
        raise InvalidValue("is required", field=field)
    if len(text) > max_len:
        raise InvalidValue(f"is longer than {max_len} characters", field=field)
    return text or None


def _enum(value: object, enum: type[Enum], field: str) -> Any:
    if value is None:
        return None
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(str(m.value) for m in enum)
        raise InvalidValue(f"{value!r} is not one of: {allowed}", field=field) from None


def parse_details(  # noqa: PLR0912 - one branch per field reads as the field list
    raw: Mapping[str, Any], *, country_hint: str | None = None
) -> dict[str, Any]:
    """Validate raw record fields into value objects; every bad field is reported together."""
    errors: list[InvalidValue] = []
    out: dict[str, Any] = {}

    def attempt(field: str, fn: Any) -> None:
        try:
            out[field] = fn()
        except InvalidInput as many:
            for exc in many.errors:
                _prefix(exc, field)
                errors.append(exc)
        except InvalidValue as exc:
            _prefix(exc, field)
            errors.append(exc)

    if "country" in raw:
        attempt("country", lambda: country_code(raw["country"]))
    country = out.get("country") or country_hint
    simple = {
        "trade_name": 200,
        "legal_name": 200,
        "website": 300,
        "source": 100,
        "sales_owner": 100,
        "notes": 5000,
    }
    for field, max_len in simple.items():
        if field in raw:
            attempt(
                field, lambda f=field, m=max_len: _text(raw[f], f, m, required=f == "trade_name")
            )
    if "tax_id" in raw:
        attempt(
            "tax_id", lambda: None if raw["tax_id"] in (None, "") else _tax(raw["tax_id"], country)
        )
    if "email" in raw:
        attempt("email", lambda: None if raw["email"] in (None, "") else Email.parse(raw["email"]))
    if "phone" in raw:
        attempt(
            "phone",
            lambda: (
                None
                if raw["phone"] in (None, "")
                else Phone.parse(raw["phone"], default_region=country)
            ),
        )
    if "business_type" in raw:
        attempt("business_type", lambda: _enum(raw["business_type"], BusinessType, "business_type"))
    if "markets" in raw:
        attempt(
            "markets",
            lambda: tuple(dict.fromkeys(country_code(m, field="markets") for m in raw["markets"])),
        )
    if "onboarding" in raw:
        attempt("onboarding", lambda: _onboarding(raw["onboarding"]))
    if "estimate" in raw:
        attempt("estimate", lambda: None if raw["estimate"] is None else _estimate(raw["estimate"]))
    if "addresses" in raw:
        for i, a in enumerate(raw["addresses"]):
            attempt(f"addresses[{i}]", lambda a=a: _address(a))
        if not any(e.field and e.field.startswith("addresses") for e in errors):
            out["addresses"] = tuple(
                out.pop(f"addresses[{i}]") for i in range(len(raw["addresses"]))
            )
    if "contacts" in raw:
        for i, c in enumerate(raw["contacts"]):
            attempt(f"contacts[{i}]", lambda c=c: _contact(c, country))
        if not any(e.field and e.field.startswith("contacts") for e in errors):
            out["contacts"] = tuple(out.pop(f"contacts[{i}]") for i in range(len(raw["contacts"])))
    if errors:
        raise InvalidInput(errors)
    return out


def _prefix(exc: InvalidValue, field: str) -> None:
    if exc.field is None or not exc.field.startswith(field):
        exc.field = field if exc.field in (None, field) else f"{field}.{exc.field}"


def _tax(raw: object, country: str | None) -> TaxId:
    if country is None:
        raise InvalidValue("a tax id needs the party's country", field="tax_id")
    return TaxId.parse(str(raw), country)


def _address(a: AddressInput) -> Address:
    line1 = _text(a.line1, "line1", 200, required=True)
    city = _text(a.city, "city", 100, required=True)
    postal = _text(a.postal_code, "postal_code", 20, required=True)
    assert line1 is not None
    assert city is not None
    assert postal is not None
    return Address(
        line1=line1,
        city=city,
        postal_code=postal,
        country=country_code(a.country),
        label=_text(a.label, "label", 50) or "main",
        line2=_text(a.line2, "line2", 200),
        region=_text(a.region, "region", 100),
        default_billing=a.default_billing,
        default_shipping=a.default_shipping,
    )


def _contact(c: ContactInput, country: str | None) -> Contact:
    name = _text(c.name, "name", 200, required=True)
    assert name is not None
    return Contact(
        role=_enum(c.role, ContactRole, "role"),
        name=name,
        email=Email.parse(c.email) if c.email else None,
        phone=Phone.parse(c.phone, default_region=country) if c.phone else None,
        title=_text(c.title, "title", 20),
    )


def _onboarding(raw: OnboardingInput | None) -> OnboardingConfig:
    from perla_core.credentials.model import parse_currencies, parse_markets, parse_products  # noqa: PLC0415 - credentials builds on onboarding

    if raw is None:
        return OnboardingConfig()
    return OnboardingConfig(
        products=tuple(p.value for p in parse_products(raw.products)),
        currencies=parse_currencies(raw.currencies),
        markets=parse_markets(raw.markets),
        connection_type=_enum(raw.connection_type, ConnectionType, "connection_type"),
    )


def _estimate(raw: EstimateInput) -> CommercialEstimate:
    bookings: object = raw.monthly_bookings
    if type(bookings) is not int or not 0 <= bookings <= 10_000_000:
        raise InvalidValue("must be a whole number from 0 to 10,000,000", field="monthly_bookings")
    try:
        money = Money.of(raw.monthly_revenue, raw.currency)
    except InvalidValue as exc:
        exc.field = "monthly_revenue" if exc.field == "amount" else exc.field
        raise
    if money.amount < 0 or money.amount > Decimal("1e12"):
        raise InvalidValue("must be from 0 to 10^12", field="monthly_revenue")
    return CommercialEstimate(raw.monthly_bookings, money.rounded())
