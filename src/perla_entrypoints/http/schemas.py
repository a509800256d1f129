"""The API's JSON, as msgspec structs, and their translation to the core's commands.

Request bodies refuse unknown keys (400 naming the key); values the domain validates (tax
ids, e-mails, phones, countries, enum values) travel as text to the core, which reports each
bad field (422). Responses are structs too, so the OpenAPI document describes every field.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, TypeVar
from uuid import UUID

import attrs
import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from perla_core.access.model import ApiKey, Role
from perla_core.access.services import IssuedKey
from perla_core.credentials.golive import Checklist
from perla_core.credentials.model import Product
from perla_core.kernel.events import event_name
from perla_core.kernel.money import Money
from perla_core.kernel.pagination import Page
from perla_core.onboarding.commands import (
    KEEP,
    LEAD_ACTIONS,
    AddressInput,
    ContactInput,
    EstimateInput,
    Keep,
    OnboardingInput,
    RegisterLead,
    UpdateDetails,
)
from perla_core.onboarding.model import (
    CLIENT_TRANSITIONS,
    GUARDED_CLIENT_ACTIONS,
    BusinessType,
    Client,
    ClientStatus,
    ConnectionType,
    ContactRole,
    LeadStatus,
    Phase,
    PotentialTier,
)

T = TypeVar("T")


def one_of(values: Sequence[str | None], description: str) -> Meta:
    """Document the accepted values without validating them here (the core does, with 422)."""
    return Meta(description=description, extra_json_schema={"extra": {"enum": list(values)}})


CountryCode = Annotated[str, Meta(description="ISO 3166-1 alpha-2 country code, e.g. ES")]
BusinessTypeText = Annotated[
    str | None,
    one_of([*(b.value for b in BusinessType), None], "What kind of travel business it is"),
]
ContactRoleText = Annotated[str, one_of([r.value for r in ContactRole], "The contact's role")]
RoleText = Annotated[str, one_of([r.value for r in Role], "What the key may do")]
LeadActionText = Annotated[str, one_of(LEAD_ACTIONS, "A step of the lead pipeline")]
ClientActionText = Annotated[
    str,
    one_of(
        [a for a in CLIENT_TRANSITIONS if a not in GUARDED_CLIENT_ACTIONS],
        "A step of the client lifecycle taken by hand (registration and go-live have their own"
        " routes)",
    ),
]
ProductText = Annotated[str, one_of([p.value for p in Product], "A product sold through PerlaHub")]
ConnectionTypeText = Annotated[
    str | None,
    one_of([*(c.value for c in ConnectionType), None], "How the client connects to PerlaHub"),
]
CurrencyCode = Annotated[str, Meta(description="ISO 4217 currency code, e.g. EUR")]
Amount = Annotated[
    str,
    Meta(
        description='A decimal amount written as text (never a JSON number), e.g. "1250.00"',
        examples=["1250.00"],
    ),
]
Version = Annotated[int, Meta(ge=0, description="The version the change was based on")]
Moment = Annotated[datetime, Meta(tz=True, description="An ISO 8601 date-time with its offset")]


class StrictBody(Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of request bodies: unknown keys are refused."""


# --- requests -----------------------------------------------------------------------------


class AddressIn(StrictBody):
    line1: str
    city: str
    postal_code: str
    country: CountryCode
    label: str = "main"
    line2: str | None = None
    region: str | None = None
    default_billing: bool = False
    default_shipping: bool = False

    def to_input(self) -> AddressInput:
        return AddressInput(**msgspec.structs.asdict(self))


class ContactIn(StrictBody):
    role: ContactRoleText
    name: str
    email: str | None = None
    phone: str | None = None
    title: str | None = None

    def to_input(self) -> ContactInput:
        return ContactInput(**msgspec.structs.asdict(self))


class OnboardingIn(StrictBody):
    """What onboarding and go-live must configure."""

    products: list[ProductText] = msgspec.field(default_factory=list)
    currencies: list[CurrencyCode] = msgspec.field(default_factory=list)
    markets: list[CountryCode] = msgspec.field(default_factory=list)
    connection_type: ConnectionTypeText = None

    def to_input(self) -> OnboardingInput:
        return OnboardingInput(
            products=tuple(self.products),
            currencies=tuple(self.currencies),
            markets=tuple(self.markets),
            connection_type=self.connection_type,
        )


class MoneyIn(StrictBody):
    amount: Amount
    currency: CurrencyCode = "EUR"


