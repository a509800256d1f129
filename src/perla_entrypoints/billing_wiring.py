"""The outbox handlers of an order's billing documents, bound to the container's ports.

``OrderConfirmed`` → ``billing.issue_pre_invoice``; ``OrderPaid`` → ``billing.issue_invoice``;
each issued document (``OrderPreInvoiced``, ``OrderInvoiced``) → ``billing.send_to_client``
(the PDF on the client's WhatsApp conversation) and ``billing.email_executives`` (the PDF to
the account manager and the executives). A store or mail server that is down makes the
handler raise: the outbox tries again later and the order keeps its state meanwhile.
"""

from __future__ import annotations

from typing import Any, Final, cast
from uuid import UUID

from perla_core.access.model import SYSTEM
from perla_core.billing.services import (
    BillingSettings,
    BillingUnitOfWork,
    email_document,
    issue_order_document,
    send_document_to_client,
)
from perla_core.conversations.services import contact_key
from perla_core.documents.model import DocumentKind, Party
from perla_core.orders import events as order_events
from perla_core.outbox import HandlerRegistry, OutboxMessage
from perla_entrypoints.container import Container, settings_of

ISSUE_PRE_INVOICE: Final = "billing.issue_pre_invoice"
ISSUE_INVOICE: Final = "billing.issue_invoice"
SEND_TO_CLIENT: Final = "billing.send_to_client"
EMAIL_EXECUTIVES: Final = "billing.email_executives"


def billing_settings(container: Container) -> BillingSettings:
    """The seller and the series from the settings (the seller's CUIT validated)."""
    settings = settings_of(container)
    seller = Party.create(
        legal_name=settings.seller_legal_name,
        cuit=settings.seller_cuit,
        address=settings.seller_address,
        vat_condition=settings.seller_vat_condition,
        field="seller",
    )
    return BillingSettings(
        seller=seller,
        pre_invoice_series=settings.pre_invoice_series,
        invoice_series=settings.invoice_series,
    )


def with_billing_handlers(registry: HandlerRegistry, container: Container) -> HandlerRegistry:
    """``registry`` with the billing documents' four handlers."""
    settings = settings_of(container)

    def work() -> BillingUnitOfWork:
        return cast("BillingUnitOfWork", container.uow())

    def issue(kind: DocumentKind) -> Any:
        def handler(event: Any, _: OutboxMessage) -> None:
            issue_order_document(
                UUID(str(event.aggregate_id)),
                kind,
                work(),
                container.document_store(),
                container.document_renderer(),
                container.clock(),
                billing_settings(container),
                SYSTEM,
            )

        return handler

    def document_id(event: Any) -> UUID:
        return UUID(str(event.document_id))

    def to_client(event: Any, _: OutboxMessage) -> None:
        send_document_to_client(
            document_id(event),
            work(),
            container.document_store(),
            container.clock(),
            container.ids(),
            conversation_key=contact_key,
        )

    def to_executives(event: Any, _: OutboxMessage) -> None:
        email_document(
            document_id(event),
            work(),
            container.document_store(),
            container.mailer(),
            executives_email=settings.executives_email,
            mail_from=settings.mail_from,
        )

    confirmed = order_events.OrderConfirmed.event_name
    paid = order_events.OrderPaid.event_name
    registry = registry.with_handler(confirmed, ISSUE_PRE_INVOICE, issue(DocumentKind.PRE_INVOICE))
    registry = registry.with_handler(paid, ISSUE_INVOICE, issue(DocumentKind.INVOICE))
    for issued in (order_events.OrderPreInvoiced, order_events.OrderInvoiced):
        registry = registry.with_handler(issued.event_name, SEND_TO_CLIENT, to_client)
        registry = registry.with_handler(issued.event_name, EMAIL_EXECUTIVES, to_executives)
    return registry
