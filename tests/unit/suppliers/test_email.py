"""The e-mail to the Suppliers team: a clear subject, both bodies laid out by section in
Spain's Spanish, JSON and CSV that read back to the same data, and one Message-ID per request."""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser
from typing import Any
from uuid import UUID

import pytest
from tests.unit.suppliers.fakes import (
    AGENT,
    LATER,
    NOW,
    REQUEST_ID,
    SUPPLIERS,
    a_request,
    a_request_in,
    complete_input,
)

from perla_core.kernel.errors import PreconditionFailed
from perla_core.suppliers.email import (
    SupplierEmailContent,
    flat_record,
    message_id,
    render_supplier_email,
)
from perla_core.suppliers.model import SupplierRequest, SupplierRequestStatus


def sending(**overrides: Any) -> SupplierRequest:
    request = a_request(complete_input(**overrides))
    request.request_send(SUPPLIERS, now=NOW, actor=AGENT)
    return request


def render(**overrides: Any) -> SupplierEmailContent:
    return render_supplier_email(sending(**overrides))


def attachment(content: SupplierEmailContent, suffix: str) -> bytes:
    (found,) = [a for a in content.attachments if a.filename.endswith(suffix)]
    return found.content


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:  # noqa: ARG002 - HTMLParser hook
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser


# --- subject and bodies -------------------------------------------------------------------------


def test_the_subject_names_hotel_city_and_request() -> None:
    content = render(name="Hotel Ñandú", city="Cádiz")

    assert content.subject == "Alta de proveedor: Hotel Ñandú, Cádiz [C0FFEE01]"


def test_the_plain_text_is_laid_out_by_section_in_spanish() -> None:
    text = render().text

    titles = [
        "IDENTIFICACIÓN DEL HOTEL",
        "DATOS ADMINISTRATIVOS",
        "DATOS FISCALES",
        "DATOS BANCARIOS",
        "CONDICIONES COMERCIALES",
    ]
    positions = [text.index(f"\n{title}\n") for title in titles]
    assert positions == sorted(positions)
    assert text.startswith("Hola, equipo de Suppliers:\n")
    for expected in (
        "Categoría:",
        "4 estrellas",
        "Población:",
        "Cádiz",
        "Razón social:",
        "Hoteles Ñandú S.L.",
        "Régimen general",
        "ES91 2100 0418 4502 0005 1332",
        "Comisionable (PVP con comisión)",
        "15,00 %",
        "A 30 días fecha factura",
        "7 días",
        "Contacto de reservas:",
        "Lucía Pérez · reservas@palafoxhoteles.com",
        "Contacto de contabilidad:",
        "Íñigo Sáez · +34956205101",
        "respondednos a este correo con su código de proveedor",
        f"Referencia de la solicitud: C0FFEE01 (id {REQUEST_ID})",
        "Solicitada por: ana.agent, el 15/01/2026 09:00 UTC",
    ):
        assert expected in text, expected


def test_a_multi_line_policy_stays_aligned_under_its_label() -> None:
    lines = render().text.splitlines()

    first = next(i for i, line in enumerate(lines) if "Política de cancelación:" in line)
    column = lines[first].index("Gratis")
    assert lines[first + 1].index("Después") == column


def test_the_html_body_escapes_what_the_hotel_data_holds() -> None:
    content = render(
        name="<script>alert('x')</script> & Spa",
        cancellation_policy='<img src=x onerror="alert(1)">\nSin reembolso',
        legal_name='"Hoteles" <b>Ñandú</b>',
    )

    parsed = parse_html(content.html)
    assert "script" not in parsed.tags
    assert "img" not in parsed.tags
    assert "b" not in parsed.tags
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; Spa" in content.html
    text = "".join(parsed.text)
    assert "<script>alert('x')</script> & Spa" in text
    assert '<img src=x onerror="alert(1)">' in text
    assert "<br>" in content.html


