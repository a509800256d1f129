"""The e-mail that asks the Suppliers team to create a hotel as a supplier in Dome.

Pure rendering, no sending: :func:`render_supplier_email` turns a complete request into a
:class:`SupplierEmailContent` (subject, plain text, HTML, attachments, Message-ID) that the
outbox handler hands to the Mailer. What the Suppliers team reads is in Spain's Spanish; the
attachments' keys are stable English identifiers for their import:

- ``alta-proveedor-<ref>.json``: one object, sections as keys, every key always present
  (``null`` when empty), ``Decimal`` values as strings (``"15.00"``), times in ISO 8601 UTC.
- ``alta-proveedor-<ref>.csv``: one header row and one row with the same values flattened
  (contacts as ``contact_<role>_name/email/phone``, several of one role joined by `` | ``).
  UTF-8 with a BOM and ``;`` between columns, which is how Excel in Spain opens a CSV with
  accents and columns right; free text that starts like a formula (``=``, ``+``, ``-``,
  ``@``) is prefixed with ``'`` so a spreadsheet shows it instead of running it.

Rendering the same request twice gives the same bytes (no clock, no randomness), and the
Message-ID is the request's, so a retried delivery is the same message.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from enum import Enum
from html import escape
from typing import Any, NamedTuple
from uuid import UUID

import attrs

from perla_core.kernel.errors import PreconditionFailed
from perla_core.suppliers.fields import SECTION_FIELDS, Section
from perla_core.suppliers.model import SupplierRequest, describe_missing, message_id_for
from perla_core.suppliers.values import (
    ContactRole,
    ContractType,
    HotelContact,
    PaymentBasis,
    PaymentTerms,
    VatRegime,
)

JSON_FORMAT = "perla.supplier_request"
JSON_FORMAT_VERSION = 1
CSV_DELIMITER = ";"
SIGNATURE = "PerlaHub"

SECTION_TITLES: dict[Section, str] = {
    Section.IDENTITY: "Identificación del hotel",
    Section.ADMINISTRATIVE: "Datos administrativos",
    Section.FISCAL: "Datos fiscales",
    Section.BANKING: "Datos bancarios",
    Section.COMMERCIAL: "Condiciones comerciales",
}
FIELD_LABELS: dict[str, str] = {
    "name": "Nombre",
    "chain": "Cadena",
    "stars": "Categoría",
    "address": "Dirección",
    "city": "Población",
    "postal_code": "Código postal",
    "country": "País",
    "coordinates": "Coordenadas (lat, lon)",
    "phone": "Teléfono",
    "email": "Correo electrónico",
    "website": "Web",
    "legal_name": "Razón social",
    "tax_id": "NIF / identificador fiscal",
    "vat_regime": "Régimen de IVA",
    "iban": "IBAN",
    "bic": "BIC / SWIFT",
    "account_holder": "Titular de la cuenta",
    "contract_type": "Tipo de contrato",
    "commission_pct": "Comisión",
    "markup_pct": "Markup",
    "payment_terms": "Forma de pago",
    "release_days": "Release",
    "cancellation_policy": "Política de cancelación",
    "contacts": "Contactos",
}
VAT_REGIME_LABELS: dict[VatRegime, str] = {
    VatRegime.GENERAL: "Régimen general",
    VatRegime.RECARGO_EQUIVALENCIA: "Recargo de equivalencia",
    VatRegime.EXEMPT: "Exento de IVA",
    VatRegime.REVERSE_CHARGE: "Inversión del sujeto pasivo",
    VatRegime.NON_RESIDENT: "No residente sin establecimiento permanente",
    VatRegime.IGIC: "IGIC (Canarias)",
}
CONTRACT_LABELS: dict[ContractType, str] = {
    ContractType.NET: "Neto (tarifa neta + markup)",
    ContractType.COMMISSION: "Comisionable (PVP con comisión)",
}
CONTACT_ROLE_LABELS: dict[ContactRole, str] = {
    ContactRole.RESERVATIONS: "Reservas",
    ContactRole.ACCOUNTING: "Contabilidad",
    ContactRole.REVENUE: "Revenue",
    ContactRole.GENERAL_MANAGER: "Dirección general",
    ContactRole.SALES: "Comercial",
    ContactRole.FRONT_DESK: "Recepción",
    ContactRole.OTHER: "Otro",
}

# CSV columns holding free text, where a leading =, +, - or @ would be read as a formula.
_FREE_TEXT = frozenset(
    {
        "matched_hotel_ref",
        "name",
        "chain",
        "address",
        "city",
        "postal_code",
        "legal_name",
        "account_holder",
        "cancellation_policy",
        "observations",
    }
    | {f"contact_{role}_name" for role in ContactRole}
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class Attachment(NamedTuple):
    filename: str
    content_type: str
    content: bytes


@attrs.frozen
class SupplierEmailContent:
    """What the Suppliers team receives; the Mailer's adapter builds the MIME message."""

    subject: str
    text: str
    html: str
    attachments: tuple[Attachment, ...]
    message_id: str


