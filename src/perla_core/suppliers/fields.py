"""The fields of a supplier request, by section, and how primitives become their values.

The Suppliers team needs five sections to create a hotel as a supplier in Dome: identity,
administrative, fiscal, banking and commercial. :data:`SECTION_FIELDS` lists them in the order
the e-mail shows them; :func:`read_fields` validates raw input (a command, a hotel-directory
record) into the domain's values and names every bad field at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any

from perla_core.kernel.errors import InvalidInput, InvalidValue
from perla_core.kernel.values import Email, Phone, TaxId, country_code
from perla_core.suppliers.values import (
    MAX_RELEASE_DAYS,
    Bic,
    ContactRole,
    ContractType,
    Coordinates,
    Iban,
    PaymentTerms,
    VatRegime,
    choice,
    is_empty,
    line,
    paragraph,
    parse_contacts,
    percentage,
    website,
    whole_number,
)


class Section(StrEnum):
    IDENTITY = "identity"
    ADMINISTRATIVE = "administrative"
    FISCAL = "fiscal"
    BANKING = "banking"
    COMMERCIAL = "commercial"


SECTION_FIELDS: dict[Section, tuple[str, ...]] = {
    Section.IDENTITY: (
        "name",
        "chain",
        "stars",
        "address",
        "city",
        "postal_code",
        "country",
        "coordinates",
        "phone",
        "email",
        "website",
    ),
    Section.ADMINISTRATIVE: ("legal_name", "tax_id"),
    Section.FISCAL: ("vat_regime",),
    Section.BANKING: ("iban", "bic", "account_holder"),
    Section.COMMERCIAL: (
        "contract_type",
        "commission_pct",
        "markup_pct",
        "payment_terms",
        "release_days",
        "cancellation_policy",
        "contacts",
    ),
}
DETAIL_FIELDS: tuple[str, ...] = tuple(f for fields in SECTION_FIELDS.values() for f in fields)
SECTION_OF: dict[str, Section] = {f: s for s, fields in SECTION_FIELDS.items() for f in fields}

# Independent hotels have no chain and some no web site.
OPTIONAL_FIELDS: frozenset[str] = frozenset({"chain", "website"})
# commission_pct is needed by commission contracts, markup_pct by net ones.
RATE_FIELD: dict[ContractType, str] = {
    ContractType.COMMISSION: "commission_pct",
    ContractType.NET: "markup_pct",
}
# Reservations confirm bookings; accounting receives payments and sends invoices.
REQUIRED_CONTACT_ROLES: tuple[ContactRole, ...] = (ContactRole.RESERVATIONS, ContactRole.ACCOUNTING)

# What commands and directory records give: the detail fields, with the coordinates as two
# numbers and the tax id's country when it is not the hotel's.
INPUT_FIELDS: tuple[str, ...] = (
    "name",
    "chain",
    "stars",
    "address",
    "city",
    "postal_code",
    "country",
    "latitude",
    "longitude",
    "phone",
    "email",
    "website",
    "legal_name",
    "tax_id",
    "tax_id_country",
    "vat_regime",
    "iban",
    "bic",
    "account_holder",
    "contract_type",
    "commission_pct",
    "markup_pct",
    "payment_terms",
    "release_days",
    "cancellation_policy",
    "contacts",
)

_LINES: dict[str, int] = {
    "name": 200,
    "chain": 100,
    "address": 200,
    "city": 100,
    "postal_code": 20,
    "legal_name": 200,
    "account_holder": 200,
}


def _optional(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if is_empty(value) else parse(value)


_SIMPLE: dict[str, Callable[[Any], Any]] = {
    "stars": _optional(lambda v: whole_number(v, "stars", 1, 5)),
    "email": _optional(lambda v: Email.parse(v, field="email")),
    "website": website,
    "vat_regime": _optional(lambda v: choice(v, VatRegime, "vat_regime")),
    "iban": _optional(Iban.parse),
    "bic": _optional(Bic.parse),
    "contract_type": _optional(lambda v: choice(v, ContractType, "contract_type")),
    "commission_pct": _optional(lambda v: percentage(v, "commission_pct")),
    "markup_pct": _optional(lambda v: percentage(v, "markup_pct")),
    "payment_terms": _optional(PaymentTerms.parse),
    "release_days": _optional(lambda v: whole_number(v, "release_days", 0, MAX_RELEASE_DAYS)),
    "cancellation_policy": lambda v: paragraph(v, "cancellation_policy"),
}


def read_fields(
    raw: Mapping[str, Any], *, country: str | None
) -> tuple[dict[str, Any], list[InvalidValue]]:
    """Validate the :data:`INPUT_FIELDS` present in ``raw``; returns the values by detail
    field (``coordinates`` from ``latitude`` and ``longitude``, ``tax_id`` with its country)
    and one error per bad field. ``country`` is the hotel's, used to read phones and tax ids
    when ``raw`` does not change it. Blank values clear a field; ``name`` cannot be cleared."""
    out: dict[str, Any] = {}
    errors: list[InvalidValue] = []

    def attempt(field: str, parse: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        try:
            out[field] = parse(*args, **kwargs)
        except InvalidInput as many:
            errors.extend(many.errors)
        except InvalidValue as exc:
            exc.field = exc.field or field
            errors.append(exc)

    if "country" in raw:
        attempt("country", _optional(country_code), raw["country"])
    region = out.get("country") or country
    for field, max_len in _LINES.items():
        if field in raw:
            attempt(field, line, raw[field], field, max_len, required=field == "name")
    for field, parse in _SIMPLE.items():
        if field in raw:
            attempt(field, parse, raw[field])
    if "latitude" in raw or "longitude" in raw:
        attempt("coordinates", _coordinates, raw.get("latitude"), raw.get("longitude"))
    if "phone" in raw:
        attempt("phone", _phone, raw["phone"], region)
    if "tax_id" in raw or "tax_id_country" in raw:
        attempt("tax_id", _tax_id, raw.get("tax_id"), raw.get("tax_id_country"), region)
    if "contacts" in raw:
        attempt("contacts", parse_contacts, raw["contacts"], region=region)
    return out, errors


def parse_fields(raw: Mapping[str, Any], *, country: str | None) -> dict[str, Any]:
    """:func:`read_fields`, raising :class:`InvalidInput` with every bad field at once."""
    unknown = [k for k in raw if k not in INPUT_FIELDS]
    out, errors = read_fields(raw, country=country)
    errors.extend(InvalidValue("is not a field of a supplier request", field=k) for k in unknown)
    if errors:
        raise InvalidInput(errors)
    return out


def _coordinates(latitude: object, longitude: object) -> Coordinates | None:
    if is_empty(latitude) and is_empty(longitude):
        return None
    return Coordinates.parse(latitude, longitude)


def _phone(raw: object, region: str | None) -> Phone | None:
    return None if is_empty(raw) else Phone.parse(str(raw), default_region=region, field="phone")


def _tax_id(raw: object, tax_country: object, region: str | None) -> TaxId | None:
    if is_empty(raw):
        if not is_empty(tax_country):
            raise InvalidValue("give it together with the tax id", field="tax_id_country")
        return None
    if not is_empty(tax_country):
        region = country_code(tax_country, field="tax_id_country")
    if region is None:
        raise InvalidValue(
            "a tax id needs the hotel's country (or tax_id_country when it is another)",
            field="tax_id",
        )
    return TaxId.parse(str(raw), region, field="tax_id")