class EstimateIn(StrictBody):
    """The initial billing estimate; the potential tier is computed from it."""

    monthly_bookings: Annotated[int, Meta(description="Expected bookings per month")]
    monthly_revenue: MoneyIn

    def to_input(self) -> EstimateInput:
        return EstimateInput(
            monthly_bookings=self.monthly_bookings,
            monthly_revenue=self.monthly_revenue.amount,
            currency=self.monthly_revenue.currency,
        )


# How the core names the estimate's fields, and how this API names them.
ESTIMATE_FIELDS = {
    "estimate.monthly_revenue": "estimate.monthly_revenue.amount",
    "estimate.currency": "estimate.monthly_revenue.currency",
}


class LeadIn(StrictBody):
    """A new lead: a trade name, a country and at least an e-mail, a phone or a contact."""

    trade_name: str
    country: CountryCode
    legal_name: str | None = None
    tax_id: str | None = None
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    business_type: BusinessTypeText = None
    markets: list[CountryCode] = msgspec.field(default_factory=list)
    source: str | None = None
    sales_owner: str | None = None
    notes: str | None = None
    addresses: list[AddressIn] = msgspec.field(default_factory=list)
    contacts: list[ContactIn] = msgspec.field(default_factory=list)
    onboarding: OnboardingIn | None = None
    estimate: EstimateIn | None = None

    def to_command(self) -> RegisterLead:
        fields = msgspec.structs.asdict(self)
        fields["markets"] = tuple(self.markets)
        fields["addresses"] = tuple(a.to_input() for a in self.addresses)
        fields["contacts"] = tuple(c.to_input() for c in self.contacts)
        fields["onboarding"] = None if self.onboarding is None else self.onboarding.to_input()
        fields["estimate"] = None if self.estimate is None else self.estimate.to_input()
        return RegisterLead(**fields)


class DetailsPatch(StrictBody):
    """Changes to a record: an absent key keeps the field, ``null`` clears it."""

    version: Version
    trade_name: str | UnsetType = UNSET
    country: CountryCode | UnsetType = UNSET
    legal_name: str | UnsetType | None = UNSET
    tax_id: str | UnsetType | None = UNSET
    email: str | UnsetType | None = UNSET
    phone: str | UnsetType | None = UNSET
    website: str | UnsetType | None = UNSET
    business_type: BusinessTypeText | UnsetType = UNSET
    markets: list[CountryCode] | UnsetType = UNSET
    source: str | UnsetType | None = UNSET
    sales_owner: str | UnsetType | None = UNSET
    notes: str | UnsetType | None = UNSET
    addresses: list[AddressIn] | UnsetType = UNSET
    contacts: list[ContactIn] | UnsetType = UNSET
    onboarding: OnboardingIn | UnsetType | None = UNSET
    estimate: EstimateIn | UnsetType | None = UNSET

    def to_command(self, client_id: UUID) -> UpdateDetails:
        changes: dict[str, Any] = {}
        for name, value in msgspec.structs.asdict(self).items():
            if name == "version":
                continue
            changes[name] = _keep_if_unset(value)
        if isinstance(self.markets, list):
            changes["markets"] = tuple(self.markets)
        if isinstance(self.addresses, list):
            changes["addresses"] = tuple(a.to_input() for a in self.addresses)
        if isinstance(self.contacts, list):
            changes["contacts"] = tuple(c.to_input() for c in self.contacts)
        if isinstance(self.onboarding, OnboardingIn):
            changes["onboarding"] = self.onboarding.to_input()
        if isinstance(self.estimate, EstimateIn):
            changes["estimate"] = self.estimate.to_input()
        return UpdateDetails(client_id=client_id, expected_version=self.version, **changes)


def _keep_if_unset(value: T | UnsetType) -> T | Keep:
    return KEEP if isinstance(value, UnsetType) else value


class LeadTransitionIn(StrictBody):
    action: LeadActionText
    reason: str | None = None
    version: Version | None = None


class ClientTransitionIn(StrictBody):
    action: ClientActionText
    reason: str | None = None
    version: Version | None = None


class ConvertIn(StrictBody):
    version: Version | None = None


class VersionIn(StrictBody):
    """A step that needs nothing but, optionally, the version it was based on."""

    version: Version | None = None


class BenchmarkAccessIn(StrictBody):
    """Benchmark access for a lead: until when (default 30 days, at most 90) and what."""

    until: Moment | None = None
    products: list[ProductText] = msgspec.field(default_factory=lambda: ["hotels"])
    version: Version | None = None