def message_id(request_id: UUID) -> str:
    """``<supplier-request.<id>@perla>``, the same for every send of the request."""
    return message_id_for(request_id)


def render_supplier_email(request: SupplierRequest) -> SupplierEmailContent:
    """The e-mail for a complete request; refused (:class:`PreconditionFailed`) with what is
    missing otherwise."""
    missing = request.missing()
    if missing:
        raise PreconditionFailed(
            "an incomplete supplier request is not e-mailed; missing " + describe_missing(missing),
            missing=[f for fields in missing.values() for f in fields],
        )
    record = supplier_request_record(request)
    return SupplierEmailContent(
        subject=subject(request),
        text=_text_body(request),
        html=_html_body(request),
        attachments=(
            Attachment(
                f"alta-proveedor-{request.reference}.json",
                "application/json",
                (json.dumps(record, ensure_ascii=False, indent=2) + "\n").encode("utf-8"),
            ),
            Attachment(
                f"alta-proveedor-{request.reference}.csv",
                "text/csv",
                _csv(flat_record(record)),
            ),
        ),
        message_id=request.message_id,
    )


def subject(request: SupplierRequest) -> str:
    """``Alta de proveedor: <hotel>, <city> [<reference>]``."""
    return f"Alta de proveedor: {request.name}, {request.city or '-'} [{request.reference}]"


# --- the machine-readable record ------------------------------------------------------------------


def supplier_request_record(request: SupplierRequest) -> dict[str, Any]:
    """The request as JSON-ready data with stable keys (see the module's docstring)."""
    r = request
    terms = r.payment_terms
    return {
        "format": JSON_FORMAT,
        "format_version": JSON_FORMAT_VERSION,
        "request_id": str(r.id),
        "reference": r.reference,
        "message_id": r.message_id,
        "matched_hotel_ref": r.matched_hotel_ref,
        "requested_by": r.send_requested_by,
        "requested_at": _iso(r.send_requested_at),
        "identity": {
            "name": r.name,
            "chain": r.chain,
            "stars": r.stars,
            "address": r.address,
            "city": r.city,
            "postal_code": r.postal_code,
            "country": r.country,
            "latitude": _string(r.coordinates.latitude if r.coordinates else None),
            "longitude": _string(r.coordinates.longitude if r.coordinates else None),
            "phone": _string(r.phone),
            "email": _string(r.email),
            "website": r.website,
        },
        "administrative": {
            "legal_name": r.legal_name,
            "tax_id": r.tax_id.number if r.tax_id else None,
            "tax_id_country": r.tax_id.country if r.tax_id else None,
        },
        "fiscal": {"vat_regime": _string(r.vat_regime)},
        "banking": {
            "iban": _string(r.iban),
            "bic": _string(r.bic),
            "account_holder": r.account_holder,
        },
        "commercial": {
            "contract_type": _string(r.contract_type),
            "commission_pct": _string(r.commission_pct),
            "markup_pct": _string(r.markup_pct),
            "payment_basis": _string(terms.basis if terms else None),
            "payment_days": terms.days if terms else None,
            "release_days": r.release_days,
            "cancellation_policy": r.cancellation_policy,
            "contacts": [
                {
                    "role": c.role.value,
                    "name": c.name,
                    "email": _string(c.email),
                    "phone": _string(c.phone),
                }
                for c in r.contacts
            ],
        },
        "observations": [
            {"code": o.code, "field": o.field, "message": o.message} for o in r.observations()
        ],
    }


