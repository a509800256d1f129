"""Validated value objects: tax ids, e-mail addresses, E.164 phones, countries.

Each constructor normalises its input and raises :class:`InvalidValue` naming the field.
Validation uses python-stdnum (tax ids) and phonenumbers (phones), both pure; they are
imported on first use so ``import perla_core`` stays fast.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any, Self

import attrs

from perla_core.kernel.errors import InvalidValue

_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)


@cache
def _regions() -> frozenset[str]:
    import phonenumbers  # noqa: PLC0415 - heavy metadata, loaded on first use

    return frozenset(phonenumbers.SUPPORTED_REGIONS)


def country_code(value: object, *, field: str = "country") -> str:
    """Normalise an ISO 3166-1 alpha-2 country code (``es`` -> ``ES``)."""
    code = str(value).strip().upper()
    if len(code) != 2 or code not in _regions():
        raise InvalidValue(f"{value!r} is not an ISO 3166-1 alpha-2 country code", field=field)
    return code


@attrs.frozen
class Email:
    """An e-mail address; the domain is lower-cased, the local part kept as given."""

    value: str

    @classmethod
    def parse(cls, raw: str, *, field: str = "email") -> Self:
        text = str(raw).strip()
        if len(text) > 254 or not _EMAIL.match(text) or ".." in text:
            raise InvalidValue(f"{raw!r} is not a valid e-mail address", field=field)
        local, domain = text.rsplit("@", 1)
        if len(local) > 64:
            raise InvalidValue("the part before @ is longer than 64 characters", field=field)
        return cls(f"{local}@{domain.lower()}")

    def __str__(self) -> str:
        return self.value


@attrs.frozen
class Phone:
    """A phone number in E.164 (``+34943711952``)."""

    e164: str

    @classmethod
    def parse(cls, raw: str, *, default_region: str | None = None, field: str = "phone") -> Self:
        import phonenumbers  # noqa: PLC0415 - heavy metadata, loaded on first use

        try:
            number = phonenumbers.parse(str(raw), default_region)
        except phonenumbers.NumberParseException:
            hint = "" if default_region else " (write it with its country prefix, e.g. +34 ...)"
            raise InvalidValue(f"{raw!r} is not a phone number{hint}", field=field) from None
        if not phonenumbers.is_valid_number(number):
            raise InvalidValue(f"{raw!r} is not a valid phone number", field=field)
        return cls(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))

    def __str__(self) -> str:
        return self.e164


def _tax_module(country: str) -> Any:
    from stdnum import get_cc_module  # noqa: PLC0415

    if country == "AR":
        return get_cc_module("ar", "cuit")
    return get_cc_module(country.lower(), "vat") or get_cc_module(country.lower(), "tin")


@attrs.frozen
class TaxId:
    """A tax identifier for a country: NIF/CIF/NIE in Spain, CUIT in Argentina, VAT elsewhere.

    Numbers of countries python-stdnum knows are checked (check digits included) and kept in
    their compact form; others are kept upper-cased without separators.
    """

    country: str
    number: str

    @classmethod
    def parse(cls, raw: str, country: str, *, field: str = "tax_id") -> Self:
        cc = country_code(country, field="country")
        text = str(raw).strip().upper()
        if cc != "AR" and text[:2] == cc and text[2:3].isalnum():
            text = text[2:]  # an EU VAT prefix such as ESB58378431
        module = _tax_module(cc)
        if module is None:
            compact = re.sub(r"[^0-9A-Z]", "", text)
            if not 4 <= len(compact) <= 20:
                raise InvalidValue(f"{raw!r} is not a tax id", field=field)
            return cls(cc, compact)
        compact = module.compact(text)
        if not module.is_valid(compact):
            kind = {"ES": "NIF/CIF/NIE", "AR": "CUIT"}.get(cc, f"{cc} tax id")
            raise InvalidValue(f"{raw!r} is not a valid {kind}", field=field)
        return cls(cc, compact.upper())

    @property
    def display(self) -> str:
        module = _tax_module(self.country)
        formatter = getattr(module, "format", None)
        return str(formatter(self.number)) if formatter else self.number

    def __str__(self) -> str:
        return self.number
