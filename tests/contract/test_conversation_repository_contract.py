"""What every conversation and received-event repository promises (memory, SQLite,
PostgreSQL), and that two workers processing one contact handle each event once, in order."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any
from uuid import UUID

import attrs
import pytest
from tests.contract.builders import NewUow
from tests.unit.conversations.builders import CONTACT, PERLA, World

from perla_adapters.memory import FixedClock, SequentialIds
from perla_core.conversations import Conversation, ConversationQuery, Owner
from perla_core.conversations.bot import BotDeps
from perla_core.conversations.services import MAX_EVENT_ATTEMPTS, PROCESSING_FAILED_REASON
from perla_core.flows.engine import FlowState
from perla_core.kernel.errors import AlreadyExists, NotFound, StaleVersion
from perla_core.language import ConversationContext, Interpretation, RulesInterpreter
from perla_core.messaging import (
    Button,
    ButtonsMessage,
    FileMessage,
    ListMessage,
    ListRow,
    ListSection,
    MessageStatus,
    OutgoingMessage,
    TemplateMessage,
    TextHeader,
    TextMessage,
)


def a_full_conversation(
    clock: FixedClock, ids: SequentialIds, contact: str = CONTACT
) -> Conversation:
    """Every kind of message, statuses, a failure, fields, a flow state and two handoffs."""
    now = clock.now()
    c = Conversation.open(ids.new_id(), contact, now, contact_name="Juan Pérez", sender=PERLA)
    c.receive(ids.new_id(), kind="text", text="hola", at=now, provider_id=f"in-1-{contact}")
    c.receive(
        ids.new_id(), kind="text", text="Confirmar", at=now, payload="confirmar",
        provider_id=f"in-2-{contact}",
    )  # fmt: skip
    contents: list[OutgoingMessage] = [
        TextMessage("¡Hola Juan!"),
        ButtonsMessage(
            "¿Cómo seguimos?",
            [Button("confirmar", "Confirmar compra"), Button("cuotas", "Simular cuotas")],
            header=TextHeader("Tu pedido"),
            footer="MICROCOM",
        ),
        ListMessage(
            "Elegí una opción",
            "Ver opciones",
            [
                ListSection(
                    "Opciones", [ListRow("a", "Cámaras", "Domo y bullet"), ListRow("b", "DVR")]
                )
            ],
        ),
        FileMessage("https://example.com/prefactura.pdf", "application/pdf", "Tu prefactura"),
        TemplateMessage("recordatorio_v1", {"nombre": "Juan", "cuotas": 6, "activo": True}),
    ]
    queued = [c.queue(ids.new_id(), content, author="bot", at=now) for content in contents]
    c.mark_sent(queued[0].id, f"prov-0-{contact}", now)
    c.apply_status(f"prov-0-{contact}", MessageStatus.READ, now + timedelta(seconds=3))
    c.mark_failed(queued[3].id, "outside_window: closed", now)
    c.fields["empresa"] = "Seguridad Sur"
    c.flow_state = FlowState("que_hacemos", 1)
    c.hand_off(ids.new_id(), "talk_to_person", by="bot", at=now)
    c.hand_back(by="lucia", at=now + timedelta(minutes=5))
    c.hand_off(ids.new_id(), "operator", by="lucia", at=now + timedelta(minutes=6))
    c.last_inbound_at = now
    return c


def state_of(c: Conversation) -> dict[str, Any]:
    return attrs.asdict(c, filter=lambda a, _: a.name not in ("events", "version"))


def test_a_conversation_round_trips_whole_and_saves_optimistically(
    new_uow: NewUow, clock: FixedClock, ids: SequentialIds
) -> None:
    conversation = a_full_conversation(clock, ids)
    with new_uow() as uow:
        uow.conversations.add(conversation)
        uow.commit()
    assert conversation.version == 1

    with new_uow() as uow:
        by_contact = uow.conversations.get(CONTACT)
        by_id = uow.conversations.get_by_id(conversation.id)
        locked = uow.conversations.get_for_update(CONTACT)
    assert by_contact is not None
    assert locked is not None
    for read in (by_contact, by_id, locked):
        assert state_of(read) == state_of(conversation)
        assert read.version == 1

    by_contact.queue(ids.new_id(), TextMessage("¿Algo más?"), author="lucia", at=clock.now())
    with new_uow() as uow:
        uow.conversations.save(by_contact)
        uow.commit()
    assert by_contact.version == 2
    with new_uow() as uow:
        again = uow.conversations.get(CONTACT)
    assert again is not None
    assert state_of(again) == state_of(by_contact)

    with new_uow() as uow, pytest.raises(StaleVersion):  # by_id still at version 1
        uow.conversations.save(by_id)


def test_one_conversation_per_contact(
    new_uow: NewUow, clock: FixedClock, ids: SequentialIds
) -> None:
    with new_uow() as uow:
        uow.conversations.add(Conversation.open(ids.new_id(), CONTACT, clock.now()))
        uow.commit()
    with new_uow() as uow, pytest.raises(AlreadyExists) as raised:
        uow.conversations.add(Conversation.open(ids.new_id(), CONTACT, clock.now()))
    assert raised.value.field == "contact"
    with new_uow() as uow:
        assert uow.conversations.get("5491100000000") is None
        assert uow.conversations.get_for_update("5491100000000") is None


def test_messages_are_found_by_their_external_or_provider_id(
    new_uow: NewUow, clock: FixedClock, ids: SequentialIds
) -> None:
    conversation = a_full_conversation(clock, ids)
    queued = [m for m in conversation.messages if m.external_id is not None]
    with new_uow() as uow:
        uow.conversations.add(conversation)
        uow.commit()
    with new_uow() as uow:
        assert uow.conversations.find_message(str(queued[1].id)) == (conversation.id, queued[1].id)
        assert uow.conversations.find_message(f"prov-0-{CONTACT}") == (
            conversation.id,
            queued[0].id,
        )
        assert uow.conversations.find_message(f"in-1-{CONTACT}") is not None
        assert uow.conversations.find_message("nothing") is None
        loaded = uow.conversations.get(CONTACT)
        assert loaded is not None
        loaded.mark_sent(queued[1].id, "prov-late", clock.now())
        uow.conversations.save(loaded)
        uow.commit()
    with new_uow() as uow:
        assert uow.conversations.find_message("prov-late") == (conversation.id, queued[1].id)


def test_conversations_list_by_owner_newest_activity_first(
    new_uow: NewUow, clock: FixedClock, ids: SequentialIds
) -> None:
    contacts = ["5491100000001", "5491100000002", "5491100000003"]
    with new_uow() as uow:
        for n, contact in enumerate(contacts):
            c = Conversation.open(ids.new_id(), contact, clock.now() + timedelta(minutes=n))
            if n == 1:
                c.hand_off(
                    ids.new_id(), "operator", by="lucia", at=clock.now() + timedelta(hours=1)
                )
            uow.conversations.add(c)
        uow.commit()
    with new_uow() as uow:
        every = uow.conversations.list(ConversationQuery())
        human = uow.conversations.list(ConversationQuery(owner=Owner.HUMAN))
        bot = uow.conversations.list(ConversationQuery(owner=Owner.BOT))
    assert [c.contact for c in every.items] == [contacts[1], contacts[2], contacts[0]]
    assert every.total == 3
    assert [c.contact for c in human.items] == [contacts[1]]
    assert [c.contact for c in bot.items] == [contacts[2], contacts[0]]


def test_received_events_are_stored_once_and_pending_in_arrival_order(
    new_uow: NewUow, clock: FixedClock
) -> None:
    now = clock.now()
    with new_uow() as uow:
        assert uow.received_events.add_if_new("e-9", "111", "message", {"text": "primero"}, now)
        assert uow.received_events.add_if_new("e-1", "111", "status", {"n": [1, 2]}, now)
        assert not uow.received_events.add_if_new("e-9", "111", "message", {}, now)
        uow.commit()
    with new_uow() as uow:
        assert not uow.received_events.add_if_new("e-9", "111", "message", {}, now)
        assert uow.received_events.add_if_new("e-5", "111", "message", {}, now)
        assert uow.received_events.add_if_new("e-0", "222", "message", {}, now)
        uow.commit()
    with new_uow() as uow:
        pending = uow.received_events.pending_for("111", 10)
        assert [e.event_id for e in pending] == ["e-9", "e-1", "e-5"]
        assert (pending[0].kind, dict(pending[0].payload)) == ("message", {"text": "primero"})
        assert dict(pending[1].payload) == {"n": [1, 2]}
        assert pending[0].received_at == now
        assert pending[0].contact == "111"
        assert [e.event_id for e in uow.received_events.pending_for("111", 2)] == ["e-9", "e-1"]
        uow.received_events.mark_processed("e-9", now)
        uow.commit()
    with new_uow() as uow:
        assert [e.event_id for e in uow.received_events.pending_for("111", 10)] == ["e-1", "e-5"]
        assert not uow.received_events.add_if_new("e-9", "111", "message", {}, now)


def test_pending_contacts_are_those_waiting_longest_first(
    new_uow: NewUow, clock: FixedClock
) -> None:
    t0 = clock.now()
    with new_uow() as uow:
        uow.received_events.add_if_new("a", "333", "message", {}, t0 + timedelta(seconds=2))
        uow.received_events.add_if_new("b", "111", "message", {}, t0 + timedelta(seconds=1))
        uow.received_events.add_if_new("c", "333", "message", {}, t0)
        uow.received_events.add_if_new("d", None, "status", {}, t0)
        uow.received_events.add_if_new("e", "444", "message", {}, t0)
        uow.received_events.add_if_new("f", "555", "message", {}, t0 + timedelta(minutes=5))
        uow.received_events.mark_processed("e", t0)
        uow.commit()
    with new_uow() as uow:
        waiting = uow.received_events.pending_contacts(t0 + timedelta(seconds=10), 10)
        assert waiting == ["333", "111"]
        assert uow.received_events.pending_contacts(t0 + timedelta(seconds=10), 1) == ["333"]
        assert uow.received_events.pending_contacts(t0 - timedelta(seconds=1), 10) == []


def test_failed_attempts_and_a_failure_are_kept_on_the_event(
    new_uow: NewUow, clock: FixedClock
) -> None:
    now = clock.now()
    with new_uow() as uow:
        uow.received_events.add_if_new("p-1", "111", "message", {"text": "veneno"}, now)
        uow.received_events.add_if_new("p-2", "111", "message", {"text": "después"}, now)
        uow.commit()
    with new_uow() as uow:
        assert uow.received_events.record_attempt("p-1", "RuntimeError: first") == 1
        uow.commit()
    with new_uow() as uow:
        assert uow.received_events.record_attempt("p-1", "RuntimeError: second") == 2
        uow.rollback()
    with new_uow() as uow:
        assert uow.received_events.record_attempt("p-1", "RuntimeError: " + "x" * 900) == 2
        uow.commit()
    with new_uow() as uow:
        first = uow.received_events.pending_for("111", 1)[0]
        assert (first.event_id, first.attempts) == ("p-1", 2)
        assert first.last_error is not None
        assert first.last_error.startswith("RuntimeError: x")
        assert len(first.last_error) <= 500
        assert first.failure is None
        uow.received_events.mark_processed("p-1", now, failure="RuntimeError: given up")
        uow.commit()
    with new_uow() as uow:
        assert [e.event_id for e in uow.received_events.pending_for("111", 10)] == ["p-2"]
        done = uow.received_events.get("p-1")
        assert done is not None
        assert (done.attempts, done.failure, done.processed_at) == (
            2,
            "RuntimeError: given up",
            now,
        )
        fresh = uow.received_events.get("p-2")
        assert fresh is not None
        assert (fresh.attempts, fresh.last_error, fresh.failure) == (0, None, None)
        assert uow.received_events.get("p-unknown") is None
        with pytest.raises(NotFound):
            uow.received_events.record_attempt("p-unknown", "boom")


def test_a_poison_event_is_given_up_after_its_attempts_and_the_contact_goes_on(
    new_uow: NewUow, clock: FixedClock, ids: SequentialIds
) -> None:
    world = World(new_uow, clock, ids)
    world.bot = BotDeps(PoisonInterpreter(), world.bot.flow, world.bot.hooks, world.bot.sender)
    world.accept(world.inbound("veneno", event_id="poison"))
    world.accept(world.inbound("hola", event_id="after"))

    for _ in range(MAX_EVENT_ATTEMPTS - 1):
        with pytest.raises(RuntimeError):
            world.process()
    assert world.process() == 2

    with new_uow() as uow:
        poison = uow.received_events.get("poison")
        assert poison is not None
        assert poison.attempts == MAX_EVENT_ATTEMPTS
        assert poison.failure == "RuntimeError: poisoned"
        assert uow.received_events.pending_for(CONTACT, 10) == []
    conversation = world.conversation()
    assert conversation.owner is Owner.HUMAN
    assert [h.reason for h in conversation.handoffs] == [PROCESSING_FAILED_REASON]


class PoisonInterpreter:
    def interpret(self, text: str, *, context: ConversationContext | None = None) -> Interpretation:
        if text == "veneno":
            raise RuntimeError("poisoned")
        return RulesInterpreter().interpret(text, context=context)


@attrs.define
class SlowInterpreter:
    """The rules, a little slowly, so two workers really overlap."""

    inner: RulesInterpreter = attrs.field(factory=RulesInterpreter)

    def interpret(self, text: str, *, context: ConversationContext | None = None) -> Interpretation:
        time.sleep(0.01)
        return self.inner.interpret(text, context=context)


def test_two_workers_handle_each_pending_event_once_and_in_order(
    new_uow: NewUow, clock: FixedClock, ids: SequentialIds
) -> None:
    world = World(new_uow, clock, ids)
    world.bot = BotDeps(SlowInterpreter(), world.bot.flow, world.bot.hooks, world.bot.sender)
    texts = [f"mensaje {n}" for n in range(10)]
    for text in texts:
        world.accept(world.inbound(text))
    handled: list[int] = []
    failures: list[BaseException] = []

    def work() -> None:
        try:
            handled.append(world.process())
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            failures.append(error)

    workers = [threading.Thread(target=work) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    assert not failures
    assert sum(handled) == 10
    conversation = world.conversation()
    inbound = [m.text for m in conversation.messages if m.author == "contact"]
    assert inbound == texts
    with new_uow() as uow:
        assert uow.received_events.pending_for(CONTACT, 10) == []
    assert isinstance(conversation.id, UUID)
