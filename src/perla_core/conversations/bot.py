"""One bot turn: an inbound message interpreted, the flow advanced, its actions carried out.

The customer's text only ever reaches the interpreter, which returns an intent and typed
entities; the flow engine decides from those alone and the bot sends only what the flow (or a
hook) produced, so a message that tries to instruct the bot changes nothing the interpreter
did not return. A tapped button or list row is an option by its id, not interpreted.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Final, Protocol

import attrs

from perla_core.answers.templates import ROW_ID_PREFIX
from perla_core.conversations.model import (
    BOT,
    Conversation,
    ConversationMessage,
    Direction,
    Owner,
)
from perla_core.conversations.ports import ConversationUnitOfWork
from perla_core.flows.engine import (
    CallHook,
    EndFlow,
    FlowAction,
    FlowEngine,
    FlowEvent,
    FlowState,
    Handoff,
    HookFinished,
    Interpreted,
    OptionChosen,
    SendButtons,
    SendList,
    SendText,
    SetField,
)
from perla_core.flows.model import Flow, IntentRouterStep, QuestionStep
from perla_core.kernel.ports import IdGenerator
from perla_core.language import (
    ConversationContext,
    Entities,
    Intent,
    IntentInterpreter,
    Interpretation,
    Turn,
)
from perla_core.messaging import (
    Button,
    ButtonsMessage,
    ListMessage,
    ListRow,
    ListSection,
    OutgoingMessage,
    TextMessage,
)

PLAN_ROW_PREFIX: Final = "plan:"
"""A financing list's row id (``plan:<instalments>``): tapping it picks that plan."""
HANDOFF_ACKNOWLEDGEMENT: Final = (
    "Te paso con una persona de nuestro equipo. En un ratito te escribe por acá."
)
"""Sent when the flow hands off without saying anything itself."""
LIST_SECTION_TITLE: Final = "Opciones"
HISTORY_TURNS: Final = 6
MAX_HOOKS_PER_TURN: Final = 10

_FLOW_INTENTS: Final = {
    Intent.PRICE_STOCK_QUESTION: "price_stock",
    Intent.ADD_TO_CART: "buy",
}
"""The language layer's intents under the names flows route on (the rest are the same)."""
_SPACE_BEFORE_MARK = re.compile(r"[ \t]+([!?.,;:])")


@attrs.frozen
class HookResult:
    """What a hook did: ``ok`` (``False`` takes the flow to its ``on_error`` step or hands
    off), the messages to send before the flow goes on, and ``fields`` to keep on the
    conversation (what the customer was asking about, for the follow-up questions)."""

    ok: bool
    messages: tuple[OutgoingMessage, ...] = ()
    fields: Mapping[str, str] = attrs.field(factory=dict)
    outcome: str | None = None
    """A named result the flow's action step may branch on (its ``outcomes:``)."""


class Hook(Protocol):
    """A flow ``action`` step's work (``catalogue.answer``, ``cart.add`` ...). It reads the
    conversation and the turn's interpretation (``None`` for a tapped button) and returns
    messages; it sends nothing itself. Raising counts as ``ok=False``.

    ``work`` is the turn's open unit of work: whatever a hook changes through it (a cart, an
    order) commits with the conversation and its outgoing messages, or not at all, so a turn
    retried after a failure never adds an item twice. A hook never commits it."""

    def __call__(
        self,
        conversation: Conversation,
        interpretation: Interpretation | None,
        work: ConversationUnitOfWork,
    ) -> HookResult: ...


@attrs.frozen
class BotDeps:
    """What a bot turn needs, given by the entrypoints: the interpreter, the current flow
    (reloaded when its file changes), the hooks by name and perla's WhatsApp number."""

    interpreter: IntentInterpreter
    flow: Callable[[], Flow]
    hooks: Mapping[str, Hook]
    sender: str
    flows: Mapping[str, Callable[[], Flow]] = attrs.field(factory=dict)
    """Other flows by name (the campaigns' surveys), each read like ``flow``."""


def flow_intent(interpretation: Interpretation) -> str:
    """The intent a flow routes on: ``other`` when the interpreter was not sure enough."""
    if interpretation.needs_clarification:
        return Intent.OTHER.value
    return _FLOW_INTENTS.get(interpretation.intent, interpretation.intent.value)


