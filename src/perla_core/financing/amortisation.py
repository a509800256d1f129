"""French amortisation, rates conversions and the internal rate of return, in ``Decimal``.

Every computation runs in a local context of 34 significant digits; what is shown is rounded
half-up: money to the currency's minor unit (cents), percentages to two decimals.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, localcontext

import attrs

from perla_core.financing.model import DAYS_PER_MONTH, DAYS_PER_YEAR
from perla_core.kernel.errors import InvalidValue
from perla_core.kernel.money import MINOR_UNITS

PRECISION = 34
ONE = Decimal(1)
ZERO = Decimal(0)
MONTHS_PER_YEAR = DAYS_PER_YEAR / DAYS_PER_MONTH  # 365 / 30 (inexact: taken at 34 digits)
_IRR_TOLERANCE = Decimal("1e-24")
_IRR_MAX_STEPS = 400
_MAX_MONTHLY_RATE = Decimal(1000)


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-MINOR_UNITS[currency])


def round_money(value: Decimal, currency: str) -> Decimal:
    return value.quantize(quantum(currency), rounding=ROUND_HALF_UP)


@attrs.frozen
class ScheduleLine:
    """One instalment: ``interest`` on the balance before it, ``principal`` repaid,
    ``installment`` = interest + principal, ``balance`` left after it; all rounded."""

    number: int
    interest: Decimal
    principal: Decimal
    installment: Decimal
    balance: Decimal


def installment_amount(principal: Decimal, monthly_rate: Decimal, count: int) -> Decimal:
    """``P·i / (1 - (1+i)^-n)`` (``P/n`` at 0 %), unrounded."""
    if count < 1:
        raise InvalidValue("at least 1 instalment", field="installments")
    with localcontext() as ctx:
        ctx.prec = PRECISION
        if monthly_rate == 0:
            return principal / count
        return principal * monthly_rate / (ONE - (ONE + monthly_rate) ** -count)


def french_schedule(
    principal: Decimal, monthly_rate: Decimal, count: int, currency: str = "ARS"
) -> tuple[Decimal, tuple[ScheduleLine, ...]]:
    """The rounded regular instalment and the schedule. Each line's interest is the rounded
    balance times the rate, rounded half-up; the principal is the instalment less it; the
    last line repays the whole balance left, absorbing the rounding, so the principal sums
    exactly to ``principal`` and the balance ends at zero."""
    if principal <= 0:
        raise InvalidValue("the amount to finance must be more than zero", field="amount")
    regular = round_money(installment_amount(principal, monthly_rate, count), currency)
    lines: list[ScheduleLine] = []
    balance = round_money(principal, currency)
    with localcontext() as ctx:
        ctx.prec = PRECISION
        for number in range(1, count + 1):
            interest = round_money(balance * monthly_rate, currency)
            # the last repays what is left; none repays more than is owed (only a tiny
            # amount over many instalments could round its way there)
            repaid = balance if number == count else min(max(regular - interest, ZERO), balance)
            balance -= repaid
            lines.append(ScheduleLine(number, interest, repaid, interest + repaid, balance))
    return regular, tuple(lines)


def effective_annual(monthly_rate: Decimal) -> Decimal:
    """``(1 + i)^(365/30) - 1`` as a fraction."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        if monthly_rate == 0:
            return ZERO
        return (ONE + monthly_rate) ** MONTHS_PER_YEAR - ONE


def _npv_and_slope(rate: Decimal, flows: Sequence[Decimal]) -> tuple[Decimal, Decimal]:
    factor = ONE / (ONE + rate)
    discount = ONE
    npv = ZERO
    slope = ZERO
    for period, flow in enumerate(flows):
        npv += flow * discount
        slope -= period * flow * discount * factor
        discount *= factor
    return npv, slope


def monthly_irr(flows: Sequence[Decimal], guess: Decimal | None = None) -> Decimal:
    """The rate ``r`` where ``Σ flow_k / (1+r)^k = 0`` (``flows[0]`` received now, then
    one flow a month): Newton's method from ``guess``, kept inside a bisection bracket, so
    it is deterministic and always converges for a loan (money received, then payments).

    The net present value of a loan rises with the rate (the payments are discounted more),
    so a positive value means the root is below the rate tried, a negative one above it.
    """
    if not flows or flows[0] <= 0 or any(f > 0 for f in flows[1:]):
        raise InvalidValue("a loan's flows: money received, then payments", field="flows")
    with localcontext() as ctx:
        ctx.prec = PRECISION
        at_zero = _npv_and_slope(ZERO, flows)[0]
        if at_zero == 0:
            return ZERO
        if at_zero < 0:  # paid back more than received: a positive rate
            low, high = ZERO, ONE
            while _npv_and_slope(high, flows)[0] < 0:
                low, high = high, high * 2
                if high > _MAX_MONTHLY_RATE:
                    raise InvalidValue("no rate of return for these flows", field="flows")
        else:
            low, high = Decimal("-0.99"), ZERO
        rate = guess if guess is not None and low < guess < high else (low + high) / 2
        for _ in range(_IRR_MAX_STEPS):
            npv, slope = _npv_and_slope(rate, flows)
            if abs(npv) <= _IRR_TOLERANCE or high - low <= _IRR_TOLERANCE:
                break
            if npv > 0:
                high = rate
            else:
                low = rate
            step = rate - npv / slope if slope != 0 else low
            rate = step if low < step < high else (low + high) / 2
        return +rate


def annualised(monthly: Decimal) -> Decimal:
    """A monthly effective rate as an effective annual one: ``(1+r)^(365/30) - 1``."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        return (ONE + monthly) ** MONTHS_PER_YEAR - ONE
