"""Domain events: frozen records of what happened, named in the past tense.

Each event class registers a stable name with :func:`domain_event`; adapters serialise events
by that name (a tagged union), so renaming a class never breaks stored outbox rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, ClassVar, Protocol, TypeVar
from uuid import UUID

EVENT_TYPES: dict[str, type[Any]] = {}

E = TypeVar("E", bound=type[Any])


class DomainEvent(Protocol):
    """What every event carries: the aggregate it is about and when it happened."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime


def domain_event(name: str) -> Callable[[E], E]:
    """Register an attrs event class under a stable ``area.event_name``."""

    def register(cls: E) -> E:
        if name in EVENT_TYPES and EVENT_TYPES[name] is not cls:
            raise ValueError(f"event name {name!r} is registered twice")
        cls.event_name = name
        EVENT_TYPES[name] = cls
        return cls

    return register


def event_name(event: object) -> str:
    name = getattr(type(event), "event_name", None)
    if not isinstance(name, str):
        raise TypeError(f"{type(event).__name__} is not a registered domain event")
    return name


class HasEvents(Protocol):
    """An aggregate that collects the events it raised until the unit of work drains them."""

    events: list[object]


def drain_events(aggregates: Iterable[HasEvents]) -> list[object]:
    """Take the pending events of several aggregates, in order, leaving them empty."""
    drained: list[object] = []
    for aggregate in aggregates:
        drained.extend(aggregate.events)
        aggregate.events.clear()
    return drained
