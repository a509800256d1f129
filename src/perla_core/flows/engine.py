"""Run a :class:`Flow`: ``FlowEngine(flow).advance(state, event) -> (state, actions)``.

Pure and deterministic: the engine sends nothing and calls nothing; it returns
:class:`FlowAction` values the application carries out (send a text, buttons or a list, call a
hook, set a client field, hand off to an operator, end) and the new :class:`FlowState` the
conversation store keeps per contact. Steps that only speak (``message``) run on; the engine
stops at the first step that waits (a question, free text, an intent router, a hook's result)
or ends the flow (``handoff``, ``end``).

Rules that hold at every waiting step: an intent listed under ``rules.anywhere`` jumps to its
step; a message the step cannot use counts as a misunderstanding, and after
``handoff_after_misunderstandings`` in a row the flow goes to ``misunderstood_step`` (or hands
off with reason ``misunderstood``). Anything understood resets the count.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from perla_core.flows.model import (
    MISUNDERSTOOD,
    PLACEHOLDER,
    ActionStep,
    EndStep,
    Flow,
    FreeTextStep,
    HandoffStep,
    IntentRouterStep,
    MessageStep,
    Option,
    QuestionStep,
)

MAX_FREE_TEXT = 1000
"""A free-text answer is kept up to this many characters (a 10,000-character message is cut,
not refused: the survey goes on)."""

# -- state --------------------------------------------------------------------------------


@attrs.frozen
class FlowState:
    """Where a contact is: the step waiting for them (``None`` once the flow ended)."""

    step: str | None
    misunderstandings: int = 0

    @property
    def finished(self) -> bool:
        return self.step is None


# -- events -------------------------------------------------------------------------------


@attrs.frozen
class Interpreted:
    """The client's message as the language layer understood it."""

    intent: str
    entities: Mapping[str, str] = attrs.field(factory=dict)
    text: str = ""


@attrs.frozen
class OptionChosen:
    """A button or list reply, by option id."""

    option_id: str


@attrs.frozen
class TextReceived:
    """Free text not run through the language layer (a survey's open answer)."""

    text: str


@attrs.frozen
class HookFinished:
    """The result of the hook an ``action`` step asked for, with the hook's named outcome
    (``None``: the usual one)."""

    ok: bool = True
    outcome: str | None = None


FlowEvent = Interpreted | OptionChosen | TextReceived | HookFinished

# -- actions ------------------------------------------------------------------------------


@attrs.frozen
class SendText:
    text: str


@attrs.frozen
class Choice:
    id: str
    title: str
    description: str | None = None


@attrs.frozen
class SendButtons:
    text: str
    buttons: tuple[Choice, ...]


@attrs.frozen
class SendList:
    text: str
    button: str
    rows: tuple[Choice, ...]


@attrs.frozen
class CallHook:
    """Run the application's ``hook`` (with the last interpretation), then send
    :class:`HookFinished`."""

    hook: str
    step: str
    interpretation: Interpreted | None = None


@attrs.frozen
class SetField:
    field: str
    value: str


@attrs.frozen
class Handoff:
    """Pass the contact to an operator; the application notifies them."""

    reason: str


@attrs.frozen
class EndFlow:
    pass


FlowAction = SendText | SendButtons | SendList | CallHook | SetField | Handoff | EndFlow

MAX_HOPS = 100  # a validated flow never needs this many steps without waiting


def render(template: str, context: Mapping[str, str]) -> str:
    """Fill ``{placeholders}``; one missing from ``context`` is left empty."""
    return PLACEHOLDER.sub(lambda m: str(context.get(m.group(1), "")), template)


