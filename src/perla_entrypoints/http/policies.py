"""Commercial policies and PerlaHub's global rules, and their JSON.

``/api/v1/clients/{client_id}/commercial-policy``: a client's margin rules (add, change,
enable, disable, remove), the currencies and products it prices, its history and the diff
between two revisions, changes scheduled for later, and ``POST .../price`` for a batch of
rates. Every write needs a ``reason``, kept in the audit trail. ``/api/v1/global-rules``:
PerlaHub's limits on every margin, which anyone may read and only admins change.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Response, delete, get, patch, post, put
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from msgspec import UNSET, Meta, Struct, UnsetType

from perla_core.policies import services
from perla_core.policies.commands import (
    AddMarginRule,
    CancelScheduledChange,
    ChangeMarginRule,
    DisableMarginRule,
    EnableMarginRule,
    PolicyCommand,
    RateInput,
    RemoveMarginRule,
    SchedulePolicyChange,
    SetGlobalRules,
    SetPricedScope,
)
from perla_core.policies.model import (
    CommercialPolicy,
    FieldChange,
    GlobalRules,
    MarginKind,
    MarginRule,
    PolicyAction,
    PolicyAuditEntry,
    PolicyDiff,
    ScheduledChange,
    ScheduleStatus,
)
from perla_core.policies.pricing import Clamp, PricedRate
from perla_entrypoints.http.auth import CAN_ADMINISTER, CAN_WRITE
from perla_entrypoints.http.dependencies import (
    ActorDep,
    ClockDep,
    IdsDep,
    NewUow,
    PolicyCacheDep,
)
from perla_entrypoints.http.openapi import ETAG, LOCATION, doc, responses
from perla_entrypoints.http.problems import fields_renamed
from perla_entrypoints.http.schemas import (
    Amount,
    CurrencyCode,
    Moment,
    MoneyOut,
    StrictBody,
    Version,
    one_of,
)

POLICY = "/api/v1/clients/{client_id:uuid}/commercial-policy"

KindText = Annotated[
    str, one_of([k.value for k in MarginKind], "percent of the net price, or a fixed amount")
]
Reason = Annotated[
    str, Meta(description="Why the policy changes (required, kept in the audit trail)")
]
Codes = Annotated[list[str], Meta(description="Codes to match; empty matches every code")]
Margin = Annotated[
    str,
    Meta(
        description="Percent (12.5 is 12.5%) or a fixed amount, written as text",
        examples=["12.5"],
    ),
]
ReasonQuery = Annotated[
    str, QueryParameter(description="Why (required, kept in the audit trail)", min_length=1)
]
VersionQuery = Annotated[
    int | None, QueryParameter(ge=0, description="The policy version the change was based on")
]
REVISION_FIELDS = {"from_revision": "from", "to_revision": "to"}


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


# --- requests -------------------------------------------------------------------------------


class RuleFields(StrictBody):
    """A margin rule: what it adds and which rates it matches."""

    name: str
    kind: KindText
    value: Margin
    booking_from: Annotated[date, Meta(description="First booking date it applies to")]
    booking_to: Annotated[date, Meta(description="Last booking date it applies to")]
    currency: Annotated[CurrencyCode | None, Meta(description="Fixed margins only")] = None
    priority: Annotated[int, Meta(description="0 to 10000; higher wins among equals")] = 0
    active: bool = True
    stay_from: date | None = None
    stay_to: date | None = None
    hotels: Codes = msgspec.field(default_factory=list)
    channels: Codes = msgspec.field(default_factory=list)
    suppliers: Codes = msgspec.field(default_factory=list)

    def to_command(self, client_id: UUID, reason: str, version: int | None) -> AddMarginRule:
        return AddMarginRule(
            client_id=client_id,
            name=self.name,
            kind=self.kind,
            value=self.value,
            booking_from=self.booking_from.isoformat(),
            booking_to=self.booking_to.isoformat(),
            reason=reason,
            currency=self.currency,
            priority=self.priority,
            active=self.active,
            stay_from=_day(self.stay_from),
            stay_to=_day(self.stay_to),
            hotels=tuple(self.hotels),
            channels=tuple(self.channels),
            suppliers=tuple(self.suppliers),
            expected_version=version,
        )


class RuleIn(RuleFields, kw_only=True):
    reason: Reason
    version: Version | None = None


class RuleChanges(StrictBody):
    """Changes to a rule: an absent key keeps the field; ``null`` clears the currency or the
    stay period (give both stay ends, or null both)."""

    name: str | UnsetType = UNSET
    kind: KindText | UnsetType = UNSET
    value: Margin | UnsetType = UNSET
    currency: CurrencyCode | UnsetType | None = UNSET
    priority: int | UnsetType = UNSET
    booking_from: date | UnsetType = UNSET
    booking_to: date | UnsetType = UNSET
    stay_from: date | UnsetType | None = UNSET
    stay_to: date | UnsetType | None = UNSET
    hotels: Codes | UnsetType = UNSET
    channels: Codes | UnsetType = UNSET
    suppliers: Codes | UnsetType = UNSET

    def to_command(
        self, client_id: UUID, rule_id: UUID, reason: str, version: int | None
    ) -> ChangeMarginRule:
        changes: dict[str, Any] = {}
        for name in RuleChanges.__struct_fields__:
            value = getattr(self, name)
            if value is UNSET:
                continue
            if isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, list):
                value = tuple(value)
            changes[name] = value
        return ChangeMarginRule(
            client_id=client_id,
            rule_id=rule_id,
            reason=reason,
            expected_version=version,
            **changes,
        )


class RulePatch(RuleChanges, kw_only=True):
    version: Version
    reason: Reason


class ReasonIn(StrictBody):
    reason: Reason
    version: Version | None = None


class PricedScopeIn(StrictBody):
    """What the policy prices: credentials may only sell these currencies and products."""

    currencies: list[CurrencyCode]
    products: list[str]
    reason: Reason
    version: Version | None = None


# A scheduled change: one of the policy's changes, tagged by ``action``.


class AddRuleChange(RuleFields, tag_field="action", tag="add_rule", kw_only=True):
    pass


class ChangeRuleChange(RuleChanges, tag_field="action", tag="change_rule", kw_only=True):
    rule_id: UUID


class EnableRuleChange(StrictBody, tag_field="action", tag="enable_rule", kw_only=True):
    rule_id: UUID


class DisableRuleChange(StrictBody, tag_field="action", tag="disable_rule", kw_only=True):
    rule_id: UUID


class RemoveRuleChange(StrictBody, tag_field="action", tag="remove_rule", kw_only=True):
    rule_id: UUID


class SetPricedChange(StrictBody, tag_field="action", tag="set_priced", kw_only=True):
    currencies: list[CurrencyCode] | None = None
    products: list[str] | None = None


ChangeIn = (
    AddRuleChange
    | ChangeRuleChange
    | EnableRuleChange
    | DisableRuleChange
    | RemoveRuleChange
    | SetPricedChange
)


def change_command(
    change: ChangeIn, client_id: UUID, reason: str, version: int | None
) -> PolicyCommand:
    """The command ``change`` stands for, with the schedule's reason and version."""
    match change:
        case AddRuleChange():
            return change.to_command(client_id, reason, version)
        case ChangeRuleChange():
            return change.to_command(client_id, change.rule_id, reason, version)
        case EnableRuleChange():
            return EnableMarginRule(client_id, change.rule_id, reason, version)
        case DisableRuleChange():
            return DisableMarginRule(client_id, change.rule_id, reason, version)
        case RemoveRuleChange():
            return RemoveMarginRule(client_id, change.rule_id, reason, version)
        case SetPricedChange():
            return SetPricedScope(
                client_id=client_id,
                reason=reason,
                currencies=None if change.currencies is None else tuple(change.currencies),
                products=None if change.products is None else tuple(change.products),
                expected_version=version,
            )


