"""Suppliers' hotel files (CSV or JSON) read into raw rows, whatever their layout.

Suppliers send what their systems export: ``;``-separated Spanish spreadsheets with accented
headers, tab-separated UTF-16 from Excel, JSON arrays, API dumps wrapping the list in
``{"data": {"hotels": [...]}}``, JSON Lines, GeoJSON. Readers here turn any of them into
:class:`RawRow`\\ s whose fields carry :meth:`HotelRecord.parse`'s names (plus ``ref``, the
row's own id in the file), so an import never cares where a row came from:

- columns and keys are recognised by their **aliases** in English, Spanish, French,
  Portuguese, Italian and German and in common feed spellings (``hotel_name``, ``nombre``,
  ``Código Postal``, ``countryCode``, ``PLZ`` ...), case, accents and punctuation aside
  (:data:`ALIASES`); unknown columns are ignored and listed once (:attr:`RowReader.ignored`);
- values are tidied the way a person would: ``España`` is ``ES``, ``4 estrellas`` is 4, the
  first of several phones or e-mails is kept, ``N/A`` is blank, a ``coordinates`` column
  (``37.38, -5.99``, ``POINT(-5.99 37.38)``) fills the latitude and longitude, a separate
  house-number column goes after the street;
- a malformed *file* (no column naming the hotel, invalid JSON) raises :class:`InvalidInput`
  on ``file`` before any row is read; a malformed *row* is still yielded, with its
  :attr:`RawRow.problems`, and reading goes on.

Everything here is pure: it reads strings, never opens files.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from itertools import chain, islice
from typing import Any, Final

import attrs

from perla_core.kernel.errors import InvalidInput, InvalidValue
from perla_core.kernel.text import FileFormat, detect_file_format, fold
from perla_core.kernel.values import country_code

# The fields a row can fill: HotelRecord.parse's, and ``ref`` (the row's own id in the file).
FIELDS: Final = (
    "ref",
    "name",
    "chain",
    "stars",
    "address",
    "postal_code",
    "city",
    "country",
    "latitude",
    "longitude",
    "phone",
    "email",
    "website",
)

# Every spelling of each field, folded to lower-case letters and digits ("Código Postal" ->
# "codigopostal", "hotelName" -> "hotelname"), best first: when two columns fill one field
# the better spelling wins and the other fills in where the first is blank. The fields in
# angle brackets are put together into others (a street number goes after the street).
ALIASES: Final[Mapping[str, tuple[str, ...]]] = {
    "ref": (
        "ref", "reference", "referencia", "referenza", "hotelref", "hotelcode", "hotelid",
        "codigohotel", "codhotel", "codehotel", "idhotel", "codicehotel", "suppliercode",
        "supplierid", "supplierref", "supplierhotelcode", "supplierhotelid", "providercode",
        "propertycode", "propertyid", "externalid", "externalcode", "code", "codigo", "cod",
        "codice", "identifiant", "identificador", "id",
    ),
    "name": (
        "name", "hotelname", "nombre", "nombrehotel", "nombredelhotel", "nombrecomercial",
        "nombreestablecimiento", "nom", "nomhotel", "nomdelhotel", "nometablissement", "nome",
        "nomehotel", "nomedohotel", "nomealbergo", "nomestruttura", "denominazione",
        "denominacion", "bezeichnung", "hotelbezeichnung", "propertyname", "establishmentname",
        "accommodationname", "tradename", "hotel", "establecimiento", "alojamiento",
        "property", "establishment", "accommodation", "albergo", "etablissement",
    ),
    "chain": (
        "chain", "chainname", "hotelchain", "cadena", "cadenahotelera", "nombrecadena",
        "chaine", "chainehoteliere", "cadeia", "cadeiahoteleira", "catena",
        "catenaalberghiera", "kette", "hotelkette", "brand", "brandname", "marca", "marque",
        "marchio", "marke", "group", "grupo", "groupe", "gruppo", "gruppe", "chaincode",
    ),
    "stars": (
        "stars", "star", "starrating", "hotelstars", "estrellas", "estrelas", "etoiles",
        "stelle", "sterne", "categoria", "category", "categorie", "kategorie",
        "hotelcategory", "categoriahotel", "classification", "clasificacion",
        "classificacao", "classement", "clase", "rating",
    ),
    "address": (
        "address", "streetaddress", "address1", "addressline1", "addressline", "street",
        "street1", "direccion", "direccion1", "domicilio", "calle", "adresse", "adresse1",
        "endereco", "morada", "indirizzo", "strasse", "anschrift", "addr",
    ),
    "<number>": (
        "streetnumber", "housenumber", "number", "numero", "num", "nro", "numerocalle",
        "numerovia", "numeroporta", "hausnummer", "numerocivico", "civico",
    ),
    "<street type>": ("streettype", "tipovia", "tipodevia", "tipocalle", "typevoie"),
    "postal_code": (
        "postalcode", "postcode", "zip", "zipcode", "cp", "codigopostal", "codpostal",
        "codpost", "cpostal", "codepostal", "postal", "cap", "plz", "postleitzahl", "cep",
    ),
    "city": (
        "city", "cityname", "town", "locality", "municipality", "ciudad", "localidad",
        "municipio", "poblacion", "ville", "localite", "commune", "cidade", "localidade",
        "concelho", "citta", "comune", "localita", "stadt", "ort", "gemeinde",
    ),
    "country": (
        "country", "countrycode", "countryiso", "countryiso2", "isocountry",
        "isocountrycode", "countryname", "pais", "codigopais", "codpais", "nombrepais", "pays",
        "codepays", "paese", "nazione", "land", "landcode", "iso", "iso2", "nation",
    ),
    "latitude": (
        "latitude", "lat", "latitud", "latitudine", "breitengrad", "geolat", "gpslat",
    ),
    "longitude": (
        "longitude", "lon", "lng", "long", "longitud", "longitudine", "laengengrad",
        "langengrad", "geolon", "geolng", "gpslon", "gpslng",
    ),
    "<coordinates>": (
        "coordinates", "coordinate", "coords", "coord", "coordenadas", "coordonnees",
        "koordinaten", "gps", "latlng", "latlon", "latlong", "geo", "geolocation",
        "geolocalizacion", "geolocalisation", "geometry", "location", "ubicacion",
        "localizacion", "position", "point", "geopoint", "geocode",
    ),
    "phone": (
        "phone", "phonenumber", "telephone", "telephonenumber", "tel", "tfno", "tlf", "telf",
        "telefono", "telefone", "telefon", "telefonnummer", "fon", "fone", "phone1",
        "telefono1", "mainphone", "contactphone", "phones", "telephones", "telefonos",
        "telefones", "phonenumbers",
    ),
    "email": (
        "email", "mail", "emailaddress", "correo", "correoelectronico", "courriel",
        "adressemail", "adresseemail", "posta", "postaelettronica", "correio",
        "correioeletronico", "reservationemail", "bookingemail", "contactemail", "emails",
    ),
    "website": (
        "website", "web", "url", "webpage", "homepage", "site", "siteweb", "siteinternet",
        "sitioweb", "paginaweb", "sitio", "sito", "sitoweb", "webseite", "internet", "www",
        "websites", "urls",
    ),
}  # fmt: skip
_ALIAS: Final = {
    alias: (field, rank) for field, aliases in ALIASES.items() for rank, alias in enumerate(aliases)
}
# "Hotel City", "property_phone": a prefix that only says whose the field is.
_PREFIXES: Final = frozenset(
    {"hotel", "property", "establishment", "accommodation", "establecimiento", "alojamiento"}
)
# "city_name", "country_name": a suffix that only says it is a name.
_NAME_SUFFIXES: Final = frozenset({"name", "nombre", "nom", "nome"})
_NAMED_FIELDS: Final = frozenset({"city", "country", "chain"})
# "name_es", "nombre_en": one column per language; the first one found is used.
_LANGUAGES: Final = frozenset({"es", "en", "fr", "pt", "it", "de", "ca", "eu", "gl"})

_MAX_HEADER_SEARCH: Final = 10  # non-blank lines before the header (titles, notes)
_HEAD_LINES: Final = 50  # lines the delimiter is sniffed on
_DELIMITERS: Final = (",", ";", "\t", "|")
_MAX_RECORD_LINES: Final = 10  # a quoted value longer than this swallowed the rows after it
_MAX_COLUMNS: Final = 50  # columns listed as used or ignored
_NAME_CHECK_ROWS: Final = 20  # JSON objects looked at for a field naming the hotel

_BLANKS: Final = frozenset(
    {"null", "none", "nil", "n/a", "n.a.", "n/d", "s/d", "-", "--", "—", "nan", "#n/a", "?"}
)


@attrs.frozen
class RawRow:
    """One row of a supplier's file: where it is (a CSV's line, the header being line 1; a
    JSON list's position from 1; a JSON Lines file's line), its fields by
    :data:`FIELDS` name (blank ones left out), and what made it unreadable, if anything, as
    ``(field, message)`` pairs."""

    line: int
    fields: Mapping[str, str] = attrs.field(factory=dict)
    problems: tuple[tuple[str, str], ...] = ()

    @property
    def ref(self) -> str | None:
        return self.fields.get("ref")


class RowReader(Iterator[RawRow]):
    """The rows of one file, and what the reader made of its layout.

    ``columns`` maps each column (or JSON key, dotted when nested) as the file spells it to
    the field it fills; ``ignored`` lists the columns no field takes, as they are met;
    ``total`` is the number of rows when the format tells it up front (a JSON list), else
    ``None``.
    """

    def __init__(self, file_format: FileFormat) -> None:
        self.format: FileFormat = file_format
        self.columns: dict[str, str] = {}
        self.ignored: list[str] = []
        self.total: int | None = None
        self._rows: Iterator[RawRow] = iter(())

    def __next__(self) -> RawRow:
        return next(self._rows)

    def _ignore(self, column: str) -> None:
        if column not in self.ignored and len(self.ignored) < _MAX_COLUMNS:
            self.ignored.append(column)

    def _use(self, column: str, field: str) -> None:
        if column not in self.columns and len(self.columns) < _MAX_COLUMNS:
            self.columns[column] = _SHOWN_FIELDS.get(field, field)


_NAME_SPELLINGS: Final = "name, hotel, hotel_name, nombre, nom, nome"
_SHOWN_FIELDS: Final = {
    "<number>": "address (its number)",
    "<street type>": "address (its street type)",
    "<coordinates>": "latitude, longitude",
}


def _file_error(message: str) -> InvalidInput:
    return InvalidInput([InvalidValue(message, field="file")])


# --- column names -------------------------------------------------------------------------

_CAMEL: Final = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_TOKENS: Final = re.compile(r"[a-z0-9]+")


def resolve_column(column: str) -> tuple[str, int] | None:
    """The field a column fills and how good a spelling of it this is (0 is best), or
    ``None``: ``"Código Postal"``, ``"CP"`` and ``"zipCode"`` fill ``postal_code``;
    ``"city_name"`` and ``"Hotel City"`` fill ``city``; ``"name_es"`` fills ``name``."""
    tokens = _TOKENS.findall(fold(_CAMEL.sub(" ", column)))
    if not tokens:
        return None
    found = _ALIAS.get("".join(tokens))
    if found is not None:
        return found
    penalty = 100
    if len(tokens) > 1 and tokens[-1] in _LANGUAGES:
        tokens = tokens[:-1]
        found = _ALIAS.get("".join(tokens))
        if found is not None:
            return found[0], found[1] + penalty
    if len(tokens) > 1 and tokens[0] in _PREFIXES:
        found = _ALIAS.get("".join(tokens[1:]))
        if found is not None:
            return found[0], found[1] + penalty
    if len(tokens) > 1 and tokens[-1] in _NAME_SUFFIXES:
        found = _ALIAS.get("".join(tokens[:-1]))
        if found is not None and found[0] in _NAMED_FIELDS:
            return found[0], found[1] + penalty
    return None


# --- values -------------------------------------------------------------------------------

# Country names and ISO alpha-3 codes, in the six languages, for the countries suppliers'
# files name most; anything else is left as written for HotelRecord.parse to judge.
_COUNTRY_NAMES: Final[Mapping[str, str]] = {
    "ES": "esp|spain|espana|espagne|espanha|spagna|spanien|reino de espana",
    "PT": "prt|portugal|portogallo",
    "FR": "fra|france|francia|franca|frankreich",
    "IT": "ita|italy|italia|italie|italien",
    "DE": "deu|germany|alemania|allemagne|alemanha|germania|deutschland",
    "GB": "gbr|united kingdom|uk|great britain|reino unido|royaume uni|regno unito|"
    "grossbritannien|vereinigtes konigreich|england|inglaterra",
    "IE": "irl|ireland|irlanda|irlande|irland",
    "NL": "nld|netherlands|the netherlands|holland|paises bajos|holanda|pays bas|"
    "paesi bassi|niederlande",
    "BE": "bel|belgium|belgica|belgique|belgio|belgien",
    "LU": "lux|luxembourg|luxemburgo|lussemburgo|luxemburg",
    "CH": "che|switzerland|suiza|suisse|suica|svizzera|schweiz",
    "AT": "aut|austria|autriche|osterreich",
    "AD": "and|andorra|andorre",
    "MC": "mco|monaco",
    "MT": "mlt|malta|malte",
    "GR": "grc|greece|grecia|grece|grecia|griechenland",
    "HR": "hrv|croatia|croacia|croatie|croacia|croazia|kroatien",
    "PL": "pol|poland|polonia|pologne|polen",
    "CZ": "cze|czech republic|czechia|republica checa|republique tcheque|chequia|"
    "repubblica ceca|tschechien",
    "HU": "hun|hungary|hungria|hongrie|ungheria|ungarn",
    "DK": "dnk|denmark|dinamarca|danemark|danimarca|danemark",
    "SE": "swe|sweden|suecia|suede|svezia|schweden",
    "NO": "nor|norway|noruega|norvege|norvegia|norwegen",
    "FI": "fin|finland|finlandia|finlande|finnland",
    "TR": "tur|turkey|turkiye|turquia|turquie|turchia|turkei",
    "MA": "mar|morocco|marruecos|maroc|marrocos|marocco|marokko",
    "US": "usa|united states|united states of america|estados unidos|etats unis|"
    "stati uniti|vereinigte staaten",
    "CA": "can|canada|kanada",
    "MX": "mex|mexico|messico|mexiko|mexique",
    "AR": "arg|argentina|argentine|argentinien",
    "BR": "bra|brazil|brasil|bresil|brasile|brasilien",
    "CL": "chl|chile|chili|cile",
    "CO": "col|colombia|colombie|kolumbien",
    "PE": "per|peru|perou",
    "UY": "ury|uruguay",
    "CU": "cub|cuba|kuba",
    "DO": "dom|dominican republic|republica dominicana|republique dominicaine|"
    "repubblica dominicana|dominikanische republik",
}
_COUNTRIES: Final = {
    name: code for code, names in _COUNTRY_NAMES.items() for name in names.split("|")
}
_NUMBER: Final = re.compile(r"\d+(?:[.,]\d+)?")
_STAR_SIGNS: Final = re.compile(r"^[*★☆✪⭐\s]+$")
_PHONE_DIGITS: Final = 6
_MANY: Final = re.compile(r"\s*(?:[/;|]|\s-\s|\s+(?:o|or|ou|oder)\s+)\s*")
_WKT_POINT: Final = re.compile(
    r"^\s*point\s*\(\s*(-?[\d.]+)[\s,]+(-?[\d.]+)\s*\)\s*$", re.IGNORECASE
)
_DEGREES: Final = r"-?\d{1,3}(?:[.,]\d+)?"
_PAIR: Final = re.compile(rf"^\s*\(?\s*({_DEGREES})\s*(?:[;|/]|,\s|\s)\s*({_DEGREES})\s*\)?\s*$")
_PAIR_DOTS: Final = re.compile(r"^\s*\(?\s*(-?\d{1,3}\.\d+)\s*,\s*(-?\d{1,3}\.\d+)\s*\)?\s*$")


def _blank(value: str) -> bool:
    return not value or value.casefold() in _BLANKS


def country_of(value: str) -> str | None:
    """The ISO 3166-1 alpha-2 code ``value`` stands for, when it is one, an alpha-3 code or
    a usual name of a country (``España``, ``Portugal``, ``UK``, ``DEU``), else ``None``."""
    known = _COUNTRIES.get(" ".join(_TOKENS.findall(fold(value))))
    if known is not None:
        return known
    try:
        return country_code(value) if len(value.strip()) == 2 else None
    except InvalidValue:
        return None


def _country(value: str) -> str:
    return country_of(value) or value


def _stars(value: str) -> str:
    """``4 estrellas``, ``4*``, ``★★★★``, ``3 Sup`` -> the number; anything else as written."""
    if _STAR_SIGNS.match(value):
        return str(sum(1 for c in value if not c.isspace()))
    numbers: list[str] = _NUMBER.findall(value)
    if len(numbers) == 1 and numbers[0] != value.strip():
        return numbers[0]
    return value


def _first_phone(value: str) -> str:
    """``954 22 71 30 / 954 22 71 31`` -> the first (when every part is a whole number)."""
    parts = [p.strip() for p in _MANY.split(value) if p.strip()]
    if len(parts) > 1 and all(sum(c.isdigit() for c in p) >= _PHONE_DIGITS for p in parts):
        return parts[0]
    return value


def _first_email(value: str) -> str:
    """``a@x.es; b@x.es`` -> the first."""
    return next((p for p in re.split(r"[\s,;/|]+", value) if "@" in p), value)


def _coordinates(value: str) -> tuple[str, str] | None:
    """``37.38, -5.99``, ``37,38;-5,99``, ``37.38 -5.99``, ``POINT(-5.99 37.38)`` (lon lat)."""
    point = _WKT_POINT.match(value)
    if point:
        return point.group(2), point.group(1)
    pair = _PAIR_DOTS.match(value) or _PAIR.match(value)
    if pair:
        return pair.group(1), pair.group(2)
    return None


def _clean(field: str, value: str) -> str:
    if field == "country":
        return _country(value)
    if field == "stars":
        return _stars(value)
    if field == "phone":
        return _first_phone(value)
    if field == "email":
        return _first_email(value)
    return value


class _Fields:
    """Values found for a row, the best spelling (then the shallowest) of each field kept."""

    def __init__(self) -> None:
        self._found: dict[str, tuple[int, int, str]] = {}

    def add(self, field: str, value: object, rank: int, depth: int = 0) -> bool:
        text = _scalar(value)
        if text is None:
            return False
        held = self._found.get(field)
        if held is None or (depth, rank) < held[:2]:
            self._found[field] = (depth, rank, text)
        return True

    def has(self, field: str) -> bool:
        return field in self._found

    def result(self) -> dict[str, str]:
        values = {field: text for field, (_, _, text) in self._found.items()}
        coordinates = values.pop("<coordinates>", None)
        if coordinates and "latitude" not in values and "longitude" not in values:
            pair = _coordinates(coordinates)
            if pair is not None:
                values["latitude"], values["longitude"] = pair
        number = values.pop("<number>", None)
        street_type = values.pop("<street type>", None)
        if "address" in values:
            if street_type and not fold(values["address"]).startswith(fold(street_type)):
                values["address"] = f"{street_type} {values['address']}"
            if number and number not in values["address"]:
                values["address"] = f"{values['address']}, {number}"
        return {field: _clean(field, text) for field, text in values.items()}


def _scalar(value: object) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    text = " ".join(str(value).split())
    return None if _blank(text) else text


# --- CSV ----------------------------------------------------------------------------------


def _rows_of(lines: list[str], delimiter: str) -> list[list[str]]:
    try:
        return [
            row for row in csv.reader(lines, delimiter=delimiter) if any(c.strip() for c in row)
        ]
    except csv.Error:
        return []


def _header_index(rows: list[list[str]]) -> int | None:
    for i, row in enumerate(rows[:_MAX_HEADER_SEARCH]):
        if any((found := resolve_column(cell)) and found[0] == "name" for cell in row):
            return i
    return None


def _sniff(head: list[str]) -> tuple[str, int] | None:
    """The delimiter whose header names the hotel, recognises the most columns and splits the
    rows after it most consistently; and how many non-blank rows precede the header."""
    best: tuple[tuple[int, int, int], str, int] | None = None
    for delimiter in _DELIMITERS:
        rows = _rows_of(head, delimiter)
        at = _header_index(rows)
        if at is None:
            continue
        header = rows[at]
        recognised = sum(1 for cell in header if resolve_column(cell))
        consistent = sum(1 for row in rows[at + 1 :] if len(row) == len(header))
        score = (recognised, consistent, len(header))
        if best is None or score > best[0]:
            best = (score, delimiter, at)
    return None if best is None else (best[1], best[2])


def _no_name_column(head: list[str]) -> InvalidInput:
    first = next((line for line in head if line.strip()), "")
    delimiter = max(_DELIMITERS, key=first.count)
    columns = [c.strip() for c in next(csv.reader([first], delimiter=delimiter), []) if c.strip()]
    shown = ", ".join(columns[:12]) or "nothing"
    spellings = _NAME_SPELLINGS
    return _file_error(
        "is not a CSV file with a column naming the hotel (such as "
        f"{spellings}) in its first lines; its first line has: {shown}"
    )


def read_csv(text_lines: Iterable[str]) -> RowReader:
    """The rows of a CSV file given as its lines (as a text file iterates them, line endings
    kept, so quoted values may span lines).

    The delimiter (``,`` ``;`` tab ``|``, or Excel's ``sep=`` first line) is the one under
    which a header naming the hotel appears in the first lines; a UTF-8 byte-order mark is
    dropped; lines above the header (a title) are skipped. Raises :class:`InvalidInput` on
    ``file`` when no such header is found; a row with more values than the header has
    columns, or a quote that never closes, is yielded with its problem.
    """
    lines = iter(text_lines)
    head = list(islice(lines, _HEAD_LINES))
    if head and head[0].startswith("\ufeff"):
        head[0] = head[0][1:]
    forced: str | None = None
    skipped_lines = 0
    excel = re.match(r"^sep=(.)\s*$", head[0]) if head else None
    if excel:
        forced, skipped_lines, head = excel.group(1), 1, head[1:]
    if forced is not None:
        at = _header_index(_rows_of(head, forced))
        sniffed = None if at is None else (forced, at)
    else:
        sniffed = _sniff(head)
    if sniffed is None:
        raise _no_name_column(head)
    delimiter, header_at = sniffed
    reader = RowReader("csv")
    reader._rows = _csv_rows(reader, chain(head, lines), delimiter, header_at, skipped_lines)
    next_row = next(reader._rows, None)  # reads the header now: its columns are known
    if next_row is not None:
        reader._rows = chain((next_row,), reader._rows)
    return reader


def _read_header(
    reader: RowReader, records: Iterator[list[str]], header_at: int
) -> tuple[list[str], list[tuple[str, int] | None]]:
    """The header's cells and what each column fills; notes the columns used and ignored."""
    header: list[str] = []
    seen = 0
    for record in records:
        if any(c.strip() for c in record):
            if seen == header_at:
                header = record
                break
            seen += 1
    columns: list[tuple[str, int] | None] = []
    for cell in header:
        found = resolve_column(cell)
        columns.append(found)
        if found is not None:
            reader._use(cell.strip(), found[0])
        elif cell.strip():
            reader._ignore(cell.strip())
    return header, columns


def _csv_row(line: int, record: list[str], columns: list[tuple[str, int] | None]) -> RawRow:
    fields = _Fields()
    for found, value in zip(columns, record, strict=False):
        if found is not None:
            fields.add(found[0], value, found[1])
    values = {k: v for k, v in fields.result().items() if k in FIELDS}
    return RawRow(line, values)


def _csv_rows(
    reader: RowReader, lines: Iterable[str], delimiter: str, header_at: int, offset: int
) -> Iterator[RawRow]:
    records = csv.reader(lines, delimiter=delimiter)
    header, columns = _read_header(reader, records, header_at)
    last_line = records.line_num
    while True:
        try:
            record = next(records)
        except StopIteration:
            return
        except csv.Error as error:
            if records.line_num == last_line:
                return
            start, last_line = last_line + 1, records.line_num
            yield RawRow(start + offset, {}, (("row", f"cannot be read as CSV: {error}"),))
            continue
        start, last_line = last_line + 1, records.line_num
        if not any(c.strip() for c in record):
            continue
        row = _csv_row(start + offset, record, columns)
        problems: list[tuple[str, str]] = []
        if any(v.strip() for v in record[len(header) :]):
            problems.append(
                (
                    "row",
                    f"has {len(record)} values but the header has {len(header)} columns "
                    f"(a {_shown(delimiter)} inside an unquoted value?)",
                )
            )
        if last_line - start >= _MAX_RECORD_LINES:
            problems.append(
                (
                    "row",
                    f"a quote opened on this line is never closed: it swallowed lines "
                    f"{start + offset}-{last_line + offset}",
                )
            )
        yield attrs.evolve(row, problems=tuple(problems)) if problems else row


def _shown(delimiter: str) -> str:
    return {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}.get(delimiter, delimiter)


# --- JSON ---------------------------------------------------------------------------------

# Keys whose value is the list of hotels, looked for at the top and one or two levels down.
_LIST_KEYS: Final = (
    "hotels", "data", "items", "results", "result", "records", "rows", "features",
    "hoteles", "establecimientos", "alojamientos", "accommodations", "properties",
    "establishments", "entries", "list", "content", "response", "payload", "hotel",
)  # fmt: skip
# Nested objects whose fields belong to the hotel, and which of its fields each may give.
_PLACE: Final = frozenset(
    {"address", "<number>", "<street type>", "postal_code", "city", "country"}
    | {"latitude", "longitude", "<coordinates>"}
)
_CONTACT: Final = frozenset({"phone", "email", "website"})
_CONTAINERS: Final[Mapping[str, frozenset[str] | None]] = {
    **dict.fromkeys(("contact", "contacts", "contactinfo", "contactdetails", "contacto"), _CONTACT),
    **dict.fromkeys(
        ("contato", "contatti", "kontakt", "communication", "communications"), _CONTACT
    ),
    **dict.fromkeys(("postaladdress", "addressinfo", "location", "place", "geodata"), _PLACE),
    **dict.fromkeys(("properties", "attributes", "details", "info", "information"), None),
    **dict.fromkeys(("hotel", "hotelinfo", "property", "establishment", "general"), None),
    **dict.fromkeys(("generalinfo", "basicinfo", "data", "content", "descriptive"), None),
}
_PREFERRED: Final[Mapping[str, tuple[str, ...]]] = {
    "country": ("code", "iso", "iso2", "isocode", "alpha2", "countrycode", "name", "value"),
    "": ("name", "value", "text", "label", "title", "es", "en", "code"),
}


def _folded_key(key: str) -> str:
    return "".join(_TOKENS.findall(fold(_CAMEL.sub(" ", key))))


def _pick(value: dict[str, Any], field: str) -> object:
    """The value of an object standing for one field: ``{"code": "ES", "name": "Spain"}``."""
    by_key = {_folded_key(str(k)): v for k, v in value.items()}
    for key in _PREFERRED.get(field, _PREFERRED[""]):
        if _scalar(by_key.get(key)) is not None:
            return by_key[key]
    return next((v for v in value.values() if _scalar(v) is not None), None)


def _first(values: list[Any], field: str) -> object:
    for item in values:
        value = _pick(item, field) if isinstance(item, dict) else item
        if _scalar(value) is not None:
            return value
    return None


class _JsonRow:
    """Flattens one JSON object into fields, noting the keys nothing takes."""

    def __init__(self, reader: RowReader) -> None:
        self.reader = reader
        self.fields = _Fields()

    def walk(
        self,
        obj: Mapping[str, Any],
        path: str = "",
        depth: int = 0,
        only: frozenset[str] | None = None,
    ) -> None:
        point = str(obj.get("type", "")).casefold() == "point"
        for raw_key, value in obj.items():
            key = str(raw_key)
            column = f"{path}{key}"
            found = resolve_column(key)
            field, rank = found if found is not None else ("", 0)
            if field and only is not None and field not in only:
                field = ""
            if isinstance(value, dict):
                self._object(column, value, field, rank, depth)
            elif isinstance(value, list):
                self._list(column, value, field, rank, depth, geojson=point)
            elif field:
                if self.fields.add(field, value, rank, depth):
                    self.reader._use(column, field)
            elif key.casefold() != "type":  # GeoJSON's, or the kind of record: no field
                self.reader._ignore(column)

    def _object(
        self, column: str, value: dict[str, Any], field: str, rank: int, depth: int
    ) -> None:
        container = _folded_key(column.rsplit(".", 1)[-1])
        if field in ("address", "<coordinates>"):
            self.walk(value, f"{column}.", depth + 1, _PLACE)
        elif field == "name" and not _is_by_language(value):
            self.walk(value, f"{column}.", depth + 1, None)  # {"hotel": {...}}: a wrapper
        elif field:
            if self.fields.add(field, _pick(value, field), rank, depth):
                self.reader._use(column, field)
        elif container in _CONTAINERS:
            self.walk(value, f"{column}.", depth + 1, _CONTAINERS[container])
        else:
            self.reader._ignore(column)

    def _list(
        self, column: str, value: list[Any], field: str, rank: int, depth: int, *, geojson: bool
    ) -> None:
        if field == "<coordinates>":
            numbers = [v for v in value if isinstance(v, int | float | str) and _scalar(v)]
            if len(numbers) >= 2:
                lat, lon = (numbers[1], numbers[0]) if geojson else (numbers[0], numbers[1])
                self.fields.add("latitude", lat, 0, depth)
                self.fields.add("longitude", lon, 0, depth)
                self.reader._use(column, "latitude, longitude")
                return
        elif field and self.fields.add(field, _first(value, field), rank, depth):
            self.reader._use(column, field)
            return
        self.reader._ignore(column)


def _is_by_language(value: Mapping[str, Any]) -> bool:
    """``{"es": "Hotel Inglaterra", "en": "Inglaterra Hotel"}``: one name per language."""
    return bool(value) and all(len(str(k)) <= 5 and _scalar(v) for k, v in value.items())


def _row_of(reader: RowReader, line: int, item: object) -> RawRow:
    if not isinstance(item, dict):
        kind = type(item).__name__ if item is not None else "null"
        return RawRow(line, {}, (("row", f"is not an object (found {_json_kind(kind)})"),))
    only = next(iter(item.values()), None)
    if len(item) == 1 and isinstance(only, dict) and not _is_by_language(only):
        item = only  # [{"hotel": {...}}, ...]
    flattener = _JsonRow(reader)
    flattener.walk(item)
    values = {k: v for k, v in flattener.fields.result().items() if k in FIELDS}
    return RawRow(line, values)


def _json_kind(name: str) -> str:
    return {"str": "a string", "int": "a number", "float": "a number", "list": "a list"}.get(
        name, name
    )


def _find_list(value: object, depth: int = 0) -> list[Any] | None:
    """The list under one of :data:`_LIST_KEYS`, looking two levels down."""
    if isinstance(value, list):
        return value
    if not isinstance(value, dict) or depth > 2:
        return None
    by_key = {_folded_key(str(k)): v for k, v in value.items()}
    for key in _LIST_KEYS:
        if key in by_key:
            found = _find_list(by_key[key], depth + 1)
            if found is not None:
                return found
    return None


def _only_list_of_objects(value: dict[str, Any]) -> list[Any] | None:
    lists = [v for v in value.values() if isinstance(v, list) and v and isinstance(v[0], dict)]
    return lists[0] if len(lists) == 1 else None


def _names_a_hotel(row: RawRow) -> bool:
    return "name" in row.fields


def read_json(text: str) -> RowReader:
    """The rows of a JSON file: an array of objects; an object holding the array under
    ``hotels``, ``data``, ``items``, ``results`` (or another usual key, or its only list of
    objects), also one or two levels down; one hotel's object; a GeoJSON feature collection;
    or JSON Lines (one object per line).

    Nested objects are flattened: ``{"location": {"lat": .., "lng": ..}}``,
    ``{"coordinates": [lat, lon]}`` (GeoJSON points are ``[lon, lat]``), ``{"geo": {...}}``,
    ``{"address": {"street": .., "city": .., "postal_code": .., "country": ..}}``,
    ``{"contact": {"phone": ..}}``; a key's value given as ``{"code": .., "name": ..}`` or as
    a list takes the code (countries) or the name, or the first item. Raises
    :class:`InvalidInput` on ``file`` for text that is not JSON, holds no list of hotels, or
    whose first objects have no field naming the hotel.
    """
    text = text.removeprefix("\ufeff")
    reader = RowReader("json")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        lines = _json_lines(text)
        if lines is None:
            raise _file_error(
                f"is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
            ) from None
        reader._rows = _checked(reader, (_line_row(reader, n, line) for n, line in lines))
        return reader
    items = _find_list(document)
    if items is None and isinstance(document, dict):
        if _names_a_hotel(_row_of(RowReader("json"), 1, document)):
            items = [document]  # one hotel
        else:
            items = _only_list_of_objects(document)
    if items is None:
        keys = ", ".join(list(map(str, document))[:12]) if isinstance(document, dict) else ""
        found = f" (its keys: {keys})" if keys else ""
        raise _file_error(
            "holds no list of hotels: expected an array of objects, or an object with the "
            f"array under hotels, data, items or results{found}"
        )
    reader.total = len(items)
    reader._rows = _checked(reader, (_row_of(reader, n, item) for n, item in enumerate(items, 1)))
    return reader


def _json_lines(text: str) -> list[tuple[int, str]] | None:
    """The non-blank lines of a JSON Lines file, or ``None`` when its first one is not a
    JSON object on its own."""
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    if len(lines) < 2:
        return None
    try:
        first = json.loads(lines[0][1])
    except json.JSONDecodeError:
        return None
    return lines if isinstance(first, dict) else None


def _line_row(reader: RowReader, line: int, text: str) -> RawRow:
    try:
        item = json.loads(text)
    except json.JSONDecodeError as error:
        return RawRow(line, {}, (("row", f"is not valid JSON: {error.msg}, column {error.colno}"),))
    return _row_of(reader, line, item)


def _checked(reader: RowReader, rows: Iterator[RawRow]) -> Iterator[RawRow]:
    """``rows``, having checked now that one of the first names a hotel."""
    head = list(islice(rows, _NAME_CHECK_ROWS))
    readable = [row for row in head if not row.problems]
    if readable and not any(_names_a_hotel(row) for row in readable):
        keys = ", ".join(reader.ignored[:12]) or "nothing"
        spellings = _NAME_SPELLINGS
        raise _file_error(
            f"has no field naming the hotel (such as {spellings}) in its first objects; "
            f"they have: {keys}"
        )
    return chain(head, rows)


# --- any file -----------------------------------------------------------------------------


def read_rows(text: str, file_name: str, *, file_format: FileFormat | None = None) -> RowReader:
    """The rows of a whole file's text, read as ``file_format`` or as
    :func:`~perla_core.kernel.text.detect_file_format` says."""
    chosen = file_format or detect_file_format(file_name, text[:4096])
    if chosen == "json":
        return read_json(text)
    return read_csv(io.StringIO(text, newline=""))
