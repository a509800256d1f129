"""Inquiries and unmatched e-mails in SQL: rows to aggregates and back, and the repositories.

An inquiry is one row of ``inquiries``: the aggregate whole as the JSON ``body`` (every field
but ``id``, ``version`` and ``events``, through the cattrs converter), and beside it the
columns lists filter and sort on. Two side tables are kept in step on every write:
``inquiry_message_ids`` (a Message-ID belongs to one inquiry: its primary key) and
``inquiry_reminders`` (the scheduler's hand-over is a range scan of ``(status,
handed_over_at, due_at)``).

The hand-over of due reminders reads no inquiry: one ``UPDATE ... RETURNING`` marks the
reminder rows ``handed_over_at`` (chosen by a subquery that locks them, ``FOR UPDATE SKIP
LOCKED`` on PostgreSQL; SQLite takes the database's write lock first, as the outbox claim
does). Saves write ``due_at`` and ``status`` of the reminder rows, never ``handed_over_at``.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import attrs
from sqlalchemy import (
    Connection,
    bindparam,
    case,
    delete,
    false,
    func,
    insert,
    select,
    tuple_,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from perla_adapters.memory.store import TouchedAggregates
from perla_adapters.sql.serialization import Row, converter
from perla_adapters.sql.tables import (
    inquiries,
    inquiry_message_ids,
    inquiry_reminders,
    unmatched_emails,
)
from perla_core.inquiries.model import Inquiry, UnmatchedEmail
from perla_core.inquiries.ports import InquiryQuery, StageCount, UnmatchedEmailQuery
from perla_core.inquiries.values import PIPELINE, Direction, InquiryStage, ReminderStatus
from perla_core.kernel.errors import AlreadyExists, NotFound, StaleVersion
from perla_core.kernel.pagination import Page
from perla_core.kernel.text import fold

_OUT_OF_BODY = frozenset({"id", "version", "events"})
attrs.resolve_types(Inquiry)
attrs.resolve_types(UnmatchedEmail)
# (name, type) of every field kept in ``body``
_INQUIRY_FIELDS = [(f.name, f.type) for f in attrs.fields(Inquiry) if f.name not in _OUT_OF_BODY]
_UNMATCHED_FIELDS = [
    (f.name, f.type) for f in attrs.fields(UnmatchedEmail) if f.name not in _OUT_OF_BODY
]

# What a save compares with what is stored: the Message-IDs and the reminders' (due_at, status).
_Reminders = dict[UUID, tuple[datetime, str]]


# The writes of a save, built once: a compiled form is cached per statement object, and the
# deferred writes run each one as an ``executemany``.
_UPDATE_INQUIRY = (
    update(inquiries)
    .where(inquiries.c.id == bindparam("b_id"), inquiries.c.version == bindparam("b_version"))
    .values({c.name: bindparam(c.name) for c in inquiries.c if c.name != "id"})
)
_INSERT_MESSAGE_ID = insert(inquiry_message_ids)
_INSERT_REMINDER = insert(inquiry_reminders)
_UPDATE_REMINDER = (
    update(inquiry_reminders)
    .where(
        inquiry_reminders.c.inquiry_id == bindparam("b_inquiry_id"),
        inquiry_reminders.c.reminder_id == bindparam("b_reminder_id"),
    )
    .values(due_at=bindparam("due_at"), status=bindparam("status"))
)
_DELETE_REMINDER = delete(inquiry_reminders).where(
    inquiry_reminders.c.inquiry_id == bindparam("b_inquiry_id"),
    inquiry_reminders.c.reminder_id == bindparam("b_reminder_id"),
)


@attrs.define
class _Writes:
    """What a save writes to the side tables, by statement (each run once with its rows)."""

    message_ids: list[dict[str, Any]] = attrs.field(factory=list)
    deleted_reminders: list[dict[str, Any]] = attrs.field(factory=list)
    added_reminders: list[dict[str, Any]] = attrs.field(factory=list)
    changed_reminders: list[dict[str, Any]] = attrs.field(factory=list)


def _body(aggregate: object, fields: Sequence[tuple[str, Any]]) -> dict[str, Any]:
    return {name: converter.unstructure(getattr(aggregate, name), kind) for name, kind in fields}


def _from_body(body: Mapping[str, Any], fields: Sequence[tuple[str, Any]]) -> dict[str, Any]:
    return {name: converter.structure(body[name], kind) for name, kind in fields}


def inquiry_to_row(inquiry: Inquiry) -> dict[str, Any]:
    """Every column of ``inquiries``; ``events`` stay out of the table."""
    i = inquiry
    return {
        "id": i.id,
        "version": i.version,
        "reference": i.reference,
        "reply_token": i.reply_token,
        "stage": i.stage.value,
        "channel": i.channel.value,
        "guest_name": i.guest.name,
        "guest_email": None if i.guest.email is None else i.guest.email.value,
        "guest_phone": None if i.guest.phone is None else i.guest.phone.e164,
        "check_in": None if i.stay is None else i.stay.check_in,
        "check_out": None if i.stay is None else i.stay.check_out,
        "client_id": i.client_id,
        "assigned_to": i.assigned_to,
        "pending_action": i.pending_action,
        "last_activity_at": i.last_activity_at,
        "created_at": i.created_at,
        "search_text": i.search_text,
        "body": _body(i, _INQUIRY_FIELDS),
    }


def inquiry_from_row(row: Row) -> Inquiry:
    values = _from_body(row["body"], _INQUIRY_FIELDS)
    return Inquiry(id=row["id"], version=row["version"], **values)


def unmatched_to_row(unmatched: UnmatchedEmail) -> dict[str, Any]:
    return {
        "id": unmatched.id,
        "version": unmatched.version,
        "message_id": unmatched.message_id,
        "status": unmatched.status.value,
        "kept_at": unmatched.kept_at,
        "body": _body(unmatched, _UNMATCHED_FIELDS),
    }


def unmatched_from_row(row: Row) -> UnmatchedEmail:
    values = _from_body(row["body"], _UNMATCHED_FIELDS)
    return UnmatchedEmail(id=row["id"], version=row["version"], **values)


def _reminders_of(inquiry: Inquiry) -> _Reminders:
    return {r.id: (r.due_at, r.status.value) for r in inquiry.reminders}


class SqlAlchemyInquiryRepository:
    """Inquiries by id, reference, reply token or Message-ID; lists and counts by index."""

    def __init__(self, conn: Connection, touched: TouchedAggregates) -> None:
        self._conn = conn
        self._touched = touched
        self.seen: builtins.list[Inquiry] = []
        self._seen_ids: set[int] = set()
        # what this transaction knows is stored, by inquiry: its Message-IDs and reminders
        self._stored: dict[UUID, tuple[frozenset[str], _Reminders]] = {}

    # --- writing ------------------------------------------------------------------------------

    def add(self, inquiry: Inquiry) -> None:
        taken = self._conn.execute(
            select(inquiries.c.id, inquiries.c.reference, inquiries.c.reply_token).where(
                (inquiries.c.id == inquiry.id)
                | (inquiries.c.reference == inquiry.reference)
                | (inquiries.c.reply_token == inquiry.reply_token)
            )
        ).first()
        if taken is not None:
            if taken.id == inquiry.id:
                raise AlreadyExists(f"inquiry {inquiry.id} already exists", field="id")
            if taken.reference == inquiry.reference:
                raise AlreadyExists(f"reference {inquiry.reference} is taken", field="reference")
            raise AlreadyExists("the reply token is taken", field="reply_token")
        self._check_message_ids(inquiry, inquiry.message_ids())
        row = inquiry_to_row(inquiry) | {"version": 1}
        try:
            self._conn.execute(insert(inquiries).values(row))
        except IntegrityError as exc:  # a concurrent transaction took a unique value first
            raise _integrity(exc, inquiry) from exc
        self._sync(inquiry, frozenset(), {}, _Writes())
        inquiry.version = 1
        self._see(inquiry)

    def save(self, inquiry: Inquiry) -> None:
        stored = self._stored.get(inquiry.id) or self._load_stored(inquiry.id)
        message_ids, _ = stored
        new_ids = [m for m in inquiry.message_ids() if m not in message_ids]
        # Outgoing Message-IDs are made here from a new id: the primary key refuses a clash.
        outgoing = {m.message_id for m in inquiry.messages if m.direction is Direction.OUTGOING}
        checked = [m for m in new_ids if m not in outgoing]
        base = inquiry.version
        self._check_message_ids(inquiry, checked)
        self._save_now(inquiry, stored)
        inquiry.version = base + 1
        self._see(inquiry)

    def _save_now(self, inquiry: Inquiry, stored: tuple[frozenset[str], _Reminders]) -> None:
        base = inquiry.version
        row = _update_row(inquiry)
        try:
            result = self._conn.execute(_UPDATE_INQUIRY, row)
        except IntegrityError as exc:
            raise _integrity(exc, inquiry) from exc
        if result.rowcount == 0:
            actual = self._conn.scalar(
                select(inquiries.c.version).where(inquiries.c.id == inquiry.id)
            )
            if actual is None:
                raise NotFound("inquiry", inquiry.id)
            raise StaleVersion("inquiry", inquiry.id, base, actual)
        self._sync(inquiry, *stored, _Writes())

    def _write(self, writes: _Writes) -> None:
        if writes.message_ids:
            try:
                self._conn.execute(_INSERT_MESSAGE_ID, writes.message_ids)
            except IntegrityError as exc:  # another inquiry holds one
                taken = min(row["message_id"] for row in writes.message_ids)
                raise _message_id_taken(taken) from exc
        if writes.deleted_reminders:
            self._conn.execute(_DELETE_REMINDER, writes.deleted_reminders)
        if writes.added_reminders:
            self._conn.execute(_INSERT_REMINDER, writes.added_reminders)
        if writes.changed_reminders:
            self._conn.execute(_UPDATE_REMINDER, writes.changed_reminders)

    def _check_message_ids(self, inquiry: Inquiry, message_ids: Sequence[str]) -> None:
        if not message_ids:
            return
        clash = self._conn.scalar(
            select(func.min(inquiry_message_ids.c.message_id)).where(
                inquiry_message_ids.c.message_id.in_(message_ids),
                inquiry_message_ids.c.inquiry_id != inquiry.id,
            )
        )
        if clash is not None:
            raise _message_id_taken(clash)

    def _load_stored(self, inquiry_id: UUID) -> tuple[frozenset[str], _Reminders]:
        message_ids = self._conn.scalars(
            select(inquiry_message_ids.c.message_id).where(
                inquiry_message_ids.c.inquiry_id == inquiry_id
            )
        )
        reminders = self._conn.execute(
            select(
                inquiry_reminders.c.reminder_id,
                inquiry_reminders.c.due_at,
                inquiry_reminders.c.status,
            ).where(inquiry_reminders.c.inquiry_id == inquiry_id)
        )
        return frozenset(message_ids), {r.reminder_id: (r.due_at, r.status) for r in reminders}

    def _sync(
        self,
        inquiry: Inquiry,
        message_ids: frozenset[str],
        stored: _Reminders,
        writes: _Writes,
    ) -> None:
        """Write the Message-IDs and reminder rows that differ from what is stored."""
        new_ids = list(dict.fromkeys(m for m in inquiry.message_ids() if m not in message_ids))
        writes.message_ids.extend({"message_id": m, "inquiry_id": inquiry.id} for m in new_ids)
        reminders = _reminders_of(inquiry)
        for rid, (due_at, status) in reminders.items():
            if rid not in stored:
                writes.added_reminders.append(
                    {
                        "inquiry_id": inquiry.id,
                        "reminder_id": rid,
                        "due_at": due_at,
                        "status": status,
                    }
                )
            elif stored[rid] != (due_at, status):
                writes.changed_reminders.append(
                    {
                        "b_inquiry_id": inquiry.id,
                        "b_reminder_id": rid,
                        "due_at": due_at,
                        "status": status,
                    }
                )
        writes.deleted_reminders.extend(
            {"b_inquiry_id": inquiry.id, "b_reminder_id": rid}
            for rid in stored
            if rid not in reminders
        )
        self._write(writes)
        self._stored[inquiry.id] = (message_ids.union(new_ids), reminders)

    def _see(self, inquiry: Inquiry) -> None:
        if id(inquiry) not in self._seen_ids:
            self._seen_ids.add(id(inquiry))
            self.seen.append(inquiry)
        self._touched.touch(inquiry)

    # --- reading ------------------------------------------------------------------------------

    def _loaded(self, row: Row | None) -> Inquiry | None:
        if row is None:
            return None
        inquiry = inquiry_from_row(row)
        self._stored[inquiry.id] = (frozenset(inquiry.message_ids()), _reminders_of(inquiry))
        self._see(inquiry)
        return inquiry

    def _one(self, *where: ColumnElement[bool]) -> Inquiry | None:
        return self._loaded(self._conn.execute(select(inquiries).where(*where)).mappings().first())

    def get(self, inquiry_id: UUID) -> Inquiry:
        found = self._one(inquiries.c.id == inquiry_id)
        if found is None:
            raise NotFound("inquiry", inquiry_id)
        return found

    def by_message_id(self, message_id: str) -> Inquiry | None:
        holder = (
            select(inquiry_message_ids.c.inquiry_id)
            .where(inquiry_message_ids.c.message_id == message_id)
            .scalar_subquery()
        )
        return self._one(inquiries.c.id == holder)

    def by_reply_token(self, token: str) -> Inquiry | None:
        return self._one(inquiries.c.reply_token == token)

    def by_reference(self, reference: str) -> Inquiry | None:
        return self._one(inquiries.c.reference == reference)

    def list(self, query: InquiryQuery) -> Page[Inquiry]:
        """Pending first, then newest activity, then newest id: the index read backwards."""
        conditions = _inquiry_filters(query)
        rows = self._conn.execute(
            select(inquiries)
            .where(*conditions)
            .order_by(
                inquiries.c.pending_action.desc(),
                inquiries.c.last_activity_at.desc(),
                inquiries.c.id.desc(),
            )
            .limit(query.page.limit)
            .offset(query.page.offset)
        ).mappings()
        items = [inquiry_from_row(row) for row in rows]
        total = self._conn.scalar(select(func.count()).select_from(inquiries).where(*conditions))
        return Page(items, total or 0, query.page.limit, query.page.offset)

    def stage_counts(self) -> builtins.list[StageCount]:
        """One ``GROUP BY stage`` over the (stage, pending_action) index."""
        rows = self._conn.execute(
            select(
                inquiries.c.stage,
                func.count(),
                func.sum(case((inquiries.c.pending_action, 1), else_=0)),
            ).group_by(inquiries.c.stage)
        )
        counts = {InquiryStage(stage): (total, pending or 0) for stage, total, pending in rows}
        return [StageCount(stage, *counts.get(stage, (0, 0))) for stage in PIPELINE]

    def hand_over_due_reminders(
        self, now: datetime, limit: int
    ) -> builtins.list[tuple[UUID, UUID]]:
        """One statement, no inquiry read: ``UPDATE inquiry_reminders SET handed_over_at``
        for the scheduled reminders due and not handed over, oldest due first, chosen by a
        subquery that locks them (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so a second
        scheduler takes other rows), ``RETURNING`` what it marked. SQLite has no row locks:
        the hand-over takes the database's write lock first, so a second scheduler waits for
        this transaction to end (and then finds the rows handed over)."""
        if self._conn.dialect.name == "sqlite":
            self._conn.execute(
                update(inquiry_reminders).where(false()).values(status=inquiry_reminders.c.status)
            )
        due = (
            select(inquiry_reminders.c.inquiry_id, inquiry_reminders.c.reminder_id)
            .where(
                inquiry_reminders.c.status == ReminderStatus.SCHEDULED.value,
                inquiry_reminders.c.handed_over_at.is_(None),
                inquiry_reminders.c.due_at <= now,
            )
            .order_by(
                inquiry_reminders.c.due_at,
                inquiry_reminders.c.inquiry_id,
                inquiry_reminders.c.reminder_id,
            )
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        marked = self._conn.execute(
            update(inquiry_reminders)
            .where(tuple_(inquiry_reminders.c.inquiry_id, inquiry_reminders.c.reminder_id).in_(due))
            .values(handed_over_at=now)
            .returning(
                inquiry_reminders.c.due_at,
                inquiry_reminders.c.inquiry_id,
                inquiry_reminders.c.reminder_id,
            )
        )
        # RETURNING promises no order; ``.int`` keeps the comparisons in C
        rows = sorted(marked, key=lambda r: (r.due_at, r.inquiry_id.int, r.reminder_id.int))
        return [(r.inquiry_id, r.reminder_id) for r in rows]


def _update_row(inquiry: Inquiry) -> dict[str, Any]:
    """The parameters of ``_UPDATE_INQUIRY``: the next version where the expected one is."""
    row = inquiry_to_row(inquiry)
    row["b_id"] = row.pop("id")
    row["b_version"] = inquiry.version
    row["version"] = inquiry.version + 1
    return row


def _inquiry_filters(query: InquiryQuery) -> builtins.list[ColumnElement[bool]]:
    conditions: builtins.list[ColumnElement[bool]] = []
    if query.stage is not None:
        conditions.append(inquiries.c.stage == query.stage.value)
    if query.channel is not None:
        conditions.append(inquiries.c.channel == query.channel.value)
    if query.pending_only:
        conditions.append(inquiries.c.pending_action.is_(True))
    if query.assigned_to is not None:
        conditions.append(inquiries.c.assigned_to == query.assigned_to)
    if query.client_id is not None:
        conditions.append(inquiries.c.client_id == query.client_id)
    if query.text:
        conditions.append(inquiries.c.search_text.contains(fold(query.text), autoescape=True))
    return conditions


def _message_id_taken(message_id: str) -> AlreadyExists:
    return AlreadyExists(f"another inquiry holds message {message_id}", field="message_id")


def _integrity(exc: IntegrityError, inquiry: Inquiry) -> AlreadyExists:
    reason = str(exc.orig)
    if "reference" in reason:
        return AlreadyExists(f"reference {inquiry.reference} is taken", field="reference")
    if "reply_token" in reason:
        return AlreadyExists("the reply token is taken", field="reply_token")
    return AlreadyExists(f"inquiry {inquiry.id} already exists", field="id")


class SqlAlchemyUnmatchedEmailRepository:
    """Unmatched e-mails by id or Message-ID (unique); newest first by ``kept_at``."""

    def __init__(self, conn: Connection, touched: TouchedAggregates) -> None:
        self._conn = conn
        self._touched = touched
        self.seen: builtins.list[UnmatchedEmail] = []

    def add(self, unmatched: UnmatchedEmail) -> None:
        taken = self._conn.execute(
            select(unmatched_emails.c.id).where(
                (unmatched_emails.c.id == unmatched.id)
                | (unmatched_emails.c.message_id == unmatched.message_id)
            )
        ).first()
        if taken is not None:
            raise _unmatched_taken(unmatched, same_id=taken.id == unmatched.id)
        try:
            self._conn.execute(
                insert(unmatched_emails).values(unmatched_to_row(unmatched) | {"version": 1})
            )
        except IntegrityError as exc:
            raise _unmatched_taken(unmatched, same_id="message_id" not in str(exc.orig)) from exc
        unmatched.version = 1
        self._see(unmatched)

    def save(self, unmatched: UnmatchedEmail) -> None:
        base = unmatched.version
        row = unmatched_to_row(unmatched) | {"version": base + 1}
        del row["id"]
        result = self._conn.execute(
            update(unmatched_emails)
            .where(unmatched_emails.c.id == unmatched.id, unmatched_emails.c.version == base)
            .values(row)
        )
        if result.rowcount == 0:
            actual = self._conn.scalar(
                select(unmatched_emails.c.version).where(unmatched_emails.c.id == unmatched.id)
            )
            if actual is None:
                raise NotFound("unmatched e-mail", unmatched.id)
            raise StaleVersion("unmatched e-mail", unmatched.id, base, actual)
        unmatched.version = base + 1
        self._see(unmatched)

    def _see(self, unmatched: UnmatchedEmail) -> None:
        if not any(seen is unmatched for seen in self.seen):
            self.seen.append(unmatched)
        self._touched.touch(unmatched)

    def _one(self, *where: ColumnElement[bool]) -> UnmatchedEmail | None:
        row = self._conn.execute(select(unmatched_emails).where(*where)).mappings().first()
        if row is None:
            return None
        unmatched = unmatched_from_row(row)
        self._see(unmatched)
        return unmatched

    def get(self, unmatched_id: UUID) -> UnmatchedEmail:
        found = self._one(unmatched_emails.c.id == unmatched_id)
        if found is None:
            raise NotFound("unmatched e-mail", unmatched_id)
        return found

    def by_message_id(self, message_id: str) -> UnmatchedEmail | None:
        return self._one(unmatched_emails.c.message_id == message_id)

    def list(self, query: UnmatchedEmailQuery) -> Page[UnmatchedEmail]:
        """Newest first (by ``kept_at``, then id)."""
        conditions: builtins.list[ColumnElement[bool]] = []
        if query.status is not None:
            conditions.append(unmatched_emails.c.status == query.status.value)
        rows = self._conn.execute(
            select(unmatched_emails)
            .where(*conditions)
            .order_by(unmatched_emails.c.kept_at.desc(), unmatched_emails.c.id.desc())
            .limit(query.page.limit)
            .offset(query.page.offset)
        ).mappings()
        items = [unmatched_from_row(row) for row in rows]
        total = self._conn.scalar(
            select(func.count()).select_from(unmatched_emails).where(*conditions)
        )
        return Page(items, total or 0, query.page.limit, query.page.offset)


def _unmatched_taken(unmatched: UnmatchedEmail, *, same_id: bool) -> AlreadyExists:
    if same_id:
        return AlreadyExists(f"unmatched e-mail {unmatched.id} already exists", field="id")
    return AlreadyExists(
        f"an unmatched e-mail with Message-ID {unmatched.message_id} is kept", field="message_id"
    )
