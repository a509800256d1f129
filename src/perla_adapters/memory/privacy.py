"""Finding and blanking a person's data in memory (:class:`~perla_core.privacy.ports.
PersonalDataRepository`): exact matches over the committed store; writes are staged and
applied on commit, like every memory repository."""

from __future__ import annotations

import builtins
from datetime import datetime
from uuid import UUID

import attrs

from perla_adapters.memory.store import InMemoryStore, Transaction, copy_of
from perla_core.campaigns.model import RunRecipient
from perla_core.conversations.ports import ReceivedEvent
from perla_core.documents.model import BillingDocumentRecord
from perla_core.kernel.values import TaxId
from perla_core.privacy.identifiers import PersonIdentifier
from perla_core.privacy.ports import OptOutEntry


class InMemoryPersonalDataRepository:
    """See :class:`~perla_core.privacy.ports.PersonalDataRepository`."""

    def __init__(self, store: InMemoryStore, tx: Transaction) -> None:
        self._store = store
        self._tx = tx

    def client_ids(self, who: PersonIdentifier) -> builtins.list[UUID]:
        with self._store.lock:
            return [
                c.id
                for c in self._store.clients.values()
                if who.matches_tax_id(c.tax_id)
                or who.matches(c.email, c.phone)
                or any(who.matches(k.email, k.phone) for k in c.contacts)
            ]

    def account_ids(self, who: PersonIdentifier) -> builtins.list[UUID]:
        with self._store.lock:
            return [
                a.client_id
                for a in self._store.customer_accounts.values()
                if any(who.matches(k.email, k.phone) for k in a.contacts)
            ]

    def inquiry_ids(self, who: PersonIdentifier) -> builtins.list[UUID]:
        with self._store.lock:
            return [
                i.id
                for i in self._store.inquiries.values()
                if who.matches(i.guest.email, i.guest.phone)
            ]

    def billing_documents_of(self, tax_id: TaxId) -> builtins.list[BillingDocumentRecord]:
        with self._store.lock:
            found = [d for d in self._store.billing_documents.values() if d.buyer_tax_id == tax_id]
        return sorted(found, key=lambda d: (d.series, d.number))

    def received_events(self, contact: str) -> builtins.list[ReceivedEvent]:
        with self._store.lock:
            return [
                copy_of(e) for e in self._store.received_events.values() if e.contact == contact
            ]

    def erase_received_events(self, contact: str, at: datetime) -> int:
        with self._store.lock:
            ids = [k for k, e in self._store.received_events.items() if e.contact == contact]

        def apply(store: InMemoryStore) -> None:
            for key in ids:
                event = store.received_events[key]
                store.received_events[key] = attrs.evolve(
                    event,
                    contact=None,
                    payload={},
                    processed_at=event.processed_at or at,
                    failure=event.failure if event.processed_at else "erased",
                )

        self._tx.ops.append(apply)
        return len(ids)

    def recipients(self, contact: str) -> builtins.list[RunRecipient]:
        with self._store.lock:
            return [r for r in self._store.campaign_recipients.values() if r.contact == contact]

    def erase_recipients(self, contact: str) -> int:
        with self._store.lock:
            keys = [k for k, r in self._store.campaign_recipients.items() if r.contact == contact]

        def apply(store: InMemoryStore) -> None:
            for key in keys:
                recipient = store.campaign_recipients[key]
                store.campaign_recipients[key] = attrs.evolve(recipient, contact=None, answers=())

        self._tx.ops.append(apply)
        return len(keys)

    def opt_out(self, contact: str) -> OptOutEntry | None:
        with self._store.lock:
            found = self._store.campaign_opt_outs.get(contact)
        return None if found is None else OptOutEntry(contact, found[0], found[1])

    def hash_opt_out(self, contact: str, key: str) -> bool:
        with self._store.lock:
            if contact not in self._store.campaign_opt_outs:
                return False

        def apply(store: InMemoryStore) -> None:
            entry = store.campaign_opt_outs.pop(contact, None)
            if entry is not None:
                store.campaign_opt_outs.setdefault(key, entry)

        self._tx.ops.append(apply)
        return True

    def assistant_owners(self, who: PersonIdentifier) -> builtins.list[str]:
        if who.email is None:
            return []
        with self._store.lock:
            owners = {c.owner for c in self._store.assistant_conversations.values()}
        return sorted(o for o in owners if o.casefold() == who.value)

    def delete_assistant_conversations(self, owner: str) -> int:
        with self._store.lock:
            ids = [c.id for c in self._store.assistant_conversations.values() if c.owner == owner]

        def apply(store: InMemoryStore) -> None:
            for conversation_id in ids:
                store.assistant_conversations.pop(conversation_id, None)

        self._tx.ops.append(apply)
        return len(ids)

    def conversation_ids_before(
        self, before: datetime, after: UUID | None, limit: int
    ) -> builtins.list[UUID]:
        with self._store.lock:
            found = sorted(
                c.id.int
                for c in self._store.conversations.values()
                if c.created_at < before and (after is None or c.id.int > after.int)
            )
        return [UUID(int=n) for n in found[:limit]]

    def blank_received_payloads(self, before: datetime) -> int:
        with self._store.lock:
            ids = [
                k
                for k, e in self._store.received_events.items()
                if e.processed_at is not None and e.received_at < before and e.contact is not None
            ]

        def apply(store: InMemoryStore) -> None:
            for key in ids:
                store.received_events[key] = attrs.evolve(
                    store.received_events[key], contact=None, payload={}
                )

        self._tx.ops.append(apply)
        return len(ids)
