"""Billing documents as PDF with fpdf2.

Why fpdf2: it is pure Python (no system libraries such as Cairo, Pango or a headless browser,
which WeasyPrint and wkhtmltopdf need), small, typed, actively maintained, and draws exactly
what it is told, which is what a fiscal-looking A4 document wants. ReportLab would do too but
is far larger for the same result. The PDF uses the core Helvetica font (its Latin-1 covers
Spanish: á é í ó ú ñ ü ¿ ¡ °), so nothing is embedded; fpdf2 ships no Unicode font (no
DejaVu) and perla adds none, so characters outside Latin-1 are replaced (typographic quotes
and dashes by their plain forms, anything else by ``?``).

Output is deterministic: the creation date is the document's ``issued_at`` and fpdf2 derives
the file id from the content, so the same document gives the same bytes (its SHA-256 is what
the store and the database keep). Labels are Spanish (Argentina); amounts print as
``1.234,56``.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from perla_core.documents.model import BillingDocument, DocumentKind, Party
from perla_core.kernel.money import Money

FONT = "Helvetica"
WIDTH = 180.0  # A4 (210 mm) less 15 mm margins
LINE_COLUMNS = (  # title, width (mm), alignment
    ("Código", 22.0, "L"),
    ("Descripción", 56.0, "L"),
    ("Cant.", 12.0, "R"),
    ("P. unitario", 24.0, "R"),
    ("Dto. %", 12.0, "R"),
    ("IVA %", 12.0, "R"),
    ("Neto", 21.0, "R"),
    ("Total", 21.0, "R"),
)
_REPLACEMENTS = str.maketrans(
    {
        "\u201c": '"',
        "\u201d": '"',
        "\u2018": "'",
        "\u2019": "'",
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u20ac": "EUR",
    }
)


def _argentina() -> timezone | ZoneInfo:
    try:
        return ZoneInfo("America/Argentina/Buenos_Aires")
    except ZoneInfoNotFoundError:  # pragma: no cover - no tz database on the host
        return timezone(timedelta(hours=-3))


def latin1(text: str) -> str:
    """``text`` as the core fonts can draw it (see the module docstring)."""
    return text.translate(_REPLACEMENTS).encode("latin-1", "replace").decode("latin-1")


def number_ar(value: Decimal, places: int = 2) -> str:
    """``1234.5`` as ``1.234,50`` (Argentinian thousands and decimal separators)."""
    text = f"{value:,.{places}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def money_ar(money: Money, *, currency: bool = True) -> str:
    rounded = money.rounded()
    text = number_ar(rounded.amount, rounded.minor_units)
    return f"{rounded.currency} {text}" if currency else text


def percent_ar(value: Decimal) -> str:
    text = number_ar(value, 2)
    if text.endswith(",00"):
        text = text[:-3]
    elif text.endswith("0") and "," in text:
        text = text[:-1]
    return f"{text} %"


class _Pdf(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(FONT, "", 7)
        self.set_text_color(90, 90, 90)
        self.cell(WIDTH * 0.8, 5, latin1(self.footer_text), align="L")
        self.cell(WIDTH * 0.2, 5, f"Página {self.page_no()}/{{nb}}", align="R")


class FpdfDocumentRenderer:
    """Renders a :class:`BillingDocument` as an A4 PDF (see the module docstring).

    ``compress=False`` leaves the page streams readable (tests search them for text).
    """

    content_type = "application/pdf"

    def __init__(self, *, compress: bool = True) -> None:
        self._compress = compress

    def render(self, document: BillingDocument) -> bytes:
        pdf = _Pdf(orientation="P", unit="mm", format="A4")
        pdf.set_compression(self._compress)
        pdf.set_creation_date(document.issued_at)
        pdf.set_margins(15, 15, 15)
        pdf.set_auto_page_break(auto=True, margin=20)
        pdf.set_title(latin1(f"{document.title} {document.full_number}"))
        pdf.set_author(latin1(document.seller.legal_name))
        pdf.set_creator("perla")
        pdf.set_lang("es-AR")
        pdf.footer_text = _footer(document)
        pdf.add_page()
        _header(pdf, document)
        _buyer(pdf, document.buyer)
        _lines(pdf, document)
        _totals(pdf, document)
        if document.financing is not None:
            _financing(pdf, document)
        if document.notes:
            pdf.ln(4)
            pdf.set_font(FONT, "B", 9)
            pdf.cell(WIDTH, 5, "Observaciones", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.set_font(FONT, "", 9)
            pdf.multi_cell(WIDTH, 4.5, latin1(document.notes))
        return bytes(pdf.output())


def _footer(document: BillingDocument) -> str:
    seller = f"{document.seller.legal_name} - CUIT {document.seller.cuit}"
    if document.kind is DocumentKind.PRE_INVOICE:
        return f"{seller}. Prefactura: documento no válido como factura."
    return f"{seller}. Original."


def _header(pdf: FPDF, document: BillingDocument) -> None:
    seller = document.seller
    top = pdf.get_y()
    pdf.set_font(FONT, "B", 14)
    pdf.cell(WIDTH * 0.55, 7, latin1(seller.legal_name), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 9)
    for text in (
        seller.address,
        f"CUIT: {seller.cuit}",
        f"Condición frente al IVA: {seller.vat_condition}",
    ):
        pdf.cell(WIDTH * 0.55, 4.5, latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    left_bottom = pdf.get_y()
    right = pdf.l_margin + WIDTH * 0.55
    pdf.set_xy(right, top)
    pdf.set_font(FONT, "B", 18)
    pdf.cell(WIDTH * 0.45, 8, latin1(document.title), align="R")
    pdf.set_xy(right, top + 8)
    pdf.set_font(FONT, "B", 11)
    pdf.cell(WIDTH * 0.45, 6, f"N° {document.full_number}", align="R")
    pdf.set_font(FONT, "", 9)
    issued = document.issued_at.astimezone(_argentina())
    details = [f"Fecha de emisión: {issued:%d/%m/%Y}", f"Moneda: {document.currency}"]
    if document.order_number or document.order_id:
        details.append(f"Pedido: {document.order_number or document.order_id}")
    y = top + 14
    for text in details:
        pdf.set_xy(right, y)
        pdf.cell(WIDTH * 0.45, 4.5, latin1(text), align="R")
        y += 4.5
    pdf.set_xy(pdf.l_margin, max(left_bottom, y) + 3)
    pdf.set_draw_color(60, 60, 60)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + WIDTH, pdf.get_y())
    pdf.ln(3)


def _buyer(pdf: FPDF, buyer: Party) -> None:
    pdf.set_font(FONT, "B", 10)
    pdf.cell(WIDTH, 5.5, "Cliente", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 9)
    for label, value in (
        ("Razón social", buyer.legal_name),
        ("CUIT", buyer.cuit),
        ("Condición frente al IVA", buyer.vat_condition),
        ("Domicilio", buyer.address),
    ):
        pdf.cell(WIDTH, 4.5, latin1(f"{label}: {value}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)


def _fit(pdf: FPDF, text: str, width: float) -> str:
    text = latin1(text)
    if pdf.get_string_width(text) <= width - 2:
        return text
    while text and pdf.get_string_width(text + "...") > width - 2:
        text = text[:-1]
    return text + "..."


def _column_titles(pdf: FPDF) -> None:
    pdf.set_font(FONT, "B", 8)
    pdf.set_fill_color(230, 230, 230)
    for title, width, align in LINE_COLUMNS:
        pdf.cell(width, 6, latin1(title), border=1, align=align, fill=True)
    pdf.ln()
    pdf.set_font(FONT, "", 8)


def _lines(pdf: FPDF, document: BillingDocument) -> None:
    _column_titles(pdf)
    for line in document.lines:
        if pdf.will_page_break(5.5):  # the table goes on, with its titles, on a new page
            pdf.add_page()
            _column_titles(pdf)
        values = (
            line.sku,
            line.description,
            str(line.quantity),
            money_ar(line.unit_price, currency=False),
            percent_ar(line.discount_pct) if line.discount_pct else "-",
            percent_ar(line.vat_rate),
            money_ar(line.net, currency=False),
            money_ar(line.total, currency=False),
        )
        for value, (_, width, align) in zip(values, LINE_COLUMNS, strict=True):
            pdf.cell(width, 5.5, _fit(pdf, value, width), border=1, align=align)
        pdf.ln()
    pdf.ln(3)


def _row(pdf: FPDF, label: str, value: str, *, bold: bool = False) -> None:
    pdf.set_font(FONT, "B" if bold else "", 10 if bold else 9)
    pdf.cell(WIDTH - 45, 5.5, latin1(label), align="R")
    pdf.cell(45, 5.5, latin1(value), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _totals(pdf: FPDF, document: BillingDocument) -> None:
    for subtotal in document.vat_breakdown:
        rate = percent_ar(subtotal.rate)
        _row(pdf, f"Neto gravado al {rate}", money_ar(subtotal.net))
        _row(pdf, f"IVA {rate}", money_ar(subtotal.vat))
    pdf.ln(1)
    _row(pdf, "Subtotal neto", money_ar(document.totals.net))
    _row(pdf, "Total IVA", money_ar(document.totals.vat))
    _row(pdf, "TOTAL", money_ar(document.totals.total), bold=True)


def _financing(pdf: FPDF, document: BillingDocument) -> None:
    plan = document.financing
    if plan is None:  # pragma: no cover - the caller checks
        return
    pdf.ln(4)
    pdf.set_font(FONT, "B", 10)
    pdf.cell(WIDTH, 5.5, "Plan de financiación", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 9)
    rates = f"TNA {percent_ar(plan.tna)} - TEA {percent_ar(plan.tea)} - CFT {percent_ar(plan.cft)}"
    if plan.cft_with_vat is not None:
        rates += f" (CFT con IVA {percent_ar(plan.cft_with_vat)})"
    for text in (
        f"{plan.installments} cuotas de {money_ar(plan.instalment)}",
        f"Total financiado: {money_ar(plan.total)}",
        rates,
    ):
        pdf.cell(WIDTH, 4.5, latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def issued_on(document: BillingDocument) -> datetime:
    """The issue date in Argentina (what the PDF prints)."""
    return document.issued_at.astimezone(_argentina())