def _entities(interpretation: Interpretation) -> dict[str, str]:
    e = interpretation.entities
    values: dict[str, object | None] = {
        "brand": e.brand,
        "product_type": None if e.product_type is None else e.product_type.value,
        "model": e.model,
        "quantity": e.quantity,
        "installments": e.installments,
        "resolution_mp": e.resolution_mp,
        "features": ",".join(sorted(f.value for f in e.features)) or None,
    }
    return {name: str(value) for name, value in values.items() if value is not None}


def _turns(conversation: Conversation, current: ConversationMessage) -> tuple[Turn, ...]:
    earlier = [m for m in conversation.messages if m is not current and m.text]
    return tuple(
        Turn("customer" if m.direction is Direction.INBOUND else "bot", m.text or "")
        for m in earlier[-HISTORY_TURNS:]
    )


def _flow_context(conversation: Conversation) -> dict[str, str]:
    name = (conversation.contact_name or "").strip()
    return {
        **conversation.fields,
        "nombre": name.split()[0] if name else "",
        "empresa": conversation.fields.get("empresa", ""),
    }


def _tidy(text: str) -> str:
    """A text with an empty placeholder reads ``¡Hola !``: no blank before a mark."""
    return _SPACE_BEFORE_MARK.sub(r"\1", text).strip()


def _tapped_row(payload: str) -> Interpretation | None:
    """A row of a list a hook sent, as the question it stands for: ``product:<sku>`` asks
    about that product, ``plan:<n>`` picks the financing plan of ``n`` instalments."""
    if payload.startswith(ROW_ID_PREFIX):
        sku = payload.removeprefix(ROW_ID_PREFIX)
        return Interpretation(Intent.PRICE_STOCK_QUESTION, 1.0, Entities(model=sku))
    count = payload.removeprefix(PLAN_ROW_PREFIX)
    if payload.startswith(PLAN_ROW_PREFIX) and count.isdigit() and 1 <= int(count) <= 60:
        return Interpretation(Intent.FINANCING, 1.0, Entities(installments=int(count)))
    return None


def _run_hook(
    hook: Hook | None,
    conversation: Conversation,
    interpretation: Interpretation | None,
    work: ConversationUnitOfWork,
) -> HookResult:
    if hook is None:
        return HookResult(ok=False)
    try:
        return hook(conversation, interpretation, work)
    except Exception:  # noqa: BLE001 - a failing hook hands the contact to a person, never loops
        return HookResult(ok=False)


def bot_turn(
    conversation: Conversation,
    inbound: ConversationMessage,
    now: datetime,
    ids: IdGenerator,
    bot: BotDeps,
    work: ConversationUnitOfWork,
) -> None:
    """Answer ``inbound`` (already recorded on ``conversation``, which the bot owns) inside
    the open unit of work ``work``.

    The conversation's flow is the bot's default one, or the survey a campaign started
    (``conversation.flow_name``): a survey waiting for its first answer is at its start step
    (the template asked it). When a survey ends, :class:`SurveyFinished` records its answers
    and the conversation returns to the default flow; reaching a flow's opt-out step (the step
    its ``anywhere: opt_out`` rule names, by the intent or by a button) records
    :class:`ContactOptedOut`."""
    survey = _survey_of(conversation, bot)
    engine = FlowEngine(survey or bot.flow())
    state = conversation.flow_state
    actions: list[FlowAction] = []
    if survey is not None and state.finished:
        state = FlowState(survey.start)
    elif state.finished:
        state, started = engine.start(_flow_context(conversation))
        actions.extend(started)
    interpretation: Interpretation | None = None
    event: FlowEvent
    tapped = _tapped_row(inbound.payload or "")
    at_router = state.step is not None and isinstance(
        engine.flow.steps.get(state.step), IntentRouterStep
    )
    if tapped is not None and at_router:
        interpretation = tapped
        event = Interpreted(flow_intent(tapped), _entities(tapped), inbound.text or "")
    elif inbound.payload:
        event = OptionChosen(inbound.payload)
    else:
        text = inbound.text or ""
        context = ConversationContext(turns=_turns(conversation, inbound), step=state.step)
        interpretation = bot.interpreter.interpret(text, context=context)
        event = Interpreted(flow_intent(interpretation), _entities(interpretation), text)
    opting_out = _opts_out(engine.flow, state, event)
    state, more = engine.advance(state, event, _flow_context(conversation))
    actions.extend(more)
    turn = _Turn(conversation, engine, state, interpretation, now, ids, bot, work)
    turn.carry_out(actions)
    conversation.flow_state = turn.state
    if opting_out:
        conversation.opt_out(engine.flow.name, by=BOT, at=now)
    if survey is not None and (turn.state.finished or conversation.owner is not Owner.BOT):
        outcome = "opted_out" if opting_out else "completed"
        if conversation.owner is not Owner.BOT:
            outcome = "handed_off"
        answers = tuple(
            (name, conversation.fields[name])
            for name in survey.fields
            if name in conversation.fields
        )
        conversation.finish_survey(outcome, answers, by=BOT, at=now)


