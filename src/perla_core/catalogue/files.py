"""Catalogue files (CSV or JSON) read into :class:`CatalogueRow`\\ s.

Columns (CSV headers, JSON keys) are recognised by their names in Spanish or English, case,
accents and punctuation aside (:data:`ALIASES`): ``sku``/``código``, ``marca``/``brand``,
``modelo``, ``categoría``, ``descripción``, ``precio``/``price``, ``moneda``/``currency``,
``iva``/``vat``, ``resolución``, ``lente``, ``poe`` ... Stock comes either as ``stock`` with
``depósito``/``warehouse`` (one warehouse per row), or as one ``stock <warehouse>`` column per
warehouse (``stock CABA``, ``stock Córdoba``). A CSV may be separated by ``,`` or ``;``.
Unknown columns are ignored and listed. Pure: it reads strings, never opens files.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Iterator, Mapping
from typing import Any, Final

import attrs

from perla_core.kernel.errors import InvalidInput, InvalidValue
from perla_core.kernel.text import FileFormat, detect_file_format

ALIASES: Final[Mapping[str, tuple[str, ...]]] = {
    "sku": ("sku", "codigo", "cod", "code", "codigoproducto", "articulo", "productcode"),
    "brand": ("marca", "brand", "fabricante", "manufacturer"),
    "model": ("modelo", "model", "modelcode", "codigomodelo"),
    "category": ("categoria", "category", "rubro", "tipo", "type"),
    "description": ("descripcion", "description", "detalle", "nombre", "name"),
    "price": ("precio", "price", "listprice", "preciolista", "preciodelista"),
    "currency": ("moneda", "currency", "divisa"),
    "vat_rate": ("iva", "vat", "vatrate", "alicuotaiva", "tax"),
    "valid_from": ("vigenciadesde", "validfrom", "desde", "preciodesde"),
    "valid_until": ("vigenciahasta", "validuntil", "hasta", "vencimiento", "preciohasta"),
    "stock": ("stock", "cantidad", "quantity", "existencia"),
    "warehouse": ("deposito", "warehouse", "almacen", "sucursal"),
    "resolution_mp": ("resolucion", "resolution", "resolutionmp", "resolucionmp", "mp"),
    "form_factor": ("formato", "formfactor", "forma", "tipocamara"),
    "placement": ("ubicacion", "placement", "interiorexterior", "indooroutdoor", "uso"),
    "ir_range_m": ("ir", "irrange", "irrangem", "alcanceir", "infrarrojo", "irm"),
    "lens_mm": ("lente", "lens", "lensmm", "lentemm", "optica"),
    "poe": ("poe",),
    "channels": ("canales", "channels", "ch"),
    "storage_tb": ("almacenamiento", "storage", "storagetb", "capacidad", "capacidadtb", "tb"),
    "wifi": ("wifi", "wireless", "inalambrica"),
    "audio": ("audio", "microfono", "microphone"),
}
_BY_ALIAS: Final = {alias: field for field, names in ALIASES.items() for alias in names}
_STOCK_PREFIXES: Final = ("stock", "existencia")


def folded(text: str) -> str:
    """Lower-case letters and digits only: ``Categoría`` -> ``categoria``."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.lower() if c.isalnum())


@attrs.frozen
class CatalogueRow:
    """One row: its ``line`` (a CSV's header is line 1; a JSON array's first item is 1), its
    fields by name (``None`` when blank), the stock it gives per warehouse (raw text), and
    ``problems`` the reader already found."""

    line: int
    fields: Mapping[str, str | None]
    stock: Mapping[str, str] = attrs.field(factory=dict)
    problems: tuple[tuple[str, str], ...] = ()


@attrs.define
class CatalogueRows:
    """The rows of a file, lazily; ``columns`` maps each column used to its field and
    ``ignored`` lists the others; ``total`` is the number of rows when known."""

    rows: Iterator[CatalogueRow]
    columns: dict[str, str] = attrs.field(factory=dict)
    ignored: list[str] = attrs.field(factory=list)
    total: int | None = None

    def __iter__(self) -> Iterator[CatalogueRow]:
        return self.rows