def test_the_html_body_has_a_table_per_section_and_links_web_and_e_mail() -> None:
    html = render().html
    parsed = parse_html(html)

    assert parsed.tags.count("h2") == 5
    assert parsed.tags.count("table") == 5
    assert '<html lang="es">' in html
    assert '<meta charset="utf-8">' in html
    assert '<a href="https://www.palafoxhoteles.com">' in html
    assert '<a href="mailto:reservas@palafoxhoteles.com">' in html
    for title in ("Identificación del hotel", "Datos bancarios", "Condiciones comerciales"):
        assert f">{title}</h2>" in html


def test_observations_reach_the_suppliers_team_in_every_format() -> None:
    content = render(iban="PT50 0002 0123 1234 5678 9015 4", bic="BCOMPTPL")
    message = "La cuenta bancaria es de PT y el hotel está en ES."

    assert f"OBSERVACIONES\n  - {message}" in content.text
    assert f"<li>{message}</li>" in content.html
    record = json.loads(attachment(content, ".json"))
    assert record["observations"] == [
        {"code": "iban_country_differs", "field": "iban", "message": message}
    ]


def test_a_resend_says_it_replaces_the_earlier_ones() -> None:
    request = a_request_in(SupplierRequestStatus.REJECTED)
    request.request_send(SUPPLIERS, now=LATER, actor=AGENT)

    text = render_supplier_email(request).text

    assert "Reenvío n.º 2: sustituye a los envíos anteriores de esta solicitud." in text
    assert "Motivo del rechazo anterior: Falta el certificado bancario" in text


def test_an_incomplete_request_is_not_rendered() -> None:
    with pytest.raises(PreconditionFailed) as refused:
        render_supplier_email(a_request(complete_input(iban=None)))

    assert refused.value.missing == ["iban"]


# --- attachments --------------------------------------------------------------------------------


EXPECTED_RECORD: dict[str, Any] = {
    "format": "perla.supplier_request",
    "format_version": 1,
    "request_id": str(REQUEST_ID),
    "reference": "C0FFEE01",
    "message_id": f"<supplier-request.{REQUEST_ID}@perla>",
    "matched_hotel_ref": None,
    "requested_by": AGENT,
    "requested_at": "2026-01-15T09:00:00+00:00",
    "identity": {
        "name": "Hotel Playa Victoria",
        "chain": "Palafox Hoteles",
        "stars": 4,
        "address": "Glorieta Ingeniero La Cierva 4",
        "city": "Cádiz",
        "postal_code": "11010",
        "country": "ES",
        "latitude": "36.517220",
        "longitude": "-6.281390",
        "phone": "+34956205100",
        "email": "reservas@palafoxhoteles.com",
        "website": "https://www.palafoxhoteles.com",
    },
    "administrative": {
        "legal_name": "Hoteles Ñandú S.L.",
        "tax_id": "B58378431",
        "tax_id_country": "ES",
    },
    "fiscal": {"vat_regime": "general"},
    "banking": {
        "iban": "ES9121000418450200051332",
        "bic": "CAIXESBBXXX",
        "account_holder": "Hoteles Ñandú, S.L.",
    },
    "commercial": {
        "contract_type": "commission",
        "commission_pct": "15.00",
        "markup_pct": None,
        "payment_basis": "after_invoice",
        "payment_days": 30,
        "release_days": 7,
        "cancellation_policy": "Gratis hasta 48 h antes de la llegada.\nDespués, la primera noche.",
        "contacts": [
            {
                "role": "reservations",
                "name": "Lucía Pérez",
                "email": "reservas@palafoxhoteles.com",
                "phone": None,
            },
            {"role": "accounting", "name": "Íñigo Sáez", "email": None, "phone": "+34956205101"},
        ],
    },
    "observations": [],
}


def test_the_json_attachment_reads_back_to_the_request_with_decimals_as_text() -> None:
    content = render()
    (json_attachment,) = [a for a in content.attachments if a.content_type == "application/json"]

    assert json_attachment.filename == "alta-proveedor-C0FFEE01.json"
    record = json.loads(json_attachment.content.decode("utf-8"))
    assert record == EXPECTED_RECORD
    assert list(record) == list(EXPECTED_RECORD)
    assert "Ñandú" in json_attachment.content.decode("utf-8")


