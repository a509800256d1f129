"""Financing: ``GET /api/v1/financing/rates`` reads the rates table (``?on=`` the rules valid
that day), ``PUT`` replaces it (admins only); ``POST /api/v1/financing/simulations``
simulates a plan with its schedule, or the suggested 3/6/9/12 when ``installments`` is left
out. Out-of-limit counts or amounts and days without rates are 422 problems naming the
field, with the allowed range."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from litestar import Controller, get, post, put
from litestar.params import FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK
from msgspec import Meta, Struct

from perla_core.access.model import Permission
from perla_core.financing import services
from perla_core.financing.model import RateRule
from perla_core.financing.plans import FinancingPlan, PlanLine
from perla_core.kernel.money import Money
from perla_entrypoints.http.auth import CAN_ADMINISTER
from perla_entrypoints.http.dependencies import ActorDep, ClockDep, NewUow
from perla_entrypoints.http.openapi import doc, responses
from perla_entrypoints.http.schemas import Amount, MoneyOut, StrictBody

RATES = "/api/v1/financing"

Percent = Annotated[str, Meta(description='A percentage written as text, e.g. "89.5"')]
Count = Annotated[int, Meta(description="A number of monthly instalments")]

# --- bodies ---------------------------------------------------------------------------------


class RateRuleIn(StrictBody):
    """One rule: ``installments`` (one count) or ``min_installments``/``max_installments``;
    the rate as ``tna`` or ``monthly_rate`` (percent; ``"0"``: sin interés); ``valid_from``
    (inclusive) and ``valid_until`` (exclusive, optional); optional ``minimum_amount``,
    ``fixed_fee``, ``origination_fee_percent`` (of the amount, upfront) and
    ``vat_on_interest_percent`` (21)."""

    id: str
    valid_from: date
    installments: Count | None = None
    min_installments: Count | None = None
    max_installments: Count | None = None
    tna: Percent | None = None
    monthly_rate: Percent | None = None
    valid_until: date | None = None
    currency: str = "ARS"
    minimum_amount: Amount | None = None
    fixed_fee: Amount | None = None
    origination_fee_percent: Percent | None = None
    vat_on_interest_percent: Percent | None = None
    description: str = ""

    def to_record(self) -> dict[str, object]:
        return {
            name: getattr(self, name)
            for name in self.__struct_fields__
            if getattr(self, name) is not None
        }


class RatesIn(StrictBody):
    """The whole rates table: it replaces the stored one."""

    rules: list[RateRuleIn]


class SimulationIn(StrictBody):
    """An amount to finance; ``installments`` for one plan, or left out for the suggested
    3, 6, 9 and 12 the rates allow."""

    amount: Amount
    currency: str = "ARS"
    installments: Count | None = None


# --- responses ------------------------------------------------------------------------------


class RateRuleOut(Struct, kw_only=True):
    id: str
    min_installments: int
    max_installments: int
    kind: str
    rate: str
    tna: str
    monthly_rate: str
    valid_from: date
    valid_until: date | None
    currency: str
    minimum_amount: MoneyOut | None
    fixed_fee: MoneyOut | None
    origination_fee_percent: str
    vat_on_interest_percent: str
    interest_free: bool
    description: str

    @classmethod
    def of(cls, r: RateRule) -> RateRuleOut:
        return cls(
            id=r.id,
            min_installments=r.min_installments,
            max_installments=r.max_installments,
            kind=r.kind.value,
            rate=format(r.rate, "f"),
            tna=format(r.tna.quantize(_CENT), "f"),
            monthly_rate=format((r.monthly_rate * 100).quantize(_TEN_THOUSANDTH), "f"),
            valid_from=r.valid_from,
            valid_until=r.valid_until,
            currency=r.currency,
            minimum_amount=None if r.minimum_amount is None else MoneyOut.of(r.minimum_amount),
            fixed_fee=None if r.fixed_fee is None else MoneyOut.of(r.fixed_fee),
            origination_fee_percent=format(r.origination_fee_percent, "f"),
            vat_on_interest_percent=format(r.vat_on_interest_percent, "f"),
            interest_free=r.interest_free,
            description=r.description,
        )


class RatesOut(Struct, kw_only=True):
    rules: list[RateRuleOut]


class LineOut(Struct, kw_only=True):
    number: int
    installment: MoneyOut
    interest: MoneyOut
    principal: MoneyOut
    balance: MoneyOut
    vat_on_interest: MoneyOut
    installment_with_vat: MoneyOut

    @classmethod
    def of(cls, line: PlanLine) -> LineOut:
        return cls(
            number=line.number,
            installment=MoneyOut.of(line.installment),
            interest=MoneyOut.of(line.interest),
            principal=MoneyOut.of(line.principal),
            balance=MoneyOut.of(line.balance),
            vat_on_interest=MoneyOut.of(line.vat_on_interest),
            installment_with_vat=MoneyOut.of(line.installment_with_vat),
        )


class AssumptionsOut(Struct, kw_only=True):
    days_per_month: int
    days_per_year: int
    system: str
    rounding: str
    vat_on_interest_percent: str
    fees_upfront: bool


class PlanOut(Struct, kw_only=True):
    """A plan: percentages as text with two decimals (half-up); ``cft`` is the effective
    annual total financial cost without VAT on interest, ``cft_with_vat`` with it."""

    rule_id: str
    on: date
    amount: MoneyOut
    installments: int
    installment: MoneyOut
    last_installment: MoneyOut
    total_installments: MoneyOut
    total_interest: MoneyOut
    fees: MoneyOut
    total_paid: MoneyOut
    vat_on_interest: MoneyOut
    total_paid_with_vat: MoneyOut
    monthly_rate: str
    tna: str
    tea: str
    cft: str
    cft_with_vat: str
    interest_free: bool
    assumptions: AssumptionsOut
    schedule: list[LineOut]

    @classmethod
    def of(cls, p: FinancingPlan) -> PlanOut:
        a = p.assumptions
        return cls(
            rule_id=p.rule_id,
            on=p.on,
            amount=MoneyOut.of(p.amount),
            installments=p.installments,
            installment=MoneyOut.of(p.installment),
            last_installment=MoneyOut.of(p.last_installment),
            total_installments=MoneyOut.of(p.total_installments),
            total_interest=MoneyOut.of(p.total_interest),
            fees=MoneyOut.of(p.fees),
            total_paid=MoneyOut.of(p.total_paid),
            vat_on_interest=MoneyOut.of(p.vat_on_interest),
            total_paid_with_vat=MoneyOut.of(p.total_paid_with_vat),
            monthly_rate=format(p.monthly_rate, "f"),
            tna=format(p.tna, "f"),
            tea=format(p.tea, "f"),
            cft=format(p.cft, "f"),
            cft_with_vat=format(p.cft_with_vat, "f"),
            interest_free=p.interest_free,
            assumptions=AssumptionsOut(
                days_per_month=a.days_per_month,
                days_per_year=a.days_per_year,
                system=a.system,
                rounding=a.rounding,
                vat_on_interest_percent=format(a.vat_on_interest_percent, "f"),
                fees_upfront=a.fees_upfront,
            ),
            schedule=[LineOut.of(line) for line in p.lines],
        )


class PlansOut(Struct, kw_only=True):
    plans: list[PlanOut]


_CENT = Decimal("0.01")
_TEN_THOUSANDTH = Decimal("0.0001")


class FinancingController(Controller):
    path = RATES
    tags = ["financing"]

    @get(
        "/rates",
        operation_id="listFinancingRates",
        summary="The financing rates table",
        description=doc(services.list_rates),
        sync_to_thread=True,
        responses=responses(400, 401),
    )
    def list_rates(
        self, uows: NewUow, actor: ActorDep, on: FromQuery[date | None] = None
    ) -> RatesOut:
        return RatesOut(rules=[RateRuleOut.of(r) for r in services.list_rates(uows(), actor, on)])

    @put(
        "/rates",
        operation_id="replaceFinancingRates",
        summary="Replace the financing rates table (admins)",
        description=doc(services.replace_rates),
        guards=[CAN_ADMINISTER],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        responses=responses(400, 401, 403, 413, 422),
    )
    def replace_rates(self, data: JSONBody[RatesIn], uows: NewUow, actor: ActorDep) -> RatesOut:
        records = [rule.to_record() for rule in data.rules]
        rules = services.replace_rates(records, uows(), actor)
        return RatesOut(rules=[RateRuleOut.of(r) for r in rules])

    @post(
        "/simulations",
        operation_id="simulateFinancing",
        summary="Simulate a financing plan, or the suggested plans",
        description=doc(services.simulate_financing),
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        responses=responses(400, 401, 413, 422),
    )
    def simulate(
        self, data: JSONBody[SimulationIn], uows: NewUow, clock: ClockDep, actor: ActorDep
    ) -> PlansOut:
        actor.require(Permission.READ)
        amount = Money.of(data.amount, data.currency)
        today = clock.now().date()
        if data.installments is None:
            plans = services.suggest_financing(amount, today, uows())
        else:
            plans = [services.simulate_financing(amount, data.installments, today, uows())]
        return PlansOut(plans=[PlanOut.of(p) for p in plans])
