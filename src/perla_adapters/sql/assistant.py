"""The assistant's conversations in SQL.

A conversation is one row of ``assistant_conversations`` (who, when, the pending proposal and
the form being gathered, as JSON) and one row of ``assistant_entries`` per entry, keyed by its
position. Entries are appended, never rewritten: ``save`` updates the conversation's row with
``WHERE id = :id AND version = :version`` and inserts only the entries beyond those stored
(the repository remembers, per conversation, how many it loaded or wrote at which version, and
counts the stored rows when it does not know).

Values the model keeps as ``Any`` (a tool's arguments, a change's ``before``/``after``, a
form's answers, an entry's data) are written by :func:`encode_value`: JSON-ready values as
they are, and decimals, datetimes, dates, UUIDs, enums and tuples as one-key tagged objects
(``{"$decimal": "12.50"}``), so they load back as they were, of the same type.
"""

from __future__ import annotations

import builtins
import importlib
import math
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from perla_adapters.memory.store import TouchedAggregates
from perla_adapters.sql.serialization import Row
from perla_adapters.sql.tables import assistant_conversations, assistant_entries
from perla_core.assistant.model import (
    AssistantConversation,
    Change,
    Check,
    Entry,
    EntryKind,
    Form,
    FormKind,
    Proposal,
    ProposalStatus,
)
from perla_core.kernel.errors import AlreadyExists, NotFound, StaleVersion
from perla_core.kernel.pagination import Page, PageRequest

# --- values of any type -------------------------------------------------------------------

_ENUM_MODULES = ("perla_core.",)
"""Enums load back only from the domain's modules (a stored row never imports anything else)."""


_TAGGED: tuple[tuple[type[Any], str, Callable[[Any], str]], ...] = (
    (Decimal, "$decimal", str),
    (datetime, "$datetime", datetime.isoformat),  # before date: a datetime is a date
    (date, "$date", date.isoformat),
    (UUID, "$uuid", str),
    (float, "$float", repr),  # inf, -inf and nan: JSON has no such numbers
)
_LOADERS: dict[str, Callable[[str], Any]] = {
    "$decimal": Decimal,
    "$datetime": datetime.fromisoformat,
    "$date": date.fromisoformat,
    "$uuid": UUID,
    "$float": float,
}


def encode_value(value: Any) -> Any:
    """``value`` as JSON: JSON-ready values unchanged (but for a one-key mapping whose key
    starts with ``$``, wrapped as ``{"$dict": ...}``), the rest tagged. Raises ``TypeError``
    for what cannot load back the same (sets, objects, non-string mapping keys)."""
    if isinstance(value, Enum):
        kind = type(value)
        return {"$enum": [f"{kind.__module__}:{kind.__qualname__}", encode_value(value.value)]}
    if value is None or isinstance(value, bool | int | str) or _finite(value):
        return value
    for kind, tag, dump in _TAGGED:
        if isinstance(value, kind):
            return {tag: dump(value)}
    if isinstance(value, tuple):
        return {"$tuple": [encode_value(v) for v in value]}
    if isinstance(value, list):
        return [encode_value(v) for v in value]
    if isinstance(value, Mapping):
        return _encode_mapping(value)
    raise TypeError(f"{type(value).__name__} {value!r} cannot be stored as JSON")


def _finite(value: object) -> bool:
    return isinstance(value, float) and math.isfinite(value)


def _encode_mapping(value: Mapping[Any, Any]) -> dict[str, Any]:
    encoded: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str):
            raise TypeError(f"mapping key {key!r} is not a string: it cannot be stored")
        encoded[key] = encode_value(item)
    if len(encoded) == 1 and next(iter(encoded)).startswith("$"):
        return {"$dict": encoded}
    return encoded


def decode_value(data: Any) -> Any:
    """The inverse of :func:`encode_value`."""
    if isinstance(data, list):
        return [decode_value(v) for v in data]
    if not isinstance(data, dict):
        return data
    if len(data) == 1:
        [(tag, inner)] = data.items()
        if tag.startswith("$"):
            return _decode_tagged(tag, inner)
    return {key: decode_value(item) for key, item in data.items()}


def _decode_tagged(tag: str, inner: Any) -> Any:
    load = _LOADERS.get(tag)
    if load is not None:
        return load(inner)
    if tag == "$tuple":
        return tuple(decode_value(v) for v in inner)
    if tag == "$dict":
        return {key: decode_value(item) for key, item in inner.items()}
    if tag == "$enum":
        path, value = inner
        return _enum_type(path)(decode_value(value))
    raise ValueError(f"unknown stored value tag {tag!r}")


