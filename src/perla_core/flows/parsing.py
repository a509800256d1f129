"""Build a :class:`Flow` from a file's parsed tree and report every problem with its line.

The core reads no files: the caller gives the plain tree (dicts, lists, strings, numbers) and a
``locate(path)`` that returns the line of a YAML path such as ``("steps", "saludo", "next")``.
All problems are collected, never only the first: dangling transitions, missing start,
too many buttons or rows, titles and texts over WhatsApp's limits, unknown intents,
placeholders and keys (``nxt:``), loops in a survey; unreachable steps are warnings.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Collection, Mapping
from typing import Any

import attrs

from perla_core.flows.model import (
    DEFAULT_INTENTS,
    MAX_BUTTON_TITLE,
    MAX_BUTTONS,
    MAX_INTERACTIVE_BODY,
    MAX_LIST_BUTTON,
    MAX_LIST_ROWS,
    MAX_ROW_DESCRIPTION,
    MAX_ROW_TITLE,
    MAX_TEXT,
    PLACEHOLDER,
    ActionStep,
    EndStep,
    Flow,
    FlowError,
    FlowKind,
    FreeTextStep,
    HandoffStep,
    IntentRouterStep,
    MessageStep,
    Option,
    QuestionStep,
    Step,
    transitions,
    waits_for_client,
)

Path = tuple[str | int, ...]
Locate = Callable[[Path], int | None]

FLOW_KEYS = {
    "flow", "kind", "description", "start", "placeholders", "fields", "rules", "steps",
}  # fmt: skip
RULE_KEYS = {"handoff_after_misunderstandings", "misunderstood_step", "anywhere"}
STEP_KEYS: dict[str, set[str]] = {
    "message": {"text", "next"},
    "question": {"text", "buttons", "list", "sets"},
    "free_text": {"text", "sets", "next"},
    "intent_router": {"routes", "else"},
    "action": {"hook", "next", "on_error", "outcomes"},
    "handoff": {"reason", "text"},
    "end": {"text"},
}
OPTION_KEYS = {"id", "title", "description", "next", "end", "value"}
LIST_KEYS = {"button", "rows"}


@attrs.frozen
class FlowReport:
    """The flow, if it has no errors, and every error and warning found, in line order."""

    flow: Flow | None
    problems: tuple[FlowError, ...]

    @property
    def errors(self) -> tuple[FlowError, ...]:
        return tuple(p for p in self.problems if not p.warning)

    @property
    def warnings(self) -> tuple[FlowError, ...]:
        return tuple(p for p in self.problems if p.warning)

    @property
    def ok(self) -> bool:
        return not self.errors


def format_path(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def parse_flow(
    data: object,
    locate: Locate = lambda _: None,
    *,
    source: str = "",
    intents: Collection[str] = DEFAULT_INTENTS,
    hooks: Collection[str] | None = None,
) -> FlowReport:
    """Validate ``data`` (the parsed file) and build its :class:`Flow` when it has no errors.

    ``intents`` are the names an ``intent_router`` and ``anywhere`` may use; ``hooks``, when
    given, are the only ``action`` hooks the application provides.
    """
    parser = _Parser(locate, source, frozenset(intents), None if hooks is None else set(hooks))
    flow = parser.parse(data)
    problems = tuple(sorted(parser.problems, key=lambda p: (p.line or 0, p.path)))
    ok = not any(not p.warning for p in problems)
    return FlowReport(flow if ok else None, problems)


class _Parser:
    def __init__(
        self, locate: Locate, source: str, intents: frozenset[str], hooks: set[str] | None
    ) -> None:
        self.locate = locate
        self.source = source
        self.intents = intents
        self.hooks = hooks
        self.problems: list[FlowError] = []
        self.placeholders: set[str] = set()
        self.fields: set[str] | None = None
        self.references: list[tuple[Path, str]] = []

    def error(self, path: Path, message: str, *, warning: bool = False) -> None:
        line = None
        for end in range(len(path), -1, -1):
            line = self.locate(path[:end])
            if line is not None:
                break
        self.problems.append(FlowError(line, format_path(path), message, warning, self.source))

    # -- primitives ---------------------------------------------------------------------

    def mapping(self, value: object, path: Path, allowed: set[str]) -> dict[str, Any] | None:
        if not isinstance(value, Mapping):
            self.error(path, "must be a mapping of `key: value` lines")
            return None
        result: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str) or key not in allowed:
                close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
                hint = f" (did you mean `{close[0]}`?)" if close else ""
                expected = ", ".join(sorted(allowed))
                self.error((*path, str(key)), f"unknown key `{key}`{hint}; expected: {expected}")
                continue
            result[key] = item
        return result

    def string(
        self, data: Mapping[str, Any], key: str, path: Path, *, required: bool = True
    ) -> str | None:
        if key not in data or data[key] is None:
            if required:
                self.error(path, f"`{key}` is missing")
            return None
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.error((*path, key), f"`{key}` must be a text")
            return None
        return str(value)

    def reference(
        self, data: Mapping[str, Any], key: str, path: Path, *, required: bool = True
    ) -> str | None:
        target = self.string(data, key, path, required=required)
        if target is not None:
            self.references.append(((*path, key), target))
        return target

    def text(
        self, data: Mapping[str, Any], path: Path, limit: int, *, required: bool = True
    ) -> str | None:
        text = self.string(data, "text", path, required=required)
        if text is None:
            return None
        if len(text) > limit:
            what = "an interactive message's body" if limit == MAX_INTERACTIVE_BODY else "a text"
            self.error(
                (*path, "text"),
                f"text is {len(text)} characters; WhatsApp allows {limit} in {what}",
            )
        for name in PLACEHOLDER.findall(text):
            if name not in self.placeholders:
                known = ", ".join(sorted(self.placeholders)) or "none declared"
                self.error((*path, "text"), f"unknown placeholder `{{{name}}}` (known: {known})")
        return text

    def field_name(self, data: Mapping[str, Any], path: Path, *, required: bool) -> str | None:
        name = self.string(data, "sets", path, required=required)
        if name is not None and self.fields is not None and name not in self.fields:
            self.error(
                (*path, "sets"),
                f"unknown client field `{name}`; declared fields: {', '.join(sorted(self.fields))}",
            )
        return name

    def intent(self, name: object, path: Path) -> bool:
        if name not in self.intents:
            close = difflib.get_close_matches(str(name), sorted(self.intents), n=1)
            hint = f" (did you mean `{close[0]}`?)" if close else ""
            self.error(path, f"unknown intent `{name}`{hint}")
            return False
        return True

    def names(self, value: object, path: Path) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.error(path, "must be a list of names")
            return []
        return list(value)

    # -- the file -----------------------------------------------------------------------

    def parse(self, data: object) -> Flow | None:  # noqa: PLR0912 - one branch per top-level key
        root = self.mapping(data, (), FLOW_KEYS)
        if root is None:
            return None
        name = self.string(root, "flow", ()) or ""
        kind_name = self.string(root, "kind", (), required=False)
        kind = FlowKind.CONVERSATION
        if kind_name is not None:
            if kind_name not in set(FlowKind):
                self.error(("kind",), f"kind must be `conversation` or `survey`, not `{kind_name}`")
            else:
                kind = FlowKind(kind_name)
        self.placeholders = set(self.names(root.get("placeholders"), ("placeholders",)))
        if "fields" in root:
            self.fields = set(self.names(root["fields"], ("fields",)))
        start = self.reference(root, "start", ())
        rules = self.rules(root.get("rules"))

        steps: dict[str, Step] = {}
        raw_steps = root.get("steps")
        if not isinstance(raw_steps, Mapping) or not raw_steps:
            self.error(("steps",), "`steps` is missing or empty: a flow needs at least one step")
        else:
            for step_id, raw in raw_steps.items():
                step = self.step(str(step_id), raw, ("steps", str(step_id)))
                if step is not None:
                    steps[step.id] = step
            declared = {str(k) for k in raw_steps}
            for path, target in self.references:
                if target not in declared:
                    close = difflib.get_close_matches(target, sorted(declared), n=1)
                    hint = f" (did you mean `{close[0]}`?)" if close else ""
                    self.error(path, f"unknown step `{target}`{hint}")
            if not self.problems_are_errors() and start is not None:
                self.graph_checks(kind, start, steps, rules)
        if start is None or self.problems_are_errors():
            return None
        anywhere, limit, misunderstood = rules
        return Flow(
            name=name,
            kind=kind,
            start=start,
            steps=steps,
            anywhere=anywhere,
            handoff_after_misunderstandings=limit,
            misunderstood_step=misunderstood,
            placeholders=tuple(sorted(self.placeholders)),
            fields=tuple(sorted(self.fields or ())),
        )

    def problems_are_errors(self) -> bool:
        return any(not p.warning for p in self.problems)

    def rules(self, value: object) -> tuple[dict[str, str], int | None, str | None]:
        if value is None:
            return {}, None, None
        rules = self.mapping(value, ("rules",), RULE_KEYS)
        if rules is None:
            return {}, None, None
        limit = rules.get("handoff_after_misunderstandings")
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int) or limit < 1
        ):
            self.error(
                ("rules", "handoff_after_misunderstandings"), "must be a whole number, 1 or more"
            )
            limit = None
        misunderstood = self.reference(rules, "misunderstood_step", ("rules",), required=False)
        anywhere: dict[str, str] = {}
        raw = rules.get("anywhere")
        if raw is not None:
            if not isinstance(raw, Mapping):
                self.error(("rules", "anywhere"), "must map intents to steps (`intent: step`)")
            else:
                for intent, target in raw.items():
                    path: Path = ("rules", "anywhere", str(intent))
                    if self.intent(intent, path) and isinstance(target, str):
                        self.references.append((path, target))
                        anywhere[str(intent)] = target
                    elif not isinstance(target, str):
                        self.error(path, "must name a step")
        return anywhere, limit, misunderstood

    def step(self, step_id: str, raw: object, path: Path) -> Step | None:  # noqa: PLR0912 - one case per step type
        if not isinstance(raw, Mapping):
            self.error(path, "a step must be a mapping with a `type`")
            return None
        kind = raw.get("type")
        if not isinstance(kind, str) or kind not in STEP_KEYS:
            self.error(
                (*path, "type"), f"unknown step type `{kind}`; expected: {', '.join(STEP_KEYS)}"
            )
            return None
        data = self.mapping(raw, path, {"type", *STEP_KEYS[kind]})
        if data is None:
            return None
        ref, text = self.reference, self.text
        result: Step | None = None
        match kind:
            case "message":
                body, target = text(data, path, MAX_TEXT), ref(data, "next", path)
                if body is not None and target is not None:
                    result = MessageStep(step_id, body, target)
            case "question":
                result = self.question(step_id, data, path)
            case "free_text":
                body, field = text(data, path, MAX_TEXT), self.field_name(data, path, required=True)
                target = ref(data, "next", path)
                if body is not None and field is not None and target is not None:
                    result = FreeTextStep(step_id, body, field, target)
            case "intent_router":
                result = self.router(step_id, data, path)
            case "action":
                hook, target = self.string(data, "hook", path), ref(data, "next", path)
                on_error = ref(data, "on_error", path, required=False)
                if hook is not None and self.hooks is not None and hook not in self.hooks:
                    known = ", ".join(sorted(self.hooks))
                    self.error((*path, "hook"), f"unknown hook `{hook}`; provided: {known}")
                outcomes = self.outcomes(data, path)
                if hook is not None and target is not None:
                    result = ActionStep(step_id, hook, target, on_error, outcomes)
            case "handoff":
                reason = self.string(data, "reason", path)
                body = text(data, path, MAX_TEXT, required=False)
                if reason is not None:
                    result = HandoffStep(step_id, reason, body)
            case "end":
                result = EndStep(step_id, text(data, path, MAX_TEXT, required=False))
        return result

    def outcomes(self, data: Mapping[str, Any], path: Path) -> dict[str, str]:
        """An action's ``outcomes:`` (the hook's named result → the step it leads to)."""
        raw = data.get("outcomes")
        if raw is None:
            return {}
        where = (*path, "outcomes")
        if not isinstance(raw, Mapping) or not raw:
            self.error(where, "`outcomes` must map a hook's outcome to the step it leads to")
            return {}
        found: dict[str, str] = {}
        for name in raw:
            if not isinstance(name, str) or not name.strip():
                self.error(where, "an outcome must be a name")
                continue
            step = self.reference(raw, name, where)
            if step is not None:
                found[name] = step
        return found

    def question(self, step_id: str, data: Mapping[str, Any], path: Path) -> QuestionStep | None:
        body = self.text(data, path, MAX_INTERACTIVE_BODY)
        field = self.field_name(data, path, required=False)
        if ("buttons" in data) == ("list" in data):
            self.error(
                path, "a question has either `buttons` (up to 3) or a `list` (up to 10 rows)"
            )
            return None
        as_list = "list" in data
        list_button = "Ver opciones"
        if as_list:
            spec = self.mapping(data["list"], (*path, "list"), LIST_KEYS)
            if spec is None:
                return None
            label = self.string(spec, "button", (*path, "list"), required=False)
            if label is not None:
                list_button = label
            if len(list_button) > MAX_LIST_BUTTON:
                self.error(
                    (*path, "list", "button"),
                    _too_long("the list's button", len(list_button), MAX_LIST_BUTTON),
                )
            raw_options, options_path, limit = (
                spec.get("rows"),
                (*path, "list", "rows"),
                MAX_LIST_ROWS,
            )
        else:
            raw_options, options_path, limit = data["buttons"], (*path, "buttons"), MAX_BUTTONS
        if not isinstance(raw_options, list) or not raw_options:
            self.error(options_path, "must be a list with at least one option")
            return None
        what = "rows" if as_list else "buttons"
        if len(raw_options) > limit:
            self.error(options_path, f"{len(raw_options)} {what}; WhatsApp allows at most {limit}")
        options: list[Option] = []
        seen: set[str] = set()
        for index, raw in enumerate(raw_options):
            option = self.option(raw, (*options_path, index), as_list=as_list)
            if option is None:
                continue
            if option.id in seen:
                self.error((*options_path, index, "id"), f"duplicate option id `{option.id}`")
            seen.add(option.id)
            options.append(option)
        if body is None or len(options) != len(raw_options):
            return None
        return QuestionStep(step_id, body, tuple(options), as_list, list_button, field)

    def option(self, raw: object, path: Path, *, as_list: bool) -> Option | None:
        data = self.mapping(raw, path, OPTION_KEYS)
        if data is None:
            return None
        title = self.string(data, "title", path)
        option_id = self.string(data, "id", path, required=False) or title
        description = self.string(data, "description", path, required=False)
        title_limit = MAX_ROW_TITLE if as_list else MAX_BUTTON_TITLE
        what = "a list row's title" if as_list else "a button's title"
        if title is not None and len(title) > title_limit:
            self.error(
                (*path, "title"),
                f"`{title}` is {len(title)} characters; WhatsApp allows {title_limit} in {what}",
            )
        if description is not None:
            if not as_list:
                self.error((*path, "description"), "buttons have no description; only list rows do")
            elif len(description) > MAX_ROW_DESCRIPTION:
                self.error(
                    (*path, "description"),
                    _too_long("description", len(description), MAX_ROW_DESCRIPTION),
                )
        ends = data.get("end") is True
        target = self.reference(data, "next", path, required=False)
        if target is None and not ends:
            self.error(
                path, "an option needs a `next` step, or `end: true` when the flow ends there"
            )
        elif target is not None and ends:
            self.error((*path, "end"), "an option has either `next` or `end: true`, not both")
        if title is None or option_id is None:
            return None
        value = self.string(data, "value", path, required=False) or option_id
        return Option(option_id, title, target, value, description)

    def router(self, step_id: str, data: Mapping[str, Any], path: Path) -> IntentRouterStep | None:
        raw = data.get("routes")
        if not isinstance(raw, Mapping) or not raw:
            self.error((*path, "routes"), "`routes` must map intents to steps (`buy: add_to_cart`)")
            return None
        routes: dict[str, str] = {}
        for intent, target in raw.items():
            entry: Path = (*path, "routes", str(intent))
            if not isinstance(target, str):
                self.error(entry, "must name a step")
            elif self.intent(intent, entry):
                self.references.append((entry, target))
                routes[str(intent)] = target
        otherwise = self.reference(data, "else", path, required=False)
        return IntentRouterStep(step_id, routes, otherwise)

    # -- the graph ----------------------------------------------------------------------

    def graph_checks(
        self,
        kind: FlowKind,
        start: str,
        steps: Mapping[str, Step],
        rules: tuple[dict[str, str], int | None, str | None],
    ) -> None:
        anywhere, _, misunderstood = rules
        roots = [start, *anywhere.values(), *([misunderstood] if misunderstood else [])]
        reached: set[str] = set()
        pending = list(roots)
        while pending:
            current = pending.pop()
            if current in reached:
                continue
            reached.add(current)
            pending.extend(target for _, target in transitions(steps[current]))
        for step_id in steps:
            if step_id not in reached:
                self.error(("steps", step_id), f"step `{step_id}` is never reached", warning=True)
        for cycle in _cycles(steps):
            if kind is FlowKind.SURVEY:
                self.error(("steps", cycle[-2]), f"a survey cannot loop: {' -> '.join(cycle)}")
            elif not any(waits_for_client(steps[s]) for s in cycle[:-1]):
                self.error(
                    ("steps", cycle[-2]),
                    f"this loop never waits for the client: {' -> '.join(cycle)}",
                )


def _too_long(what: str, length: int, limit: int) -> str:
    return f"{what} is {length} characters; WhatsApp allows {limit}"


def _cycles(steps: Mapping[str, Step]) -> list[list[str]]:
    """One cycle per back edge found by a depth-first walk, as the list of steps it visits."""
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(step_id: str) -> None:
        state[step_id] = 1
        path.append(step_id)
        for _, target in transitions(steps[step_id]):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target)
        path.pop()
        state[step_id] = 2

    for step_id in steps:
        if step_id not in state:
            visit(step_id)
    return cycles
