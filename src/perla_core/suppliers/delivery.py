"""E-mailing a supplier request to the Suppliers team: the outbox handler's work.

The request moved to "sending" in the same transaction that recorded the event; this runs
afterwards, outside any transaction. If the mail server is down, :class:`MailUnavailable`
propagates and the outbox retries with growing delays while the request stays "sending"; once
the server is back the e-mail leaves and the request is marked sent. The outbox records the
handler's success per message, so a redelivered event does not send it again; the Message-ID
is the same for every send of a request, so the Suppliers team can recognise a resend.
"""

from __future__ import annotations

from uuid import UUID

from perla_core.access.model import SYSTEM
from perla_core.kernel.ports import Clock
from perla_core.mail import Attachment, Mailer, OutgoingEmail
from perla_core.suppliers.commands import MarkSupplierRequestSent
from perla_core.suppliers.ports import SupplierUnitOfWork
from perla_core.suppliers.services import mark_supplier_request_sent, supplier_email_to_send


def email_supplier_request(
    request_id: UUID,
    send_number: int,
    suppliers_address: str,
    sender: str,
    uow: SupplierUnitOfWork,
    mailer: Mailer,
    clock: Clock,
) -> bool:
    """Send the request's e-mail if it still waits for one; returns whether it was sent."""
    content = supplier_email_to_send(request_id, uow, SYSTEM)
    if content is None:
        return False
    mailer.send(
        OutgoingEmail(
            sender=sender,
            sender_name="perla · PerlaTours",
            to=(suppliers_address,),
            subject=content.subject,
            text=content.text,
            html=content.html,
            attachments=tuple(Attachment(a[0], a[1], a[2]) for a in content.attachments),
            message_id=content.message_id,
        )
    )
    mark_supplier_request_sent(MarkSupplierRequestSent(request_id, send_number), uow, clock, SYSTEM)
    return True