class ScheduleIn(StrictBody):
    """A change that takes effect at ``effective_at``; conflicts are checked then."""

    effective_at: Moment
    change: ChangeIn
    reason: Reason
    version: Version | None = None


class RateIn(StrictBody):
    hotel: str
    channel: str
    supplier: str
    booking_date: date
    stay_date: date
    net: Amount
    currency: CurrencyCode
    min_selling: Annotated[Amount | None, Meta(description="The supplier's floor")] = None
    max_selling: Annotated[Amount | None, Meta(description="The supplier's ceiling")] = None

    def to_input(self) -> RateInput:
        return RateInput(
            hotel=self.hotel,
            channel=self.channel,
            supplier=self.supplier,
            booking_date=self.booking_date.isoformat(),
            stay_date=self.stay_date.isoformat(),
            net=self.net,
            currency=self.currency,
            min_selling=self.min_selling,
            max_selling=self.max_selling,
        )


class PriceIn(StrictBody):
    rates: list[RateIn]


class GlobalRulesIn(StrictBody):
    """PerlaHub's limits: margins in percent, fixed-margin caps by currency, channels."""

    min_margin_percent: Amount
    max_margin_percent: Amount
    allowed_channels: Annotated[list[str] | None, Meta(description="null allows every channel")] = (
        None
    )
    max_fixed_margin: Annotated[
        dict[str, str], Meta(description="Cap of fixed margins per currency, e.g. {EUR: '50'}")
    ] = msgspec.field(default_factory=dict)