class TechnicalValidationIn(StrictBody):
    name: Annotated[str, Meta(description="Which validation (1 to 80 characters)")]
    passed: bool
    version: Version | None = None


class ApiKeyIn(StrictBody):
    name: Annotated[str, Meta(description="Who or what uses the key (1 to 100 characters)")]
    role: RoleText


# --- responses ----------------------------------------------------------------------------


class TaxIdOut(Struct, kw_only=True):
    country: str
    number: str
    display: str


class AddressOut(Struct, kw_only=True):
    label: str
    line1: str
    line2: str | None
    city: str
    postal_code: str
    region: str | None
    country: str
    default_billing: bool
    default_shipping: bool


class ContactOut(Struct, kw_only=True):
    role: ContactRole
    name: str
    email: str | None
    phone: Annotated[str | None, Meta(description="E.164")]
    title: str | None


class OnboardingOut(Struct, kw_only=True):
    products: list[str]
    currencies: list[str]
    markets: list[str]
    connection_type: ConnectionType | None


class MoneyOut(Struct, kw_only=True):
    amount: Amount
    currency: str

    @classmethod
    def of(cls, money: Money) -> MoneyOut:
        return cls(amount=_plain_decimal(money.amount), currency=money.currency)


def _plain_decimal(amount: Decimal) -> str:
    """A decimal as positional text (``1E+2`` would be legal JSON-schema-wise, but unkind)."""
    return format(amount, "f")


class EstimateOut(Struct, kw_only=True):
    monthly_bookings: int
    monthly_revenue: MoneyOut
    potential_tier: Annotated[
        PotentialTier, Meta(description="A (highest) to D, computed from the estimate")
    ]


class BenchmarkOut(Struct, kw_only=True):
    """The lead's benchmark login on PerlaHub (``access_id`` once PerlaHub opened it)."""

    until: datetime | None
    access_id: str | None
    login: str | None
    active: bool


class RegistrationOut(Struct, kw_only=True):
    """The administrative registration: the ids Dome and PerlaHub returned, or the last error."""

    dome_customer_code: str | None
    perlahub_agency_id: str | None
    error: Annotated[str | None, Meta(description="Why the last step failed; retry it")]


class PartyOut(Struct, kw_only=True):
    """A lead or client; ``status`` is the status of whichever phase it is in."""

    id: UUID
    version: int
    phase: Phase
    status: str
    lead_status: LeadStatus
    client_status: ClientStatus | None
    trade_name: str
    legal_name: str | None
    tax_id: TaxIdOut | None
    country: str
    email: str | None
    phone: Annotated[str | None, Meta(description="E.164")]
    website: str | None
    business_type: BusinessType | None
    markets: list[str]
    source: str | None
    sales_owner: str | None
    notes: str | None
    addresses: list[AddressOut]
    contacts: list[ContactOut]
    onboarding: OnboardingOut
    estimate: EstimateOut | None
    benchmark: BenchmarkOut
    registration: RegistrationOut
    lost_reason: str | None
    converted_at: datetime | None
    validated_by: str | None
    validated_at: datetime | None
    live_at: datetime | None
    technical_validations: Annotated[
        dict[str, bool], Meta(description="Each technical validation and whether it passed")
    ]
    created_at: datetime
    updated_at: datetime
    allowed_actions: list[str]
    missing_for_conversion: list[str]

    @classmethod
    def of(cls, client: Client, now: datetime) -> PartyOut:
        """``now`` tells whether the benchmark access is still open."""
        tax_id = client.tax_id
        onboarding = client.onboarding
        estimate = client.estimate
        return cls(
            id=client.id,
            version=client.version,
            phase=client.phase,
            status=client.status,
            lead_status=client.lead_status,
            client_status=client.client_status,
            trade_name=client.trade_name,
            legal_name=client.legal_name,
            tax_id=None
            if tax_id is None
            else TaxIdOut(country=tax_id.country, number=tax_id.number, display=tax_id.display),
            country=client.country,
            email=None if client.email is None else client.email.value,
            phone=None if client.phone is None else client.phone.e164,
            website=client.website,
            business_type=client.business_type,
            markets=list(client.markets),
            source=client.source,
            sales_owner=client.sales_owner,
            notes=client.notes,
            addresses=[AddressOut(**attrs.asdict(a)) for a in client.addresses],
            contacts=[
                ContactOut(
                    role=c.role,
                    name=c.name,
                    email=None if c.email is None else c.email.value,
                    phone=None if c.phone is None else c.phone.e164,
                    title=c.title,
                )
                for c in client.contacts
            ],
            onboarding=OnboardingOut(
                products=list(onboarding.products),
                currencies=list(onboarding.currencies),
                markets=list(onboarding.markets),
                connection_type=onboarding.connection_type,
            ),
            estimate=None
            if estimate is None
            else EstimateOut(
                monthly_bookings=estimate.monthly_bookings,
                monthly_revenue=MoneyOut.of(estimate.monthly_revenue),
                potential_tier=estimate.potential_tier,
            ),
            benchmark=BenchmarkOut(
                until=client.benchmark_access_until,
                access_id=client.benchmark_access_id,
                login=client.benchmark_login,
                active=client.benchmark_active(now),
            ),
            registration=RegistrationOut(
                dome_customer_code=client.dome_customer_code,
                perlahub_agency_id=client.perlahub_agency_id,
                error=client.registration_error,
            ),
            lost_reason=client.lost_reason,
            converted_at=client.converted_at,
            validated_by=client.validated_by,
            validated_at=client.validated_at,
            live_at=client.live_at,
            technical_validations=dict(client.technical_validations),
            created_at=client.created_at,
            updated_at=client.updated_at,
            allowed_actions=[
                a for a in client.allowed_actions() if a not in GUARDED_CLIENT_ACTIONS
            ],
            missing_for_conversion=client.missing_for_conversion(),
        )


