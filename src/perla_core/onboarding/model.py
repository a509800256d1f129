"""The Lead/Client aggregate: one party moving through its lifecycle.

A lead (new, contacted, meeting held, benchmark access granted, won, lost) is converted into a
client once it confirms it wants to work with PerlaHub; then the administrative registration
("alta administrativa") creates it in Dome and in PerlaHub, an agent validates the record
("ficha validada"), onboarding configures it and it goes live. Later it may turn dormant or
churn. The record centralises who the party is, so onboarding and go-live have what they need.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar
from uuid import UUID

import attrs

from perla_core.kernel.errors import IllegalTransition, InvalidValue, PreconditionFailed
from perla_core.kernel.values import Email, Phone, TaxId
from perla_core.onboarding.events import (
    ClientStatusChanged,
    DetailsChanged,
    LeadConverted,
    LeadRegistered,
    LeadStatusChanged,
)

S = TypeVar("S", bound=StrEnum)


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
    phase: Phase = Phase.LEAD
    lead_status: LeadStatus = LeadStatus.NEW
    client_status: ClientStatus | None = None
    lost_reason: str | None = None
    converted_at: datetime | None = None
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

    def grant_benchmark_access(self, *, now: datetime, actor: str) -> None:
        """The lead may compare prices on the B2B platform before deciding."""
        self._lead_step("grant_benchmark_access", now, actor)

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
