"""What the hotel directory indexes: each record's comparable profile and its blocks.

Matching never compares a query with every hotel. Each record is filed under a few *blocks*
(string keys any store can keep in a dictionary or a table):

- its city (``c:sevilla``), used only as a last resort;
- pieces of the identifying words of its name in its city (``n:sevilla:<cen``,
  ``n:sevilla:>tro``: the first and last letters of each word, so one typo never loses both;
  the city's own name is left out, every "X Sevilla" of Sevilla would share it);
- those words in its country, for queries that name no city (``t:ES:centro``);
- its geo cell, a grid of :data:`CELL_METRES` (``g:8315:-1060``);
- its phone in E.164 (``p:+34954227130``).

A query asks for its phone's block, the nine cells around its point and its name's pieces in
its city; :mod:`perla_core.hotels.matching` decides when to widen to the whole city.

Cities are keyed by their folded name alone, so a query that names a city but no country
still finds its blocks; two cities of one name in two countries share them, and the country
signal tells their hotels apart. Cells are 500 m (not 1 km) because the scorer's distance
signal is worth nothing beyond 500 m: the nine cells around a point hold every hotel within
that distance, and four times fewer in a dense centre than 1 km cells would.
"""

from __future__ import annotations

import math
from typing import Final

import attrs

from perla_core.hotels.model import HotelQuery, HotelRecord
from perla_core.hotels.normalise import (
    canonical_chain,
    chain_key,
    city_key,
    normalise_address,
    normalise_name,
)

CELL_METRES: Final = 500.0  # the distance at which the scorer stops caring (FAR_METRES)
_EARTH_RADIUS_M: Final = 6_371_008.8
_CELL_DEGREES: Final = math.degrees(CELL_METRES / _EARTH_RADIUS_M)

BlockKey = str
ROMAN_NUMERALS: Final = frozenset(
    {"ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii", "xiv", "xv"}
    | {"xvi", "xvii", "xviii", "xix", "xx", "xxi", "xxii", "xxiii"}
)


@attrs.frozen
class Profile:
    """A record or a query reduced to what the scorer compares (see :mod:`.normalise`).

    Coordinates are kept in radians with the cosine of the latitude, ready for haversine.
    """

    name: str
    words: frozenset[str]
    core: frozenset[str]  # the name's words but its city's ("NH Sevilla Triana": triana)
    numerals: frozenset[str]
    chain: str | None
    chain_key: str | None
    kinds: frozenset[str]
    street: str
    numbers: frozenset[str]
    city: str | None
    country: str | None
    postal_code: str | None
    latitude: float | None
    longitude: float | None
    phone: str | None
    lat_rad: float = 0.0
    lon_rad: float = 0.0
    cos_lat: float = 1.0

    @classmethod
    def of(cls, hotel: HotelRecord | HotelQuery) -> Profile:
        name = normalise_name(hotel.name) if hotel.name else None
        chain = canonical_chain(hotel.chain) or (name.chain if name else None)
        city = city_key(hotel.city) if hotel.city else None
        address = (
            normalise_address(hotel.address, hotel.country, hotel.city) if hotel.address else None
        )
        lat, lon = hotel.latitude, hotel.longitude
        words = frozenset(name.text.split()) if name else frozenset()
        core = words - frozenset(city.split()) if city else words
        return cls(
            name=name.text if name else "",
            words=words,
            core=core or words,
            numerals=frozenset(w for w in words if w.isdigit() or w in ROMAN_NUMERALS),
            chain=chain,
            chain_key=chain_key(chain),
            kinds=name.kinds if name else frozenset(),
            street=address.street if address else "",
            numbers=frozenset(address.numbers) if address else frozenset(),
            city=city,
            country=hotel.country,
            postal_code="".join(hotel.postal_code.split()).upper() if hotel.postal_code else None,
            latitude=lat,
            longitude=lon,
            phone=hotel.phone.e164 if hotel.phone else None,
            lat_rad=math.radians(lat) if lat is not None else 0.0,
            lon_rad=math.radians(lon) if lon is not None else 0.0,
            cos_lat=math.cos(math.radians(lat)) if lat is not None else 1.0,
        )