def _survey_of(conversation: Conversation, bot: BotDeps) -> Flow | None:
    """The survey the conversation is in, if any (a survey no longer deployed is left)."""
    name = conversation.flow_name
    if name is None:
        return None
    source = bot.flows.get(name)
    if source is None:
        conversation.flow_name = None
        conversation.flow_state = FlowState(None)
        return None
    return source()


def _opts_out(flow: Flow, state: FlowState, event: FlowEvent) -> bool:
    """Whether ``event`` at ``state`` leads to the flow's opt-out step."""
    target = flow.anywhere.get(Intent.OPT_OUT.value)
    if target is None:
        return False
    if isinstance(event, Interpreted):
        return event.intent == Intent.OPT_OUT.value
    step = flow.steps.get(state.step or "")
    if isinstance(event, OptionChosen) and isinstance(step, QuestionStep):
        return any(o.id == event.option_id and o.next == target for o in step.options)
    return False


@attrs.define
class _Turn:
    """Carries out a turn's actions; a hook's result advances the flow again."""

    conversation: Conversation
    engine: FlowEngine
    state: FlowState
    interpretation: Interpretation | None
    now: datetime
    ids: IdGenerator
    bot: BotDeps
    work: ConversationUnitOfWork
    said: bool = False
    hooks_run: int = 0

    def send(self, content: OutgoingMessage) -> None:
        self.conversation.queue(self.ids.new_id(), content, author=BOT, at=self.now)
        self.said = True

    def carry_out(self, actions: list[FlowAction]) -> None:
        pending = deque(actions)
        while pending:
            action = pending.popleft()
            match action:
                case SendText(text=text):
                    self.send(TextMessage(_tidy(text)))
                case SendButtons(text=text, buttons=choices):
                    self.send(ButtonsMessage(_tidy(text), [Button(c.id, c.title) for c in choices]))
                case SendList(text=text, button=label, rows=choices):
                    rows = [ListRow(c.id, c.title, c.description) for c in choices]
                    section = ListSection(LIST_SECTION_TITLE, rows)
                    self.send(ListMessage(_tidy(text), label, [section]))
                case CallHook(hook=name):
                    pending.extend(self.call(name))
                case SetField(field=field, value=value):
                    self.conversation.fields[field] = value
                case Handoff(reason=reason):
                    if not self.said:
                        self.send(TextMessage(HANDOFF_ACKNOWLEDGEMENT))
                    self.conversation.hand_off(self.ids.new_id(), reason, by=BOT, at=self.now)
                    self.state = FlowState(None)
                case EndFlow():
                    self.state = FlowState(None)

    def call(self, name: str) -> list[FlowAction]:
        self.hooks_run += 1
        if self.hooks_run > MAX_HOOKS_PER_TURN:
            msg = f"the flow called more than {MAX_HOOKS_PER_TURN} hooks in one turn"
            raise RuntimeError(msg)
        result = _run_hook(
            self.bot.hooks.get(name), self.conversation, self.interpretation, self.work
        )
        for message in result.messages:
            self.send(message)
        for field, value in result.fields.items():
            if value:
                self.conversation.fields[field] = value
            else:
                self.conversation.fields.pop(field, None)
        self.state, more = self.engine.advance(
            self.state,
            HookFinished(ok=result.ok, outcome=result.outcome),
            _flow_context(self.conversation),
        )
        return more
