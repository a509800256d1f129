"""The Lead/Client aggregate: one party moving through its lifecycle.

A lead (new, contacted, meeting held, benchmark access granted, won, lost) is converted into a
client once it confirms it wants to work with PerlaHub; then the administrative registration
("alta administrativa") creates it in Dome and in PerlaHub, an agent validates the record
("ficha validada"), onboarding configures it and it goes live. Later it may turn dormant or
churn. The record centralises who the party is, so onboarding and go-live have what they need.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar
from uuid import UUID

import attrs

from perla_core.kernel.errors import IllegalTransition, InvalidValue, PreconditionFailed
from perla_core.kernel.money import Money
from perla_core.kernel.text import fold
from perla_core.kernel.values import Email, Phone, TaxId
from perla_core.onboarding.events import (
    BenchmarkAccessOpened,
    BenchmarkAccessRequested,
    ClientStatusChanged,
    DetailsChanged,
    LeadConverted,
    LeadRegistered,
    LeadStatusChanged,
    RegistrationFailed,
    RegistrationRecorded,
    RegistrationRequested,
    TechnicalValidationRecorded,
)

S = TypeVar("S", bound=StrEnum)

BENCHMARK_DEFAULT = timedelta(days=30)
BENCHMARK_MAX = timedelta(days=90)


class Phase(StrEnum):
    LEAD = "lead"
    CLIENT = "client"


class LeadStatus(StrEnum):
    NEW = "new"
    CONTACTED = "contacted"
    MEETING_HELD = "meeting_held"
    BENCHMARK_ACCESS = "benchmark_access"
    WON = "won"
    LOST = "lost"


class ClientStatus(StrEnum):
    PENDING_REGISTRATION = "pending_registration"
    REGISTERED_IN_DOME = "registered_in_dome"
    REGISTERED = "registered"
    VALIDATED = "validated"
    ONBOARDING = "onboarding"
    LIVE = "live"
    DORMANT = "dormant"
    CHURNED = "churned"


class BusinessType(StrEnum):
    TRAVEL_AGENCY = "travel_agency"
    TOUR_OPERATOR = "tour_operator"
    DMC = "dmc"
    OTA = "ota"
    CORPORATE = "corporate"
    WHOLESALER = "wholesaler"
    OTHER = "other"


class ContactRole(StrEnum):
    COMMERCIAL = "commercial"
    ADMINISTRATION = "administration"
    BILLING = "billing"
    TECHNICAL = "technical"
    MANAGEMENT = "management"
    CUSTOMER_SERVICE = "customer_service"
    OTHER = "other"


class ConnectionType(StrEnum):
    """How the client will connect to PerlaHub."""

    JSON_API = "json_api"
    XML_API = "xml_api"
    B2B_WEB = "b2b_web"
    WHITE_LABEL = "white_label"


class PotentialTier(StrEnum):
    A = "A"
    B = "B"
    C = "C"
    D = "D"


# Monthly bookings and monthly revenue (EUR) from which each tier starts.
TIER_BOOKINGS: tuple[tuple[PotentialTier, int], ...] = (
    (PotentialTier.A, 500),
    (PotentialTier.B, 100),
    (PotentialTier.C, 20),
)
TIER_REVENUE_EUR: tuple[tuple[PotentialTier, int], ...] = (
    (PotentialTier.A, 250_000),
    (PotentialTier.B, 50_000),
    (PotentialTier.C, 10_000),
)


@attrs.frozen
class OnboardingConfig:
    """What onboarding and go-live must set up: products, currencies, markets, connection."""

    products: tuple[str, ...] = ()
    currencies: tuple[str, ...] = ()
    markets: tuple[str, ...] = ()
    connection_type: ConnectionType | None = None


@attrs.frozen
class CommercialEstimate:
    """The initial billing estimate; the potential tier follows from it deterministically."""

    monthly_bookings: int
    monthly_revenue: Money

    @property
    def potential_tier(self) -> PotentialTier:
        """The best tier reached by bookings, or by revenue when it is in EUR."""
        ranks = [_tier(self.monthly_bookings, TIER_BOOKINGS)]
        if self.monthly_revenue.currency == "EUR":
            ranks.append(_tier(self.monthly_revenue.amount, TIER_REVENUE_EUR))
        return min(ranks)


def _tier(value: Any, table: tuple[tuple[PotentialTier, int], ...]) -> PotentialTier:
    return next((tier for tier, floor in table if value >= floor), PotentialTier.D)


# action -> {from status: to status}
LEAD_TRANSITIONS: dict[str, dict[LeadStatus, LeadStatus]] = {
    "mark_contacted": {LeadStatus.NEW: LeadStatus.CONTACTED},
    "record_meeting": {
        LeadStatus.NEW: LeadStatus.MEETING_HELD,
        LeadStatus.CONTACTED: LeadStatus.MEETING_HELD,
    },
    "grant_benchmark_access": {
        LeadStatus.CONTACTED: LeadStatus.BENCHMARK_ACCESS,
        LeadStatus.MEETING_HELD: LeadStatus.BENCHMARK_ACCESS,
    },
    "mark_lost": {
        s: LeadStatus.LOST for s in LeadStatus if s not in {LeadStatus.WON, LeadStatus.LOST}
    },
    "reopen": {LeadStatus.LOST: LeadStatus.CONTACTED},
    "convert": {
        LeadStatus.CONTACTED: LeadStatus.WON,
        LeadStatus.MEETING_HELD: LeadStatus.WON,
        LeadStatus.BENCHMARK_ACCESS: LeadStatus.WON,
    },
}

CLIENT_TRANSITIONS: dict[str, dict[ClientStatus, ClientStatus]] = {
    "register_in_dome": {ClientStatus.PENDING_REGISTRATION: ClientStatus.REGISTERED_IN_DOME},
    "register_in_perlahub": {ClientStatus.REGISTERED_IN_DOME: ClientStatus.REGISTERED},
    "validate_record": {ClientStatus.REGISTERED: ClientStatus.VALIDATED},
    "start_onboarding": {ClientStatus.VALIDATED: ClientStatus.ONBOARDING},
    "go_live": {ClientStatus.ONBOARDING: ClientStatus.LIVE},
    "mark_dormant": {ClientStatus.LIVE: ClientStatus.DORMANT},
    "reactivate": {
        ClientStatus.DORMANT: ClientStatus.LIVE,
        ClientStatus.CHURNED: ClientStatus.LIVE,
    },
    "churn": dict.fromkeys(
        (ClientStatus.VALIDATED, ClientStatus.ONBOARDING, ClientStatus.LIVE, ClientStatus.DORMANT),
        ClientStatus.CHURNED,
    ),
}

# What Dome needs to register a customer: conversion is refused without it.
REQUIRED_FOR_CONVERSION: tuple[str, ...] = (
    "legal_name",
    "tax_id",
    "email",
    "business_type",
    "billing_address",
)


@attrs.frozen
class Address:
    """A postal address; one may be the default for billing and one for shipping."""

    line1: str
    city: str
    postal_code: str
    country: str
    label: str = "main"
    line2: str | None = None
    region: str | None = None
    default_billing: bool = False
    default_shipping: bool = False


@attrs.frozen
class Contact:
    """A contact person of the client, by role (commercial, administration, technical ...)."""

    role: ContactRole
    name: str
    email: Email | None = None
    phone: Phone | None = None
    title: str | None = None


EDITABLE_FIELDS: tuple[str, ...] = (
    "trade_name",
    "legal_name",
    "tax_id",
    "country",
    "email",
    "phone",
    "website",
    "business_type",
    "markets",
    "source",
    "sales_owner",
    "notes",
    "addresses",
    "contacts",
    "onboarding",
    "estimate",
)

# Steps taken by the registration with Dome and PerlaHub and by the go-live check, not by a
# bare "advance" request.
GUARDED_CLIENT_ACTIONS: frozenset[str] = frozenset(
    {"register_in_dome", "register_in_perlahub", "go_live"}
)


@attrs.define(eq=False)
class Client:
    """A party of PerlaHub, lead or client. Identity by ``id``; ``version`` guards edits."""

    id: UUID
    trade_name: str
    country: str
    created_at: datetime
    updated_at: datetime
    legal_name: str | None = None
    tax_id: TaxId | None = None
    email: Email | None = None
    phone: Phone | None = None
    website: str | None = None
    business_type: BusinessType | None = None
    markets: tuple[str, ...] = ()
    source: str | None = None
    sales_owner: str | None = None
    notes: str | None = None
    addresses: tuple[Address, ...] = ()
    contacts: tuple[Contact, ...] = ()
    onboarding: OnboardingConfig = OnboardingConfig()
    estimate: CommercialEstimate | None = None
    phase: Phase = Phase.LEAD
    lead_status: LeadStatus = LeadStatus.NEW
    client_status: ClientStatus | None = None
    lost_reason: str | None = None
    converted_at: datetime | None = None
    benchmark_access_until: datetime | None = None
    benchmark_access_id: str | None = None
    benchmark_login: str | None = None
    dome_customer_code: str | None = None
    perlahub_agency_id: str | None = None
    registration_error: str | None = None
    validated_by: str | None = None
    validated_at: datetime | None = None
    live_at: datetime | None = None
    technical_validations: dict[str, bool] = attrs.field(factory=dict)
    version: int = 0
    events: list[object] = attrs.field(factory=list, repr=False)

    # --- creation ---------------------------------------------------------------------

    @classmethod
    def register_lead(
        cls,
        *,
        client_id: UUID,
        trade_name: str,
        country: str,
        now: datetime,
        actor: str,
        **details: Any,
    ) -> Client:
        """A new lead, as the commercial first records it."""
        lead = cls(
            id=client_id, trade_name=trade_name, country=country, created_at=now, updated_at=now
        )
        lead._apply(details)
        lead._check_record()
        lead.events.append(LeadRegistered(client_id, now, actor, trade_name, country))
        return lead

    # --- reading ----------------------------------------------------------------------

    @property
    def is_lead(self) -> bool:
        return self.phase is Phase.LEAD

    @property
    def status(self) -> str:
        """The current status of whichever phase the party is in."""
        return self.client_status.value if self.client_status else self.lead_status.value

    @property
    def display_name(self) -> str:
        return self.trade_name

    @property
    def search_text(self) -> str:
        """What a text query (``ClientQuery.text``) is matched against, accents folded; every
        repository matches the same string (SQL stores it in an indexed column)."""
        parts = [
            self.trade_name,
            self.legal_name or "",
            self.email.value if self.email else "",
            self.tax_id.number if self.tax_id else "",
        ]
        return fold(" ".join(parts))

    @property
    def billing_address(self) -> Address | None:
        return next((a for a in self.addresses if a.default_billing), None)

    @property
    def shipping_address(self) -> Address | None:
        return next((a for a in self.addresses if a.default_shipping), self.billing_address)

    def missing_for_conversion(self) -> list[str]:
        """The fields the administrative registration needs and the record lacks."""
        return [f for f in REQUIRED_FOR_CONVERSION if getattr(self, f) in (None, "", ())]

    def allowed_actions(self) -> list[str]:
        if self.is_lead:
            return sorted(a for a, t in LEAD_TRANSITIONS.items() if self.lead_status in t)
        assert self.client_status is not None
        return sorted(a for a, t in CLIENT_TRANSITIONS.items() if self.client_status in t)

    # --- editing ----------------------------------------------------------------------

    def change_details(self, changes: Mapping[str, Any], *, now: datetime, actor: str) -> None:
        """Apply validated changes; records which fields changed (not their values)."""
        unknown = set(changes) - set(EDITABLE_FIELDS)
        if unknown:
            raise InvalidValue(
                f"not an editable field: {sorted(unknown)[0]}", field=sorted(unknown)[0]
            )
        if self.phase is Phase.CLIENT and "tax_id" in changes and changes["tax_id"] is None:
            raise InvalidValue("a client's tax id cannot be removed", field="tax_id")
        changed = tuple(
            f for f in EDITABLE_FIELDS if f in changes and changes[f] != getattr(self, f)
        )
        if not changed:
            return
        before = {f: getattr(self, f) for f in changed}
        self._apply({f: changes[f] for f in changed})
        try:
            self._check_record()
        except InvalidValue:
            self._apply(before)
            raise
        self.updated_at = now
        self.events.append(DetailsChanged(self.id, now, actor, changed))

    def _apply(self, values: Mapping[str, Any]) -> None:
        for name, value in values.items():
            if name not in EDITABLE_FIELDS:
                raise InvalidValue(f"not an editable field: {name}", field=name)
            setattr(self, name, value)

    def _check_record(self) -> None:
        if not self.trade_name.strip():
            raise InvalidValue("a trade name is required", field="trade_name")
        if self.email is None and self.phone is None and not self.contacts:
            raise InvalidValue(
                "give at least an e-mail, a phone or a contact person", field="email"
            )
        if self.tax_id is not None and self.tax_id.country != self.country:
            raise InvalidValue(
                f"the tax id is {self.tax_id.country}'s but the party is in {self.country}",
                field="tax_id",
            )
        for flag in ("default_billing", "default_shipping"):
            if sum(1 for a in self.addresses if getattr(a, flag)) > 1:
                raise InvalidValue(
                    f"only one address can be the {flag.replace('_', ' ')}", field="addresses"
                )

    # --- lead lifecycle -----------------------------------------------------------------

    def mark_contacted(self, *, now: datetime, actor: str) -> None:
        self._lead_step("mark_contacted", now, actor)

    def record_meeting(self, *, now: datetime, actor: str) -> None:
        self._lead_step("record_meeting", now, actor)

    def grant_benchmark_access(
        self,
        *,
        now: datetime,
        actor: str,
        until: datetime | None = None,
        products: tuple[str, ...] = ("hotels",),
    ) -> None:
        """The lead may compare prices on the B2B platform until ``until`` (default: 30
        days, at most 90); PerlaHub opens the limited login through the outbox."""
        until = until or now + BENCHMARK_DEFAULT
        if not now < until <= now + BENCHMARK_MAX:
            raise InvalidValue("benchmark access ends between now and 90 days ahead", field="until")
        if not self.contacts and self.email is None:
            raise InvalidValue(
                "benchmark access needs an e-mail to send the login to", field="email"
            )
        self._lead_step("grant_benchmark_access", now, actor)
        self.benchmark_access_until = until
        self.events.append(BenchmarkAccessRequested(self.id, now, actor, until, products))

    def record_benchmark_access(
        self, access_id: str, login: str, until: datetime, *, now: datetime, actor: str
    ) -> None:
        """PerlaHub opened the benchmark login (idempotent: the same access changes nothing)."""
        if self.benchmark_access_id == access_id:
            return
        self.benchmark_access_id = access_id
        self.benchmark_login = login
        self.benchmark_access_until = until
        self.updated_at = now
        self.events.append(BenchmarkAccessOpened(self.id, now, actor, access_id, login, until))

    def benchmark_active(self, now: datetime) -> bool:
        return (
            self.benchmark_access_until is not None
            and self.benchmark_access_until > now
            and self.lead_status is LeadStatus.BENCHMARK_ACCESS
        )

    def mark_lost(self, reason: str, *, now: datetime, actor: str) -> None:
        if not reason.strip():
            raise InvalidValue("say why the lead was lost", field="reason")
        self._lead_step("mark_lost", now, actor, reason=reason.strip())
        self.lost_reason = reason.strip()

    def reopen(self, *, now: datetime, actor: str) -> None:
        self._lead_step("reopen", now, actor)
        self.lost_reason = None

    def convert(self, *, now: datetime, actor: str) -> None:
        """Lead -> client. Refused unless the record holds what the registration needs."""
        self._require_transition(self.lead_status, LEAD_TRANSITIONS, "convert", "lead")
        missing = self.missing_for_conversion()
        if missing:
            raise PreconditionFailed(
                "the lead cannot become a client yet: missing " + ", ".join(missing),
                missing=missing,
            )
        assert self.legal_name is not None
        assert self.tax_id is not None
        self._lead_step("convert", now, actor)
        self.phase = Phase.CLIENT
        self.client_status = ClientStatus.PENDING_REGISTRATION
        self.converted_at = now
        self.events.append(
            LeadConverted(self.id, now, actor, self.legal_name, str(self.tax_id), self.country)
        )

    # --- client lifecycle ---------------------------------------------------------------

    def request_registration(self, *, now: datetime, actor: str) -> None:
        """Ask again for the registration steps still missing (after a failure)."""
        if self.client_status not in (
            ClientStatus.PENDING_REGISTRATION,
            ClientStatus.REGISTERED_IN_DOME,
        ):
            raise IllegalTransition(
                "client", self.status, "retry_registration", allowed=self.allowed_actions()
            )
        self.registration_error = None
        self.updated_at = now
        self.events.append(RegistrationRequested(self.id, now, actor))

    def record_dome_registration(self, code: str, *, now: datetime, actor: str) -> None:
        """Dome created the customer ``code`` (the same code again changes nothing)."""
        if self.dome_customer_code == code:
            return
        self.advance("register_in_dome", now=now, actor=actor, reason=f"Dome customer {code}")
        self.dome_customer_code = code
        self.registration_error = None
        self.events.append(RegistrationRecorded(self.id, now, actor, "dome", code))

    def record_perlahub_registration(self, agency_id: str, *, now: datetime, actor: str) -> None:
        """PerlaHub created the agency ``agency_id`` (the same id again changes nothing)."""
        if self.perlahub_agency_id == agency_id:
            return
        self.advance(
            "register_in_perlahub", now=now, actor=actor, reason=f"PerlaHub agency {agency_id}"
        )
        self.perlahub_agency_id = agency_id
        self.registration_error = None
        self.events.append(RegistrationRecorded(self.id, now, actor, "perlahub", agency_id))

    def record_registration_failure(
        self, system: str, error: str, *, retryable: bool, now: datetime, actor: str
    ) -> None:
        """A registration step failed: kept on the record, visible, and retryable."""
        self.registration_error = f"{system}: {error}"[:500]
        self.updated_at = now
        self.events.append(RegistrationFailed(self.id, now, actor, system, error[:500], retryable))

    def validate_record(self, *, now: datetime, actor: str) -> None:
        """An agent checked the record ("ficha validada"): credentials become possible."""
        self.advance("validate_record", now=now, actor=actor)
        self.validated_by = actor
        self.validated_at = now

    def record_technical_validation(
        self, name: str, passed: bool, *, now: datetime, actor: str
    ) -> None:
        name = name.strip()
        if not name or len(name) > 80:
            raise InvalidValue("a validation needs a name of 1 to 80 characters", field="name")
        if self.phase is not Phase.CLIENT:
            raise IllegalTransition("lead", self.status, "record_technical_validation")
        self.technical_validations = {**self.technical_validations, name: passed}
        self.updated_at = now
        self.events.append(TechnicalValidationRecorded(self.id, now, actor, name, passed))

    def go_live(self, *, now: datetime, actor: str) -> None:
        """The client starts selling; the caller has checked the go-live checklist."""
        self.advance("go_live", now=now, actor=actor)
        self.live_at = now

    def advance(self, action: str, *, now: datetime, actor: str, reason: str | None = None) -> None:
        """Take a client lifecycle step named in :data:`CLIENT_TRANSITIONS`."""
        if self.client_status is None:
            raise IllegalTransition(
                "lead", self.lead_status.value, action, allowed=self.allowed_actions()
            )
        target = self._require_transition(self.client_status, CLIENT_TRANSITIONS, action, "client")
        before = self.client_status
        self.client_status = target
        self.updated_at = now
        self.events.append(
            ClientStatusChanged(self.id, now, actor, before.value, target.value, reason)
        )

    # --- internals ----------------------------------------------------------------------

    def _lead_step(self, action: str, now: datetime, actor: str, reason: str | None = None) -> None:
        target = self._require_transition(self.lead_status, LEAD_TRANSITIONS, action, "lead")
        before = self.lead_status
        self.lead_status = target
        self.updated_at = now
        self.events.append(
            LeadStatusChanged(self.id, now, actor, before.value, target.value, reason)
        )

    def _require_transition(
        self, current: S, table: Mapping[str, Mapping[S, S]], action: str, kind: str
    ) -> S:
        if action not in table:
            raise InvalidValue(f"unknown action {action!r}", field="action")
        if self.phase is Phase.CLIENT and kind == "lead":
            raise IllegalTransition("client", self.status, action, allowed=self.allowed_actions())
        target = table[action].get(current)
        if target is None:
            raise IllegalTransition(kind, current.value, action, allowed=self.allowed_actions())
        return target
