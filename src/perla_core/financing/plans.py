"""Simulations: :func:`simulate` one count, :func:`suggested_plans` the usual 3/6/9/12.

A :class:`FinancingPlan` keeps the schedule, the totals, the rates (TNA, TEA, CFT with and
without VAT on interest, percentages with two decimals half-up), the rule used and the
assumptions. The CFT (costo financiero total) is the effective annual rate of the client's
own cash flows: the amount financed less the upfront fees received now, then each
instalment (plus the VAT on its interest, for the CFT with VAT); their monthly internal
rate of return ``r`` is annualised as ``(1+r)^(365/30) - 1``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import attrs

from perla_core.financing.amortisation import (
    ScheduleLine,
    annualised,
    effective_annual,
    french_schedule,
    monthly_irr,
    round_money,
)
from perla_core.financing.model import (
    DAYS_PER_MONTH,
    DAYS_PER_YEAR,
    HUNDRED,
    FinancingRefused,
    RateKind,
    RateRule,
    RateTable,
    percent,
)
from perla_core.kernel.money import Money

SUGGESTED_COUNTS: tuple[int, ...] = (3, 6, 9, 12)


@attrs.frozen
class Assumptions:
    """What the figures assume, kept with every plan."""

    days_per_month: int = int(DAYS_PER_MONTH)
    days_per_year: int = int(DAYS_PER_YEAR)
    system: str = "french"
    rounding: str = "half-up to the currency's minor unit; the last instalment absorbs it"
    vat_on_interest_percent: Decimal = Decimal(21)
    fees_upfront: bool = True


@attrs.frozen
class PlanLine:
    """A schedule line in money, with the VAT on its interest."""

    number: int
    interest: Money
    principal: Money
    installment: Money
    balance: Money
    vat_on_interest: Money
    installment_with_vat: Money


@attrs.frozen(kw_only=True)
class FinancingPlan:
    rule_id: str
    on: date
    amount: Money
    """The amount financed (the principal)."""
    installments: int
    installment: Money
    """The regular instalment; the last one may differ by the rounding it absorbs."""
    last_installment: Money
    lines: tuple[PlanLine, ...]
    total_installments: Money
    """The instalments added up."""
    total_interest: Money
    fees: Money
    """Paid upfront: the origination fee and the fixed fee."""
    total_paid: Money
    """Instalments plus fees."""
    vat_on_interest: Money
    total_paid_with_vat: Money
    monthly_rate: Decimal
    """The monthly effective rate in percent, four decimals half-up."""
    tna: Decimal
    tea: Decimal
    cft: Decimal
    cft_with_vat: Decimal
    rate_kind: RateKind
    interest_free: bool
    assumptions: Assumptions


def _money(value: Decimal, currency: str) -> Money:
    return Money(value, currency)


def plan_for(rule: RateRule, amount: Money, installments: int, on: date) -> FinancingPlan:
    """The plan of ``rule`` for ``amount`` in ``installments`` (limits already checked)."""
    currency = amount.currency
    principal = round_money(amount.amount, currency)
    i = rule.monthly_rate
    regular, schedule = french_schedule(principal, i, installments, currency)
    vat_rate = rule.vat_on_interest_percent / HUNDRED
    vats = [round_money(line.interest * vat_rate, currency) for line in schedule]
    fee = round_money(principal * rule.origination_fee_percent / HUNDRED, currency)
    if rule.fixed_fee is not None:
        fee += round_money(rule.fixed_fee.amount, currency)
    received = principal - fee
    if received <= 0:
        raise FinancingRefused(
            "the fees take the whole amount financed", field="amount", fees=str(fee)
        )
    total_installments = sum((line.installment for line in schedule), Decimal(0))
    total_interest = sum((line.interest for line in schedule), Decimal(0))
    total_vat = sum(vats, Decimal(0))
    cft = _cft(received, [line.installment for line in schedule], i)
    cft_vat = _cft(
        received, [line.installment + vat for line, vat in zip(schedule, vats, strict=True)], i
    )
    return FinancingPlan(
        rule_id=rule.id,
        on=on,
        amount=_money(principal, currency),
        installments=installments,
        installment=_money(regular, currency),
        last_installment=_money(schedule[-1].installment, currency),
        lines=tuple(_line(line, vat, currency) for line, vat in zip(schedule, vats, strict=True)),
        total_installments=_money(total_installments, currency),
        total_interest=_money(total_interest, currency),
        fees=_money(fee, currency),
        total_paid=_money(total_installments + fee, currency),
        vat_on_interest=_money(total_vat, currency),
        total_paid_with_vat=_money(total_installments + fee + total_vat, currency),
        monthly_rate=(i * HUNDRED).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP),
        tna=percent(rule.tna),
        tea=percent(effective_annual(i) * HUNDRED),
        cft=cft,
        cft_with_vat=cft_vat,
        rate_kind=rule.kind,
        interest_free=rule.interest_free,
        assumptions=Assumptions(vat_on_interest_percent=rule.vat_on_interest_percent),
    )


def _cft(received: Decimal, payments: list[Decimal], guess: Decimal) -> Decimal:
    flows = [received, *(-p for p in payments)]
    return percent(annualised(monthly_irr(flows, guess)) * HUNDRED)


def _line(line: ScheduleLine, vat: Decimal, currency: str) -> PlanLine:
    return PlanLine(
        number=line.number,
        interest=_money(line.interest, currency),
        principal=_money(line.principal, currency),
        installment=_money(line.installment, currency),
        balance=_money(line.balance, currency),
        vat_on_interest=_money(vat, currency),
        installment_with_vat=_money(line.installment + vat, currency),
    )


def simulate(table: RateTable, amount: Money, installments: int, on: date) -> FinancingPlan:
    """The plan for ``installments`` of ``amount`` on ``on``. Raises ``InvalidValue``
    (``amount``) for an amount not above zero, :class:`FinancingRefused` (``installments``
    or ``amount``) outside the limits, with the allowed range, and :class:`NoFinancingRates`
    when no rate is valid that day."""
    rule = table.rule_for(installments, amount, on)
    return plan_for(rule, amount, installments, on)


def suggested_plans(
    table: RateTable, amount: Money, on: date, counts: Iterable[int] = SUGGESTED_COUNTS
) -> list[FinancingPlan]:
    """The plans of ``counts`` (3, 6, 9 and 12 by default) the table allows for ``amount``
    on ``on``, in that order; counts not offered, or whose minimum the amount does not
    reach, are left out. Raises like :func:`simulate` for a bad amount or no rates."""
    table.allowed(on, amount.currency)  # NoFinancingRates, before anything else
    plans: list[FinancingPlan] = []
    refusals: list[FinancingRefused] = []
    for count in counts:
        try:
            plans.append(simulate(table, amount, count, on))
        except FinancingRefused as refused:
            refusals.append(refused)
    if not plans and refusals:
        raise refusals[0]
    return plans
