"""The account manager ("gestor") and the distribution settings ("configuración de
designación de pedidos entre los gestores").

A manager is a staff member clients and orders are assigned to; only active managers receive
new assignments. A manager is recognised as the acting user when the actor's name is the
manager's e-mail (``Actor.name == manager.email``, case-insensitive): that is how the rule
"the manager who edited the order" finds its manager.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

import attrs

from perla_core.kernel.errors import InvalidValue
from perla_core.kernel.text import fold
from perla_core.kernel.values import Email
from perla_core.managers.events import (
    ManagerActivated,
    ManagerCreated,
    ManagerDeactivated,
    ManagerUpdated,
)

MAX_NAME = 120


class DistributionRule(StrEnum):
    """How an order is given to a manager when no rule of the seed names one.

    ``round_robin``: the active managers in turn, in name order, continuing after the last
    one picked (the cursor survives restarts). ``least_loaded``: the active manager with the
    fewest open (draft or placed) orders, ties broken by name.
    """

    ROUND_ROBIN = "round_robin"
    LEAST_LOADED = "least_loaded"


def manager_name(value: object, field: str = "name") -> str:
    text = str(value or "").strip()
    if not text:
        raise InvalidValue("a manager needs a name", field=field)
    if len(text) > MAX_NAME:
        raise InvalidValue(f"is longer than {MAX_NAME} characters", field=field)
    return " ".join(text.split())


@attrs.define(eq=False)
class Manager:
    """An account manager. Identity by ``id``; ``version`` guards edits; the e-mail is unique
    and is how the acting user is recognised as this manager."""

    id: UUID
    name: str
    email: Email
    created_at: datetime
    updated_at: datetime
    active: bool = True
    version: int = 0
    events: list[object] = attrs.field(factory=list, repr=False)

    @classmethod
    def create(
        cls,
        *,
        manager_id: UUID,
        name: str,
        email: Email,
        now: datetime,
        actor: str,
        active: bool = True,
    ) -> Manager:
        manager = cls(manager_id, manager_name(name), email, now, now, active)
        manager.events.append(
            ManagerCreated(manager_id, now, actor, manager.name, email.value, active)
        )
        return manager

    @property
    def sort_key(self) -> tuple[str, int]:
        """Name order (accents and case folded), then id: the order of the round robin and of
        ties in the least-loaded rule."""
        return fold(self.name), self.id.int

    def is_actor(self, actor_name: str) -> bool:
        """Whether the acting user (by name) is this manager: its e-mail, case-insensitive."""
        return actor_name.strip().casefold() == self.email.value.casefold()

    def update(
        self, *, name: str | None, email: Email | None, now: datetime, actor: str
    ) -> tuple[str, ...]:
        """Change the name and/or the e-mail (``None`` keeps one); returns what changed."""
        changed: list[str] = []
        if name is not None and manager_name(name) != self.name:
            self.name = manager_name(name)
            changed.append("name")
        if email is not None and email != self.email:
            self.email = email
            changed.append("email")
        if changed:
            self.updated_at = now
            self.events.append(ManagerUpdated(self.id, now, actor, tuple(changed)))
        return tuple(changed)

    def activate(self, *, now: datetime, actor: str) -> bool:
        """Back in the distribution; returns whether it changed (activating twice does not)."""
        if self.active:
            return False
        self.active = True
        self.updated_at = now
        self.events.append(ManagerActivated(self.id, now, actor))
        return True

    def deactivate(self, *, now: datetime, actor: str) -> bool:
        """Out of the distribution; its clients keep it, and their next orders are distributed
        (seed 003). Returns whether it changed."""
        if not self.active:
            return False
        self.active = False
        self.updated_at = now
        self.events.append(ManagerDeactivated(self.id, now, actor))
        return True


@attrs.frozen
class AssignmentState:
    """The one record of the distribution settings and the round-robin cursor (the manager
    the round robin picked last), kept so the turn survives restarts. ``version`` guards
    concurrent saves; it is 0 until first saved."""

    rule: DistributionRule = DistributionRule.ROUND_ROBIN
    cursor: UUID | None = None
    version: int = 0
