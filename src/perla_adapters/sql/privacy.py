"""Finding and blanking a person's data in SQL (:class:`~perla_core.privacy.ports.
PersonalDataRepository`).

Columns are matched exactly (e-mails case-insensitively); the contacts of clients and
customer accounts are JSON arrays, matched as text (``LIKE``), which may find more than the
person: the use cases check every record they load. Joins the unit of work's transaction.
"""

from __future__ import annotations

import builtins
from datetime import datetime
from uuid import UUID

from sqlalchemy import Text, and_, cast, delete, false, func, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from perla_adapters.sql.campaigns import recipient_from_row
from perla_adapters.sql.conversations import _received_event
from perla_adapters.sql.documents import _from_row as billing_document_from_row
from perla_adapters.sql.tables import (
    assistant_conversations,
    assistant_entries,
    billing_documents,
    campaign_opt_outs,
    campaign_recipients,
    clients,
    conversations,
    customer_accounts,
    inquiries,
    received_events,
)
from perla_core.campaigns.model import RunRecipient
from perla_core.conversations.ports import ReceivedEvent
from perla_core.documents.model import BillingDocumentRecord
from perla_core.kernel.values import TaxId
from perla_core.privacy.identifiers import PersonIdentifier
from perla_core.privacy.ports import OptOutEntry

ERASED_FAILURE = "erased"


def _json_mentions(column: ColumnElement[object], who: PersonIdentifier) -> ColumnElement[bool]:
    """The JSON column's text holds the e-mail (any case) or the phone's digits."""
    text = func.lower(cast(column, Text))
    needle = who.value if who.email is not None else who.contact
    if needle is None:
        return false()
    return text.contains(needle.lower(), autoescape=True)


def _email_or_phone(
    email: ColumnElement[str | None], phone: ColumnElement[str | None], who: PersonIdentifier
) -> ColumnElement[bool]:
    if who.email is not None:
        return func.lower(email) == who.value
    if who.phone is not None:
        return phone == who.phone.e164
    return false()


class SqlAlchemyPersonalDataRepository:
    """See :class:`~perla_core.privacy.ports.PersonalDataRepository`."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def client_ids(self, who: PersonIdentifier) -> builtins.list[UUID]:
        if who.tax_id is not None:
            match = and_(
                clients.c.tax_id_country == who.tax_id.country,
                clients.c.tax_id_number == who.tax_id.number,
            )
        else:
            match = or_(
                _email_or_phone(clients.c.email, clients.c.phone, who),
                _json_mentions(clients.c.contacts, who),
            )
        return list(self._conn.scalars(select(clients.c.id).where(match).order_by(clients.c.id)))

    def account_ids(self, who: PersonIdentifier) -> builtins.list[UUID]:
        if who.tax_id is not None:
            return []
        query = (
            select(customer_accounts.c.client_id)
            .where(_json_mentions(customer_accounts.c.contacts, who))
            .order_by(customer_accounts.c.client_id)
        )
        return list(self._conn.scalars(query))

    def inquiry_ids(self, who: PersonIdentifier) -> builtins.list[UUID]:
        if who.tax_id is not None:
            return []
        match = _email_or_phone(inquiries.c.guest_email, inquiries.c.guest_phone, who)
        query = select(inquiries.c.id).where(match).order_by(inquiries.c.created_at)
        return list(self._conn.scalars(query))

    def billing_documents_of(self, tax_id: TaxId) -> builtins.list[BillingDocumentRecord]:
        rows = self._conn.execute(
            select(billing_documents)
            .where(
                billing_documents.c.buyer_tax_country == tax_id.country,
                billing_documents.c.buyer_tax_number == tax_id.number,
            )
            .order_by(billing_documents.c.series, billing_documents.c.number)
        ).mappings()
        return [billing_document_from_row(r) for r in rows]

    def received_events(self, contact: str) -> builtins.list[ReceivedEvent]:
        rows = self._conn.execute(
            select(received_events)
            .where(received_events.c.contact == contact)
            .order_by(received_events.c.seq)
        ).mappings()
        return [_received_event(r) for r in rows]

    def erase_received_events(self, contact: str, at: datetime) -> int:
        mine = received_events.c.contact == contact
        self._conn.execute(
            update(received_events)
            .where(mine, received_events.c.processed_at.is_(None))
            .values(processed_at=at, failure=ERASED_FAILURE)
        )
        result = self._conn.execute(
            update(received_events).where(mine).values(contact=None, payload={})
        )
        return result.rowcount

    def recipients(self, contact: str) -> builtins.list[RunRecipient]:
        rows = self._conn.execute(
            select(campaign_recipients)
            .where(campaign_recipients.c.contact == contact)
            .order_by(campaign_recipients.c.run_id, campaign_recipients.c.client_id)
        ).mappings()
        return [recipient_from_row(r) for r in rows]

    def erase_recipients(self, contact: str) -> int:
        result = self._conn.execute(
            update(campaign_recipients)
            .where(campaign_recipients.c.contact == contact)
            .values(contact=None, answers=[])
        )
        return result.rowcount

    def opt_out(self, contact: str) -> OptOutEntry | None:
        row = (
            self._conn.execute(
                select(campaign_opt_outs).where(campaign_opt_outs.c.contact == contact)
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        return OptOutEntry(row["contact"], row["opted_out_at"], row["source"])

    def hash_opt_out(self, contact: str, key: str) -> bool:
        entry = self.opt_out(contact)
        if entry is None:
            return False
        self._conn.execute(delete(campaign_opt_outs).where(campaign_opt_outs.c.contact == contact))
        hashed = select(campaign_opt_outs.c.contact).where(campaign_opt_outs.c.contact == key)
        if self._conn.scalar(hashed) is None:
            self._conn.execute(
                campaign_opt_outs.insert().values(
                    contact=key, opted_out_at=entry.opted_out_at, source=entry.source
                )
            )
        return True

    def assistant_owners(self, who: PersonIdentifier) -> builtins.list[str]:
        if who.email is None:
            return []
        owner = assistant_conversations.c.owner
        query = select(owner).where(func.lower(owner) == who.value).distinct().order_by(owner)
        return list(self._conn.scalars(query))

    def delete_assistant_conversations(self, owner: str) -> int:
        mine = select(assistant_conversations.c.id).where(assistant_conversations.c.owner == owner)
        self._conn.execute(
            delete(assistant_entries).where(assistant_entries.c.conversation_id.in_(mine))
        )
        result = self._conn.execute(
            delete(assistant_conversations).where(assistant_conversations.c.owner == owner)
        )
        return result.rowcount

    def conversation_ids_before(
        self, before: datetime, after: UUID | None, limit: int
    ) -> builtins.list[UUID]:
        query = select(conversations.c.id).where(conversations.c.created_at < before)
        if after is not None:
            query = query.where(conversations.c.id > after)
        return list(self._conn.scalars(query.order_by(conversations.c.id).limit(limit)))

    def blank_received_payloads(self, before: datetime) -> int:
        result = self._conn.execute(
            update(received_events)
            .where(
                received_events.c.processed_at.is_not(None),
                received_events.c.received_at < before,
                received_events.c.contact.is_not(None),
            )
            .values(contact=None, payload={})
        )
        return result.rowcount