class PartyPage(Struct, kw_only=True):
    items: list[PartyOut]
    total: int
    limit: int
    offset: int

    @classmethod
    def of(cls, page: Page[Client], now: datetime) -> PartyPage:
        return cls(
            items=[PartyOut.of(c, now) for c in page.items],
            total=page.total,
            limit=page.limit,
            offset=page.offset,
        )


class ChecklistItemOut(Struct, kw_only=True):
    key: str
    label: str
    passed: bool
    detail: str


class ChecklistOut(Struct, kw_only=True):
    """What go-live needs: every item passed, or ``missing`` lists the keys of those that did
    not."""

    client_id: UUID
    checked_at: datetime
    ready: bool
    items: list[ChecklistItemOut]
    missing: list[str]

    @classmethod
    def of(cls, checklist: Checklist) -> ChecklistOut:
        return cls(
            client_id=checklist.client_id,
            checked_at=checklist.checked_at,
            ready=checklist.ready,
            items=[ChecklistItemOut(**attrs.asdict(i)) for i in checklist.items],
            missing=checklist.missing,
        )


class ApiKeyOut(Struct, kw_only=True):
    """A stored key: never its secret."""

    id: UUID
    name: str
    role: Role
    prefix: Annotated[str, Meta(description="The public part of the key, after perla_")]
    created_at: datetime
    revoked_at: datetime | None
    active: bool

    @classmethod
    def of(cls, key: ApiKey) -> ApiKeyOut:
        return cls(
            id=key.id,
            name=key.name,
            role=key.role,
            prefix=key.prefix,
            created_at=key.created_at,
            revoked_at=key.revoked_at,
            active=key.active,
        )


class IssuedKeyOut(Struct, kw_only=True):
    """A new key; ``key`` is shown this once and cannot be read again."""

    id: UUID
    name: str
    role: Role
    key: str

    @classmethod
    def of(cls, issued: IssuedKey) -> IssuedKeyOut:
        return cls(id=issued.id, name=issued.name, role=issued.role, key=issued.key)


# --- activity: one struct per event, tagged by the event's stable name ---------------------


class _Activity(Struct, kw_only=True, tag_field="type"):
    occurred_at: datetime
    actor: str


class LeadRegisteredActivity(_Activity, tag="onboarding.lead_registered"):
    trade_name: str
    country: str


class DetailsChangedActivity(_Activity, tag="onboarding.details_changed"):
    changed: Annotated[list[str], Meta(description="The fields that changed (not their values)")]


class LeadStatusChangedActivity(_Activity, tag="onboarding.lead_status_changed"):
    from_status: LeadStatus
    to_status: LeadStatus
    reason: str | None = None


class LeadConvertedActivity(_Activity, tag="onboarding.lead_converted"):
    legal_name: str
    tax_id: str
    country: str


class ClientStatusChangedActivity(_Activity, tag="onboarding.client_status_changed"):
    from_status: ClientStatus
    to_status: ClientStatus
    reason: str | None = None


class BenchmarkAccessRequestedActivity(_Activity, tag="onboarding.benchmark_access_requested"):
    until: datetime
    products: list[str]


