"""What happens to an account manager, in the past tense (``aggregate_id`` is the manager's
id)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID

import attrs

from perla_core.kernel.events import domain_event


@domain_event("managers.manager_created")
@attrs.frozen
class ManagerCreated:
    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    name: str
    email: str
    active: bool


@domain_event("managers.manager_updated")
@attrs.frozen
class ManagerUpdated:
    """``changed`` names the fields (``name``, ``email``), not their values."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    changed: tuple[str, ...]


@domain_event("managers.manager_activated")
@attrs.frozen
class ManagerActivated:
    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str


@domain_event("managers.manager_deactivated")
@attrs.frozen
class ManagerDeactivated:
    """The manager keeps its clients; their next orders are distributed (seed 003)."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
