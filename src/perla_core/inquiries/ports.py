"""Storage of inquiries and unmatched e-mails, and the unit of work the inquiry use cases need."""

from __future__ import annotations

import builtins
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self
from uuid import UUID

import attrs

from perla_core.inquiries.model import Inquiry, UnmatchedEmail, UnmatchedStatus
from perla_core.inquiries.values import Channel, InquiryStage
from perla_core.kernel.pagination import Page, PageRequest
from perla_core.outbox import OutboxRepository, ProcessedMessages


@attrs.frozen
class InquiryQuery:
    """Filters for listing inquiries. Pending action first, then the newest activity
    (``last_activity_at``) first, then the id (newest first), so pages are stable.

    ``text`` matches (accent- and case-insensitively, as a substring) the guest's name, the
    guest's e-mail or the reference; ``pending_only`` keeps inquiries pending action.
    """

    stage: InquiryStage | None = None
    channel: Channel | None = None
    pending_only: bool = False
    text: str | None = None
    assigned_to: str | None = None
    client_id: UUID | None = None
    page: PageRequest = attrs.field(factory=PageRequest)


@attrs.frozen
class StageCount:
    """How many inquiries a stage holds, and how many of them are pending action."""

    stage: InquiryStage
    total: int
    pending: int


@attrs.frozen
class UnmatchedEmailQuery:
    """Unmatched e-mails in a status (open by default; ``None`` for all), newest first (by
    ``kept_at``, then id)."""

    status: UnmatchedStatus | None = UnmatchedStatus.OPEN
    page: PageRequest = attrs.field(factory=PageRequest)


class InquiryRepository(Protocol):
    """Inquiries, each with its messages, reminders, quotes and history. Joins the unit of
    work's transaction; never commits.

    ``add`` sets the version to 1; ``save`` is optimistic: it writes only if the stored
    version equals ``inquiry.version``, then increments it, otherwise :class:`StaleVersion`.
    Unique: the id, the ``reference``, the ``reply_token`` and every message's
    ``message_id`` across all inquiries — ``add`` or ``save`` (or the commit) raises
    :class:`AlreadyExists` with ``field`` ``"message_id"`` when another inquiry already holds
    one of this inquiry's Message-IDs (two deliveries of one e-mail racing). ``events`` are
    not stored (the unit of work moves them to the outbox).
    """

    def add(self, inquiry: Inquiry) -> None: ...

    def save(self, inquiry: Inquiry) -> None: ...

    def get(self, inquiry_id: UUID) -> Inquiry:
        """Raises :class:`NotFound`."""
        ...

    def by_message_id(self, message_id: str) -> Inquiry | None:
        """The inquiry holding a message (incoming or outgoing) with this Message-ID (exact,
        angle brackets included)."""
        ...

    def by_reply_token(self, token: str) -> Inquiry | None: ...

    def by_reference(self, reference: str) -> Inquiry | None: ...

    def list(self, query: InquiryQuery) -> Page[Inquiry]: ...

    def stage_counts(self) -> builtins.list[StageCount]:
        """One count per stage, every stage, in pipeline order (zeros included)."""
        ...

    def hand_over_due_reminders(
        self, now: datetime, limit: int
    ) -> builtins.list[tuple[UUID, UUID]]:
        """``(inquiry_id, reminder_id)`` of scheduled reminders due at ``now`` (``due_at <=
        now``) not yet handed over, oldest due first, at most ``limit``; they are marked
        handed over in this transaction (no aggregate is loaded).

        Two schedulers never get the same one: the rows are locked until this transaction
        ends and other transactions skip them (on PostgreSQL ``SELECT ... FOR UPDATE SKIP
        LOCKED``); once committed they are never handed over again. A rollback leaves them
        to the next tick. Saves of the inquiry never undo the mark.
        """
        ...

    @property
    def seen(self) -> builtins.list[Inquiry]:
        """Aggregates added or read in this unit of work (their events go to the outbox)."""
        ...


class UnmatchedEmailRepository(Protocol):
    """Received e-mails no inquiry claimed. Joins the unit of work's transaction; never
    commits. ``add`` sets the version to 1 and raises :class:`AlreadyExists` (``field``
    ``"message_id"``) when an unmatched e-mail with the same Message-ID is stored; ``save``
    is optimistic (:class:`StaleVersion`)."""

    def add(self, unmatched: UnmatchedEmail) -> None: ...

    def save(self, unmatched: UnmatchedEmail) -> None: ...

    def get(self, unmatched_id: UUID) -> UnmatchedEmail:
        """Raises :class:`NotFound`."""
        ...

    def by_message_id(self, message_id: str) -> UnmatchedEmail | None: ...

    def list(self, query: UnmatchedEmailQuery) -> Page[UnmatchedEmail]: ...

    @property
    def seen(self) -> builtins.list[UnmatchedEmail]: ...


class InquiryUnitOfWork(Protocol):
    """The part of :class:`perla_core.uow.UnitOfWork` the inquiry use cases use: the same
    promises (``with uow:`` opens, only ``commit`` persists, leaving rolls back, and the
    commit writes the events of the aggregates seen to the outbox in the same transaction)."""

    @property
    def inquiries(self) -> InquiryRepository: ...

    @property
    def unmatched_emails(self) -> UnmatchedEmailRepository: ...

    @property
    def outbox(self) -> OutboxRepository: ...

    @property
    def processed(self) -> ProcessedMessages: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...
