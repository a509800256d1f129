"""An order's billing documents: the pre-invoice when it is confirmed, the invoice when it is
paid; each numbered without gaps in its series, rendered, stored and sent."""

from perla_core.billing.services import (
    BillingSettings,
    buyer_party,
    email_document,
    issue_order_document,
    order_document,
    send_document_to_client,
)

__all__ = [
    "BillingSettings",
    "buyer_party",
    "email_document",
    "issue_order_document",
    "order_document",
    "send_document_to_client",
]
