"""A seller, a buyer and a document to test with."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from perla_core.documents import (
    BillingDocument,
    DocumentKind,
    DocumentLine,
    FinancingSummary,
    Party,
)
from perla_core.kernel.money import Money

SELLER_CUIT = "30-50001091-2"
BUYER_CUIT = "20-12345678-6"
ISSUED = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)
DOCUMENT_ID = UUID("00000000-0000-7000-8000-000000000042")


def seller() -> Party:
    return Party.create(
        legal_name="MICROCOM S.A.",
        cuit=SELLER_CUIT,
        address="Av. Corrientes 1234, CABA",
        vat_condition="Responsable Inscripto",
        field="seller",
    )


def buyer() -> Party:
    return Party.create(
        legal_name="Seguridad Núñez SRL",
        cuit=BUYER_CUIT,
        address="Bv. San Juan 55, Córdoba",
        vat_condition="Monotributista",
        field="buyer",
    )


def lines() -> list[DocumentLine]:
    return [
        DocumentLine.create(
            sku="HIK-DS2CD",
            description="Cámara IP bullet 4 MP exterior",
            quantity=3,
            unit_price=Money.of("62.40", "ARS"),
            discount_pct="10",
            vat_rate="10.5",
            field="lines[0]",
        ),
        DocumentLine.create(
            sku="NVR-8CH",
            description="NVR 8 canales PoE",
            quantity=1,
            unit_price=Money.of("1000.005", "ARS"),
            vat_rate=21,
            field="lines[1]",
        ),
    ]


def financing() -> FinancingSummary:
    return FinancingSummary.create(
        installments=6,
        instalment=Money.of("265.10", "ARS"),
        total=Money.of("1590.60", "ARS"),
        tna="45",
        tea="55.55",
        cft="60.1",
        cft_with_vat="75.25",
    )


def document(**overrides: Any) -> BillingDocument:
    values: dict[str, Any] = {
        "document_id": DOCUMENT_ID,
        "kind": DocumentKind.PRE_INVOICE,
        "series": "PF-0001",
        "number": 42,
        "issued_at": ISSUED,
        "seller": seller(),
        "buyer": buyer(),
        "currency": "ARS",
        "lines": lines(),
        "financing": financing(),
        "notes": "Validez de la oferta: 48 horas.",
        "order_number": "1007",
    }
    values.update(overrides)
    return BillingDocument.issue(**values)
