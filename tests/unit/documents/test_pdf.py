"""The PDF renderer (fpdf2): an A4 PDF with the seller's and buyer's tax data, the lines,
the VAT breakdown, the totals and the financing plan, in Spanish; the same document gives
the same bytes. Page streams are left uncompressed here so the text can be searched."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from tests.unit.documents.builders import document

from perla_adapters.documents.pdf import FpdfDocumentRenderer, latin1, money_ar, percent_ar
from perla_core.documents import BillingDocument, DocumentKind, DocumentLine
from perla_core.kernel.money import Money


def text_of(pdf: bytes) -> str:
    """The strings drawn on the pages (``(...) Tj`` operators), joined by newlines."""
    shown = re.findall(rb"\(((?:[^()\\]|\\.)*)\)\s*Tj", pdf)
    return "\n".join(s.replace(b"\\(", b"(").replace(b"\\)", b")").decode("latin-1") for s in shown)


@pytest.fixture
def renderer() -> FpdfDocumentRenderer:
    return FpdfDocumentRenderer(compress=False)


def render(renderer: FpdfDocumentRenderer, doc: BillingDocument) -> str:
    return text_of(renderer.render(doc))


def test_it_is_a_pdf_and_the_same_document_gives_the_same_bytes() -> None:
    renderer = FpdfDocumentRenderer()
    pdf = renderer.render(document())

    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert b"/MediaBox [0 0 595.28 841.89]" in pdf  # A4
    assert renderer.render(document()) == pdf
    assert renderer.render(document(number=43)) != pdf
    assert renderer.content_type == "application/pdf"


def test_a_pre_invoice_shows_both_parties_lines_vat_totals_and_plan(
    renderer: FpdfDocumentRenderer,
) -> None:
    text = render(renderer, document())

    for expected in (
        "MICROCOM S.A.",
        "CUIT: 30-50001091-2",
        "Condición frente al IVA: Responsable Inscripto",
        "Prefactura",
        "N° PF-0001-00000042",
        "Fecha de emisión: 24/11/2026",  # 15:30 UTC is 12:30 in Buenos Aires
        "Pedido: 1007",
        "Razón social: Seguridad Núñez SRL",
        "CUIT: 20-12345678-6",
        "Condición frente al IVA: Monotributista",
        "HIK-DS2CD",
        "Cámara IP bullet 4 MP exterior",
        "62,40",
        "10 %",
        "10,5 %",
        "168,48",
        "1.210,01",
        "Neto gravado al 21 %",
        "IVA 10,5 %",
        "ARS 17,69",
        "Subtotal neto",
        "ARS 1.168,49",
        "ARS 227,69",
        "TOTAL",
        "ARS 1.396,18",
        "Plan de financiación",
        "6 cuotas de ARS 265,10",
        "Total financiado: ARS 1.590,60",
        "TNA 45 % - TEA 55,55 % - CFT 60,1 % (CFT con IVA 75,25 %)",
        "Validez de la oferta: 48 horas.",
        "documento no válido como factura",
    ):
        assert expected in text, expected


def test_an_invoice_without_plan_says_factura_and_prints_no_plan(
    renderer: FpdfDocumentRenderer,
) -> None:
    text = render(
        renderer, document(kind=DocumentKind.INVOICE, series="A-0001", financing=None, notes=None)
    )

    assert "Factura" in text
    assert "N° A-0001-00000042" in text
    assert "Plan de financiación" not in text
    assert "no válido como factura" not in text
    assert "Observaciones" not in text


def test_characters_outside_latin1_are_replaced_and_long_descriptions_cut(
    renderer: FpdfDocumentRenderer,
) -> None:
    line = DocumentLine.create(
        sku="K-1",
        description="Kit \u201cPro\u201d \u2013 8 cámaras \u2713 " + "muy larga " * 20,
        quantity=1,
        unit_price=Money.of("1", "ARS"),
    )
    text = render(renderer, document(lines=[line]))

    assert 'Kit "Pro" - 8 cámaras ?' in text
    assert "..." in text
    assert "muy larga " * 20 not in text


def test_many_lines_run_onto_more_pages(renderer: FpdfDocumentRenderer) -> None:
    many = [
        DocumentLine.create(
            sku=f"SKU-{i}", description="Cable UTP", quantity=1, unit_price=Money.of("1", "ARS")
        )
        for i in range(80)
    ]
    text = render(renderer, document(lines=many))

    assert "Página 1/" in text
    assert "Página 2/" in text
    assert text.count("P. unitario") == 2  # the column titles again on the second page
    assert "SKU-79" in text


def test_argentinian_number_formats() -> None:
    assert money_ar(Money.of("1234567.891", "ARS")) == "ARS 1.234.567,89"
    assert money_ar(Money.of("5", "USD"), currency=False) == "5,00"
    assert percent_ar(Decimal("10.5")) == "10,5 %"
    assert percent_ar(Decimal(21)) == "21 %"
    assert percent_ar(Decimal("55.55")) == "55,55 %"
    assert latin1("ñ € —") == "ñ EUR -"
