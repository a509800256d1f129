"""The billing document's amounts (line by line, half-up to cents, totals that add up
exactly) and its validation (every refusal names its field)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.unit.documents.builders import BUYER_CUIT, buyer, document, lines, seller

from perla_core.documents import (
    BillingDocumentRecord,
    DocumentKind,
    DocumentLine,
    FinancingSummary,
    Party,
    document_key,
)
from perla_core.kernel.errors import InvalidValue
from perla_core.kernel.money import Money


def ars(amount: str) -> Money:
    return Money.of(amount, "ARS")


def test_each_line_is_computed_and_rounded_half_up() -> None:
    camera, nvr = lines()

    assert camera.net == ars("168.48")  # 3 x 62.40 less 10 %
    assert camera.vat == ars("17.69")  # 10.5 % of 168.48 = 17.6904
    assert camera.total == ars("186.17")
    assert nvr.net == ars("1000.01")  # 1000.005 rounds half-up
    assert nvr.vat == ars("210.00")  # 21 % of 1000.01 = 210.0021
    assert nvr.total == ars("1210.01")


def test_the_vat_breakdown_and_totals_add_up_exactly() -> None:
    doc = document()

    assert [(s.rate, s.net, s.vat) for s in doc.vat_breakdown] == [
        (Decimal(21), ars("1000.01"), ars("210.00")),
        (Decimal("10.5"), ars("168.48"), ars("17.69")),
    ]
    assert doc.totals.net == ars("1168.49")
    assert doc.totals.vat == ars("227.69")
    assert doc.totals.total == ars("1396.18")
    assert doc.full_number == "PF-0001-00000042"
    assert doc.title == "Prefactura"
    assert document(kind=DocumentKind.INVOICE, series="A-0001").title == "Factura"


def test_a_half_cent_of_vat_rounds_up() -> None:
    line = DocumentLine.create(
        sku="X", description="x", quantity=1, unit_price=ars("0.10"), vat_rate="10.5"
    )
    assert line.vat == ars("0.01")  # 0.0105


@given(
    st.lists(
        st.tuples(
            st.integers(1, 500),
            st.decimals(min_value=0, max_value=10**7, places=3),
            st.sampled_from(["0", "5", "12.5", "33.333", "100"]),
            st.sampled_from(["21", "10.5", "27", "0"]),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_totals_always_add_up_to_the_cent(rows: list[tuple[int, Decimal, str, str]]) -> None:
    built = [
        DocumentLine.create(
            sku=f"SKU-{i}",
            description="item",
            quantity=q,
            unit_price=ars(str(price)),
            discount_pct=discount,
            vat_rate=rate,
        )
        for i, (q, price, discount, rate) in enumerate(rows)
    ]
    doc = document(lines=built)

    cents = Decimal("0.01")
    for line in doc.lines:
        assert line.net.amount == line.net.amount.quantize(cents)
        assert line.vat.amount == line.vat.amount.quantize(cents)
        assert line.total == line.net + line.vat
    assert doc.totals.total == doc.totals.net + doc.totals.vat
    assert doc.totals.total.amount == sum(ln.total.amount for ln in doc.lines)
    assert doc.totals.net.amount == sum(s.net.amount for s in doc.vat_breakdown)
    assert doc.totals.vat.amount == sum(s.vat.amount for s in doc.vat_breakdown)


def test_parties_print_their_cuit_and_normalise_the_vat_condition() -> None:
    party = Party.create(
        legal_name="  MICROCOM   S.A. ",
        cuit="30500010912",
        address="CABA",
        vat_condition="responsable inscripto",
    )
    assert party.legal_name == "MICROCOM S.A."
    assert party.cuit == "30-50001091-2"
    assert party.vat_condition == "Responsable Inscripto"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"cuit": "20-12345678-0"}, "buyer.tax_id"),  # wrong check digit
        ({"cuit": "hello"}, "buyer.tax_id"),
        ({"legal_name": "  "}, "buyer.legal_name"),
        ({"address": ""}, "buyer.address"),
        ({"vat_condition": "Inscripto a medias"}, "buyer.vat_condition"),
    ],
)
def test_a_bad_party_is_refused_naming_the_field(changes: dict[str, Any], field: str) -> None:
    values: dict[str, Any] = {
        "legal_name": "Seguridad SRL",
        "cuit": BUYER_CUIT,
        "address": "Córdoba",
        "vat_condition": "Exento",
        "field": "buyer",
    }
    with pytest.raises(InvalidValue) as raised:
        Party.create(**(values | changes))
    assert raised.value.field == field


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"quantity": 0}, "lines[3].quantity"),
        ({"quantity": -2}, "lines[3].quantity"),
        ({"quantity": 10**9}, "lines[3].quantity"),
        ({"quantity": 1.5}, "lines[3].quantity"),
        ({"unit_price": Money.of("-1", "ARS")}, "lines[3].unit_price"),
        ({"discount_pct": "120"}, "lines[3].discount_pct"),
        ({"discount_pct": 0.1}, "lines[3].discount_pct"),
        ({"vat_rate": "19"}, "lines[3].vat_rate"),
        ({"vat_rate": "abc"}, "lines[3].vat_rate"),
        ({"sku": ""}, "lines[3].sku"),
        ({"description": ""}, "lines[3].description"),
    ],
)
def test_a_bad_line_is_refused_naming_the_field(changes: dict[str, Any], field: str) -> None:
    values: dict[str, Any] = {
        "sku": "HIK-1",
        "description": "Cámara",
        "quantity": 1,
        "unit_price": ars("10"),
        "field": "lines[3]",
    }
    with pytest.raises(InvalidValue) as raised:
        DocumentLine.create(**(values | changes))
    assert raised.value.field == field


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"series": "pf 0001"}, "series"),
        ({"series": ""}, "series"),
        ({"number": 0}, "number"),
        ({"number": 100_000_000}, "number"),
        ({"currency": "XXX"}, "currency"),
        ({"currency": "USD"}, "lines[0].unit_price"),
        ({"lines": []}, "lines"),
        ({"issued_at": document().issued_at.replace(tzinfo=None)}, "issued_at"),
    ],
)
def test_a_bad_document_is_refused_naming_the_field(changes: dict[str, Any], field: str) -> None:
    if changes.get("currency") == "USD":
        changes["financing"] = None
    with pytest.raises(InvalidValue) as raised:
        document(**changes)
    assert raised.value.field == field


def test_a_financing_plan_in_another_currency_is_refused() -> None:
    plan = FinancingSummary.create(
        installments=3,
        instalment=Money.of("10", "USD"),
        total=Money.of("30", "USD"),
        tna="0",
        tea="0",
        cft="0",
    )
    with pytest.raises(InvalidValue) as raised:
        document(financing=plan)
    assert raised.value.field == "financing.total"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"installments": 0}, "financing.installments"),
        ({"installments": 1000}, "financing.installments"),
        ({"tna": "-1"}, "financing.tna"),
        ({"instalment": Money.of("-5", "ARS")}, "financing.instalment"),
        ({"instalment": Money.of("5", "USD")}, "financing.instalment"),
    ],
)
def test_a_bad_financing_summary_is_refused(changes: dict[str, Any], field: str) -> None:
    values: dict[str, Any] = {
        "installments": 3,
        "instalment": ars("10"),
        "total": ars("30"),
        "tna": "0",
        "tea": "0",
        "cft": "0",
    }
    with pytest.raises(InvalidValue) as raised:
        FinancingSummary.create(**(values | changes))
    assert raised.value.field == field


def test_the_record_keeps_what_the_database_needs_and_the_key_is_derived() -> None:
    doc = document(order_id=None)
    key = document_key(doc)
    record = BillingDocumentRecord.of(doc, storage_key=key, sha256="0" * 64, size=10)

    assert key == "prefacturas/PF-0001/PF-0001-00000042.pdf"
    assert document_key(document(kind=DocumentKind.INVOICE, series="A-0001")) == (
        "facturas/A-0001/A-0001-00000042.pdf"
    )
    assert record.total == ars("1396.18")
    assert record.buyer_tax_id == buyer().tax_id
    assert record.full_number == "PF-0001-00000042"
    assert seller().tax_id.number == "30500010912"
