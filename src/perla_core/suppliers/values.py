"""Values of a hotel supplier request: bank account, coordinates, payment terms, contacts.

Each ``parse`` normalises primitives (as an HTTP body, a CLI or a hotel-directory record gives
them) and raises :class:`InvalidValue` naming the field, or :class:`InvalidInput` when several
parts of one value are wrong at once. IBAN and BIC are checked with python-stdnum (check
digits and each country's IBAN layout included), imported on first use.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from enum import Enum, StrEnum
from typing import Any, Self, TypeVar
from urllib.parse import urlsplit

import attrs

from perla_core.kernel.errors import InvalidInput, InvalidValue
from perla_core.kernel.values import Email, Phone, country_code

E = TypeVar("E", bound=Enum)

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class VatRegime(StrEnum):
    """How the hotel's invoices are taxed, as the Suppliers team records it in Dome.

    - ``general``: régimen general del IVA, VAT charged at the usual rate (10 % for lodging in
      Spain).
    - ``recargo_equivalencia``: recargo de equivalencia, the Spanish retail regime of sole
      traders; rare for a hotel, but some small family-run ones are in it.
    - ``exempt``: exento, the supplier charges no VAT (some non-profit or social lodgings).
    - ``reverse_charge``: inversión del sujeto pasivo, the invoice carries no VAT and PerlaHub
      accounts for it (a supplier established in another EU country).
    - ``non_resident``: no residente sin establecimiento permanente in Spain, invoicing from
      abroad under its own country's rules (hotels outside the EU).
    - ``igic``: the Canary Islands' indirect tax (IGIC) instead of VAT.
    """

    GENERAL = "general"
    RECARGO_EQUIVALENCIA = "recargo_equivalencia"
    EXEMPT = "exempt"
    REVERSE_CHARGE = "reverse_charge"
    NON_RESIDENT = "non_resident"
    IGIC = "igic"


class ContractType(StrEnum):
    """``net``: the hotel sells at net rates and PerlaHub adds its markup; ``commission``: the
    hotel sells at retail rates and pays PerlaHub a commission."""

    NET = "net"
    COMMISSION = "commission"


class PaymentBasis(StrEnum):
    """When PerlaHub pays the hotel; :class:`PaymentTerms` adds the days.

    ``prepayment``: ``days`` before the guest arrives; ``after_check_out``: ``days`` after the
    guest leaves; ``after_invoice``: ``days`` after the invoice date; ``monthly``: one monthly
    statement paid ``days`` after the month ends.
    """

    PREPAYMENT = "prepayment"
    AFTER_CHECK_OUT = "after_check_out"
    AFTER_INVOICE = "after_invoice"
    MONTHLY = "monthly"


class ContactRole(StrEnum):
    """Who at the hotel the Suppliers team and operations talk to."""

    RESERVATIONS = "reservations"
    ACCOUNTING = "accounting"
    REVENUE = "revenue"
    GENERAL_MANAGER = "general_manager"
    SALES = "sales"
    FRONT_DESK = "front_desk"
    OTHER = "other"


MAX_PAYMENT_DAYS = 180
MAX_RELEASE_DAYS = 365
MAX_CONTACTS = 20
_PERCENT_QUANTUM = Decimal("0.01")
_DEGREES_QUANTUM = Decimal("0.000001")  # about 0.1 m


# --- primitives ---------------------------------------------------------------------------------


def is_empty(value: object) -> bool:
    """``None``, blank text and an empty tuple count as "not given"; ``0`` is a value."""
    return value is None or value in ("", ())


def line(value: object, field: str, max_len: int = 200, *, required: bool = False) -> str | None:
    """Single-line text, stripped; ``None`` when blank (unless ``required``)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidValue("is required", field=field)
        return None
    if not isinstance(value, str):
        raise InvalidValue("must be text", field=field)
    text = value.strip()
    if _CONTROL.search(text):
        raise InvalidValue("must be a single line without control characters", field=field)
    if len(text) > max_len:
        raise InvalidValue(f"is longer than {max_len} characters", field=field)
    return text


