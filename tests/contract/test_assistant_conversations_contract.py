"""What every assistant-conversation repository promises (memory, SQLite, PostgreSQL): the
conversation round-trips whole, entries are appended across saves and never lost or doubled,
two turns saving one conversation are refused as stale, a rollback leaves nothing, lists are
per owner and newest first, and the audit events reach the outbox intact."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

import attrs
import pytest
from tests.contract.builders import NewUow

from perla_adapters.memory import FixedClock, SequentialIds
from perla_adapters.sql.assistant import decode_value, encode_value
from perla_adapters.sql.serialization import event_from_payload, event_to_payload
from perla_core.access.model import Role
from perla_core.assistant.model import (
    AssistantConversation,
    Change,
    ChangeApplied,
    ChangeRefused,
    Check,
    Entry,
    EntryKind,
    Form,
    FormKind,
    Proposal,
    ProposalStatus,
)
from perla_core.credentials.model import CredentialStatus
from perla_core.kernel.errors import AlreadyExists, NotFound, StaleVersion
from perla_core.kernel.pagination import PageRequest

OWNER = "ana.agent"
MADRID = timezone(timedelta(hours=2))

ARGUMENTS: dict[str, Any] = {
    "client_id": "00000000-0000-7000-8000-0000000000aa",
    "name": "Margen verano B2C — Barcelona",
    "value": "12.5",
    "expected_version": 3,
    "active": True,
    "note": None,
    "ratio": 0.25,
    "scope": {"channels": ["B2C"], "cities": ["Barcelona", "Sitges"], "nested": {"deep": [1, {}]}},
}

ODD_VALUES: dict[str, Any] = {
    "margin": Decimal("12.50"),
    "tiny": Decimal("1E-7"),
    "when": datetime(2026, 6, 1, 0, 0, tzinfo=MADRID),
    "day": date(2026, 9, 30),
    "id": UUID("00000000-0000-7000-8000-0000000000bb"),
    "status": CredentialStatus.REVOKED,
    "pair": ("EUR", Decimal("3")),
    "looks_tagged": {"$decimal": "not a decimal"},
    "empty": {},
    "list_of_maps": [{"a": 1}, {"b": [True, None, "ñ"]}],
}


def a_proposal(ids: SequentialIds, now: datetime) -> Proposal:
    return Proposal(
        id=ids.new_id(),
        tool="add_margin_rule",
        arguments=ARGUMENTS,
        summary="Añadir un margen del 12,5 % para B2C en Barcelona",
        changes=(
            Change("policy:Viajes Sol", "rules", None, {"name": "Verano", "value": "12.5"}),
            Change("policy:Viajes Sol", "margin", Decimal("10.00"), Decimal("12.50")),
            Change("credential:abc", "status", CredentialStatus.ACTIVE, CredentialStatus.REVOKED),
            Change("credential:abc", "revoked_at", None, now),
            Change("policy:Viajes Sol", "window", None, (date(2026, 6, 1), date(2026, 9, 30))),
        ),
        checks=(
            Check("within_global_limits", True),
            Check("no_conflict", False, "Choca con la regla «Invierno» del 1/6 al 30/9"),
        ),
        fingerprint="sha256:0f3c",
        created_at=now,
        status=ProposalStatus.PENDING,
        outcome="",
    )


def a_full_conversation(clock: FixedClock, ids: SequentialIds) -> AssistantConversation:
    """Every kind of entry with data, a pending proposal and a form with odd values."""
    now = clock.now()
    c = AssistantConversation.start(
        conversation_id=ids.new_id(), owner=OWNER, role=Role.AGENT.value, now=now
    )
    c.append(Entry(EntryKind.USER, now, "margen 12% para canal B2C en hoteles de Barcelona"))
    c.append(
        Entry(
            EntryKind.TOOL_CALL,
            now + timedelta(seconds=1),
            "",
            {"id": "toolu_01", "name": "search_client", "input": {"text": "Viajes Sol"}},
        )
    )
    c.append(
        Entry(
            EntryKind.TOOL_RESULT,
            now + timedelta(seconds=2),
            "",
            {
                "id": "toolu_01",
                "name": "search_client",
                "content": [{"id": "c-1", "trade_name": "Viajes Sol"}],
                "is_error": False,
            },
        )
    )
    c.append(Entry(EntryKind.ASSISTANT, now + timedelta(seconds=3), "He encontrado a Viajes Sol."))
    c.propose(a_proposal(ids, now + timedelta(seconds=4)), "¿Confirmas el cambio?")
    c.append(Entry(EntryKind.NOTICE, now + timedelta(seconds=5), "Aviso", dict(ODD_VALUES)))
    c.form = Form(
        FormKind.SUPPLIER_REQUEST,
        values={"hotel_name": "Hotel Palafox", "iban": "ES9121000418450200051332", **ODD_VALUES},
        prefilled=("hotel_name", "city"),
        asking=("iban", "tax_id"),
        target_id=ids.new_id(),
        hotel_ref="H-ZGZ-1",
        attempts=2,
    )
    return c


def typed(value: Any) -> Any:
    """``value`` with the type of every part beside it: equal only if types match too."""
    if attrs.has(type(value)):
        return (type(value).__name__, typed(attrs.asdict(value, recurse=False)))
    if isinstance(value, dict):
        return ("dict", {k: typed(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return (type(value).__name__, [typed(v) for v in value])
    return (type(value).__name__, value)


def state_of(c: AssistantConversation) -> Any:
    fields = attrs.asdict(c, recurse=False)
    del fields["events"], fields["version"]
    return typed(fields)


def stored(conversation: AssistantConversation, new_uow: NewUow) -> None:
    with new_uow() as uow:
        uow.assistant_conversations.add(conversation)
        uow.commit()


def test_a_conversation_round_trips_whole_with_its_types(
    new_uow: NewUow, clock: FixedClock, ids: SequentialIds
) -> None:
    conversation = a_full_conversation(clock, ids)
    stored(conversation, new_uow)
    assert conversation.version == 1

    with new_uow() as uow:
        read = uow.assistant_conversations.get(conversation.id)

    assert state_of(read) == state_of(conversation)
    assert read.version == 1
    assert read.events == []
    assert read.pending is not None
    assert read.pending.changes[2].after is CredentialStatus.REVOKED
    assert read.form is not None
    assert read.form.values["margin"].as_tuple() == Decimal("12.50").as_tuple()
    assert read.entries[-1].data["when"].utcoffset() == timedelta(hours=2)


def test_a_conversation_id_is_added_once(
    new_uow: NewUow, clock: FixedClock, ids: SequentialIds
) -> None:
    conversation = a_full_conversation(clock, ids)
    stored(conversation, new_uow)
    again = AssistantConversation.start(
        conversation_id=conversation.id, owner="otro", role="admin", now=clock.now()
    )
    with new_uow() as uow, pytest.raises(AlreadyExists) as raised:
        uow.assistant_conversations.add(again)
    assert raised.value.field == "id"


def test_saves_append_entries_in_order_and_bump_the_version(
    new_uow: NewUow, clock: FixedClock, ids: SequentialIds
) -> None:
    conversation = AssistantConversation.start(
        conversation_id=ids.new_id(), owner=OWNER, role="agent", now=clock.now()
    )
    stored(conversation, new_uow)
    expected: list[Entry] = []
    for turn in range(3):
        clock.advance(timedelta(minutes=1))
        with new_uow() as uow:
            current = uow.assistant_conversations.get(conversation.id)
            assert current.entries == expected
            asked = Entry(EntryKind.USER, clock.now(), f"pregunta {turn}")
            answered = Entry(EntryKind.ASSISTANT, clock.now(), f"respuesta {turn}", {"n": turn})
            current.append(asked)
            current.append(answered)
            uow.assistant_conversations.save(current)
            assert current.version == turn + 2
            uow.commit()
        expected += [asked, answered]

    with new_uow() as uow:  # two saves of one object in one transaction
        current = uow.assistant_conversations.get(conversation.id)
        current.append(Entry(EntryKind.USER, clock.now(), "una"))
        uow.assistant_conversations.save(current)
        uow.assistant_conversations.save(current)  # nothing new: nothing doubled
        current.append(Entry(EntryKind.ASSISTANT, clock.now(), "dos"))
        uow.assistant_conversations.save(current)
        uow.commit()
    expected += current.entries[-2:]

    with new_uow() as uow:
        final = uow.assistant_conversations.get(conversation.id)
    assert final.entries == expected
    assert [e.text for e in final.entries[-2:]] == ["una", "dos"]
    assert (final.version, final.title) == (7, "pregunta 0")
    assert final.updated_at == clock.now()


def test_a_conversation_read_with_its_recent_entries_still_appends_where_it_ends(
    new_uow: NewUow, clock: FixedClock, ids: SequentialIds
) -> None:
    conversation = AssistantConversation.start(
        conversation_id=ids.new_id(), owner=OWNER, role="agent", now=clock.now()
    )
    for n in range(5):
        conversation.append(Entry(EntryKind.USER, clock.now(), f"mensaje {n}"))
    stored(conversation, new_uow)

    with new_uow() as uow:
        recent = uow.assistant_conversations.get(conversation.id, recent=2)
        assert [e.text for e in recent.entries] == ["mensaje 3", "mensaje 4"]
        assert recent.first_entry == 3
        recent.append(Entry(EntryKind.ASSISTANT, clock.now(), "respuesta"))
        uow.assistant_conversations.save(recent)
        uow.commit()
    with new_uow() as uow:  # and again, from an object of a finished transaction
        recent.append(Entry(EntryKind.USER, clock.now(), "otra"))
        uow.assistant_conversations.save(recent)
        uow.commit()

    with new_uow() as uow:
        whole = uow.assistant_conversations.get(conversation.id)
        more = uow.assistant_conversations.get(conversation.id, recent=50)
    texts = [f"mensaje {n}" for n in range(5)] + ["respuesta", "otra"]
    assert [e.text for e in whole.entries] == texts
    assert whole.first_entry == 0
    assert [e.text for e in more.entries] == texts
    assert more.first_entry == 0


def test_the_second_of_two_turns_is_refused_as_stale_and_writes_nothing(
    new_uow: NewUow, clock: FixedClock, ids: SequentialIds
) -> None:
    conversation = a_full_conversation(clock, ids)
    stored(conversation, new_uow)
    with new_uow() as uow:
        first = uow.assistant_conversations.get(conversation.id)
    with new_uow() as uow:
        second = uow.assistant_conversations.get(conversation.id)

    first.append(Entry(EntryKind.USER, clock.now(), "sí, confirmo"))
    with new_uow() as uow:
        uow.assistant_conversations.save(first)
        uow.commit()
    second.append(Entry(EntryKind.USER, clock.now(), "no, cancela"))
    second.close_proposal(ProposalStatus.CANCELLED)
    with new_uow() as uow, pytest.raises(StaleVersion):
        uow.assistant_conversations.save(second)

    with new_uow() as uow:
        after = uow.assistant_conversations.get(conversation.id)
    assert after.version == 2
    assert [e.text for e in after.entries[-2:]] == ["Aviso", "sí, confirmo"]
    assert after.pending is not None


def test_two_open_transactions_saving_one_conversation_commit_one(
    new_uow: NewUow, clock: FixedClock, ids: SequentialIds
) -> None:
    conversation = a_full_conversation(clock, ids)
    stored(conversation, new_uow)
    with new_uow() as uow:
        first = uow.assistant_conversations.get(conversation.id)
        second = uow.assistant_conversations.get(conversation.id)
        first.append(Entry(EntryKind.USER, clock.now(), "primero"))
        uow.assistant_conversations.save(first)
        second.append(Entry(EntryKind.USER, clock.now(), "segundo"))
        with pytest.raises(StaleVersion):
            uow.assistant_conversations.save(second)
        uow.commit()
    with new_uow() as uow:
        after = uow.assistant_conversations.get(conversation.id)
    assert [e.text for e in after.entries[-1:]] == ["primero"]
    assert len(after.entries) == len(conversation.entries) + 1


def test_a_rollback_leaves_nothing_behind(
    new_uow: NewUow, clock: FixedClock, ids: SequentialIds
) -> None:
    fresh = a_full_conversation(clock, ids)
    with new_uow() as uow:
        uow.assistant_conversations.add(fresh)
        fresh.events.append(_refused(fresh, clock))
    with new_uow() as uow, pytest.raises(NotFound):
        uow.assistant_conversations.get(fresh.id)

    conversation = a_full_conversation(clock, ids)
    stored(conversation, new_uow)
    before = state_of(conversation)
    with new_uow() as uow:
        current = uow.assistant_conversations.get(conversation.id)
        current.append(Entry(EntryKind.USER, clock.now(), "cancela"))
        cancelled = current.close_proposal(ProposalStatus.CANCELLED, "cancelado")
        assert cancelled is not None
        current.record_refused(cancelled, actor=OWNER, reason="cancelada", now=clock.now())
        current.form = None
        uow.assistant_conversations.save(current)
        uow.rollback()
        again = uow.assistant_conversations.get(conversation.id)
        assert state_of(again) == before
        assert again.version == 1
    # what a caller does to its own copy after a commit never reaches the store
    conversation.append(Entry(EntryKind.USER, clock.now(), "sin guardar"))
    with new_uow() as uow:
        read = uow.assistant_conversations.get(conversation.id)
        read.entries[1].data["input"]["text"] = "cambiado"
        read.title = "cambiado"
    with new_uow() as uow:
        assert state_of(uow.assistant_conversations.get(conversation.id)) == before
        assert uow.outbox.for_aggregate(fresh.id) == []
        assert uow.outbox.for_aggregate(conversation.id) == []


def test_unknown_conversations_are_not_found(
    new_uow: NewUow, clock: FixedClock, ids: SequentialIds
) -> None:
    never = AssistantConversation.start(
        conversation_id=ids.new_id(), owner=OWNER, role="agent", now=clock.now()
    )
    with new_uow() as uow:
        with pytest.raises(NotFound):
            uow.assistant_conversations.get(never.id)
        with pytest.raises(NotFound):
            uow.assistant_conversations.save(never)


def test_conversations_list_per_owner_most_recently_updated_first(
    new_uow: NewUow, clock: FixedClock, ids: SequentialIds
) -> None:
    start = clock.now()
    made: list[AssistantConversation] = []
    with new_uow() as uow:
        for minutes, owner in [(1, OWNER), (5, OWNER), (3, "otra.persona"), (5, OWNER), (2, OWNER)]:
            c = AssistantConversation.start(
                conversation_id=ids.new_id(), owner=owner, role="agent", now=start
            )
            c.append(Entry(EntryKind.USER, start + timedelta(minutes=minutes), f"hola {minutes}"))
            uow.assistant_conversations.add(c)
            made.append(c)
        made[1].propose(a_proposal(ids, start), "¿Confirmas?")
        made[1].updated_at = start + timedelta(minutes=5)
        uow.assistant_conversations.save(made[1])
        uow.commit()

    with new_uow() as uow:
        first = uow.assistant_conversations.for_owner(OWNER, PageRequest(limit=3))
        rest = uow.assistant_conversations.for_owner(OWNER, PageRequest(limit=3, offset=3))
        other = uow.assistant_conversations.for_owner("otra.persona", PageRequest())
        nobody = uow.assistant_conversations.for_owner("nadie", PageRequest())

    # equal updated_at (made[1], made[3]): the newest id first
    assert [c.id for c in first.items] == [made[3].id, made[1].id, made[4].id]
    assert [c.id for c in rest.items] == [made[0].id]
    assert (first.total, first.has_more, rest.total, rest.has_more) == (4, True, 4, False)
    assert [c.id for c in other.items] == [made[2].id]
    assert (nobody.items, nobody.total) == ([], 0)
    listed = first.items[1]
    assert listed.entries == []
    assert (listed.owner, listed.role, listed.title, listed.version) == (
        OWNER,
        "agent",
        "hola 5",
        2,
    )
    assert (listed.created_at, listed.updated_at) == (start, start + timedelta(minutes=5))
    assert listed.proposal == made[1].proposal


def test_a_listed_conversation_without_its_entries_cannot_be_saved(
    new_uow: NewUow, clock: FixedClock, ids: SequentialIds
) -> None:
    conversation = a_full_conversation(clock, ids)
    stored(conversation, new_uow)
    with new_uow() as uow:
        [listed] = uow.assistant_conversations.for_owner(OWNER, PageRequest()).items
        listed.title = "renombrada"
        with pytest.raises(ValueError, match="never removed"):
            uow.assistant_conversations.save(listed)
    with new_uow() as uow:
        assert state_of(uow.assistant_conversations.get(conversation.id)) == state_of(conversation)


def _refused(conversation: AssistantConversation, clock: FixedClock) -> ChangeRefused:
    proposal = conversation.proposal
    assert proposal is not None
    return ChangeRefused(
        conversation.id, clock.now(), OWNER, proposal.id, proposal.tool, "los datos cambiaron"
    )


def test_the_events_of_a_committed_conversation_reach_the_outbox_intact(
    new_uow: NewUow, clock: FixedClock, ids: SequentialIds
) -> None:
    conversation = a_full_conversation(clock, ids)
    proposal = conversation.pending
    assert proposal is not None
    conversation.record_refused(
        proposal, actor=OWNER, reason="los datos cambiaron", now=clock.now()
    )
    stored(conversation, new_uow)
    assert conversation.events == []

    clock.advance(timedelta(minutes=1))
    with new_uow() as uow:
        current = uow.assistant_conversations.get(conversation.id)
        applied = current.close_proposal(ProposalStatus.APPLIED, "aplicado")
        assert applied is not None
        current.record_applied(applied, actor=OWNER, role="agent", now=clock.now())
        expected = [*current.events]
        uow.assistant_conversations.save(current)
        uow.commit()

    with new_uow() as uow:
        messages = uow.outbox.for_aggregate(conversation.id)
    assert [m.topic for m in messages] == ["assistant.change_refused", "assistant.change_applied"]
    refused, done = (m.event for m in messages)
    assert refused == ChangeRefused(
        conversation.id, conversation.created_at, OWNER, proposal.id, proposal.tool,
        "los datos cambiaron",
    )  # fmt: skip
    assert done == expected[0]
    assert isinstance(done, ChangeApplied)
    assert typed(dict(done.arguments)) == typed(ARGUMENTS)
    assert (done.channel, done.role, done.summary) == ("assistant", "agent", proposal.summary)


# --- the serialisers alone (no adapter) -------------------------------------------------------


def test_the_outbox_serialiser_round_trips_the_assistant_events() -> None:
    now = datetime(2026, 6, 1, 10, 30, tzinfo=UTC)
    aggregate = UUID("00000000-0000-7000-8000-000000000001")
    proposal = UUID("00000000-0000-7000-8000-000000000002")
    events: list[ChangeApplied | ChangeRefused] = [
        ChangeApplied(
            aggregate, now, OWNER, "agent", "assistant", proposal, "add_margin_rule",
            ARGUMENTS, "Añadir margen",
        ),
        ChangeRefused(aggregate, now, OWNER, proposal, "revoke_credential", "desfasada"),
    ]  # fmt: skip
    for event in events:
        payload = event_to_payload(event)
        loaded = event_from_payload(json.loads(json.dumps(payload)))
        assert loaded == event
        assert typed(attrs.asdict(loaded, recurse=False)) == typed(
            attrs.asdict(event, recurse=False)
        )
    assert event_to_payload(events[0])["type"] == "assistant.change_applied"
    assert event_to_payload(events[0])["arguments"]["scope"]["nested"] == {"deep": [1, {}]}


def test_stored_values_load_back_as_they_were() -> None:
    values = {**ODD_VALUES, "float": float("inf"), "nested": {"t": (1, (2, "x"))}}
    encoded = encode_value(values)
    decoded = decode_value(json.loads(json.dumps(encoded, allow_nan=False)))
    assert typed(decoded) == typed(values)
    assert encode_value(ARGUMENTS) == ARGUMENTS  # JSON-ready values are stored as they are


@pytest.mark.parametrize(
    "value", [{1: "a"}, {"a": {1, 2}}, [object()]], ids=["int key", "set", "object"]
)
def test_values_that_cannot_load_back_are_refused(value: Any) -> None:
    with pytest.raises(TypeError):
        encode_value(value)


def test_only_the_domain_enums_load_from_a_stored_row() -> None:
    with pytest.raises(ValueError, match="not one of the domain's"):
        decode_value({"$enum": ["os:system", "ls"]})
    with pytest.raises(ValueError, match="not an enum"):
        decode_value({"$enum": ["perla_core.assistant.model:Entry", "x"]})
