"""The assistant: share of the staff requests of ``bench/assistant_cases.py`` handled right.

Each case is driven the way the engine drives a model: the person's text, then the model's
tool calls answered from the scripted world as ``ToolResultBlock``s (canonical JSON; a refused
read as ``is_error``), until the model answers in text or calls a write or gather tool (which
ends the turn: the engine would propose it). A case is handled right when the calls made, in
order, are the expected ones (name and the arguments that matter) and the final text holds the
words expected.

- offline: :class:`~perla_core.assistant.grammar.OfflineAssistantModel` (goal: >= 90%), and
  its time per ``complete`` call, p95;
- Anthropic: the same cases through :class:`~perla_adapters.llm.anthropic.AnthropicLanguageModel`
  when ``PERLA_ANTHROPIC_API_KEY`` is set (not run otherwise).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from bench.assistant_cases import CASES, SYSTEM, TODAY, Case, Expected, ToolRefused, run_tool
from bench.harness import Figure, p
from perla_core.access.model import Permission
from perla_core.assistant.catalogue import build_toolbox
from perla_core.assistant.grammar import OfflineAssistantModel
from perla_core.assistant.tools import ToolKind, dumps
from perla_core.language.ports import (
    ContentBlock,
    LanguageModel,
    ModelMessage,
    ModelRequest,
    TextBlock,
    ToolResultBlock,
    ToolSpec,
    ToolUseBlock,
)

MAX_CALLS_PER_TURN = 8
PROPOSED = {"proposed": True, "proposal_id": "bench", "awaiting": "confirmation"}
PROPOSAL_TEXT = "Propuesta preparada: confírmala con «sí» o escribe «cancelar»."


@attrs.frozen
class Outcome:
    case: Case
    calls: tuple[tuple[str, Mapping[str, Any]], ...]
    text: str
    seconds: tuple[float, ...]

    @property
    def correct(self) -> bool:
        if len(self.calls) != len(self.case.calls):
            return False
        if not all(
            _same(call, want) for call, want in zip(self.calls, self.case.calls, strict=True)
        ):
            return False
        return all(word in self.text for word in self.case.says)


def _same(call: tuple[str, Mapping[str, Any]], want: Expected) -> bool:
    name, arguments = call
    return name == want.tool and all(
        _normal(arguments.get(k)) == _normal(v) for k, v in want.args.items()
    )


def _normal(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return sorted(str(v) for v in value)
    return value


def tools_for(role: str) -> tuple[tuple[ToolSpec, ...], frozenset[str]]:
    """The tools offered to a role (``reader``: reads only) and the names that end a turn."""
    box = build_toolbox()
    offered = [t for t in box if role != "reader" or t.permission is Permission.READ]
    ending = frozenset(t.name for t in box if t.kind is not ToolKind.READ)
    return tuple(t.spec() for t in offered), ending


def drive(model: LanguageModel, case: Case, system: str = SYSTEM) -> Outcome:
    """Run one case through ``model`` as the engine would."""
    specs, ending = tools_for(case.role)
    messages: list[ModelMessage] = []
    calls: list[tuple[str, Mapping[str, Any]]] = []
    seconds: list[float] = []
    text = ""
    for turn in case.turns:
        messages.append(ModelMessage("user", turn))
        for _ in range(MAX_CALLS_PER_TURN):
            started = time.perf_counter()
            reply = model.complete(ModelRequest(system, tuple(messages), specs))
            seconds.append(time.perf_counter() - started)
            blocks: list[ContentBlock] = [TextBlock(reply.text)] if reply.text else []
            blocks += [ToolUseBlock(c.id, c.name, dict(c.input)) for c in reply.tool_calls]
            messages.append(ModelMessage("assistant", tuple(blocks) or reply.text or "…"))
            text = reply.text
            if not reply.tool_calls:
                break
            results: list[ContentBlock] = []
            proposed = False
            for call in reply.tool_calls:
                calls.append((call.name, dict(call.input)))
                if proposed or call.name in ending:  # the engine proposes the first; no run
                    content = PROPOSED if not proposed else {"refused": "one change per turn"}
                    results.append(ToolResultBlock(call.id, dumps(content), is_error=proposed))
                    proposed = True
                    continue
                try:
                    results.append(ToolResultBlock(call.id, dumps(run_tool(call.name, call.input))))
                except ToolRefused as refused:
                    results.append(ToolResultBlock(call.id, str(refused), is_error=True))
            messages.append(ModelMessage("user", tuple(results)))
            if proposed:  # the turn ends with the proposal, as in the engine
                messages.append(ModelMessage("assistant", PROPOSAL_TEXT))
                break
    return Outcome(case, tuple(calls), text, tuple(seconds))


def evaluate(
    model: LanguageModel, cases: Sequence[Case] = CASES, system: str = SYSTEM
) -> list[Outcome]:
    return [drive(model, case, system) for case in cases]


def _describe(outcome: Outcome) -> str:
    got = ", ".join(f"{n}{dict(a)}" for n, a in outcome.calls) or "(none)"
    want = ", ".join(f"{e.tool}{dict(e.args)}" for e in outcome.case.calls) or "(none)"
    says = f" text must hold {list(outcome.case.says)}" if outcome.case.says else ""
    last = outcome.text.splitlines()[0] if outcome.text else ""
    return (
        f"  [{outcome.case.family}] {' / '.join(outcome.case.turns)}\n"
        f"    expected: {want}{says}\n    got:      {got}\n    said:     {last[:120]}"
    )


def figures_for(label: str, outcomes: Sequence[Outcome], *, timed: bool) -> list[Figure]:
    right = sum(o.correct for o in outcomes)
    share = 100.0 * right / len(outcomes) if outcomes else 0.0
    failures = [o for o in outcomes if not o.correct]
    print(f"assistant bench ({label}): {right}/{len(outcomes)} handled correctly ({share:.1f}%)")
    for outcome in failures:
        print(_describe(outcome))
    out = [
        Figure(f"assistant {label}: cases", "cases", len(outcomes)),
        Figure(f"assistant {label}: handled correctly", "cases", right),
        Figure(
            f"assistant {label}: share handled",
            "%",
            share,
            goal=">= 90%" if label == "offline" else "",
            note=f"{len(failures)} failures listed above",
        ),
    ]
    if timed:
        samples = [s for o in outcomes for s in o.seconds]
        out.append(
            Figure(
                f"assistant {label}: complete() p95", "ms", 1000 * p(samples, 0.95), goal="< 5 ms"
            )
        )
    return out


def run() -> list[Figure]:
    figures = figures_for("offline", evaluate(OfflineAssistantModel()), timed=True)
    key = os.environ.get("PERLA_ANTHROPIC_API_KEY", "")
    if key:  # pragma: no cover - needs the network and a key
        from perla_adapters.llm.anthropic import AnthropicLanguageModel  # noqa: PLC0415
        from perla_core.assistant.engine import SYSTEM_PROMPT  # noqa: PLC0415

        model = AnthropicLanguageModel(key, timeout=60.0, max_retries=2)
        system = f"{SYSTEM_PROMPT}\nHoy es {TODAY}. The person is 'bench', role 'agent'.\n"
        figures += figures_for("anthropic", evaluate(model, system=system), timed=False)
    else:
        print("assistant bench: PERLA_ANTHROPIC_API_KEY not set, Anthropic adapter not run")
    return figures


if __name__ == "__main__":
    from bench.harness import report

    report(run())
