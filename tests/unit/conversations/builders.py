"""A world for the conversation tests: the shipped MICROCOM flow, the offline rules
interpreter, recording hooks, the in-memory messenger and mailer, and the outbox run by hand."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import attrs

from perla_adapters.flows.yaml_source import load_flow_file
from perla_adapters.memory import (
    FixedClock,
    InMemoryMailer,
    InMemoryStore,
    InMemoryUnitOfWork,
    SequentialIds,
)
from perla_adapters.memory.messaging import InMemoryMessenger
from perla_core.access.model import Actor, Role
from perla_core.conversations import (
    AcceptedEvent,
    BotDeps,
    Conversation,
    ConversationMessage,
    Direction,
    HookResult,
    accept_event,
    process_contact,
    with_conversation_handlers,
)
from perla_core.conversations.ports import ConversationUnitOfWork
from perla_core.flows.model import Flow
from perla_core.language import Interpretation, RulesInterpreter
from perla_core.messaging import (
    InboundMessageEvent,
    InboundText,
    MessageStatus,
    StatusEvent,
    TextMessage,
)
from perla_core.outbox import HandlerRegistry, OutboxStatus, deliver_outbox_message
from perla_core.uow import UnitOfWork

FLOW_FILE = (
    Path(__file__).parents[3] / "src" / "perla_entrypoints" / "data" / "flows" / "microcom.yaml"
)
PERLA = "5491150000000"
CONTACT = "5491155551234"
OPERATORS_EMAIL = "ventas@microcom.example"
OPERATORS_WHATSAPP = "5491160000000"
MAIL_FROM = "perla@perlatours.com"
OPERATOR = Actor("lucia", Role.AGENT)
HOOKS = (
    "catalogue.answer",
    "catalogue.price_stock",
    "cart.add",
    "financing.simulate",
    "order.confirm",
    "cart.clear",
)


def microcom_flow() -> Flow:
    report = load_flow_file(FLOW_FILE)
    assert report.flow is not None, report.problems
    return report.flow


@attrs.define
class RecordingHook:
    """A hook that records its calls and answers with one text (or fails)."""

    name: str
    calls: list[Interpretation | None] = attrs.field(factory=list)
    ok: bool = True

    def __call__(
        self,
        conversation: Conversation,  # noqa: ARG002 - the Hook protocol's argument
        interpretation: Interpretation | None,
        work: ConversationUnitOfWork,  # noqa: ARG002 - the Hook protocol's argument
    ) -> HookResult:
        self.calls.append(interpretation)
        if not self.ok:
            return HookResult(ok=False)
        return HookResult(ok=True, messages=(TextMessage(f"Respuesta de {self.name}"),))


class World:
    def __init__(
        self,
        new_uow: Callable[[], UnitOfWork] | None = None,
        clock: FixedClock | None = None,
        ids: SequentialIds | None = None,
    ) -> None:
        self.clock = clock or FixedClock()
        self.ids = ids or SequentialIds()
        if new_uow is None:
            store = InMemoryStore()
            self.uow: Callable[[], UnitOfWork] = lambda: InMemoryUnitOfWork(
                store, self.clock, self.ids
            )
        else:
            self.uow = new_uow
        self.messenger = InMemoryMessenger(self.clock)
        self.mailer = InMemoryMailer()
        self.hooks = {name: RecordingHook(name) for name in HOOKS}
        flow = microcom_flow()
        self.bot = BotDeps(
            interpreter=RulesInterpreter(),
            flow=lambda: flow,
            hooks=self.hooks,
            sender=PERLA,
        )
        self.handlers = with_conversation_handlers(
            HandlerRegistry(),
            uow=self.uow,
            messenger=lambda: self.messenger,
            mailer=lambda: self.mailer,
            clock=lambda: self.clock,
            operators_email=OPERATORS_EMAIL,
            operators_whatsapp=OPERATORS_WHATSAPP,
            sender=PERLA,
            mail_from=MAIL_FROM,
        )
        self._events = itertools.count(1)
        self.errors: list[Exception] = []

    # --- the webhook and the actor -------------------------------------------------------

    def inbound(
        self,
        text: str,
        *,
        contact: str = CONTACT,
        payload: str | None = None,
        event_id: str | None = None,
        name: str | None = "Juan Pérez",
        at: datetime | None = None,
    ) -> InboundMessageEvent:
        n = next(self._events)
        return InboundMessageEvent(
            event_id=event_id or f"evt-{n}",
            occurred_at=at or self.clock.now(),
            provider_message_id=f"in-{n}",
            from_=contact,
            to=PERLA,
            contents=(InboundText(text, payload),),
            visitor_name=name,
        )

    def status(self, external_id: str, status: MessageStatus) -> StatusEvent:
        n = next(self._events)
        return StatusEvent(
            event_id=f"evt-{n}",
            occurred_at=self.clock.now(),
            provider_message_id="unknown",
            code=status.value.upper(),
            status=status,
            status_at=self.clock.now(),
            external_id=external_id,
        )

    def accept(self, event: InboundMessageEvent | StatusEvent) -> AcceptedEvent:
        return accept_event(event, self.uow(), self.clock, self.ids)

    def process(self, contact: str = CONTACT) -> int:
        return process_contact(contact, self.uow, self.clock, self.ids, self.bot)

    def say(
        self, text: str, *, payload: str | None = None, contact: str = CONTACT
    ) -> list[ConversationMessage]:
        """The contact writes; the bot's turn runs and its messages go out. Returns what was
        queued in answer."""
        before = len(self.conversation(contact).messages) if self.has_conversation(contact) else 0
        self.accept(self.inbound(text, payload=payload, contact=contact))
        self.process(contact)
        self.deliver()
        after = self.conversation(contact).messages[before:]
        return [m for m in after if m.direction is Direction.OUTBOUND]

    def deliver(self) -> None:
        """Run the outbox until nothing is due (errors kept in ``errors``)."""
        for _ in range(20):
            with self.uow() as uow:
                due = [m.id for m in uow.outbox.claim_pending(self.clock.now(), 500)]
            if not due:
                return
            for message_id in due:
                try:
                    deliver_outbox_message(message_id, self.uow(), self.handlers, self.clock)
                except Exception as error:  # noqa: BLE001 - kept for the test to look at
                    self.errors.append(error)

    # --- reading -------------------------------------------------------------------------

    def has_conversation(self, contact: str = CONTACT) -> bool:
        with self.uow() as uow:
            return uow.conversations.get(contact) is not None

    def conversation(self, contact: str = CONTACT) -> Conversation:
        with self.uow() as uow:
            found = uow.conversations.get(contact)
        assert found is not None
        return found

    def outbox_statuses(self) -> dict[OutboxStatus, int]:
        with self.uow() as uow:
            return dict(uow.outbox.count_by_status())

    def texts_to(self, contact: str = CONTACT) -> list[str]:
        out: list[str] = []
        for message in self.messenger.messages_to(contact):
            text = getattr(message, "text", None) or getattr(message, "body", None)
            out.append(str(text))
        return out