def _enum_type(path: str) -> type[Enum]:
    module_name, _, qualname = path.partition(":")
    if not module_name.startswith(_ENUM_MODULES):
        raise ValueError(f"enum {path!r} is not one of the domain's")
    found: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        found = getattr(found, part)
    if not (isinstance(found, type) and issubclass(found, Enum)):
        raise ValueError(f"{path!r} is not an enum")
    return found


# --- proposals, forms, entries --------------------------------------------------------------


def proposal_to_json(proposal: Proposal | None) -> dict[str, Any] | None:
    if proposal is None:
        return None
    return {
        "id": str(proposal.id),
        "tool": proposal.tool,
        "arguments": encode_value(dict(proposal.arguments)),
        "summary": proposal.summary,
        "changes": [
            {
                "record": c.record,
                "field": c.field,
                "before": encode_value(c.before),
                "after": encode_value(c.after),
            }
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


def proposal_from_json(data: Mapping[str, Any] | None) -> Proposal | None:
    if data is None:
        return None
    return Proposal(
        id=UUID(data["id"]),
        tool=data["tool"],
        arguments=decode_value(data["arguments"]),
        summary=data["summary"],
        changes=tuple(
            Change(c["record"], c["field"], decode_value(c["before"]), decode_value(c["after"]))
            for c in data["changes"]
        ),
        checks=tuple(Check(c["name"], c["passed"], c["detail"]) for c in data["checks"]),
        fingerprint=data["fingerprint"],
        created_at=datetime.fromisoformat(data["created_at"]),
        status=ProposalStatus(data["status"]),
        outcome=data["outcome"],
    )


def form_to_json(form: Form | None) -> dict[str, Any] | None:
    if form is None:
        return None
    return {
        "kind": form.kind.value,
        "values": encode_value(dict(form.values)),
        "prefilled": list(form.prefilled),
        "asking": list(form.asking),
        "target_id": None if form.target_id is None else str(form.target_id),
        "hotel_ref": form.hotel_ref,
        "attempts": form.attempts,
    }


def form_from_json(data: Mapping[str, Any] | None) -> Form | None:
    if data is None:
        return None
    target = data["target_id"]
    return Form(
        kind=FormKind(data["kind"]),
        values=decode_value(data["values"]),
        prefilled=tuple(data["prefilled"]),
        asking=tuple(data["asking"]),
        target_id=None if target is None else UUID(target),
        hotel_ref=data["hotel_ref"],
        attempts=data["attempts"],
    )


def entry_to_row(conversation_id: UUID, position: int, entry: Entry) -> dict[str, Any]:
    return {
        "conversation_id": conversation_id,
        "position": position,
        "kind": entry.kind.value,
        "at": entry.at,
        "text": entry.text,
        "data": encode_value(dict(entry.data)),
    }


def entry_from_row(row: Row) -> Entry:
    return Entry(EntryKind(row["kind"]), row["at"], row["text"], decode_value(row["data"]))


def conversation_to_row(conversation: AssistantConversation) -> dict[str, Any]:
    """Every column of ``assistant_conversations``; entries and events stay out."""
    c = conversation
    return {
        "id": c.id,
        "version": c.version,
        "owner": c.owner,
        "role": c.role,
        "title": c.title,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
        "proposal": proposal_to_json(c.proposal),
        "form": form_to_json(c.form),
    }


def conversation_from_row(
    row: Row, entries: builtins.list[Entry] | None = None
) -> AssistantConversation:
    return AssistantConversation(
        id=row["id"],
        owner=row["owner"],
        role=row["role"],
        title=row["title"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        entries=[] if entries is None else entries,
        proposal=proposal_from_json(row["proposal"]),
        form=form_from_json(row["form"]),
        version=row["version"],
    )


# --- the repository -----------------------------------------------------------------------


class SqlAlchemyAssistantConversationRepository:
    """Assistant conversations and their entries (see the module docstring). Joins the unit
    of work's transaction; never commits. Every conversation added, read by ``get`` or saved
    is touched, so its events reach the outbox on commit."""

    def __init__(self, conn: Connection, touched: TouchedAggregates) -> None:
        self._conn = conn
        self._touched = touched
        # conversation id -> (version, entries stored at that version)
        self._stored: dict[UUID, tuple[int, int]] = {}

    def add(self, conversation: AssistantConversation) -> None:
        """Raises :class:`AlreadyExists` (field ``id``) when the id is taken."""
        taken = self._conn.scalar(
            select(assistant_conversations.c.id).where(
                assistant_conversations.c.id == conversation.id
            )
        )
        if taken is not None:
            raise _taken(conversation)
        try:
            self._conn.execute(
                insert(assistant_conversations).values(
                    conversation_to_row(conversation) | {"version": 1}
                )
            )
        except IntegrityError as exc:  # a concurrent transaction added it first
            raise _taken(conversation) from exc
        self._insert_entries(conversation, 0)
        conversation.version = 1
        self._stored[conversation.id] = (1, len(conversation.entries))
        self._touched.touch(conversation)

    def get(self, conversation_id: UUID, *, recent: int | None = None) -> AssistantConversation:
        row = (
            self._conn.execute(
                select(assistant_conversations).where(
                    assistant_conversations.c.id == conversation_id
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound("assistant conversation", conversation_id)
        mine = assistant_entries.c.conversation_id == conversation_id
        first = 0
        if recent is not None:
            total = self._conn.scalar(
                select(func.count()).select_from(assistant_entries).where(mine)
            )
            first = max(0, (total or 0) - recent)
        entries = [
            entry_from_row(e)
            for e in self._conn.execute(
                select(assistant_entries)
                .where(mine, assistant_entries.c.position >= first)
                .order_by(assistant_entries.c.position)
            ).mappings()
        ]
        conversation = conversation_from_row(row, entries)
        conversation.first_entry = first
        self._stored[conversation.id] = (conversation.version, first + len(entries))
        self._touched.touch(conversation)
        return conversation

    def save(self, conversation: AssistantConversation) -> None:
        """Raises :class:`StaleVersion` when another turn saved first, :class:`NotFound` when
        the conversation was never added, and ``ValueError`` when it holds fewer entries than
        are stored (entries are appended, never removed: a conversation from
        :meth:`for_owner` has none loaded and cannot be saved)."""
        base = conversation.version
        stored = self._stored_count(conversation.id, base)
        if stored > conversation.first_entry + len(conversation.entries):
            self._refuse_stale(conversation, base)
            raise ValueError(
                f"assistant conversation {conversation.id} has {len(conversation.entries)}"
                f" entries, {stored} are stored: entries are never removed"
            )
        row = conversation_to_row(conversation) | {"version": base + 1}
        del row["id"]
        result = self._conn.execute(
            update(assistant_conversations)
            .where(
                assistant_conversations.c.id == conversation.id,
                assistant_conversations.c.version == base,
            )
            .values(row)
        )
        if result.rowcount == 0:
            self._refuse_stale(conversation, base)
        self._insert_entries(conversation, stored)
        conversation.version = base + 1
        self._stored[conversation.id] = (
            base + 1,
            conversation.first_entry + len(conversation.entries),
        )
        self._touched.touch(conversation)

    def _stored_count(self, conversation_id: UUID, version: int) -> int:
        known = self._stored.get(conversation_id)
        if known is not None and known[0] == version:
            return known[1]
        count = self._conn.scalar(
            select(func.count())
            .select_from(assistant_entries)
            .where(assistant_entries.c.conversation_id == conversation_id)
        )
        return count or 0

    def _refuse_stale(self, conversation: AssistantConversation, base: int) -> None:
        """Raise :class:`NotFound` or :class:`StaleVersion` unless ``base`` is the stored
        version."""
        actual = self._conn.scalar(
            select(assistant_conversations.c.version).where(
                assistant_conversations.c.id == conversation.id
            )
        )
        if actual is None:
            raise NotFound("assistant conversation", conversation.id)
        if actual != base:
            raise StaleVersion("assistant conversation", conversation.id, base, actual)

    def _insert_entries(self, conversation: AssistantConversation, start: int) -> None:
        """Insert the entries from position ``start`` of the whole record."""
        skip = start - conversation.first_entry
        rows = [
            entry_to_row(conversation.id, position, entry)
            for position, entry in enumerate(conversation.entries[skip:], start)
        ]
        if rows:
            self._conn.execute(insert(assistant_entries), rows)

    def for_owner(self, owner: str, page: PageRequest) -> Page[AssistantConversation]:
        """Most recently updated first, then newest id; entries not loaded."""
        mine = assistant_conversations.c.owner == owner
        total = self._conn.scalar(
            select(func.count()).select_from(assistant_conversations).where(mine)
        )
        rows = self._conn.execute(
            select(assistant_conversations)
            .where(mine)
            .order_by(
                assistant_conversations.c.updated_at.desc(), assistant_conversations.c.id.desc()
            )
            .limit(page.limit)
            .offset(page.offset)
        ).mappings()
        return Page(
            [conversation_from_row(row) for row in rows], total or 0, page.limit, page.offset
        )


def _taken(conversation: AssistantConversation) -> AlreadyExists:
    return AlreadyExists(f"assistant conversation {conversation.id} already exists", field="id")


__all__ = [
    "SqlAlchemyAssistantConversationRepository",
    "decode_value",
    "encode_value",
]