# --- responses ------------------------------------------------------------------------------


class RuleOut(Struct, kw_only=True):
    id: UUID
    name: str
    kind: MarginKind
    value: str
    currency: str | None
    priority: int
    active: bool
    booking_from: date
    booking_to: date
    stay_from: date | None
    stay_to: date | None
    hotels: list[str]
    channels: list[str]
    suppliers: list[str]
    margin: Annotated[str, Meta(description="The margin in words, e.g. '12.5% of net'")]

    @classmethod
    def of(cls, rule: MarginRule) -> RuleOut:
        stay = rule.stay_period
        return cls(
            id=rule.id,
            name=rule.name,
            kind=rule.kind,
            value=str(rule.value),
            currency=rule.currency,
            priority=rule.priority,
            active=rule.active,
            booking_from=rule.booking_period.start,
            booking_to=rule.booking_period.end,
            stay_from=None if stay is None else stay.start,
            stay_to=None if stay is None else stay.end,
            hotels=sorted(rule.hotels),
            channels=sorted(rule.channels),
            suppliers=sorted(rule.suppliers),
            margin=rule.describe_margin(),
        )


class ScheduledChangeOut(Struct, kw_only=True):
    id: UUID
    effective_at: datetime
    status: ScheduleStatus
    change: Annotated[dict[str, Any], Meta(description="The change, as the audit trail keeps it")]
    reason: str
    scheduled_by: str
    scheduled_at: datetime
    resolved_at: datetime | None
    failure: str | None

    @classmethod
    def of(cls, scheduled: ScheduledChange) -> ScheduledChangeOut:
        return cls(
            id=scheduled.id,
            effective_at=scheduled.effective_at,
            status=scheduled.status,
            change=scheduled.change.snapshot(),
            reason=scheduled.reason,
            scheduled_by=scheduled.scheduled_by,
            scheduled_at=scheduled.scheduled_at,
            resolved_at=scheduled.resolved_at,
            failure=scheduled.failure,
        )


