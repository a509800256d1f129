"""The API's JSON, as msgspec structs, and their translation to the core's commands.

Request bodies refuse unknown keys (400 naming the key); values the domain validates (tax
ids, e-mails, phones, countries, enum values) travel as text to the core, which reports each
bad field (422). Responses are structs too, so the OpenAPI document describes every field.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar
from uuid import UUID

import attrs
import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from perla_core.access.model import ApiKey, Role
from perla_core.access.services import IssuedKey
from perla_core.kernel.events import event_name
from perla_core.kernel.pagination import Page
from perla_core.onboarding.commands import (
    KEEP,
    LEAD_ACTIONS,
    AddressInput,
    ContactInput,
    Keep,
    RegisterLead,
    UpdateDetails,
)
from perla_core.onboarding.model import (
    CLIENT_TRANSITIONS,
    BusinessType,
    Client,
    ClientStatus,
    ContactRole,
    LeadStatus,
    Phase,
)

T = TypeVar("T")


def _one_of(values: Sequence[str | None], description: str) -> Meta:
    """Document the accepted values without validating them here (the core does, with 422)."""
    return Meta(description=description, extra_json_schema={"extra": {"enum": list(values)}})


CountryCode = Annotated[str, Meta(description="ISO 3166-1 alpha-2 country code, e.g. ES")]
BusinessTypeText = Annotated[
    str | None,
    _one_of([*(b.value for b in BusinessType), None], "What kind of travel business it is"),
]
ContactRoleText = Annotated[str, _one_of([r.value for r in ContactRole], "The contact's role")]
RoleText = Annotated[str, _one_of([r.value for r in Role], "What the key may do")]
LeadActionText = Annotated[str, _one_of(LEAD_ACTIONS, "A step of the lead pipeline")]
ClientActionText = Annotated[
    str, _one_of(list(CLIENT_TRANSITIONS), "A step of the client lifecycle")
]
Version = Annotated[int, Meta(ge=0, description="The version the change was based on")]


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

    def to_command(self) -> RegisterLead:
        fields = msgspec.structs.asdict(self)
        fields["markets"] = tuple(self.markets)
        fields["addresses"] = tuple(a.to_input() for a in self.addresses)
        fields["contacts"] = tuple(c.to_input() for c in self.contacts)
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
    lost_reason: str | None
    converted_at: datetime | None
    created_at: datetime
    updated_at: datetime
    allowed_actions: list[str]
    missing_for_conversion: list[str]

    @classmethod
    def of(cls, client: Client) -> PartyOut:
        tax_id = client.tax_id
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
            lost_reason=client.lost_reason,
            converted_at=client.converted_at,
            created_at=client.created_at,
            updated_at=client.updated_at,
            allowed_actions=client.allowed_actions(),
            missing_for_conversion=client.missing_for_conversion(),
        )


class PartyPage(Struct, kw_only=True):
    items: list[PartyOut]
    total: int
    limit: int
    offset: int

    @classmethod
    def of(cls, page: Page[Client]) -> PartyPage:
        return cls(
            items=[PartyOut.of(c) for c in page.items],
            total=page.total,
            limit=page.limit,
            offset=page.offset,
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


Activity = (
    LeadRegisteredActivity
    | DetailsChangedActivity
    | LeadStatusChangedActivity
    | LeadConvertedActivity
    | ClientStatusChangedActivity
)


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

    Some problems add details: ``allowed`` (illegal transition), ``missing`` (conversion
    refused), ``expected``/``actual`` (stale version)."""

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