def flat_record(record: Mapping[str, Any]) -> dict[str, str]:
    """The record as the CSV's one row: header -> text, every column always present."""
    row: dict[str, str] = {
        key: _cell(record[key]) for key in ("request_id", "reference", "matched_hotel_ref")
    }
    for section in Section:
        for key, value in record[section.value].items():
            if key != "contacts":
                row[key] = _cell(value)
    contacts = record[Section.COMMERCIAL.value]["contacts"]
    for role in ContactRole:
        mine = [c for c in contacts if c["role"] == role.value]
        for part in ("name", "email", "phone"):
            row[f"contact_{role.value}_{part}"] = " | ".join(_cell(c[part]) for c in mine)
    row["observations"] = " | ".join(o["message"] for o in record["observations"])
    return row


def _csv(row: Mapping[str, str]) -> bytes:
    safe = {k: _defuse(v) if k in _FREE_TEXT else v for k, v in row.items()}
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(safe), delimiter=CSV_DELIMITER)
    writer.writeheader()
    writer.writerow(safe)
    return buffer.getvalue().encode("utf-8-sig")


def _defuse(text: str) -> str:
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def _string(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


# --- what people read -------------------------------------------------------------------------


class _Row(NamedTuple):
    field: str
    label: str
    value: str


def _rows(request: SupplierRequest) -> list[tuple[Section, list[_Row]]]:
    """Each section with its rows, as both bodies show them."""
    shown: list[tuple[Section, list[_Row]]] = []
    for section, fields in SECTION_FIELDS.items():
        rows: list[_Row] = []
        for field in fields:
            if field == "contacts":
                rows += [_contact_row(c) for c in request.contacts]
            elif field in {"commission_pct", "markup_pct"} and getattr(request, field) is None:
                continue
            else:
                rows.append(_Row(field, FIELD_LABELS[field], _display(request, field)))
        shown.append((section, rows))
    return shown


def _contact_row(contact: HotelContact) -> _Row:
    reach = [str(x) for x in (contact.email, contact.phone) if x is not None]
    label = (
        "Otro contacto"
        if contact.role is ContactRole.OTHER
        else f"Contacto de {CONTACT_ROLE_LABELS[contact.role].lower()}"
    )
    return _Row("contacts", label, " · ".join([contact.name, *reach]))


def _display(request: SupplierRequest, field: str) -> str:  # noqa: PLR0911 - one per kind
    value = getattr(request, field)
    if value is None:
        return "—"
    if field == "stars":
        return "1 estrella" if value == 1 else f"{value} estrellas"
    if field == "tax_id":
        return f"{value.display} ({value.country})"
    if field == "iban":
        return str(value.display)
    if field == "vat_regime":
        return VAT_REGIME_LABELS[value]
    if field == "contract_type":
        return CONTRACT_LABELS[value]
    if field in {"commission_pct", "markup_pct"}:
        return _percent(value)
    if field == "payment_terms":
        return payment_terms_text(value)
    if field == "release_days":
        return "Sin release" if value == 0 else f"{value} {'día' if value == 1 else 'días'}"
    return str(value)


def _percent(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",") + " %"


def payment_terms_text(terms: PaymentTerms) -> str:
    """The terms as the Suppliers team writes them (``A 30 días fecha factura``)."""
    n = terms.days
    days = f"{n} {'día' if n == 1 else 'días'}"
    phrases: dict[PaymentBasis, tuple[str, str]] = {
        PaymentBasis.PREPAYMENT: (
            "Prepago antes de la llegada",
            f"Prepago, {days} antes de la llegada",
        ),
        PaymentBasis.AFTER_CHECK_OUT: (
            "A la salida del cliente",
            f"A {days} de la salida del cliente",
        ),
        PaymentBasis.AFTER_INVOICE: ("A la recepción de la factura", f"A {days} fecha factura"),
        PaymentBasis.MONTHLY: (
            "Liquidación mensual a fin de mes",
            f"Liquidación mensual, a {days} fin de mes",
        ),
    }
    at_once, later = phrases[terms.basis]
    return at_once if n == 0 else later


def _when(moment: datetime | None) -> str:
    return moment.strftime("%d/%m/%Y %H:%M UTC") if moment else "—"


def _preamble(request: SupplierRequest) -> list[str]:
    lines = [
        f"Referencia de la solicitud: {request.reference} (id {request.id})",
        f"Solicitada por: {request.send_requested_by or '—'}, "
        f"el {_when(request.send_requested_at)}",
    ]
    if request.send_count > 1:
        lines.append(
            f"Reenvío n.º {request.send_count}: sustituye a los envíos anteriores de esta "
            "solicitud."
        )
    if request.rejection_reason and request.send_count > 1:
        lines.append(f"Motivo del rechazo anterior: {request.rejection_reason}")
    if request.matched_hotel_ref:
        lines.append(f"Ficha del directorio de hoteles: {request.matched_hotel_ref}")
    return lines


_GREETING = "Hola, equipo de Suppliers:"
_CLOSING = (
    "Adjuntamos los mismos datos en JSON y en CSV para importarlos.",
    "Cuando el proveedor esté creado en Dome, respondednos a este correo con su código de "
    "proveedor; si no podéis darlo de alta, decidnos el motivo.",
)


def _intro(request: SupplierRequest) -> str:
    return (
        f"Os enviamos los datos para dar de alta como proveedor en Dome el hotel "
        f"«{request.name}» ({request.city})."
    )


def _text_body(request: SupplierRequest) -> str:
    sections = _rows(request)
    width = max(len(row.label) for _, rows in sections for row in rows) + 1
    out = [_GREETING, "", _intro(request), "", *_preamble(request)]
    for section, rows in sections:
        out += ["", SECTION_TITLES[section].upper()]
        for row in rows:
            first, *rest = row.value.split("\n")
            out.append(f"  {row.label + ':':<{width}} {first}".rstrip())
            out += [f"  {'':<{width}} {more}".rstrip() for more in rest]
    observations = request.observations()
    if observations:
        out += ["", "OBSERVACIONES"]
        out += [f"  - {o.message}" for o in observations]
    out += ["", *_CLOSING, "", "Un saludo,", SIGNATURE, ""]
    return "\n".join(out)


_STYLE_TABLE = "border-collapse:collapse;margin:0 0 16px 0"
_STYLE_TH = (
    "text-align:left;vertical-align:top;padding:4px 12px 4px 0;color:#555;font-weight:normal;"
    "white-space:nowrap"
)
_STYLE_TD = "vertical-align:top;padding:4px 0"
_STYLE_H2 = "font-size:16px;margin:20px 0 8px 0;border-bottom:1px solid #ddd;padding-bottom:4px"


def _html_value(request: SupplierRequest, row: _Row) -> str:
    text = escape(row.value).replace("\n", "<br>\n")
    if row.field == "website" and request.website:
        return f'<a href="{escape(request.website, quote=True)}">{text}</a>'
    if row.field == "email" and request.email:
        return f'<a href="mailto:{escape(str(request.email), quote=True)}">{text}</a>'
    return text


def _html_body(request: SupplierRequest) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="es">',
        '<head><meta charset="utf-8">',
        f"<title>{escape(subject(request))}</title></head>",
        '<body style="font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#1a1a1a">',
        f"<p>{escape(_GREETING)}</p>",
        f"<p>{escape(_intro(request))}</p>",
        _html_paragraphs(_preamble(request)),
    ]
    for section, rows in _rows(request):
        parts.append(f'<h2 style="{_STYLE_H2}">{escape(SECTION_TITLES[section])}</h2>')
        parts.append(f'<table role="presentation" style="{_STYLE_TABLE}">')
        parts += [
            f'<tr><th scope="row" style="{_STYLE_TH}">{escape(row.label)}</th>'
            f'<td style="{_STYLE_TD}">{_html_value(request, row)}</td></tr>'
            for row in rows
        ]
        parts.append("</table>")
    observations = request.observations()
    if observations:
        parts.append(f'<h2 style="{_STYLE_H2}">Observaciones</h2>')
        parts.append("<ul>")
        parts += [f"<li>{escape(o.message)}</li>" for o in observations]
        parts.append("</ul>")
    parts.append(_html_paragraphs(_CLOSING))
    parts.append(f"<p>Un saludo,<br>\n{escape(SIGNATURE)}</p>")
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


def _html_paragraphs(lines: Iterable[str]) -> str:
    return "\n".join(f"<p>{escape(text)}</p>" for text in lines)
