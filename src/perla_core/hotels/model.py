"""Hotels as suppliers describe them, and the partial descriptions matching starts from.

A :class:`HotelRecord` is one supplier's data about one hotel (Dome's suppliers, an import
file ...): the directory holds many, and the same hotel may appear once per supplier. A
:class:`HotelQuery` is what an agent or a file knows of a hotel to find: any subset of name,
address, city, country, coordinates, phone and chain, as long as it says where to look.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, ParamSpec, Self, TypeVar

import attrs

from perla_core.kernel.errors import InvalidInput, InvalidValue
from perla_core.kernel.values import Email, Phone, country_code

P = ParamSpec("P")
T = TypeVar("T")


def _text(value: object) -> str | None:
    """Blank and missing are the same thing in suppliers' files."""
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def _required(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue("is required", field=attribute.name)


def _country(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and country_code(value, field=attribute.name) != value:
        raise InvalidValue(
            f"{value!r} is not an upper-case ISO 3166-1 alpha-2 code", field=attribute.name
        )


def _latitude(_instance: object, _attribute: object, value: float | None) -> None:
    if value is not None and not -90.0 <= value <= 90.0:
        raise InvalidValue(f"{value} is outside -90..90 degrees", field="latitude")


def _longitude(_instance: object, _attribute: object, value: float | None) -> None:
    if value is not None and not -180.0 <= value <= 180.0:
        raise InvalidValue(f"{value} is outside -180..180 degrees", field="longitude")


def _stars(_instance: object, _attribute: object, value: int | None) -> None:
    if value is not None and not 0 <= value <= 5:
        raise InvalidValue(f"{value} is not a number of stars (0 to 5)", field="stars")


def _both_coordinates(latitude: float | None, longitude: float | None) -> None:
    if (latitude is None) != (longitude is None):
        missing = "longitude" if longitude is None else "latitude"
        raise InvalidValue("coordinates need both a latitude and a longitude", field=missing)


def _degrees(raw: object, field: str) -> float | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        value = float(str(raw).strip().replace(",", "."))
    except ValueError:
        raise InvalidValue(f"{raw!r} is not a number of degrees", field=field) from None
    if not math.isfinite(value):
        raise InvalidValue(f"{raw!r} is not a number of degrees", field=field)
    return value


class _Fields:
    """Parses raw fields one by one and keeps every error, so a rejected row says all that is
    wrong with it at once."""

    def __init__(self) -> None:
        self.errors: list[InvalidValue] = []

    def take(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T | None:
        try:
            return fn(*args, **kwargs)
        except InvalidValue as error:
            self.errors.append(error)
            return None

    def coordinates(self, latitude: object, longitude: object) -> tuple[float | None, float | None]:
        before = len(self.errors)
        lat = self.take(_degrees, latitude, "latitude")
        lon = self.take(_degrees, longitude, "longitude")
        if lat == 0.0 and lon == 0.0:  # "0,0" is how many supplier feeds say "unknown"
            return None, None
        for check, value in ((_latitude, lat), (_longitude, lon)):
            self.take(check, None, None, value)
        if len(self.errors) > before:
            return None, None
        self.take(_both_coordinates, lat, lon)
        return lat, lon

    def phone(self, raw: object, country: str | None) -> Phone | None:
        text = _text(raw)
        if text is None:
            return None
        return self.take(Phone.parse, text, default_region=country)

    def raise_if_any(self) -> None:
        if self.errors:
            raise InvalidInput(self.errors)


@attrs.frozen(kw_only=True)
class HotelRecord:
    """One supplier's data about one hotel.

    ``ref`` is unique in the directory (a supplier's code and its own hotel id, as
    ``"dome:ES-41-0021"``); ``source`` says whose data it is. Coordinates are WGS84 degrees,
    both or neither; ``phone`` is E.164. Build one from raw fields with :meth:`parse`.
    """

    ref: str = attrs.field(validator=_required)
    source: str = attrs.field(validator=_required)
    name: str = attrs.field(validator=_required)
    country: str = attrs.field(validator=_country)
    city: str | None = None
    address: str | None = None
    postal_code: str | None = None
    chain: str | None = None
    latitude: float | None = attrs.field(default=None, validator=_latitude)
    longitude: float | None = attrs.field(default=None, validator=_longitude)
    phone: Phone | None = None
    stars: int | None = attrs.field(default=None, validator=_stars)
    email: Email | None = None
    website: str | None = None

    def __attrs_post_init__(self) -> None:
        _both_coordinates(self.latitude, self.longitude)

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None

    @classmethod
    def parse(
        cls,
        *,
        ref: object,
        source: object,
        name: object,
        country: object,
        city: object = None,
        address: object = None,
        postal_code: object = None,
        chain: object = None,
        latitude: object = None,
        longitude: object = None,
        phone: object = None,
        stars: object = None,
        email: object = None,
        website: object = None,
    ) -> Self:
        """A record from a supplier's raw fields (strings as found in a file or an API).

        Blank fields are missing; the phone is read with the country as its default region
        (``954 22 71 30`` in ES is ``+34954227130``); ``"37,38"`` is a latitude too; coordinates
        of exactly 0,0 are read as unknown (a common placeholder in supplier feeds). Raises
        :class:`InvalidInput` naming every invalid field.
        """
        fields = _Fields()
        for label, value in (("ref", ref), ("source", source), ("name", name)):
            if _text(value) is None:
                fields.errors.append(InvalidValue("is required", field=label))
        cc: str | None = None
        if _text(country) is None:
            fields.errors.append(InvalidValue("is required", field="country"))
        else:
            cc = fields.take(country_code, country)
        lat, lon = fields.coordinates(latitude, longitude)
        parsed_stars: int | None = None
        if _text(stars) is not None:
            parsed_stars = fields.take(_parse_stars, stars)
        email_text = _text(email)
        parsed_email = None if email_text is None else fields.take(Email.parse, email_text)
        phone_value = fields.phone(phone, cc)
        fields.raise_if_any()
        assert cc is not None
        return cls(
            ref=str(_text(ref)),
            source=str(_text(source)),
            name=str(_text(name)),
            country=cc,
            city=_text(city),
            address=_text(address),
            postal_code=_text(postal_code),
            chain=_text(chain),
            latitude=lat,
            longitude=lon,
            phone=phone_value,
            stars=parsed_stars,
            email=parsed_email,
            website=_text(website),
        )


def _parse_stars(raw: object) -> int:
    text = str(raw).strip().rstrip("*").strip() or str(len(str(raw).strip()))
    try:
        value = int(float(text.replace(",", ".")))
    except ValueError:
        raise InvalidValue(f"{raw!r} is not a number of stars", field="stars") from None
    _stars(None, None, value)
    return value


def _locatable(query: HotelQuery) -> None:
    located = query.latitude is not None or query.phone is not None
    if not located and query.name is None and query.address is None:
        raise InvalidValue(
            "describe the hotel: a name, an address, coordinates or a phone", field="name"
        )
    if not located and query.city is None and (query.country is None or query.name is None):
        raise InvalidValue(
            "say where the hotel is: a city, coordinates, a phone, or a name and a country",
            field="city",
        )


@attrs.frozen(kw_only=True)
class HotelQuery:
    """What is known of a hotel to find: any subset of its description that says where to
    look (a city, coordinates, a phone, or at least a name and a country)."""

    name: str | None = None
    address: str | None = None
    city: str | None = None
    postal_code: str | None = None
    country: str | None = attrs.field(default=None, validator=_country)
    latitude: float | None = attrs.field(default=None, validator=_latitude)
    longitude: float | None = attrs.field(default=None, validator=_longitude)
    phone: Phone | None = None
    chain: str | None = None

    def __attrs_post_init__(self) -> None:
        _both_coordinates(self.latitude, self.longitude)
        _locatable(self)

    @classmethod
    def parse(
        cls,
        *,
        name: object = None,
        address: object = None,
        city: object = None,
        postal_code: object = None,
        country: object = None,
        latitude: object = None,
        longitude: object = None,
        phone: object = None,
        chain: object = None,
    ) -> Self:
        """A query from raw fields; the phone is read with the country as its default region
        (``0034954227130``, ``+34 954 22 71 30`` and, in ES, ``954227130`` are the same
        number). Raises :class:`InvalidInput` naming every invalid field."""
        fields = _Fields()
        cc: str | None = None
        if _text(country) is not None:
            cc = fields.take(country_code, country)
        lat, lon = fields.coordinates(latitude, longitude)
        phone_value = fields.phone(phone, cc)
        fields.raise_if_any()
        try:
            return cls(
                name=_text(name),
                address=_text(address),
                city=_text(city),
                postal_code=_text(postal_code),
                country=cc,
                latitude=lat,
                longitude=lon,
                phone=phone_value,
                chain=_text(chain),
            )
        except InvalidValue as error:
            raise InvalidInput([error]) from None

    @classmethod
    def describing(cls, record: HotelRecord) -> Self:
        """Everything ``record`` says of its hotel, as a query (to look for it elsewhere)."""
        return cls(
            name=record.name,
            address=record.address,
            city=record.city,
            postal_code=record.postal_code,
            country=record.country,
            latitude=record.latitude,
            longitude=record.longitude,
            phone=record.phone,
            chain=record.chain,
        )
