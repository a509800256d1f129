"""Inquiries and unmatched e-mails in memory, with the promises of their tables: ids,
references, reply tokens and Message-IDs unique, saves optimistic, reads are copies, and due
reminders handed over once (two schedulers never get the same one)."""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from perla_adapters.memory.store import InMemoryStore, Transaction, copy_of
from perla_core.inquiries.model import Inquiry, UnmatchedEmail
from perla_core.inquiries.ports import InquiryQuery, StageCount, UnmatchedEmailQuery
from perla_core.inquiries.values import PIPELINE, ReminderStatus
from perla_core.kernel.errors import AlreadyExists, NotFound, StaleVersion
from perla_core.kernel.pagination import Page
from perla_core.kernel.text import fold


class InMemoryInquiryRepository:
    def __init__(self, store: InMemoryStore, tx: Transaction) -> None:
        self._store = store
        self._tx = tx
        self._pending: dict[UUID, Inquiry] = {}
        self.claimed: set[tuple[UUID, UUID]] = set()
        self.seen: builtins.list[Inquiry] = []

    def _current(self) -> dict[UUID, Inquiry]:
        return {**self._store.inquiries, **self._pending}

    def add(self, inquiry: Inquiry) -> None:
        with self._store.lock:
            if inquiry.id in self._current():
                raise AlreadyExists(f"inquiry {inquiry.id} already exists", field="id")
            _check_unique(inquiry, self._current().values())
            inquiry.version = 1
            self._stage(inquiry, base_version=None)

    def save(self, inquiry: Inquiry) -> None:
        with self._store.lock:
            stored = self._current().get(inquiry.id)
            if stored is None:
                raise NotFound("inquiry", inquiry.id)
            if stored.version != inquiry.version:
                raise StaleVersion("inquiry", inquiry.id, inquiry.version, stored.version)
            _check_unique(inquiry, self._current().values())
            base = inquiry.version
            inquiry.version = base + 1
            self._stage(inquiry, base_version=base)

    def _stage(self, inquiry: Inquiry, base_version: int | None) -> None:
        snapshot = copy_of(inquiry)
        snapshot.events.clear()
        self._pending[inquiry.id] = snapshot
        self._see(inquiry)

        def apply(store: InMemoryStore) -> None:
            stored = store.inquiries.get(inquiry.id)
            actual = None if stored is None else stored.version
            if actual != base_version:
                raise StaleVersion("inquiry", inquiry.id, base_version or 0, actual)
            _check_unique(snapshot, store.inquiries.values())
            store.inquiries[inquiry.id] = snapshot

        self._tx.ops.append(apply)

    def _see(self, inquiry: Inquiry) -> None:
        if inquiry not in self.seen:
            self.seen.append(inquiry)
        self._tx.touch(inquiry)

    def _read(self, stored: Inquiry | None) -> Inquiry | None:
        if stored is None:
            return None
        inquiry = copy_of(stored)
        self._see(inquiry)
        return inquiry

    def get(self, inquiry_id: UUID) -> Inquiry:
        with self._store.lock:
            stored = self._current().get(inquiry_id)
        if stored is None:
            raise NotFound("inquiry", inquiry_id)
        found = self._read(stored)
        assert found is not None
        return found

    def by_message_id(self, message_id: str) -> Inquiry | None:
        with self._store.lock:
            stored = next(
                (
                    i
                    for i in self._current().values()
                    if any(m.message_id == message_id for m in i.messages)
                ),
                None,
            )
        return self._read(stored)

    def by_reply_token(self, token: str) -> Inquiry | None:
        with self._store.lock:
            stored = next((i for i in self._current().values() if i.reply_token == token), None)
        return self._read(stored)

    def by_reference(self, reference: str) -> Inquiry | None:
        with self._store.lock:
            stored = next((i for i in self._current().values() if i.reference == reference), None)
        return self._read(stored)

    def list(self, query: InquiryQuery) -> Page[Inquiry]:
        """Pending first, then newest activity, then newest id."""
        with self._store.lock:
            rows = [i for i in self._current().values() if _matches(i, query)]
        rows.sort(key=lambda i: (i.pending_action, i.last_activity_at, i.id.int), reverse=True)
        start, stop = query.page.offset, query.page.offset + query.page.limit
        return Page(
            [copy_of(i) for i in rows[start:stop]], len(rows), query.page.limit, query.page.offset
        )

    def stage_counts(self) -> builtins.list[StageCount]:
        with self._store.lock:
            rows = list(self._current().values())
        return [
            StageCount(
                stage,
                sum(1 for i in rows if i.stage is stage),
                sum(1 for i in rows if i.stage is stage and i.pending_action),
            )
            for stage in PIPELINE
        ]

    def hand_over_due_reminders(
        self, now: datetime, limit: int
    ) -> builtins.list[tuple[UUID, UUID]]:
        """Like the SQL hand-over: the reminders taken are claimed (other units of work skip
        them until this one's transaction ends, as ``SKIP LOCKED`` does) and marked handed
        over when it commits; a rollback leaves them to the next tick."""
        with self._store.lock:
            skip = self._store.handed_over_reminders | self._store.reminder_claims
            due = sorted(
                (
                    (r.due_at, i.id.int, r.id.int, i.id, r.id)
                    for i in self._current().values()
                    for r in i.reminders
                    if r.status is ReminderStatus.SCHEDULED
                    and r.due_at <= now
                    and (i.id, r.id) not in skip
                ),
            )[:limit]
            taken = [(inquiry_id, reminder_id) for *_, inquiry_id, reminder_id in due]
            self.claimed.update(taken)
            self._store.reminder_claims.update(taken)

        def apply(store: InMemoryStore) -> None:
            store.handed_over_reminders.update(taken)

        self._tx.ops.append(apply)
        return taken

    def release(self) -> None:
        """End this transaction's claims (the unit of work calls it when the transaction ends)."""
        with self._store.lock:
            self._store.reminder_claims.difference_update(self.claimed)
        self.claimed.clear()


