"""What happens to a commercial policy, in the past tense.

Every event is about the client the policy belongs to (``aggregate_id`` is the client id), so a
client's activity timeline shows its policy changes. ``revision`` is the policy revision the
change created; ``reason`` is the one the actor gave.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID

import attrs

from perla_core.kernel.events import domain_event


@domain_event("policies.policy_created")
@attrs.frozen
class PolicyCreated:
    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str


@domain_event("policies.rule_added")
@attrs.frozen
class PolicyRuleAdded:
    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    revision: int
    reason: str
    rule_id: UUID
    rule_name: str


@domain_event("policies.rule_changed")
@attrs.frozen
class PolicyRuleChanged:
    """A rule's fields changed; ``changed`` names them (the audit entry holds the values)."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    revision: int
    reason: str
    rule_id: UUID
    rule_name: str
    changed: tuple[str, ...]


@domain_event("policies.rule_removed")
@attrs.frozen
class PolicyRuleRemoved:
    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    revision: int
    reason: str
    rule_id: UUID
    rule_name: str


@domain_event("policies.rule_enabled")
@attrs.frozen
class PolicyRuleEnabled:
    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    revision: int
    reason: str
    rule_id: UUID
    rule_name: str


@domain_event("policies.rule_disabled")
@attrs.frozen
class PolicyRuleDisabled:
    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    revision: int
    reason: str
    rule_id: UUID
    rule_name: str


@domain_event("policies.priced_scope_changed")
@attrs.frozen
class PolicyPricedScopeChanged:
    """The currencies and products the policy prices changed."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    revision: int
    reason: str
    currencies: tuple[str, ...]
    products: tuple[str, ...]


@domain_event("policies.change_scheduled")
@attrs.frozen
class PolicyChangeScheduled:
    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    revision: int
    reason: str
    schedule_id: UUID
    action: str
    effective_at: datetime
    rule_id: UUID | None = None


@domain_event("policies.scheduled_change_cancelled")
@attrs.frozen
class ScheduledChangeCancelled:
    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    revision: int
    reason: str
    schedule_id: UUID
    action: str


@domain_event("policies.scheduled_change_applied")
@attrs.frozen
class ScheduledChangeApplied:
    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    revision: int
    schedule_id: UUID
    action: str


@domain_event("policies.scheduled_change_failed")
@attrs.frozen
class ScheduledChangeFailed:
    """A scheduled change came due but was refused (a conflict, a global limit ...)."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    revision: int
    schedule_id: UUID
    action: str
    failure: str
