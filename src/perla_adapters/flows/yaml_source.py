"""Read a flow's YAML with the line of every key, and reload it when the file changes.

:func:`read_yaml` returns the plain tree plus a ``locate(path)`` for
:func:`perla_core.flows.parsing.parse_flow`, built from PyYAML's composed nodes (each carries
its start mark). Syntax errors and duplicate keys (which plain YAML loading silently
overwrites; a repeated step id is the usual case) become :class:`FlowError` values.

:class:`FlowFile` is what "reloaded without restarting" means: ``current()`` looks at the
file's modification time and size, re-reads it when they changed, and if the content's hash
differs parses it again. A broken edit keeps serving the last good flow and exposes the
errors in ``problems``.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

import yaml

from perla_core.flows.model import DEFAULT_INTENTS, Flow, FlowError
from perla_core.flows.parsing import FlowReport, format_path, parse_flow

YamlPath = tuple[str | int, ...]
BOOL = "tag:yaml.org,2002:bool"


class _FlowLoader(yaml.SafeLoader):
    """SafeLoader where only true/false are booleans: `id: no` or `title: Sí` stay texts."""


_FlowLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != BOOL]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_FlowLoader.add_implicit_resolver(
    BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def read_yaml(
    text: str, source: str = ""
) -> tuple[Any, Callable[[YamlPath], int | None], list[FlowError]]:
    """The parsed tree, a line finder (1-based lines of each key or item) and any errors."""
    lines: dict[YamlPath, int] = {}
    errors: list[FlowError] = []
    try:
        loader = _FlowLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except (yaml.YAMLError, RecursionError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        if isinstance(exc, RecursionError):
            problem = "nested too deeply"
        errors.append(FlowError(line, "", f"not valid YAML: {problem}", source=source))
        return None, lines.get, errors
    inside: set[int] = set()
    cycles: list[FlowError] = []

    def walk(current: yaml.Node | None, path: YamlPath) -> None:
        if current is None or id(current) in inside:
            if current is not None:
                line = current.start_mark.line + 1
                message = "an alias (*name) refers to a node that contains it"
                cycles.append(FlowError(line, format_path(path), message, source=source))
            return
        inside.add(id(current))
        try:
            _walk_children(current, path)
        finally:
            inside.discard(id(current))

    def _walk_children(current: yaml.Node, path: YamlPath) -> None:
        if isinstance(current, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in current.value:
                key = str(key_node.value)
                child = (*path, key)
                if key in seen:
                    what = "step id" if path == ("steps",) else "key"
                    errors.append(
                        FlowError(
                            key_node.start_mark.line + 1,
                            format_path(child),
                            f"duplicate {what} `{key}` (first at line {lines[child]})",
                            source=source,
                        )
                    )
                    continue
                seen.add(key)
                lines[child] = key_node.start_mark.line + 1
                walk(value_node, child)
        elif isinstance(current, yaml.SequenceNode):
            for index, item in enumerate(current.value):
                lines[(*path, index)] = item.start_mark.line + 1
                walk(item, (*path, index))

    if node is not None:
        lines[()] = node.start_mark.line + 1
        walk(node, ())
    # A cyclic tree would send the validation round forever: the first cycle is the error.
    return (None if cycles else data), lines.get, [*errors, *cycles[:1]]


def load_flow_text(
    text: str,
    source: str = "",
    *,
    intents: Collection[str] = DEFAULT_INTENTS,
    hooks: Collection[str] | None = None,
) -> FlowReport:
    """Parse and validate a flow's YAML text; every problem names ``source``, line and path."""
    data, locate, errors = read_yaml(text, source)
    if errors and data is None:
        return FlowReport(None, tuple(errors))
    report = parse_flow(data, locate, source=source, intents=intents, hooks=hooks)
    if not errors:
        return report
    problems = tuple(sorted((*errors, *report.problems), key=lambda p: (p.line or 0, p.path)))
    return FlowReport(None, problems)


def load_flow_file(
    path: Path, *, intents: Collection[str] = DEFAULT_INTENTS, hooks: Collection[str] | None = None
) -> FlowReport:
    return load_flow_text(path.read_text(encoding="utf-8"), str(path), intents=intents, hooks=hooks)


class FlowFile:
    """A flow file that is re-read when it changes; the last good flow survives bad edits."""

    def __init__(
        self,
        path: Path,
        *,
        intents: Collection[str] = DEFAULT_INTENTS,
        hooks: Collection[str] | None = None,
    ) -> None:
        self.path = path
        self.intents = tuple(intents)
        self.hooks = None if hooks is None else tuple(hooks)
        self.problems: tuple[FlowError, ...] = ()
        self._flow: Flow | None = None
        self._stamp: tuple[int, int] | None = None
        self._digest: str | None = None
        self._lock = threading.Lock()

    def current(self) -> Flow:
        """The flow as the file says now, or the last good one if the file is broken.

        Raises :class:`InvalidFlowFile` when the file has never loaded cleanly.
        """
        self.reload()
        if self._flow is None:
            raise InvalidFlowFile(self.path, self.problems)
        return self._flow

    def reload(self) -> bool:
        """Re-read the file if it changed; ``True`` when a new good flow replaced the old.
        One thread reads at a time: another never sees the new stamp before the flow."""
        with self._lock:
            return self._reload()

    def _reload(self) -> bool:
        try:
            stat = self.path.stat()
        except OSError as exc:
            self.problems = (FlowError(None, "", f"cannot read: {exc}", source=str(self.path)),)
            return False
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp == self._stamp:
            return False
        self._stamp = stamp
        text = self.path.read_text(encoding="utf-8")
        digest = hashlib.sha256(text.encode()).hexdigest()
        if digest == self._digest:
            return False
        self._digest = digest
        report = load_flow_text(text, str(self.path), intents=self.intents, hooks=self.hooks)
        self.problems = report.problems
        if report.flow is None:
            return False
        self._flow = report.flow
        return True


class InvalidFlowFile(Exception):
    """A flow file with errors and no earlier good version to fall back on."""

    def __init__(self, path: Path, problems: tuple[FlowError, ...]) -> None:
        super().__init__(f"{path}: {len([p for p in problems if not p.warning])} error(s)")
        self.path = path
        self.problems = problems