def _check_unique(inquiry: Inquiry, others: Iterable[Inquiry]) -> None:
    own = set(inquiry.message_ids())
    for other in others:
        if other.id == inquiry.id:
            continue
        if other.reference == inquiry.reference:
            raise AlreadyExists(f"reference {inquiry.reference} is taken", field="reference")
        if other.reply_token == inquiry.reply_token:
            raise AlreadyExists("the reply token is taken", field="reply_token")
        clash = own.intersection(other.message_ids())
        if clash:
            raise AlreadyExists(
                f"inquiry {other.reference} already holds message {min(clash)}",
                field="message_id",
            )


def _matches(inquiry: Inquiry, q: InquiryQuery) -> bool:
    return (
        (q.stage is None or inquiry.stage is q.stage)
        and (q.channel is None or inquiry.channel is q.channel)
        and (not q.pending_only or inquiry.pending_action)
        and (q.assigned_to is None or inquiry.assigned_to == q.assigned_to)
        and (q.client_id is None or inquiry.client_id == q.client_id)
        and (not q.text or fold(q.text) in inquiry.search_text)
    )


class InMemoryUnmatchedEmailRepository:
    def __init__(self, store: InMemoryStore, tx: Transaction) -> None:
        self._store = store
        self._tx = tx
        self._pending: dict[UUID, UnmatchedEmail] = {}
        self.seen: builtins.list[UnmatchedEmail] = []

    def _current(self) -> dict[UUID, UnmatchedEmail]:
        return {**self._store.unmatched_emails, **self._pending}

    def add(self, unmatched: UnmatchedEmail) -> None:
        with self._store.lock:
            if unmatched.id in self._current():
                raise AlreadyExists(f"unmatched e-mail {unmatched.id} already exists", field="id")
            _check_message_id(unmatched, self._current().values())
            unmatched.version = 1
            self._stage(unmatched, base_version=None)

    def save(self, unmatched: UnmatchedEmail) -> None:
        with self._store.lock:
            stored = self._current().get(unmatched.id)
            if stored is None:
                raise NotFound("unmatched e-mail", unmatched.id)
            if stored.version != unmatched.version:
                raise StaleVersion(
                    "unmatched e-mail", unmatched.id, unmatched.version, stored.version
                )
            base = unmatched.version
            unmatched.version = base + 1
            self._stage(unmatched, base_version=base)

    def _stage(self, unmatched: UnmatchedEmail, base_version: int | None) -> None:
        snapshot = copy_of(unmatched)
        snapshot.events.clear()
        self._pending[unmatched.id] = snapshot
        self._see(unmatched)

        def apply(store: InMemoryStore) -> None:
            stored = store.unmatched_emails.get(unmatched.id)
            actual = None if stored is None else stored.version
            if actual != base_version:
                raise StaleVersion("unmatched e-mail", unmatched.id, base_version or 0, actual)
            _check_message_id(snapshot, store.unmatched_emails.values())
            store.unmatched_emails[unmatched.id] = snapshot

        self._tx.ops.append(apply)

    def _see(self, unmatched: UnmatchedEmail) -> None:
        if unmatched not in self.seen:
            self.seen.append(unmatched)
        self._tx.touch(unmatched)

    def get(self, unmatched_id: UUID) -> UnmatchedEmail:
        with self._store.lock:
            stored = self._current().get(unmatched_id)
        if stored is None:
            raise NotFound("unmatched e-mail", unmatched_id)
        unmatched = copy_of(stored)
        self._see(unmatched)
        return unmatched

    def by_message_id(self, message_id: str) -> UnmatchedEmail | None:
        with self._store.lock:
            stored = next((u for u in self._current().values() if u.message_id == message_id), None)
        if stored is None:
            return None
        unmatched = copy_of(stored)
        self._see(unmatched)
        return unmatched

    def list(self, query: UnmatchedEmailQuery) -> Page[UnmatchedEmail]:
        """Newest first (by ``kept_at``, then id)."""
        with self._store.lock:
            rows = [u for u in self._current().values() if query.status in (None, u.status)]
        rows.sort(key=lambda u: (u.kept_at, u.id.int), reverse=True)
        start, stop = query.page.offset, query.page.offset + query.page.limit
        return Page(
            [copy_of(u) for u in rows[start:stop]], len(rows), query.page.limit, query.page.offset
        )


def _check_message_id(unmatched: UnmatchedEmail, others: Iterable[UnmatchedEmail]) -> None:
    for other in others:
        if other.id != unmatched.id and other.message_id == unmatched.message_id:
            raise AlreadyExists(
                f"an unmatched e-mail with Message-ID {unmatched.message_id} is kept",
                field="message_id",
            )