def paragraph(value: object, field: str, max_len: int = 4000) -> str | None:
    """Multi-line text (line breaks normalised to ``\\n``); ``None`` when blank."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidValue("must be text", field=field)
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if _CONTROL_MULTILINE.search(text):
        raise InvalidValue("must not contain control characters", field=field)
    if len(text) > max_len:
        raise InvalidValue(f"is longer than {max_len} characters", field=field)
    return text or None


def choice(value: object, enum: type[E], field: str) -> E:
    try:
        return enum(str(value).strip().lower())
    except ValueError:
        allowed = ", ".join(str(m.value) for m in enum)
        raise InvalidValue(f"{value!r} is not one of: {allowed}", field=field) from None


def whole_number(value: object, field: str, low: int, high: int) -> int:
    """An ``int`` (or its digits as text) from ``low`` to ``high``."""
    number: object = value
    if isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if isinstance(number, bool) or not isinstance(number, int):
        raise InvalidValue("must be a whole number", field=field)
    if not low <= number <= high:
        raise InvalidValue(f"must be from {low} to {high}", field=field)
    return number


def _decimal(value: object, field: str) -> Decimal:
    if isinstance(value, bool):
        raise InvalidValue("must be a number", field=field)
    if isinstance(value, str):
        text = value.strip().rstrip("%").strip()
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")  # "12,5" as a Spanish keyboard writes it
        value = text
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        raise InvalidValue(f"{value!r} is not a number", field=field) from None
    if not number.is_finite():
        raise InvalidValue("must be a finite number", field=field)
    return number


def percentage(value: object, field: str) -> Decimal:
    """A percentage from 0 to 100 with at most two decimals, kept as ``Decimal("12.50")``.

    Floats are refused, as money amounts are: pass text (``"12.5"``, ``"12,5"``, ``"12.5 %"``),
    an ``int`` or a ``Decimal``.
    """
    if isinstance(value, float):
        raise InvalidValue("must not be a float; pass text or a Decimal", field=field)
    number = _decimal(value, field)
    if not Decimal(0) <= number <= Decimal(100):
        raise InvalidValue("must be a percentage from 0 to 100", field=field)
    if number != number.quantize(_PERCENT_QUANTUM):
        raise InvalidValue("has more than two decimals", field=field)
    return number.quantize(_PERCENT_QUANTUM)


def website(value: object, field: str = "website") -> str | None:
    """An http(s) address; ``www.hotel.es`` becomes ``https://www.hotel.es``."""
    text = line(value, field, 300)
    if text is None:
        return None
    if "://" not in text:
        text = f"https://{text}"
    parts = urlsplit(text)
    host = parts.hostname or ""
    if (
        parts.scheme.lower() not in {"http", "https"}
        or "." not in host
        or "@" in parts.netloc
        or " " in text
    ):
        raise InvalidValue(f"{value!r} is not a web address", field=field)
    return parts._replace(scheme=parts.scheme.lower(), netloc=parts.netloc.lower()).geturl()


def pick(source: object, key: str, default: object = None) -> Any:
    """``source[key]`` for a mapping, ``source.key`` for an input object."""
    if isinstance(source, Mapping):
        return source.get(key, default)
    return getattr(source, key, default)


def collect(parts: Mapping[str, Any]) -> dict[str, Any]:
    """Run each thunk of ``parts``; every :class:`InvalidValue` is gathered into one
    :class:`InvalidInput` naming its own field."""
    out: dict[str, Any] = {}
    errors: list[InvalidValue] = []
    for name, thunk in parts.items():
        try:
            out[name] = thunk()
        except InvalidInput as many:
            errors.extend(many.errors)
        except InvalidValue as exc:
            exc.field = exc.field or name
            errors.append(exc)
    if errors:
        raise InvalidInput(errors)
    return out


# --- bank account ---------------------------------------------------------------------------------


def _stdnum_reason(error: Exception) -> str:
    from stdnum.exceptions import (  # noqa: PLC0415 - loaded on first use
        InvalidChecksum,
        InvalidComponent,
        InvalidFormat,
        InvalidLength,
    )

    reasons: tuple[tuple[type[Exception], str], ...] = (
        (InvalidChecksum, "its check digits do not match: a digit is mistyped or missing"),
        (InvalidLength, "it has the wrong length"),
        (InvalidFormat, "it is malformed"),
        (InvalidComponent, "its country or bank part is unknown"),
    )
    return next((text for kind, text in reasons if isinstance(error, kind)), "it is invalid")


@attrs.frozen
class Iban:
    """An International Bank Account Number, compact, upper-case (``ES9121000418450200051332``)."""

    value: str

    @classmethod
    def parse(cls, raw: object, *, field: str = "iban") -> Self:
        from stdnum import iban  # noqa: PLC0415 - loaded on first use
        from stdnum.exceptions import ValidationError  # noqa: PLC0415

        text = line(raw, field, 60, required=True)
        assert text is not None
        try:
            compact = iban.validate(text)
        except ValidationError as error:
            raise InvalidValue(
                f"{raw!r} is not a valid IBAN: {_stdnum_reason(error)}", field=field
            ) from None
        return cls(str(compact).upper())

    @property
    def country(self) -> str:
        return self.value[:2]

    @property
    def display(self) -> str:
        """Groups of four, as printed on a bank certificate."""
        return " ".join(self.value[i : i + 4] for i in range(0, len(self.value), 4))

    def __str__(self) -> str:
        return self.value


@attrs.frozen
class Bic:
    """A BIC/SWIFT code of 8 or 11 characters (``CAIXESBBXXX``)."""

    value: str

    @classmethod
    def parse(cls, raw: object, *, field: str = "bic") -> Self:
        from stdnum import bic  # noqa: PLC0415 - loaded on first use
        from stdnum.exceptions import ValidationError  # noqa: PLC0415

        text = line(raw, field, 20, required=True)
        assert text is not None
        try:
            compact = str(bic.validate(text)).upper()
        except ValidationError as error:
            raise InvalidValue(
                f"{raw!r} is not a valid BIC: {_stdnum_reason(error)}", field=field
            ) from None
        try:
            country_code(compact[4:6], field=field)
        except InvalidValue:
            raise InvalidValue(
                f"{raw!r} is not a valid BIC: {compact[4:6]!r} is not a country", field=field
            ) from None
        return cls(compact)

    @property
    def country(self) -> str:
        return self.value[4:6]

    def __str__(self) -> str:
        return self.value