def resolve_column(column: str) -> tuple[str, str | None] | None:
    """``(field, None)`` for a known column, ``("stock", warehouse)`` for a ``stock
    <warehouse>`` column, ``None`` for an unknown one."""
    key = folded(column)
    if key in _BY_ALIAS:
        return _BY_ALIAS[key], None
    for prefix in _STOCK_PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix):
            rest = column.strip()[len(prefix) :].strip(" _-:")
            if rest:
                return "stock", rest
    return None


def _file_error(message: str) -> InvalidInput:
    return InvalidInput([InvalidValue(message, field="file")])


def _blank(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return None if text == "" or text.lower() in {"n/a", "-", "null", "none"} else text


def _row(line: int, values: Mapping[str, object], columns: Mapping[str, Any]) -> CatalogueRow:
    fields: dict[str, str | None] = {}
    stock: dict[str, str] = {}
    for column, value in values.items():
        target = columns.get(column)
        if target is None:
            continue
        field, warehouse = target
        text = _blank(value) if not isinstance(value, bool) else str(value).lower()
        if warehouse is not None:
            if text is not None:
                stock[warehouse] = text
        elif fields.get(field) is None:
            fields[field] = text
    warehouse = fields.pop("warehouse", None)
    single = fields.pop("stock", None)
    if single is not None:
        stock[warehouse or "CABA"] = single
    return CatalogueRow(line, fields, stock)


def _columns(names: list[str], rows: CatalogueRows) -> dict[str, tuple[str, str | None]]:
    columns: dict[str, tuple[str, str | None]] = {}
    for name in names:
        target = resolve_column(name)
        if target is None:
            if name.strip() and name not in rows.ignored:
                rows.ignored.append(name)
            continue
        columns[name] = target
        rows.columns[name] = target[0] if target[1] is None else f"stock {target[1]}"
    if not any(field == "sku" for field, _ in columns.values()):
        raise _file_error("no column names the SKU (sku, código)")
    return columns


def read_csv(text: str) -> CatalogueRows:
    lines = text.splitlines()
    head = next((line for line in lines if line.strip()), "")
    delimiter = ";" if head.count(";") > head.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise _file_error("the file is empty") from None
    except csv.Error as exc:
        raise _file_error(f"not readable as CSV: {exc}") from None
    rows = CatalogueRows(iter(()))
    columns = _columns(header, rows)
    rows.total = max(sum(1 for line in lines[1:] if line.strip()), 0)

    def records() -> Iterator[list[str]]:
        try:
            yield from reader
        except csv.Error as exc:
            raise _file_error(f"line {reader.line_num} is not readable as CSV: {exc}") from None

    def generate() -> Iterator[CatalogueRow]:
        for record in records():
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            problems: tuple[tuple[str, str], ...] = ()
            if len(record) != len(header):
                problems = (("row", f"has {len(record)} cells, the header {len(header)}"),)
            row = _row(line, dict(zip(header, record, strict=False)), columns)
            yield attrs.evolve(row, problems=problems) if problems else row

    rows.rows = generate()
    return rows


def read_json(text: str) -> CatalogueRows:
    try:
        data = json.loads(text, parse_float=str, parse_int=str)
    except json.JSONDecodeError as error:
        raise _file_error(f"invalid JSON at line {error.lineno}: {error.msg}") from None
    if isinstance(data, dict):
        data = next((v for v in data.values() if isinstance(v, list)), None)
    if not isinstance(data, list):
        raise _file_error("expected a list of products (or an object holding one)")
    names: list[str] = []
    for item in data:
        if isinstance(item, dict):
            names.extend(k for k in item if k not in names)
    rows = CatalogueRows(iter(()), total=len(data))
    columns = _columns(names, rows)

    def generate() -> Iterator[CatalogueRow]:
        for line, item in enumerate(data, start=1):
            if not isinstance(item, dict):
                yield CatalogueRow(line, {}, problems=(("row", "is not an object"),))
                continue
            flat = {k: v for k, v in item.items() if not isinstance(v, dict | list)}
            yield _row(line, flat, columns)

    rows.rows = generate()
    return rows


def read_catalogue(
    text: str, file_name: str, *, file_format: FileFormat | None = None
) -> CatalogueRows:
    """The rows of a catalogue file; raises :class:`InvalidInput` on ``file`` when the file
    itself is unreadable (no SKU column, invalid JSON)."""
    kind = file_format or detect_file_format(file_name, text[:4096])
    return read_json(text) if kind == "json" else read_csv(text.lstrip("\ufeff"))
