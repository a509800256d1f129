"""Draw a :class:`Flow` as a Mermaid ``flowchart TD`` (``perla flow show``)."""

from __future__ import annotations

import re

from perla_core.flows.model import (
    ActionStep,
    EndStep,
    Flow,
    FreeTextStep,
    HandoffStep,
    IntentRouterStep,
    MessageStep,
    QuestionStep,
    Step,
    transitions,
)

LABEL_LENGTH = 40


def node_id(step_id: str) -> str:
    """A Mermaid-safe node id (``end`` and punctuation are not)."""
    return "s_" + re.sub(r"\W", "_", step_id)


def _label(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > LABEL_LENGTH:
        text = text[: LABEL_LENGTH - 1] + "…"
    return text.replace('"', "#quot;").replace("|", "#124;")


def _node(step: Step) -> str:  # noqa: PLR0911 - one shape per step kind
    nid = node_id(step.id)
    match step:
        case MessageStep(text=text):
            return f'{nid}["{_label(step.id + ": " + text)}"]'
        case QuestionStep(text=text):
            return f'{nid}{{"{_label(step.id + ": " + text)}"}}'
        case FreeTextStep(text=text, sets=field):
            return f'{nid}[/"{_label(step.id + ": " + text)} → {field}"/]'
        case IntentRouterStep():
            return f'{nid}{{{{"{_label(step.id)}: intent?"}}}}'
        case ActionStep(hook=hook):
            return f'{nid}[["{_label(step.id)}: {hook}"]]'
        case HandoffStep(reason=reason):
            return f'{nid}(["{_label(step.id)}: operador ({reason})"])'
        case EndStep():
            return f'{nid}((("{_label(step.id)}")))'


def to_mermaid(flow: Flow) -> str:
    """Steps as shaped nodes (message box, question diamond, free text parallelogram, router
    hexagon, hook subroutine, handoff stadium, end circle), edges labelled with intents and
    options; ``anywhere`` rules and the misunderstanding rule hang off a dotted node."""
    lines = ["flowchart TD", f"  %% {flow.name} ({flow.kind})"]
    lines.append(f'  flow_start(("▶")) --> {node_id(flow.start)}')
    lines.extend(f"  {_node(step)}" for step in flow.steps.values())
    for step in flow.steps.values():
        for label, target in transitions(step):
            arrow = f"-->|{_label(label)}|" if label else "-->"
            lines.append(f"  {node_id(step.id)} {arrow} {node_id(target)}")
        if isinstance(step, QuestionStep):
            lines.extend(
                f'  {node_id(step.id)} -->|{_label(o.title)}| {node_id(step.id)}_end((("fin")))'
                for o in step.options
                if o.next is None
            )
    if flow.anywhere or flow.handoff_after_misunderstandings:
        lines.append('  anywhere(["en cualquier paso"])')
        for intent, target in flow.anywhere.items():
            lines.append(f"  anywhere -.->|{intent}| {node_id(target)}")
        if flow.handoff_after_misunderstandings:
            label = f"{flow.handoff_after_misunderstandings} sin entender"
            target = (
                node_id(flow.misunderstood_step)
                if flow.misunderstood_step
                else 'misunderstood(["operador (misunderstood)"])'
            )
            lines.append(f"  anywhere -.->|{label}| {target}")
    return "\n".join(lines) + "\n"
