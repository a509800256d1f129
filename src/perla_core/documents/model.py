"""The billing document: a pre-invoice (prefactura) or an invoice (factura).

A :class:`BillingDocument` is built only through :meth:`BillingDocument.issue`, which
computes every line's net, VAT and total and the document's totals from the lines, so they
always add up to the cent:

- a line's net is ``quantity x unit price x (1 - discount %)`` rounded half-up to cents;
  its VAT is ``net x rate`` rounded half-up; its total is net + VAT;
- the VAT breakdown adds the lines' nets and VATs per rate (21 %, 10.5 % ...);
- the document's net, VAT and total are the sums of the lines' (so total = net + VAT, and
  total = the sum of the breakdown's nets and VATs, exactly).

Bad input raises :class:`InvalidValue` naming the field (``buyer.tax_id``,
``lines[2].quantity`` ...). Parties are Argentinian: their CUIT is checked (check digit
included) by :class:`~perla_core.kernel.values.TaxId`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Self
from uuid import UUID

import attrs

from perla_core.kernel.errors import InvalidValue
from perla_core.kernel.money import Money
from perla_core.kernel.values import TaxId

VAT_RATES = (Decimal(0), Decimal("10.5"), Decimal(21), Decimal(27))
"""The Argentinian VAT rates a line may carry, in percent (21 general, 10.5 reduced: the
catalogue's products carry one of these two)."""

VAT_CONDITIONS = (
    "Responsable Inscripto",
    "Monotributista",
    "Exento",
    "Consumidor Final",
    "Sujeto No Categorizado",
)
"""The VAT conditions (condición frente al IVA) AFIP knows a party by."""

MAX_NUMBER = 99_999_999  # printed as eight digits: PF-0001-00000042
MAX_QUANTITY = 1_000_000
_SERIES = re.compile(r"^[A-Z0-9]{1,8}(-[A-Z0-9]{1,8})?$")
_HUNDRED = Decimal(100)


class DocumentKind(StrEnum):
    PRE_INVOICE = "pre_invoice"
    INVOICE = "invoice"

    @property
    def label(self) -> str:
        """The document's printed title (Spanish, Argentina)."""
        return "Prefactura" if self is DocumentKind.PRE_INVOICE else "Factura"

    @property
    def folder(self) -> str:
        return "prefacturas" if self is DocumentKind.PRE_INVOICE else "facturas"


def _text(value: object, field: str, *, limit: int = 200, required: bool = True) -> str:
    text = " ".join(str(value or "").split())
    if required and not text:
        raise InvalidValue("is required", field=field)
    if len(text) > limit:
        raise InvalidValue(f"is longer than {limit} characters", field=field)
    return text


def _decimal(value: object, field: str) -> Decimal:
    if isinstance(value, float | bool):
        raise InvalidValue("must be a Decimal or text, not a float", field=field)
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        raise InvalidValue(f"{value!r} is not a number", field=field) from None
    if not number.is_finite():
        raise InvalidValue("must be a finite number", field=field)
    return number


@attrs.frozen
class Party:
    """A seller or a buyer as the document prints it: legal name, CUIT, address, VAT
    condition. Build with :meth:`create`, which validates and names the bad field."""

    legal_name: str
    tax_id: TaxId
    address: str
    vat_condition: str

    @classmethod
    def create(
        cls,
        *,
        legal_name: str,
        cuit: str | TaxId,
        address: str,
        vat_condition: str,
        field: str = "party",
    ) -> Self:
        name = _text(legal_name, f"{field}.legal_name")
        if isinstance(cuit, TaxId):
            if cuit.country != "AR":
                raise InvalidValue("must be an Argentinian CUIT", field=f"{field}.tax_id")
            tax_id = cuit
        else:
            tax_id = TaxId.parse(cuit, "AR", field=f"{field}.tax_id")
        where = _text(address, f"{field}.address", limit=300)
        condition = next(
            (c for c in VAT_CONDITIONS if c.casefold() == str(vat_condition).strip().casefold()),
            None,
        )
        if condition is None:
            raise InvalidValue(
                f"must be one of {', '.join(VAT_CONDITIONS)}", field=f"{field}.vat_condition"
            )
        return cls(name, tax_id, where, condition)

    @property
    def cuit(self) -> str:
        """The CUIT as printed: ``30-71234567-1``."""
        return self.tax_id.display


@attrs.frozen
class DocumentLine:
    """One line: what was sold, at what price, with which discount and VAT, and its amounts
    (each rounded half-up to cents)."""

    sku: str
    description: str
    quantity: int
    unit_price: Money
    discount_pct: Decimal
    vat_rate: Decimal
    net: Money
    vat: Money
    total: Money

    @classmethod
    def create(
        cls,
        *,
        sku: str,
        description: str,
        quantity: int,
        unit_price: Money,
        discount_pct: Decimal | str | int = 0,
        vat_rate: Decimal | str | int = 21,
        field: str = "line",
    ) -> Self:
        code = _text(sku, f"{field}.sku", limit=64)
        what = _text(description, f"{field}.description", limit=300)
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            raise InvalidValue("must be a whole number", field=f"{field}.quantity")
        if not 1 <= quantity <= MAX_QUANTITY:
            raise InvalidValue(f"must be from 1 to {MAX_QUANTITY}", field=f"{field}.quantity")
        if not isinstance(unit_price, Money):
            raise InvalidValue("must be an amount of money", field=f"{field}.unit_price")
        if unit_price.is_negative:
            raise InvalidValue("must not be negative", field=f"{field}.unit_price")
        discount = _decimal(discount_pct, f"{field}.discount_pct")
        if not 0 <= discount <= _HUNDRED:
            raise InvalidValue("must be from 0 to 100", field=f"{field}.discount_pct")
        rate = _decimal(vat_rate, f"{field}.vat_rate")
        if rate not in VAT_RATES:
            allowed = ", ".join(str(r) for r in VAT_RATES)
            raise InvalidValue(f"must be one of {allowed} (percent)", field=f"{field}.vat_rate")
        net = (unit_price * quantity * (1 - discount / _HUNDRED)).rounded()
        vat = (net * (rate / _HUNDRED)).rounded()
        return cls(
            sku=code,
            description=what,
            quantity=quantity,
            unit_price=unit_price,
            discount_pct=discount.normalize() if discount else Decimal(0),
            vat_rate=rate,
            net=net,
            vat=vat,
            total=net + vat,
        )


@attrs.frozen
class VatSubtotal:
    """The lines at one VAT rate: their net and their VAT."""

    rate: Decimal
    net: Money
    vat: Money


@attrs.frozen
class Totals:
    net: Money
    vat: Money
    total: Money


@attrs.frozen
class FinancingSummary:
    """The instalment plan the buyer chose, as printed: ``installments`` of ``instalment``,
    ``total`` paid, and the annual rates in percent (two decimals): TNA, TEA, CFT."""

    installments: int
    instalment: Money
    total: Money
    tna: Decimal
    tea: Decimal
    cft: Decimal
    cft_with_vat: Decimal | None = None

    @classmethod
    def create(
        cls,
        *,
        installments: int,
        instalment: Money,
        total: Money,
        tna: Decimal | str,
        tea: Decimal | str,
        cft: Decimal | str,
        cft_with_vat: Decimal | str | None = None,
    ) -> Self:
        if isinstance(installments, bool) or not isinstance(installments, int):
            raise InvalidValue("must be a whole number", field="financing.installments")
        if not 1 <= installments <= 120:
            raise InvalidValue("must be from 1 to 120", field="financing.installments")
        for name, money in (("instalment", instalment), ("total", total)):
            if money.is_negative:
                raise InvalidValue("must not be negative", field=f"financing.{name}")
        if instalment.currency != total.currency:
            raise InvalidValue("must be in the total's currency", field="financing.instalment")
        rates = {
            name: _decimal(value, f"financing.{name}")
            for name, value in (("tna", tna), ("tea", tea), ("cft", cft))
        }
        for name, rate in rates.items():
            if rate < 0:
                raise InvalidValue("must not be negative", field=f"financing.{name}")
        with_vat = None
        if cft_with_vat is not None:
            with_vat = _decimal(cft_with_vat, "financing.cft_with_vat")
        return cls(
            installments,
            instalment.rounded(),
            total.rounded(),
            rates["tna"],
            rates["tea"],
            rates["cft"],
            with_vat,
        )


@attrs.frozen
class BillingDocument:
    """A pre-invoice or an invoice, ready to render (see the module docstring)."""

    id: UUID
    kind: DocumentKind
    series: str
    number: int
    issued_at: datetime
    seller: Party
    buyer: Party
    currency: str
    lines: tuple[DocumentLine, ...]
    vat_breakdown: tuple[VatSubtotal, ...]
    totals: Totals
    financing: FinancingSummary | None = None
    notes: str | None = None
    order_id: UUID | None = None
    order_number: str | None = None

    @classmethod
    def issue(
        cls,
        *,
        document_id: UUID,
        kind: DocumentKind,
        series: str,
        number: int,
        issued_at: datetime,
        seller: Party,
        buyer: Party,
        currency: str,
        lines: Sequence[DocumentLine],
        financing: FinancingSummary | None = None,
        notes: str | None = None,
        order_id: UUID | None = None,
        order_number: str | int | None = None,
    ) -> Self:
        """The document with its VAT breakdown and totals computed from ``lines``."""
        if not isinstance(kind, DocumentKind):
            raise InvalidValue("must be pre_invoice or invoice", field="kind")
        code = str(series).strip().upper()
        if not _SERIES.match(code):
            raise InvalidValue("must be a series code such as PF-0001 or A-0001", field="series")
        if isinstance(number, bool) or not isinstance(number, int):
            raise InvalidValue("must be a whole number", field="number")
        if not 1 <= number <= MAX_NUMBER:
            raise InvalidValue(f"must be from 1 to {MAX_NUMBER}", field="number")
        if issued_at.tzinfo is None or issued_at.utcoffset() is None:
            raise InvalidValue("must carry a time zone", field="issued_at")
        unit = Money.zero(currency).currency  # validates the ISO code (field "currency")
        if not lines:
            raise InvalidValue("a document needs at least one line", field="lines")
        for i, line in enumerate(lines):
            if line.unit_price.currency != unit:
                raise InvalidValue(
                    f"is in {line.unit_price.currency}, the document in {unit}",
                    field=f"lines[{i}].unit_price",
                )
        if financing is not None and financing.total.currency != unit:
            raise InvalidValue(f"must be in {unit}", field="financing.total")
        breakdown = tuple(
            VatSubtotal(
                rate,
                _sum((ln.net for ln in lines if ln.vat_rate == rate), unit),
                _sum((ln.vat for ln in lines if ln.vat_rate == rate), unit),
            )
            for rate in sorted({ln.vat_rate for ln in lines}, reverse=True)
        )
        net = _sum((ln.net for ln in lines), unit)
        vat = _sum((s.vat for s in breakdown), unit)
        reference = None if order_number is None else _text(order_number, "order_number")
        remark = _text(notes, "notes", limit=2000, required=False) or None
        return cls(
            id=document_id,
            kind=kind,
            series=code,
            number=number,
            issued_at=issued_at,
            seller=seller,
            buyer=buyer,
            currency=unit,
            lines=tuple(lines),
            vat_breakdown=breakdown,
            totals=Totals(net, vat, net + vat),
            financing=financing,
            notes=remark,
            order_id=order_id,
            order_number=reference,
        )

    @property
    def full_number(self) -> str:
        """Series and number as printed: ``PF-0001-00000042``."""
        return f"{self.series}-{self.number:08d}"

    @property
    def title(self) -> str:
        return self.kind.label


def _sum(amounts: Iterable[Money], currency: str) -> Money:
    total = Money.zero(currency)
    for amount in amounts:
        total = total + amount
    return total


def document_key(document: BillingDocument) -> str:
    """Where a document's PDF is stored: ``prefacturas/PF-0001/PF-0001-00000042.pdf``."""
    return f"{document.kind.folder}/{document.series}/{document.full_number}.pdf"


@attrs.frozen
class BillingDocumentRecord:
    """An issued document as the database keeps it: which number of which series, for which
    order and buyer, its total, and where its PDF is (key, SHA-256, size in bytes)."""

    id: UUID
    kind: DocumentKind
    series: str
    number: int
    order_id: UUID | None
    buyer_tax_id: TaxId
    total: Money
    issued_at: datetime
    storage_key: str
    sha256: str
    size: int

    @classmethod
    def of(cls, document: BillingDocument, *, storage_key: str, sha256: str, size: int) -> Self:
        return cls(
            id=document.id,
            kind=document.kind,
            series=document.series,
            number=document.number,
            order_id=document.order_id,
            buyer_tax_id=document.buyer.tax_id,
            total=document.totals.total,
            issued_at=document.issued_at,
            storage_key=storage_key,
            sha256=sha256,
            size=size,
        )

    @property
    def full_number(self) -> str:
        return f"{self.series}-{self.number:08d}"
