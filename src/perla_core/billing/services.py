"""Issue an order's pre-invoice or invoice, and send it.

:func:`issue_order_document` runs in one transaction: it takes the series' next number (the
unit of work's gapless counter), builds the :class:`~perla_core.documents.BillingDocument`
from the order and its buyer, renders the PDF, puts it in the document store, records it and
marks the order (``pre_invoiced`` or ``invoiced``), then commits. When the store is down the
transaction rolls back, the number goes back to the series and the outbox tries again later:
no gap, nothing recorded twice. A retry after a commit finds the document already issued and
returns it.

The document's id is derived from the order and the kind, and its date from the order's
confirmation (or payment), so a retry renders the same bytes under the same key: a PDF put
before a failed commit is simply put again.

:func:`send_document_to_client` queues the PDF (a link from the store) on the client's
WhatsApp conversation when the order came through WhatsApp; :func:`email_document` mails it,
attached, to the account manager first, then the executives' address. Two outbox handlers, so
a mail server that is down never sends the WhatsApp message twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final, Protocol, Self
from uuid import UUID, uuid5

import attrs

from perla_core.access.model import Actor
from perla_core.conversations.model import BOT
from perla_core.conversations.ports import ConversationRepository
from perla_core.documents.model import (
    BillingDocument,
    BillingDocumentRecord,
    DocumentKind,
    DocumentLine,
    FinancingSummary,
    Party,
)
from perla_core.documents.ports import (
    BillingDocumentRepository,
    DocumentNumbering,
    DocumentRenderer,
    DocumentStore,
)
from perla_core.documents.services import issue_document
from perla_core.kernel.errors import InvalidValue, PreconditionFailed
from perla_core.kernel.ports import Clock, IdGenerator
from perla_core.mail.message import Attachment, OutgoingEmail, make_message_id
from perla_core.mail.ports import Mailer
from perla_core.managers.ports import ManagerRepository
from perla_core.messaging.messages import FileMessage
from perla_core.onboarding.model import Client
from perla_core.onboarding.ports import ClientRepository
from perla_core.orders.model import DocumentRef, Order, OrderStatus
from perla_core.orders.ports import OrderRepository

PDF: Final = "application/pdf"
WHATSAPP_ACTOR_PREFIX: Final = "whatsapp:"
"""An order the bot opened is created by ``whatsapp:<the client's number>``."""
LINK_LIFETIME: Final = timedelta(days=7)
DEFAULT_VAT_CONDITION: Final = "Responsable Inscripto"
_NAMESPACE: Final = UUID("6f1d6c2e-0c55-4a53-8f0e-3b7b1f0f2a11")


@attrs.frozen
class BillingSettings:
    """Who sells (printed on every document) and the series each kind is numbered in."""

    seller: Party
    pre_invoice_series: str = "PF-0001"
    invoice_series: str = "A-0001"

    def series(self, kind: DocumentKind) -> str:
        return self.pre_invoice_series if kind is DocumentKind.PRE_INVOICE else self.invoice_series


class BillingUnitOfWork(Protocol):
    """The part of the unit of work billing uses (the same promises)."""

    @property
    def orders(self) -> OrderRepository: ...

    @property
    def clients(self) -> ClientRepository: ...

    @property
    def managers(self) -> ManagerRepository: ...

    @property
    def conversations(self) -> ConversationRepository: ...

    @property
    def document_numbers(self) -> DocumentNumbering: ...

    @property
    def billing_documents(self) -> BillingDocumentRepository: ...

    def commit(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *args: object) -> None: ...


def buyer_party(client: Client) -> Party:
    """The client as a document's buyer: legal (or trade) name, CUIT, billing address."""
    if client.tax_id is None or client.tax_id.country != "AR":
        raise PreconditionFailed(
            "the buyer needs an Argentinian CUIT on its record to be invoiced",
            field="client.tax_id",
        )
    address = next((a for a in client.addresses if a.default_billing), None) or next(
        iter(client.addresses), None
    )
    where = (
        ", ".join(p for p in (address.line1, address.line2, address.city) if p)
        if address is not None
        else "Domicilio no informado"
    )
    return Party.create(
        legal_name=client.legal_name or client.trade_name,
        cuit=client.tax_id,
        address=where,
        vat_condition=DEFAULT_VAT_CONDITION,
        field="buyer",
    )


def order_document(
    order: Order,
    *,
    kind: DocumentKind,
    seller: Party,
    buyer: Party,
    series: str,
    number: int,
    issued_at: datetime,
) -> BillingDocument:
    """The document of ``order`` (its lines, VAT and chosen financing plan)."""
    if not order.lines:
        raise PreconditionFailed("an order without lines cannot be billed", field="lines")
    lines = [
        DocumentLine.create(
            sku=line.sku or "-",
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount_pct=line.discount_pct,
            vat_rate=line.vat_rate,
            field=f"lines[{i}]",
        )
        for i, line in enumerate(order.lines)
    ]
    plan = order.financing
    financing = (
        None
        if plan is None
        else FinancingSummary.create(
            installments=plan.installments,
            instalment=plan.instalment,
            total=plan.total,
            tna=plan.tna,
            tea=plan.tea,
            cft=plan.cft,
            cft_with_vat=plan.cft_with_vat,
        )
    )
    return BillingDocument.issue(
        document_id=uuid5(_NAMESPACE, f"{order.id}:{kind.value}"),
        kind=kind,
        series=series,
        number=number,
        issued_at=issued_at,
        seller=seller,
        buyer=buyer,
        currency=order.currency,
        lines=lines,
        financing=financing,
        order_id=order.id,
        order_number=order.number,
    )