class FlowEngine:
    """Runs one validated flow for any number of contacts (it keeps no state itself)."""

    def __init__(self, flow: Flow) -> None:
        self.flow = flow

    def start(self, context: Mapping[str, str] | None = None) -> tuple[FlowState, list[FlowAction]]:
        """Enter the start step: a survey sends its first question; a conversation's router
        waits for the first message."""
        return self._enter(self.flow.start, 0, context or {}, None)

    def advance(  # noqa: PLR0911, PLR0912 - one return per (step, event) case reads best
        self, state: FlowState, event: FlowEvent, context: Mapping[str, str] | None = None
    ) -> tuple[FlowState, list[FlowAction]]:
        """Apply ``event`` at the step ``state`` waits on; a finished state stays finished.

        A state whose step no longer exists (the file was edited) is taken from the start.
        """
        if state.step is None:
            return state, []
        step_id = state.step
        if step_id not in self.flow.steps:  # the file changed under this contact
            step_id = self.flow.start
            state = FlowState(step_id)
        ctx = context or {}
        interpreted = event if isinstance(event, Interpreted) else None
        if interpreted is not None and interpreted.intent in self.flow.anywhere:
            return self._enter(self.flow.anywhere[interpreted.intent], 0, ctx, interpreted)
        step = self.flow.step(step_id)
        match step, event:
            case IntentRouterStep(routes=routes), Interpreted(intent=intent) if intent in routes:
                return self._enter(routes[intent], 0, ctx, interpreted)
            case IntentRouterStep(routes=routes), OptionChosen(option_id=chosen) if (
                chosen in routes
            ):
                # a button a hook sent (a summary's "Confirmar") whose id is a routed intent
                return self._enter(routes[chosen], 0, ctx, None)
            case QuestionStep(), _:
                option = _chosen(step.options, event)
                if option is not None:
                    actions: list[FlowAction] = []
                    if step.sets is not None:
                        actions.append(SetField(step.sets, option.value))
                    if option.next is None:
                        return FlowState(None), [*actions, EndFlow()]
                    state, more = self._enter(option.next, 0, ctx, interpreted)
                    return state, actions + more
            case FreeTextStep(), Interpreted(text=text) | TextReceived(text=text) if text.strip():
                state, more = self._enter(step.next, 0, ctx, interpreted)
                return state, [SetField(step.sets, text.strip()[:MAX_FREE_TEXT]), *more]
            case ActionStep(), HookFinished(ok=ok, outcome=outcome):
                if ok:
                    target = step.outcomes.get(outcome or "", step.next)
                    return self._enter(target, 0, ctx, None)
                if step.on_error is not None:
                    return self._enter(step.on_error, 0, ctx, None)
                return FlowState(None), [Handoff(f"hook_failed:{step.hook}")]
            case ActionStep(), _:
                return state, []  # the hook is still running; the message waits for its result
        return self._misunderstood(state, ctx, interpreted)

    def _misunderstood(
        self, state: FlowState, ctx: Mapping[str, str], interpreted: Interpreted | None
    ) -> tuple[FlowState, list[FlowAction]]:
        assert state.step is not None
        count = state.misunderstandings + 1
        limit = self.flow.handoff_after_misunderstandings
        if limit is not None and count >= limit:
            if self.flow.misunderstood_step is not None:
                return self._enter(self.flow.misunderstood_step, 0, ctx, interpreted)
            return FlowState(None), [Handoff(MISUNDERSTOOD)]
        step = self.flow.step(state.step)
        if isinstance(step, IntentRouterStep) and step.otherwise is not None:
            return self._enter(step.otherwise, count, ctx, interpreted)
        return self._enter(state.step, count, ctx, interpreted)  # ask again

    def _enter(
        self,
        step_id: str,
        misunderstandings: int,
        ctx: Mapping[str, str],
        interpreted: Interpreted | None,
    ) -> tuple[FlowState, list[FlowAction]]:
        actions: list[FlowAction] = []
        for _ in range(MAX_HOPS):
            step = self.flow.step(step_id)
            match step:
                case MessageStep(text=text, next=target):
                    actions.append(SendText(render(text, ctx)))
                    step_id = target
                    continue
                case QuestionStep():
                    choices = tuple(Choice(o.id, o.title, o.description) for o in step.options)
                    body = render(step.text, ctx)
                    actions.append(
                        SendList(body, step.list_button, choices)
                        if step.as_list
                        else SendButtons(body, choices)
                    )
                case FreeTextStep(text=text):
                    actions.append(SendText(render(text, ctx)))
                case ActionStep(hook=hook):
                    actions.append(CallHook(hook, step_id, interpreted))
                case IntentRouterStep():
                    pass
                case HandoffStep(reason=reason, text=text):
                    if text is not None:
                        actions.append(SendText(render(text, ctx)))
                    return FlowState(None), [*actions, Handoff(reason)]
                case EndStep(text=text):
                    if text is not None:
                        actions.append(SendText(render(text, ctx)))
                    return FlowState(None), [*actions, EndFlow()]
            return FlowState(step_id, misunderstandings), actions
        msg = f"flow {self.flow.name!r} ran {MAX_HOPS} steps without waiting"
        raise RuntimeError(msg)


def _chosen(options: tuple[Option, ...], event: object) -> Option | None:
    """The option a reply picks: by id, or typed text equal to an option's title or id."""
    match event:
        case OptionChosen(option_id=wanted):
            return next((o for o in options if o.id == wanted), None)
        case Interpreted(text=text) | TextReceived(text=text):
            typed = text.strip().casefold()
            return next(
                (o for o in options if typed in {o.id.casefold(), o.title.casefold()}), None
            )
    return None