def haversine_m(a: Profile, b: Profile) -> float:
    """Great-circle distance in metres between two profiles that both have coordinates."""
    half_dlat = (b.lat_rad - a.lat_rad) / 2
    half_dlon = (b.lon_rad - a.lon_rad) / 2
    h = math.sin(half_dlat) ** 2 + a.cos_lat * b.cos_lat * math.sin(half_dlon) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


# --- blocks --------------------------------------------------------------------------------------


def _cell_width(row: int) -> float:
    """Degrees of longitude that make :data:`CELL_METRES` at the middle of ``row``."""
    middle = min(89.0, abs((row + 0.5) * _CELL_DEGREES))
    return _CELL_DEGREES / math.cos(math.radians(middle))


def geo_cell(latitude: float, longitude: float) -> BlockKey:
    row = math.floor(latitude / _CELL_DEGREES)
    return f"g:{row}:{math.floor(longitude / _cell_width(row))}"


def geo_neighbourhood(latitude: float, longitude: float) -> list[BlockKey]:
    """The cell of the point and the eight around it: every point within
    :data:`CELL_METRES` of it is in one of them."""
    row = math.floor(latitude / _CELL_DEGREES)
    keys: list[BlockKey] = []
    for r in (row - 1, row, row + 1):
        col = math.floor(longitude / _cell_width(r))
        keys.extend(f"g:{r}:{c}" for c in (col - 1, col, col + 1))
    return keys


def _pieces(word: str) -> tuple[str, ...]:
    if len(word) <= 3:
        return (f"={word}",)
    k = 4 if len(word) >= 8 else 3
    return (f"<{word[:k]}", f">{word[-k:]}")


def name_pieces(name: str, city: str | None = None) -> set[str]:
    """The pieces a name is filed under: the first and last letters of its words of three
    letters or more (of all its words if it has none), leaving out the words of its city
    ("NH Sevilla Centro" in Sevilla is filed under "centro" only) unless nothing else is left."""
    words = name.split()
    if city:
        city_words = city.split()
        words = [w for w in words if w not in city_words] or words
    long_words = [w for w in words if len(w) >= 3] or words
    return {piece for word in long_words for piece in _pieces(word)}


def city_block(city: str) -> BlockKey:
    return f"c:{city}"


def record_blocks(profile: Profile) -> tuple[BlockKey, ...]:
    """Every block a record is filed under."""
    keys: list[BlockKey] = []
    if profile.city:
        keys.append(city_block(profile.city))
        pieces = name_pieces(profile.name, profile.city)
        keys.extend(f"n:{profile.city}:{piece}" for piece in pieces)
    if profile.country:
        keys.extend(f"t:{profile.country}:{word}" for word in set(profile.name.split()))
    if profile.latitude is not None and profile.longitude is not None:
        keys.append(geo_cell(profile.latitude, profile.longitude))
    if profile.phone:
        keys.append(f"p:{profile.phone}")
    return tuple(keys)


def pairing_blocks(blocks: tuple[BlockKey, ...]) -> list[BlockKey]:
    """Of a record's blocks, those two records of one hotel share: its name's pieces, its
    cell and its phone (not its whole city, nor its words across the country)."""
    return [key for key in blocks if key[0] in "ngp"]


def query_blocks(profile: Profile) -> list[BlockKey]:
    """The blocks a query looks in first: its phone, the cells around its point, and its
    name's pieces in its city (its name's words in its country if it names no city)."""
    keys: list[BlockKey] = []
    if profile.phone:
        keys.append(f"p:{profile.phone}")
    if profile.latitude is not None and profile.longitude is not None:
        keys.extend(geo_neighbourhood(profile.latitude, profile.longitude))
    if profile.name:
        if profile.city:
            pieces = sorted(name_pieces(profile.name, profile.city))
            keys.extend(f"n:{profile.city}:{piece}" for piece in pieces)
        elif profile.country:
            keys.extend(f"t:{profile.country}:{word}" for word in profile.name.split())
    return keys


@attrs.frozen
class IndexedHotel:
    """A record with its profile and the blocks it is filed under, computed once when it
    enters the directory."""

    record: HotelRecord
    profile: Profile
    blocks: tuple[BlockKey, ...]

    @property
    def ref(self) -> str:
        return self.record.ref

    @classmethod
    def of(cls, record: HotelRecord) -> IndexedHotel:
        profile = Profile.of(record)
        return cls(record, profile, record_blocks(profile))