class PolicyOut(Struct, kw_only=True):
    """A client's commercial policy: ``version`` guards edits, ``revision`` counts changes."""

    client_id: UUID
    version: int
    revision: int
    currencies: list[str]
    products: list[str]
    rules: list[RuleOut]
    scheduled_changes: list[ScheduledChangeOut]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, policy: CommercialPolicy) -> PolicyOut:
        return cls(
            client_id=policy.client_id,
            version=policy.version,
            revision=policy.revision,
            currencies=sorted(policy.currencies),
            products=sorted(policy.products),
            rules=[RuleOut.of(r) for r in policy.rules],
            scheduled_changes=[ScheduledChangeOut.of(s) for s in policy.scheduled],
            created_at=policy.created_at,
            updated_at=policy.updated_at,
        )


class AuditEntryOut(Struct, kw_only=True):
    """One change as it happened: who, when, why, and the state before and after."""

    revision: int
    action: PolicyAction
    actor: str
    at: datetime
    reason: str
    rule_id: UUID | None
    schedule_id: UUID | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    @classmethod
    def of(cls, entry: PolicyAuditEntry) -> AuditEntryOut:
        return cls(
            revision=entry.revision,
            action=entry.action,
            actor=entry.actor,
            at=entry.at,
            reason=entry.reason,
            rule_id=entry.rule_id,
            schedule_id=entry.schedule_id,
            before=entry.before,
            after=entry.after,
        )


class FieldChangeOut(Struct, kw_only=True):
    field: str
    before: Any
    after: Any

    @classmethod
    def of(cls, change: FieldChange) -> FieldChangeOut:
        return cls(field=change.field, before=change.before, after=change.after)


class RuleDiffOut(Struct, kw_only=True):
    rule_id: str
    name: str
    changes: list[FieldChangeOut]


class DiffOut(Struct, kw_only=True):
    """What changed from one revision to another (0 is the empty policy)."""

    from_revision: int
    to_revision: int
    added: list[dict[str, Any]]
    removed: list[dict[str, Any]]
    changed: list[RuleDiffOut]
    scope: list[FieldChangeOut]

    @classmethod
    def of(cls, diff: PolicyDiff) -> DiffOut:
        return cls(
            from_revision=diff.from_revision,
            to_revision=diff.to_revision,
            added=list(diff.added),
            removed=list(diff.removed),
            changed=[
                RuleDiffOut(
                    rule_id=d.rule_id,
                    name=d.name,
                    changes=[FieldChangeOut.of(c) for c in d.changes],
                )
                for d in diff.changed
            ],
            scope=[FieldChangeOut.of(c) for c in diff.scope],
        )


class PricedRateOut(Struct, kw_only=True):
    """A rate's selling price, what it carries over net and the rule that produced it."""

    hotel: str
    channel: str
    supplier: str
    booking_date: date
    stay_date: date
    net: MoneyOut
    selling: MoneyOut
    margin: MoneyOut
    rule_id: Annotated[UUID | None, Meta(description="null: no rule applies, sold at net")]
    reason: str
    clamped: Annotated[
        Clamp | None, Meta(description="The supplier's floor or ceiling moved the price")
    ]

    @classmethod
    def of(cls, priced: PricedRate) -> PricedRateOut:
        rate = priced.rate
        return cls(
            hotel=rate.hotel,
            channel=rate.channel,
            supplier=rate.supplier,
            booking_date=rate.booking_date,
            stay_date=rate.stay_date,
            net=MoneyOut.of(rate.net),
            selling=MoneyOut.of(priced.selling),
            margin=MoneyOut.of(priced.margin),
            rule_id=priced.rule_id,
            reason=priced.reason,
            clamped=priced.clamped,
        )


class PricedRatesOut(Struct, kw_only=True):
    rates: Annotated[list[PricedRateOut], Meta(description="In the order they were sent")]


