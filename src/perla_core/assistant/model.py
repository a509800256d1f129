"""The assistant's conversation: who talks, every message, tool call, proposal and confirmation.

An :class:`AssistantConversation` belongs to one person (``owner``, the name of the API key
or login that opened it) and is the record of everything the assistant did for them: each
:class:`Entry` is appended, never rewritten. A write the model asks for becomes a
:class:`Proposal` (what will happen, the diff, the checks it passed) that waits for the
owner's confirmation in the next turn; at most one proposal is pending at a time. A
:class:`Form` is the data being gathered by conversation (a supplier request or a client
record), field by field, before it becomes a proposal.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

import attrs

from perla_core.kernel.errors import InvalidValue
from perla_core.kernel.events import domain_event

MAX_MESSAGE_CHARS = 4000
"""A staff message longer than this is refused (the field is ``text``)."""
MAX_TITLE_CHARS = 80


class EntryKind(StrEnum):
    USER = "user"  # what the person wrote
    ASSISTANT = "assistant"  # what the assistant answered
    TOOL_CALL = "tool_call"  # a call the model made: data {"id", "name", "input"}
    TOOL_RESULT = "tool_result"  # its result: data {"id", "name", "content", "is_error"}
    PROPOSAL = "proposal"  # a proposed change shown to the person: data is the proposal
    DECISION = "decision"  # confirmed / cancelled / refused as stale / applied: data
    NOTICE = "notice"  # the model was unavailable, gave up after invalid calls ...


@attrs.frozen
class Entry:
    """One line of the conversation's record. ``text`` is what a person reads; ``data`` the
    structured part (tool input and results, the proposal), JSON-ready."""

    kind: EntryKind
    at: datetime
    text: str = ""
    data: Mapping[str, Any] = attrs.field(factory=dict)


class ProposalStatus(StrEnum):
    PENDING = "pending"
    APPLIED = "applied"
    CANCELLED = "cancelled"
    STALE = "stale"  # the data it was computed on changed before the confirmation
    FAILED = "failed"  # applying it was refused by the use case
    SUPERSEDED = "superseded"  # the person asked for something else instead


@attrs.frozen
class Check:
    """One check the proposed change passes or fails (a use case's validation, a rule)."""

    name: str
    passed: bool
    detail: str = ""


@attrs.frozen
class Change:
    """One field the proposal changes on one record: ``before`` is None for a new record."""

    record: str
    field: str
    before: Any
    after: Any


@attrs.frozen
class Proposal:
    """A write the model asked for, computed on the data as it was (``fingerprint``) and
    waiting for the owner's confirmation.

    ``arguments`` are the tool's input as validated (with ``expected_version`` filled in where
    the command takes one), so applying it later runs exactly what the person saw.
    """

    id: UUID
    tool: str
    arguments: Mapping[str, Any]
    summary: str
    changes: tuple[Change, ...]
    checks: tuple[Check, ...]
    fingerprint: str
    created_at: datetime
    status: ProposalStatus = ProposalStatus.PENDING
    outcome: str = ""


class FormKind(StrEnum):
    SUPPLIER_REQUEST = "supplier_request"
    CLIENT_RECORD = "client_record"


@attrs.frozen
class Form:
    """Data being gathered by conversation: ``values`` are the answers validated so far (raw
    input values by input field), ``prefilled`` the fields taken from a confident hotel match
    or the stored record, ``asking`` the fields the last question asked for. ``target_id`` is
    the record being completed (None for a new supplier request)."""

    kind: FormKind
    values: Mapping[str, Any] = attrs.field(factory=dict)
    prefilled: tuple[str, ...] = ()
    asking: tuple[str, ...] = ()
    target_id: UUID | None = None
    hotel_ref: str | None = None
    attempts: int = 0


@domain_event("assistant.change_applied")
@attrs.frozen
class ChangeApplied:
    """A proposal the owner confirmed was applied: the audit record of the assistant as a
    channel (the change's own events name the person as the actor)."""

    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    role: str
    channel: str
    proposal_id: UUID
    tool: str
    arguments: Mapping[str, Any]
    summary: str


@domain_event("assistant.change_refused")
@attrs.frozen
class ChangeRefused:
    """A confirmation that applied nothing: the proposal was stale or the use case refused."""

    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    proposal_id: UUID
    tool: str
    reason: str


@attrs.define(eq=False)
class AssistantConversation:
    """One person's conversation with the assistant. Identity by ``id``; ``version`` guards
    two turns of the same conversation running at once (the second is refused as stale)."""

    id: UUID
    owner: str
    role: str
    title: str
    created_at: datetime
    updated_at: datetime
    entries: list[Entry] = attrs.field(factory=list)
    proposal: Proposal | None = None
    form: Form | None = None
    version: int = 0
    first_entry: int = 0
    """The position of ``entries[0]`` in the whole record: a conversation read with only its
    recent entries (what a turn needs) starts later than 0; saving it still appends."""
    events: list[object] = attrs.field(factory=list, repr=False)

    @classmethod
    def start(
        cls, *, conversation_id: UUID, owner: str, role: str, now: datetime, title: str = ""
    ) -> AssistantConversation:
        if not owner.strip():
            raise InvalidValue("a conversation needs an owner", field="owner")
        return cls(conversation_id, owner, role, title.strip()[:MAX_TITLE_CHARS], now, now)

    def append(self, entry: Entry) -> None:
        self.entries.append(entry)
        self.updated_at = entry.at
        if not self.title and entry.kind is EntryKind.USER:
            self.title = " ".join(entry.text.split())[:MAX_TITLE_CHARS]

    @property
    def pending(self) -> Proposal | None:
        """The proposal waiting for confirmation, if any."""
        if self.proposal is not None and self.proposal.status is ProposalStatus.PENDING:
            return self.proposal
        return None

    def propose(self, proposal: Proposal, text: str) -> None:
        self.close_proposal(ProposalStatus.SUPERSEDED)
        self.proposal = proposal
        self.append(Entry(EntryKind.PROPOSAL, proposal.created_at, text, proposal_data(proposal)))

    def close_proposal(self, status: ProposalStatus, outcome: str = "") -> Proposal | None:
        """Settle the pending proposal (if any) and return it as settled."""
        pending = self.pending
        if pending is None:
            return None
        self.proposal = attrs.evolve(pending, status=status, outcome=outcome)
        return self.proposal

    def record_applied(self, proposal: Proposal, *, actor: str, role: str, now: datetime) -> None:
        self.events.append(
            ChangeApplied(
                self.id,
                now,
                actor,
                role,
                "assistant",
                proposal.id,
                proposal.tool,
                dict(proposal.arguments),
                proposal.summary,
            )
        )

    def record_refused(self, proposal: Proposal, *, actor: str, reason: str, now: datetime) -> None:
        self.events.append(ChangeRefused(self.id, now, actor, proposal.id, proposal.tool, reason))


def proposal_data(proposal: Proposal) -> dict[str, Any]:
    """A proposal as JSON-ready data (stored in its entry and shown by the API)."""
    return {
        "id": str(proposal.id),
        "tool": proposal.tool,
        "arguments": dict(proposal.arguments),
        "summary": proposal.summary,
        "changes": [
            {"record": c.record, "field": c.field, "before": c.before, "after": c.after}
            for c in proposal.changes
        ],
        "checks": [
            {"name": c.name, "passed": c.passed, "detail": c.detail} for c in proposal.checks
        ],
        "fingerprint": proposal.fingerprint,
        "created_at": proposal.created_at.isoformat(),
        "status": proposal.status.value,
        "outcome": proposal.outcome,
    }


__all__ = [
    "MAX_MESSAGE_CHARS",
    "AssistantConversation",
    "Change",
    "ChangeApplied",
    "ChangeRefused",
    "Check",
    "Entry",
    "EntryKind",
    "Form",
    "FormKind",
    "Proposal",
    "ProposalStatus",
    "proposal_data",
]
