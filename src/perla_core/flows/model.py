"""The bot's dialogue as data: a :class:`Flow` of named steps.

A flow is either the sales ``conversation`` (seed 004: identify the intent, answer from the
catalogue, take the order, simulate financing, hand off to an operator) or a ``survey`` (the
dormant-client tree: questions with buttons or a list, each answer filling a client field, no
loops). Steps are values; :mod:`.parsing` builds them from a YAML file's tree and
:mod:`.engine` runs them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum

import attrs

# WhatsApp Cloud API limits for the messages a flow sends.
MAX_TEXT = 4096
MAX_INTERACTIVE_BODY = 1024
MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_LIST_ROWS = 10
MAX_ROW_TITLE = 24
MAX_ROW_DESCRIPTION = 72
MAX_LIST_BUTTON = 20

DEFAULT_INTENTS: tuple[str, ...] = (
    "product_question",
    "price_stock",
    "buy",
    "remove_from_cart",
    "view_cart",
    "financing",
    "confirm",
    "cancel",
    "talk_to_person",
    "complaint",
    "greeting",
    "opt_out",
    "thanks",
    "other",
    "modify",
)
"""The intents a conversation may route on unless the caller passes its own list
(``modify`` only comes from a button: the summary's "Modificar")."""

MISUNDERSTOOD = "misunderstood"
"""The handoff reason when the client was not understood too many times in a row."""

PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class FlowKind(StrEnum):
    CONVERSATION = "conversation"
    SURVEY = "survey"


@attrs.frozen
class FlowError:
    """One problem of a flow file: where it is (line, YAML path) and what is wrong."""

    line: int | None
    path: str
    message: str
    warning: bool = False
    source: str = ""

    def __str__(self) -> str:
        where = f"{self.source or '<flow>'}:{self.line if self.line is not None else '?'}"
        kind = "warning: " if self.warning else ""
        return f"{where}: {self.path or '<root>'}: {kind}{self.message}"


@attrs.frozen
class Option:
    """A button or list row; choosing it records ``value`` and goes to ``next`` (or ends)."""

    id: str
    title: str
    next: str | None
    value: str
    description: str | None = None


@attrs.frozen
class MessageStep:
    id: str
    text: str
    next: str


@attrs.frozen
class QuestionStep:
    """Buttons (up to 3) or a list (up to 10 rows); ``sets`` names the client field filled."""

    id: str
    text: str
    options: tuple[Option, ...]
    as_list: bool = False
    list_button: str = "Ver opciones"
    sets: str | None = None


@attrs.frozen
class FreeTextStep:
    id: str
    text: str
    sets: str
    next: str


@attrs.frozen
class IntentRouterStep:
    """Waits for the client's message, interpreted, and goes where its intent says."""

    id: str
    routes: Mapping[str, str]
    otherwise: str | None = None


@attrs.frozen
class ActionStep:
    """Asks the application to run ``hook`` (``catalogue.answer``, ``cart.add``...).

    The hook's result picks the next step: ``on_error`` when it failed, ``outcomes[name]``
    when it succeeded with a named outcome the step lists (``order.confirm`` answering
    ``repriced`` goes back to the summary), ``next`` otherwise."""

    id: str
    hook: str
    next: str
    on_error: str | None = None
    outcomes: Mapping[str, str] = attrs.field(factory=dict)


@attrs.frozen
class HandoffStep:
    id: str
    reason: str
    text: str | None = None


@attrs.frozen
class EndStep:
    id: str
    text: str | None = None


Step = (
    MessageStep
    | QuestionStep
    | FreeTextStep
    | IntentRouterStep
    | ActionStep
    | HandoffStep
    | EndStep
)


@attrs.frozen
class Flow:
    """A validated flow. ``anywhere`` maps intents honoured at every waiting step to a step."""

    name: str
    kind: FlowKind
    start: str
    steps: Mapping[str, Step]
    anywhere: Mapping[str, str] = attrs.field(factory=dict)
    handoff_after_misunderstandings: int | None = None
    misunderstood_step: str | None = None
    placeholders: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()

    def step(self, step_id: str) -> Step:
        return self.steps[step_id]


def transitions(step: Step) -> list[tuple[str, str]]:
    """Every ``(label, target step)`` leaving ``step``, in file order."""
    match step:
        case MessageStep(next=target) | FreeTextStep(next=target):
            return [("", target)]
        case QuestionStep(options=options):
            return [(o.title, o.next) for o in options if o.next is not None]
        case IntentRouterStep(routes=routes, otherwise=otherwise):
            edges = list(routes.items())
            return [*edges, ("else", otherwise)] if otherwise is not None else edges
        case ActionStep(next=target, on_error=on_error, outcomes=outcomes):
            errors = [("error", on_error)] if on_error is not None else []
            return [("ok", target), *outcomes.items(), *errors]
        case HandoffStep() | EndStep():
            return []


def waits_for_client(step: Step) -> bool:
    """Whether the flow stops at ``step`` until something happens (a message, a hook result)."""
    return isinstance(step, QuestionStep | FreeTextStep | IntentRouterStep | ActionStep)