class GlobalRulesOut(Struct, kw_only=True):
    min_margin_percent: str
    max_margin_percent: str
    allowed_channels: Annotated[list[str] | None, Meta(description="null: every channel")]
    max_fixed_margin: dict[str, str]

    @classmethod
    def of(cls, rules: GlobalRules) -> GlobalRulesOut:
        return cls(
            min_margin_percent=str(rules.min_margin_percent),
            max_margin_percent=str(rules.max_margin_percent),
            allowed_channels=None
            if rules.allowed_channels is None
            else sorted(rules.allowed_channels),
            max_fixed_margin={c: str(a) for c, a in rules.max_fixed_margin},
        )


# --- routes ---------------------------------------------------------------------------------

WRITE_PROBLEMS = responses(400, 401, 403, 404, 409, 413, 422)


def policy_response(
    policy: CommercialPolicy, status: int = HTTP_200_OK, location: str | None = None
) -> Response[PolicyOut]:
    headers = {"ETag": f'"{policy.version}"'}
    if location is not None:
        headers["Location"] = location
    return Response(PolicyOut.of(policy), status_code=status, headers=headers)


def _base(client_id: UUID) -> str:
    return POLICY.replace("{client_id:uuid}", str(client_id))


class CommercialPolicyController(Controller):
    path = POLICY
    tags = ["commercial-policy"]

    @get(
        operation_id="getCommercialPolicy",
        summary="Get a client's commercial policy",
        description=doc(services.get_policy),
        sync_to_thread=True,
        response_headers=[ETAG],
        responses=responses(401, 404),
    )
    def get_policy(
        self, client_id: FromPath[UUID], uows: NewUow, actor: ActorDep
    ) -> Response[PolicyOut]:
        return policy_response(services.get_policy(client_id, uows(), actor))

    @post(
        "/rules",
        operation_id="addMarginRule",
        summary="Add a margin rule",
        description=doc(services.add_margin_rule),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_201_CREATED,
        response_headers=[ETAG, LOCATION],
        responses=WRITE_PROBLEMS,
    )
    def add_rule(
        self,
        client_id: FromPath[UUID],
        data: JSONBody[RuleIn],
        uows: NewUow,
        clock: ClockDep,
        ids: IdsDep,
        actor: ActorDep,
    ) -> Response[PolicyOut]:
        command = data.to_command(client_id, data.reason, data.version)
        receipt = services.add_margin_rule(command, uows(), clock, ids, actor)
        location = f"{_base(client_id)}/rules/{receipt.rule_id}"
        policy = services.get_policy(client_id, uows(), actor)
        return policy_response(policy, HTTP_201_CREATED, location)

    @get(
        "/rules/{rule_id:uuid}",
        operation_id="getMarginRule",
        summary="Get one margin rule",
        description="One rule of a client's commercial policy.",
        sync_to_thread=True,
        responses=responses(401, 404),
    )
    def get_rule(
        self, client_id: FromPath[UUID], rule_id: FromPath[UUID], uows: NewUow, actor: ActorDep
    ) -> RuleOut:
        return RuleOut.of(services.get_policy(client_id, uows(), actor).rule(rule_id))

    @patch(
        "/rules/{rule_id:uuid}",
        operation_id="changeMarginRule",
        summary="Change a margin rule",
        description=doc(services.change_margin_rule),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        response_headers=[ETAG],
        responses=WRITE_PROBLEMS,
    )
    def change_rule(
        self,
        client_id: FromPath[UUID],
        rule_id: FromPath[UUID],
        data: JSONBody[RulePatch],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
    ) -> Response[PolicyOut]:
        command = data.to_command(client_id, rule_id, data.reason, data.version)
        services.change_margin_rule(command, uows(), clock, actor)
        return policy_response(services.get_policy(client_id, uows(), actor))

    @post(
        "/rules/{rule_id:uuid}/enable",
        operation_id="enableMarginRule",
        summary="Turn a margin rule on",
        description=doc(services.enable_margin_rule),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        response_headers=[ETAG],
        responses=WRITE_PROBLEMS,
    )
    def enable_rule(
        self,
        client_id: FromPath[UUID],
        rule_id: FromPath[UUID],
        data: JSONBody[ReasonIn],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
    ) -> Response[PolicyOut]:
        command = EnableMarginRule(
            client_id=client_id,
            rule_id=rule_id,
            reason=data.reason,
            expected_version=data.version,
        )
        services.enable_margin_rule(command, uows(), clock, actor)
        return policy_response(services.get_policy(client_id, uows(), actor))

    @post(
        "/rules/{rule_id:uuid}/disable",
        operation_id="disableMarginRule",
        summary="Turn a margin rule off",
        description=doc(services.disable_margin_rule),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        response_headers=[ETAG],
        responses=WRITE_PROBLEMS,
    )
    def disable_rule(
        self,
        client_id: FromPath[UUID],
        rule_id: FromPath[UUID],
        data: JSONBody[ReasonIn],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
    ) -> Response[PolicyOut]:
        command = DisableMarginRule(
            client_id=client_id,
            rule_id=rule_id,
            reason=data.reason,
            expected_version=data.version,
        )
        services.disable_margin_rule(command, uows(), clock, actor)
        return policy_response(services.get_policy(client_id, uows(), actor))

    @delete(
        "/rules/{rule_id:uuid}",
        operation_id="removeMarginRule",
        summary="Remove a margin rule",
        description=doc(services.remove_margin_rule),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        response_headers=[ETAG],
        responses=WRITE_PROBLEMS,
    )
    def remove_rule(
        self,
        client_id: FromPath[UUID],
        rule_id: FromPath[UUID],
        reason: ReasonQuery,
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
        version: VersionQuery = None,
    ) -> Response[PolicyOut]:
        command = RemoveMarginRule(
            client_id=client_id, rule_id=rule_id, reason=reason, expected_version=version
        )
        services.remove_margin_rule(command, uows(), clock, actor)
        return policy_response(services.get_policy(client_id, uows(), actor))

    @put(
        "/priced-scope",
        operation_id="setPricedScope",
        summary="Set the currencies and products the policy prices",
        description=doc(services.set_priced_scope),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        response_headers=[ETAG],
        responses=WRITE_PROBLEMS,
    )
    def set_priced_scope(
        self,
        client_id: FromPath[UUID],
        data: JSONBody[PricedScopeIn],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
    ) -> Response[PolicyOut]:
        command = SetPricedScope(
            client_id=client_id,
            reason=data.reason,
            currencies=tuple(data.currencies),
            products=tuple(data.products),
            expected_version=data.version,
        )
        services.set_priced_scope(command, uows(), clock, actor)
        return policy_response(services.get_policy(client_id, uows(), actor))

    @get(
        "/history",
        operation_id="policyHistory",
        summary="Every change of the policy",
        description=doc(services.policy_history),
        sync_to_thread=True,
        responses=responses(401, 404),
    )
    def history(
        self, client_id: FromPath[UUID], uows: NewUow, actor: ActorDep
    ) -> list[AuditEntryOut]:
        return [AuditEntryOut.of(e) for e in services.policy_history(client_id, uows(), actor)]

    @get(
        "/diff",
        operation_id="policyDiff",
        summary="What changed between two revisions",
        description=doc(services.policy_diff),
        sync_to_thread=True,
        responses=responses(400, 401, 404, 422),
    )
    def diff(
        self,
        client_id: FromPath[UUID],
        from_revision: Annotated[
            int, QueryParameter(name="from", description="The older revision (0: empty)")
        ],
        to_revision: Annotated[int, QueryParameter(name="to", description="The newer revision")],
        uows: NewUow,
        actor: ActorDep,
    ) -> DiffOut:
        with fields_renamed(REVISION_FIELDS):
            found = services.policy_diff(client_id, from_revision, to_revision, uows(), actor)
        return DiffOut.of(found)

    @post(
        "/scheduled-changes",
        operation_id="schedulePolicyChange",
        summary="Schedule a change for later",
        description=doc(services.schedule_policy_change),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_201_CREATED,
        response_headers=[ETAG, LOCATION],
        responses=WRITE_PROBLEMS,
    )
    def schedule_change(
        self,
        client_id: FromPath[UUID],
        data: JSONBody[ScheduleIn],
        uows: NewUow,
        clock: ClockDep,
        ids: IdsDep,
        actor: ActorDep,
    ) -> Response[PolicyOut]:
        command = SchedulePolicyChange(
            change=change_command(data.change, client_id, data.reason, data.version),
            effective_at=data.effective_at.astimezone(UTC).isoformat(),
        )
        receipt = services.schedule_policy_change(command, uows(), clock, ids, actor)
        location = f"{_base(client_id)}/scheduled-changes/{receipt.schedule_id}"
        policy = services.get_policy(client_id, uows(), actor)
        return policy_response(policy, HTTP_201_CREATED, location)

    @delete(
        "/scheduled-changes/{schedule_id:uuid}",
        operation_id="cancelScheduledChange",
        summary="Cancel a scheduled change",
        description=doc(services.cancel_scheduled_change),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        response_headers=[ETAG],
        responses=WRITE_PROBLEMS,
    )
    def cancel_scheduled(
        self,
        client_id: FromPath[UUID],
        schedule_id: FromPath[UUID],
        reason: ReasonQuery,
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
        version: VersionQuery = None,
    ) -> Response[PolicyOut]:
        command = CancelScheduledChange(
            client_id=client_id, schedule_id=schedule_id, reason=reason, expected_version=version
        )
        services.cancel_scheduled_change(command, uows(), clock, actor)
        return policy_response(services.get_policy(client_id, uows(), actor))

    @post(
        "/price",
        operation_id="priceRates",
        summary="Price a batch of rates",
        description=doc(services.price_batch),
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        responses=responses(400, 401, 404, 413, 422),
    )
    def price(
        self,
        client_id: FromPath[UUID],
        data: JSONBody[PriceIn],
        uows: NewUow,
        policy_cache: PolicyCacheDep,
        actor: ActorDep,
    ) -> PricedRatesOut:
        rates = [r.to_input() for r in data.rates]
        priced = services.price_batch(client_id, rates, uows(), actor, policy_cache)
        return PricedRatesOut(rates=[PricedRateOut.of(p) for p in priced])


