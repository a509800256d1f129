"""What happens to a lead or client, in the past tense."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID

import attrs

from perla_core.kernel.events import domain_event


@domain_event("onboarding.lead_registered")
@attrs.frozen
class LeadRegistered:
    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    trade_name: str
    country: str


@domain_event("onboarding.details_changed")
@attrs.frozen
class DetailsChanged:
    """The record's data changed; ``changed`` names the fields, never their values."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    changed: tuple[str, ...]


@domain_event("onboarding.lead_status_changed")
@attrs.frozen
class LeadStatusChanged:
    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    from_status: str
    to_status: str
    reason: str | None = None


@domain_event("onboarding.lead_converted")
@attrs.frozen
class LeadConverted:
    """The lead confirmed it wants to work with PerlaHub: the administrative registration starts."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    legal_name: str
    tax_id: str
    country: str


@domain_event("onboarding.client_status_changed")
@attrs.frozen
class ClientStatusChanged:
    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    from_status: str
    to_status: str
    reason: str | None = None


@domain_event("onboarding.benchmark_access_requested")
@attrs.frozen
class BenchmarkAccessRequested:
    """The lead may compare prices on the B2B platform until ``until``; PerlaHub opens it."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    until: datetime
    products: tuple[str, ...]


@domain_event("onboarding.benchmark_access_opened")
@attrs.frozen
class BenchmarkAccessOpened:
    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    access_id: str
    login: str
    until: datetime


@domain_event("onboarding.registration_requested")
@attrs.frozen
class RegistrationRequested:
    """An agent asked to (re)try the administrative registration in Dome and PerlaHub."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str


@domain_event("onboarding.registration_recorded")
@attrs.frozen
class RegistrationRecorded:
    """``system`` (dome or perlahub) created the client and answered ``reference``."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    system: str
    reference: str


@domain_event("onboarding.registration_failed")
@attrs.frozen
class RegistrationFailed:
    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    system: str
    error: str
    retryable: bool


@domain_event("onboarding.technical_validation_recorded")
@attrs.frozen
class TechnicalValidationRecorded:
    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    name: str
    passed: bool