class BenchmarkAccessOpenedActivity(_Activity, tag="onboarding.benchmark_access_opened"):
    access_id: str
    login: str
    until: datetime


class RegistrationRequestedActivity(_Activity, tag="onboarding.registration_requested"):
    pass


class RegistrationRecordedActivity(_Activity, tag="onboarding.registration_recorded"):
    system: Annotated[str, Meta(description="dome or perlahub")]
    reference: Annotated[str, Meta(description="The id the system returned")]


class RegistrationFailedActivity(_Activity, tag="onboarding.registration_failed"):
    system: str
    error: str
    retryable: bool


class TechnicalValidationRecordedActivity(
    _Activity, tag="onboarding.technical_validation_recorded"
):
    name: str
    passed: bool


class PolicyCreatedActivity(_Activity, tag="policies.policy_created"):
    pass


class _PolicyRevision(_Activity, kw_only=True):
    revision: int


class _RuleActivity(_PolicyRevision, kw_only=True):
    reason: str
    rule_id: UUID
    rule_name: str


class PolicyRuleAddedActivity(_RuleActivity, tag="policies.rule_added"):
    pass


class PolicyRuleChangedActivity(_RuleActivity, tag="policies.rule_changed"):
    changed: list[str]


class PolicyRuleRemovedActivity(_RuleActivity, tag="policies.rule_removed"):
    pass


class PolicyRuleEnabledActivity(_RuleActivity, tag="policies.rule_enabled"):
    pass


class PolicyRuleDisabledActivity(_RuleActivity, tag="policies.rule_disabled"):
    pass


class PolicyPricedScopeChangedActivity(_PolicyRevision, tag="policies.priced_scope_changed"):
    reason: str
    currencies: list[str]
    products: list[str]


class PolicyChangeScheduledActivity(_PolicyRevision, tag="policies.change_scheduled"):
    reason: str
    schedule_id: UUID
    action: str
    effective_at: datetime
    rule_id: UUID | None = None


class ScheduledChangeCancelledActivity(_PolicyRevision, tag="policies.scheduled_change_cancelled"):
    reason: str
    schedule_id: UUID
    action: str


class ScheduledChangeAppliedActivity(_PolicyRevision, tag="policies.scheduled_change_applied"):
    schedule_id: UUID
    action: str


class ScheduledChangeFailedActivity(_PolicyRevision, tag="policies.scheduled_change_failed"):
    schedule_id: UUID
    action: str
    failure: str


Activity = (
    LeadRegisteredActivity
    | DetailsChangedActivity
    | LeadStatusChangedActivity
    | LeadConvertedActivity
    | ClientStatusChangedActivity
    | BenchmarkAccessRequestedActivity
    | BenchmarkAccessOpenedActivity
    | RegistrationRequestedActivity
    | RegistrationRecordedActivity
    | RegistrationFailedActivity
    | TechnicalValidationRecordedActivity
    | PolicyCreatedActivity
    | PolicyRuleAddedActivity
    | PolicyRuleChangedActivity
    | PolicyRuleRemovedActivity
    | PolicyRuleEnabledActivity
    | PolicyRuleDisabledActivity
    | PolicyPricedScopeChangedActivity
    | PolicyChangeScheduledActivity
    | ScheduledChangeCancelledActivity
    | ScheduledChangeAppliedActivity
    | ScheduledChangeFailedActivity
)
"""Everything a client's timeline shows: its own events and its commercial policy's."""


def activity_of(event: Any) -> Activity:
    """An event as the API shows it: its name as ``type`` and its fields but the aggregate id."""
    fields = attrs.asdict(event, recurse=False)
    fields.pop("aggregate_id", None)
    fields["type"] = event_name(event)
    result: Activity = msgspec.convert(fields, type=Activity)
    return result


# --- problems -----------------------------------------------------------------------------


class FieldError(Struct, kw_only=True):
    field: str | None
    message: str


class Problem(Struct, kw_only=True):
    """RFC 9457 problem details; ``code`` is stable and ``errors`` names each bad field.

    Some problems add details: ``allowed`` (illegal transition), ``missing`` (conversion or
    go-live refused), ``expected``/``actual`` (stale version), the two rules and their
    ``overlap`` (policy conflict), ``system`` (another system failed)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    code: str
    errors: list[FieldError] = msgspec.field(default_factory=list)


class Health(Struct, kw_only=True):
    status: Literal["ok"]


class Readiness(Struct, kw_only=True):
    database: Literal["ok", "unavailable"]
    broker: Literal["ok", "unavailable"]