# --- location -------------------------------------------------------------------------------------


def _degrees(value: object, field: str, limit: int) -> Decimal:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidValue("is required with the other coordinate", field=field)
    number = _decimal(repr(value) if isinstance(value, float) else value, field)
    if not -limit <= number <= limit:
        raise InvalidValue(f"must be from -{limit} to {limit} degrees", field=field)
    return number.quantize(_DEGREES_QUANTUM)


@attrs.frozen
class Coordinates:
    """WGS 84 latitude and longitude in degrees, six decimals (about 0.1 m)."""

    latitude: Decimal
    longitude: Decimal

    @classmethod
    def parse(cls, latitude: object, longitude: object) -> Self:
        """Both or neither: each bad or missing half is reported under its own name."""
        parts = collect(
            {
                "latitude": lambda: _degrees(latitude, "latitude", 90),
                "longitude": lambda: _degrees(longitude, "longitude", 180),
            }
        )
        return cls(parts["latitude"], parts["longitude"])

    def __str__(self) -> str:
        return f"{self.latitude}, {self.longitude}"


# --- commercial terms ----------------------------------------------------------------------------


@attrs.frozen
class PaymentTerms:
    """When the hotel is paid: a :class:`PaymentBasis` and a number of days (0 to 180)."""

    basis: PaymentBasis
    days: int = 0

    @classmethod
    def parse(cls, raw: object, *, field: str = "payment_terms") -> Self:
        """From ``{"basis": ..., "days": ...}``, an input object with those attributes, or
        text such as ``"after_invoice:30"`` or ``"prepayment"``."""
        if isinstance(raw, PaymentTerms):
            return cls(raw.basis, raw.days)
        if isinstance(raw, str):
            basis, _, days = raw.partition(":")
            source: object = {"basis": basis, "days": days.strip() or 0}
        else:
            source = raw
        parts = collect(
            {
                f"{field}.basis": lambda: choice(
                    pick(source, "basis"), PaymentBasis, f"{field}.basis"
                ),
                f"{field}.days": lambda: whole_number(
                    pick(source, "days", 0), f"{field}.days", 0, MAX_PAYMENT_DAYS
                ),
            }
        )
        return cls(parts[f"{field}.basis"], parts[f"{field}.days"])


@attrs.frozen
class HotelContact:
    """A person at the hotel, by role, reachable by e-mail or phone."""

    role: ContactRole
    name: str
    email: Email | None = None
    phone: Phone | None = None

    @classmethod
    def parse(cls, raw: object, *, region: str | None, field: str = "contact") -> Self:
        """From an input object or a mapping with ``role``, ``name``, ``email``, ``phone``;
        ``region`` (the hotel's country) reads phones written without their prefix."""
        if isinstance(raw, HotelContact):
            return cls(raw.role, raw.name, raw.email, raw.phone)
        email, phone = pick(raw, "email"), pick(raw, "phone")
        parts = collect(
            {
                f"{field}.role": lambda: choice(pick(raw, "role"), ContactRole, f"{field}.role"),
                f"{field}.name": lambda: line(pick(raw, "name"), f"{field}.name", required=True),
                f"{field}.email": lambda: (
                    None if is_empty(email) else Email.parse(email, field=f"{field}.email")
                ),
                f"{field}.phone": lambda: (
                    None
                    if is_empty(phone)
                    else Phone.parse(phone, default_region=region, field=f"{field}.phone")
                ),
            }
        )
        if parts[f"{field}.email"] is None and parts[f"{field}.phone"] is None:
            raise InvalidValue(
                "give an e-mail or a phone to reach the contact", field=f"{field}.email"
            )
        return cls(
            parts[f"{field}.role"],
            parts[f"{field}.name"],
            parts[f"{field}.email"],
            parts[f"{field}.phone"],
        )


def parse_contacts(raw: object, *, region: str | None) -> tuple[HotelContact, ...]:
    """Every contact, each bad one reported as ``contacts[i].<part>``."""
    if raw is None:
        return ()
    if isinstance(raw, str | bytes | Mapping) or not hasattr(raw, "__iter__"):
        raise InvalidValue("must be a list of contacts", field="contacts")
    items = list(raw)
    if len(items) > MAX_CONTACTS:
        raise InvalidValue(f"holds {len(items)} contacts, at most {MAX_CONTACTS}", field="contacts")
    parsed = collect(
        {
            f"contacts[{i}]": lambda item=item, i=i: HotelContact.parse(
                item, region=region, field=f"contacts[{i}]"
            )
            for i, item in enumerate(items)
        }
    )
    return tuple(parsed.values())