def test_the_json_keeps_every_key_when_optional_fields_are_empty() -> None:
    record = json.loads(attachment(render(chain=None, website=None), ".json"))

    assert record["identity"]["chain"] is None
    assert record["identity"]["website"] is None
    assert list(record["identity"]) == list(EXPECTED_RECORD["identity"])


def test_the_csv_attachment_has_a_bom_one_header_and_one_row_with_the_json_values() -> None:
    content = render()
    (csv_attachment,) = [a for a in content.attachments if a.content_type == "text/csv"]
    raw = csv_attachment.content

    assert csv_attachment.filename == "alta-proveedor-C0FFEE01.csv"
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 2
    header, row = rows
    assert dict(zip(header, row, strict=True)) == flat_record(EXPECTED_RECORD)
    values = dict(zip(header, row, strict=True))
    assert values["name"] == "Hotel Playa Victoria"
    assert values["city"] == "Cádiz"
    assert values["commission_pct"] == "15.00"
    assert values["markup_pct"] == ""
    assert values["contact_reservations_name"] == "Lucía Pérez"
    assert values["contact_accounting_phone"] == "+34956205101"
    assert values["contact_revenue_email"] == ""
    assert values["cancellation_policy"].count("\n") == 1


def test_the_csv_header_is_stable_whatever_the_contacts() -> None:
    few = render(contacts=complete_input()["contacts"])
    many = render(
        contacts=[
            *complete_input()["contacts"],
            {"role": "revenue", "name": "Pablo", "email": "revenue@hotel.es"},
            {"role": "reservations", "name": "Sara", "email": "grupos@hotel.es"},
        ]
    )

    def table(content: SupplierEmailContent) -> list[list[str]]:
        text = attachment(content, ".csv").decode("utf-8-sig")
        return list(csv.reader(io.StringIO(text), delimiter=";"))

    assert table(few)[0] == table(many)[0]
    values = dict(zip(*table(many), strict=True))
    assert values["contact_reservations_name"] == "Lucía Pérez | Sara"
    assert values["contact_revenue_name"] == "Pablo"


def test_free_text_that_looks_like_a_formula_is_defused_in_the_csv_only() -> None:
    content = render(name='=HYPERLINK("http://x")', account_holder="@Ñandú")

    values = dict(
        zip(
            *csv.reader(
                io.StringIO(attachment(content, ".csv").decode("utf-8-sig")), delimiter=";"
            ),
            strict=True,
        )
    )
    assert values["name"] == '\'=HYPERLINK("http://x")'
    assert values["account_holder"] == "'@Ñandú"
    assert values["phone"] == "+34956205100"
    assert values["longitude"] == "-6.281390"
    assert json.loads(attachment(content, ".json"))["identity"]["name"] == '=HYPERLINK("http://x")'


# --- Message-ID ---------------------------------------------------------------------------------


def test_the_message_id_is_the_requests_and_the_same_for_every_send() -> None:
    request = a_request_in(SupplierRequestStatus.SENT)
    request.request_send(SUPPLIERS, now=NOW, actor=AGENT)
    first = render_supplier_email(request)
    request.mark_sent(now=LATER, actor="system")
    request.request_send(SUPPLIERS, now=LATER, actor=AGENT)
    resend = render_supplier_email(request)

    expected = f"<supplier-request.{REQUEST_ID}@perla>"
    assert first.message_id == resend.message_id == expected == message_id(REQUEST_ID)
    assert render(name="Otro hotel").message_id == expected
    assert a_request(request_id=UUID(int=5)).message_id != expected


def test_rendering_the_same_request_twice_gives_the_same_bytes() -> None:
    request = sending()

    assert render_supplier_email(request) == render_supplier_email(request)