_NEEDS: Final = {
    DocumentKind.PRE_INVOICE: frozenset({OrderStatus.CONFIRMED}),
    DocumentKind.INVOICE: frozenset({OrderStatus.PAID}),
}


def issue_order_document(
    order_id: UUID,
    kind: DocumentKind,
    uow: BillingUnitOfWork,
    store: DocumentStore,
    renderer: DocumentRenderer,
    clock: Clock,
    settings: BillingSettings,
    actor: Actor,
) -> BillingDocumentRecord:
    """Issue ``order_id``'s document of ``kind`` (see the module docstring); idempotent."""
    with uow:
        order = uow.orders.get(order_id)
        issued = [r for r in uow.billing_documents.for_order(order_id) if r.kind is kind]
        if issued:
            return issued[0]
        if order.status not in _NEEDS[kind]:
            raise PreconditionFailed(
                f"a {kind.label.lower()} is issued for an order that is "
                f"{' or '.join(sorted(s.value for s in _NEEDS[kind]))}; this one is "
                f"{order.status.value}",
                field="status",
            )
        now = clock.now()
        when = order.confirmed_at if kind is DocumentKind.PRE_INVOICE else order.paid_at
        issued_at = when or now
        series = settings.series(kind)
        buyer = buyer_party(uow.clients.get(order.client_id))

        def build(number: int) -> BillingDocument:
            return order_document(
                order,
                kind=kind,
                seller=settings.seller,
                buyer=buyer,
                series=series,
                number=number,
                issued_at=issued_at,
            )

        document, record = issue_document(uow, store, renderer, series, build)
        number = document.number
        ref = DocumentRef.of(str(record.id), series, number, issued_at)
        if kind is DocumentKind.PRE_INVOICE:
            order.mark_pre_invoiced(ref, now=now, actor=actor.name)
        else:
            order.mark_invoiced(ref, now=now, actor=actor.name)
        uow.orders.save(order)
        uow.commit()
    return record


def whatsapp_contact(order: Order) -> str | None:
    """The client's WhatsApp number when the bot opened the order."""
    if order.created_by.startswith(WHATSAPP_ACTOR_PREFIX):
        return order.created_by.removeprefix(WHATSAPP_ACTOR_PREFIX) or None
    return None


def _caption(record: BillingDocumentRecord, order: Order) -> str:
    what = "prefactura" if record.kind is DocumentKind.PRE_INVOICE else "factura"
    return f"Te enviamos la {what} {record.full_number} de tu pedido N° {order.number}."


def send_document_to_client(
    document_id: UUID,
    uow: BillingUnitOfWork,
    store: DocumentStore,
    clock: Clock,
    ids: IdGenerator,
    *,
    conversation_key: Callable[[str], str],
) -> bool:
    """Queue the document's PDF (a link from the store) on the client's WhatsApp
    conversation, when the bot opened the order; it leaves through the outbox like every bot
    message. Whether it was queued."""
    with uow:
        record = uow.billing_documents.get(document_id)
        order = _order_of(uow, record)
        contact = whatsapp_contact(order)
        conversation = None if contact is None else uow.conversations.get(conversation_key(contact))
        if conversation is None:
            return False
        content = FileMessage(
            url=store.link(record.storage_key, LINK_LIFETIME),
            mime_type=PDF,
            file_name=f"{record.full_number}.pdf",
            caption=_caption(record, order),
        )
        conversation.queue(ids.new_id(), content, author=BOT, at=clock.now())
        uow.conversations.save(conversation)
        uow.commit()
    return True


def email_document(
    document_id: UUID,
    uow: BillingUnitOfWork,
    store: DocumentStore,
    mailer: Mailer,
    *,
    executives_email: str | None,
    mail_from: str,
) -> tuple[str, ...]:
    """E-mail the document, PDF attached, to the order's account manager first and the
    executives' address (one e-mail with a stable Message-ID). Who it went to."""
    with uow:
        record = uow.billing_documents.get(document_id)
        order = _order_of(uow, record)
        recipients: list[str] = []
        if order.manager_id is not None:
            manager = uow.managers.get(order.manager_id)
            if manager.active:
                recipients.append(str(manager.email))
        if executives_email and executives_email not in recipients:
            recipients.append(executives_email)
    if not recipients:
        return ()
    domain = mail_from.rpartition("@")[2]
    label = "Prefactura" if record.kind is DocumentKind.PRE_INVOICE else "Factura"
    mailer.send(
        OutgoingEmail(
            sender=mail_from,
            to=(recipients[0],),
            cc=tuple(recipients[1:]),
            subject=f"{label} {record.full_number} — pedido N° {order.number}",
            text=(
                f"{label} {record.full_number} del pedido N° {order.number} por "
                f"{record.total}.\nEl PDF va adjunto."
            ),
            message_id=make_message_id(f"billing-{record.kind.value}", record.id, domain),
            attachments=(
                Attachment(f"{record.full_number}.pdf", PDF, store.get(record.storage_key)),
            ),
        )
    )
    return tuple(recipients)


def _order_of(uow: BillingUnitOfWork, record: BillingDocumentRecord) -> Order:
    if record.order_id is None:
        raise InvalidValue("the document belongs to no order", field="document_id")
    return uow.orders.get(record.order_id)


__all__ = [
    "BillingSettings",
    "BillingUnitOfWork",
    "buyer_party",
    "email_document",
    "issue_order_document",
    "order_document",
    "send_document_to_client",
    "whatsapp_contact",
]
