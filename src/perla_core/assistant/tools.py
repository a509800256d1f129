"""Tools: perla's use cases as the model sees them.

A :class:`Tool` is a use case with its command class (whose fields are the tool's JSON schema,
see :mod:`perla_core.assistant.schema`), the permission it needs, and whether it reads, writes
or gathers data:

- **read** tools run at once and give the model a JSON result;
- **write** tools never run when the model calls them: the engine runs them in a transaction
  it rolls back (the dry run), shows the person what would change and which checks pass, and
  applies them only when that person confirms in the next turn;
- **gather** tools start a :class:`~perla_core.assistant.model.Form` that asks for the data a
  record still lacks.

:class:`ToolContext` is what a tool runs with: the unit of work of the turn (lent with
:class:`~perla_core.uow.Joined`, so the use case's writes join the engine's transaction), the
person as actor (channel ``assistant``), and the ports the use cases need.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Any
from uuid import UUID

import attrs

from perla_core.access.model import Actor, Permission
from perla_core.assistant.schema import json_schema
from perla_core.credentials.ports import ConnectionTester, PolicyLookup
from perla_core.hotels.ports import HotelDirectory
from perla_core.kernel.ports import Clock, IdGenerator, SecretGenerator
from perla_core.language.ports import ToolSpec
from perla_core.uow import UnitOfWork


class ToolKind(StrEnum):
    READ = "read"
    WRITE = "write"
    GATHER = "gather"


@attrs.frozen
class ToolContext:
    """What a tool runs with. ``uow`` is already open (a joined unit of work)."""

    uow: UnitOfWork
    actor: Actor
    clock: Clock
    ids: IdGenerator
    secrets: SecretGenerator
    directory: HotelDirectory | None = None
    tester: ConnectionTester | None = None
    suppliers_address: str = "suppliers@perlatours.com"
    max_test_age: timedelta = timedelta(days=7)

    @property
    def policy_for(self) -> PolicyLookup:
        """The credentials area's view of a client's policy, read in this transaction."""
        return self.uow.policies.get_for_client


@attrs.frozen
class ToolOutput:
    """What a tool gave: ``data`` (JSON-ready, stored and sent to the model) and ``once``, a
    text shown to the person this once and never stored (a new credential's secret)."""

    data: Mapping[str, Any]
    once: str | None = None


Runner = Callable[[Any, ToolContext], ToolOutput]
Target = Callable[[Any, ToolContext], object | None]
Created = Callable[[ToolOutput, ToolContext], object | None]


@attrs.frozen
class Tool:
    """One use case offered to the model.

    ``target`` reads the record a write changes (for the diff, the staleness fingerprint and
    the ``expected_version`` the proposal pins); ``created`` reads the record a write created,
    from its output. ``title`` is the Spanish name the person reads in a proposal.
    """

    name: str
    description: str
    kind: ToolKind
    permission: Permission
    command: type
    run: Runner
    title: str = ""
    target: Target | None = None
    created: Created | None = None
    hidden: frozenset[str] = frozenset()

    def schema(self) -> dict[str, Any]:
        return json_schema(self.command, hidden=self.hidden)

    def spec(self) -> ToolSpec:
        description = self.description
        if self.kind is ToolKind.WRITE:
            description += (
                " This is a write: calling it does not apply it, it proposes the change to the"
                " person, who must confirm it in their next message."
            )
        return ToolSpec(self.name, description, self.schema())


@attrs.define
class ToolBox:
    """The tools by name, in the order they were added."""

    tools: dict[str, Tool] = attrs.field(factory=dict)
    _specs: dict[object, tuple[ToolSpec, ...]] = attrs.field(factory=dict, init=False)

    def add(self, tool: Tool) -> None:
        if tool.name in self.tools:
            raise ValueError(f"tool {tool.name!r} is registered twice")
        self.tools[tool.name] = tool
        self._specs.clear()

    def get(self, name: str) -> Tool | None:
        return self.tools.get(name)

    def for_actor(self, actor: Actor) -> list[Tool]:
        """The tools the actor's role allows (the others are never offered)."""
        return [t for t in self.tools.values() if actor.can(t.permission)]

    def specs_for(self, actor: Actor) -> tuple[ToolSpec, ...]:
        """What the model is offered for the actor (computed once per role)."""
        cached = self._specs.get(actor.role)
        if cached is None:
            cached = tuple(t.spec() for t in self.for_actor(actor))
            self._specs[actor.role] = cached
        return cached

    def __iter__(self) -> Iterator[Tool]:
        return iter(self.tools.values())


# --- snapshots and JSON ---------------------------------------------------------------

SKIPPED_FIELDS = frozenset({"events", "version", "updated_at", "created_at", "secret_digest"})


def to_json(value: Any) -> Any:  # noqa: PLR0911 - one return per kind of value
    """A value made JSON-ready: UUIDs, dates, decimals and enums as strings; attrs instances
    and mappings as objects (private and bookkeeping fields left out); sequences as lists."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return str(Decimal(str(value)))
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return to_json(value.value)
    if attrs.has(type(value)):
        return {
            f.name: to_json(getattr(value, f.name))
            for f in attrs.fields(type(value))
            if not f.name.startswith("_") and f.name not in SKIPPED_FIELDS and f.repr is not False
        }
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [to_json(v) for v in value]
        return sorted(items, key=json.dumps) if isinstance(value, set | frozenset) else items
    return str(value)


def snapshot(record: object | None) -> dict[str, Any]:
    """The record's fields as JSON-ready data ({} for none)."""
    if record is None:
        return {}
    data = to_json(record)
    return data if isinstance(data, dict) else {"value": data}


def dumps(data: Any) -> str:
    """Canonical JSON (sorted keys, no spaces): what fingerprints and results are made of."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


__all__ = [
    "Tool",
    "ToolBox",
    "ToolContext",
    "ToolKind",
    "ToolOutput",
    "dumps",
    "snapshot",
    "to_json",
]