class GlobalRulesController(Controller):
    path = "/api/v1/global-rules"
    tags = ["global-rules"]

    @get(
        operation_id="getGlobalRules",
        summary="PerlaHub's global rules",
        description="PerlaHub's limits on every client's margins (PerlaHub's defaults until an "
        "admin sets them).",
        sync_to_thread=True,
        responses=responses(401),
    )
    def get_global_rules(self, uows: NewUow, actor: ActorDep) -> GlobalRulesOut:
        return GlobalRulesOut.of(services.get_global_rules(uows(), actor))

    @put(
        operation_id="setGlobalRules",
        summary="Change PerlaHub's global rules",
        description=doc(services.set_global_rules),
        guards=[CAN_ADMINISTER],
        sync_to_thread=True,
        responses=responses(400, 401, 403, 413, 422),
    )
    def set_global_rules(
        self, data: JSONBody[GlobalRulesIn], uows: NewUow, actor: ActorDep
    ) -> GlobalRulesOut:
        command = SetGlobalRules(
            min_margin_percent=data.min_margin_percent,
            max_margin_percent=data.max_margin_percent,
            allowed_channels=(
                None if data.allowed_channels is None else tuple(data.allowed_channels)
            ),
            max_fixed_margin=dict(data.max_fixed_margin),
        )
        return GlobalRulesOut.of(services.set_global_rules(command, uows(), actor))
