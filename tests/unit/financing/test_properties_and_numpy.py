"""Schedule invariants for any amount, rate and count (hypothesis), and the figures against
an independent implementation, numpy-financial.

numpy-financial works in binary floats on the unrounded balance, so the comparison is after
rounding its figures half-up to cents:

- the regular instalment equals ``round(pmt)`` exactly, unless the float lands within a
  billionth of a half cent (then either cent is right, and 0.01 is allowed);
- each line's interest and principal are within 0.01 of ``round(ipmt)``/``round(ppmt)``
  (perla charges interest on the *rounded* balance, which drifts from the exact one by
  under half a cent per line); the last line's principal, which absorbs every line's
  rounding of the instalment, within 0.01 per instalment;
- the CFT (no fees, no VAT) is within 0.01 percentage points of the one annualised from
  ``irr`` of the same cash flows (``irr`` solves a polynomial in floats: its last digits
  may differ).
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perla_core.financing.amortisation import french_schedule
from perla_core.financing.model import RateKind, RateRule, RateTable
from perla_core.financing.plans import simulate
from perla_core.kernel.money import Money

D = Decimal
CENT = D("0.01")
DAY = date(2026, 11, 24)

# What MICROCOM finances: from ARS 1.000 to 50 million, 0 to 10 % a month (TNA ~122 %), up
# to 72 instalments. (With a few pesos at 12 % a month over years, a cent is a large share of
# the principal repaid each month and the rounded instalment may not cover the interest.)
amounts = st.decimals(min_value=D("1000.00"), max_value=D("50000000.00"), places=2)
rates = st.decimals(min_value=D(0), max_value=D("0.10"), places=6)
counts = st.integers(min_value=1, max_value=72)


def _cents(value: float) -> Decimal:
    return D(repr(float(value))).quantize(CENT, rounding=ROUND_HALF_UP)


@settings(max_examples=300, deadline=None)
@given(amounts, rates, counts)
def test_the_schedule_invariants_hold(amount: Decimal, rate: Decimal, count: int) -> None:
    regular, lines = french_schedule(amount, rate, count)
    assert len(lines) == count
    assert [line.number for line in lines] == list(range(1, count + 1))
    # the principal sums exactly to the amount and the balance ends at zero
    assert sum(line.principal for line in lines) == amount
    assert lines[-1].balance == D("0.00")
    # the balance only falls, and never below zero
    balances = [amount, *(line.balance for line in lines)]
    assert all(a >= b >= 0 for a, b in pairwise(balances))
    for line in lines:
        assert line.installment == line.interest + line.principal
        assert line.interest >= 0
        assert line.principal >= 0
        assert line.interest.as_tuple().exponent == -2
        assert line.balance.as_tuple().exponent == -2
    # every instalment but the last is the regular one; the last differs by the rounding it
    # absorbs: under a cent per line, grown by the interest of the months after it
    assert all(line.installment == regular for line in lines[:-1])
    assert abs(lines[-1].installment - regular) <= CENT * count * (1 + rate) ** count


@settings(max_examples=150, deadline=None)
@given(amounts, st.decimals(min_value=D("0.0001"), max_value=D("0.10"), places=6), counts)
def test_the_instalment_matches_numpy_financial_pmt(
    amount: Decimal, rate: Decimal, count: int
) -> None:
    regular, _ = french_schedule(amount, rate, count)
    exact = npf.pmt(float(rate), count, -float(amount))
    near_half_cent = abs((exact * 100) % 1 - 0.5) < 1e-6
    assert abs(regular - _cents(exact)) <= (CENT if near_half_cent else 0)


@pytest.mark.parametrize(
    ("amount", "tna", "count"),
    [
        ("150000.00", "62", 12),
        ("120000.00", "89.5", 12),
        ("1000000.00", "72", 24),
        ("87654.32", "58", 9),
        ("10000.00", "120", 3),
        ("2500000.00", "45.25", 18),
    ],
)
def test_every_line_matches_numpy_financial_ipmt_ppmt_and_the_cft_its_irr(
    amount: str, tna: str, count: int
) -> None:
    rule = RateRule(
        id="r",
        min_installments=1,
        max_installments=24,
        kind=RateKind.TNA,
        rate=D(tna),
        valid_from=date(2026, 1, 1),
    )
    plan = simulate(RateTable.of([rule]), Money.of(amount, "ARS"), count, DAY)
    i = float(D(tna) / 100 * 30 / 365)
    principal = float(amount)
    assert plan.installment.amount == _cents(npf.pmt(i, count, -principal))
    for line in plan.lines:
        interest = -npf.ipmt(i, line.number, count, principal)
        repaid = -npf.ppmt(i, line.number, count, principal)
        assert abs(line.interest.amount - _cents(interest)) <= CENT, line
        # the last line absorbs what rounding each instalment to cents left over
        allowed = CENT * count if line.number == count else CENT
        assert abs(line.principal.amount - _cents(repaid)) <= allowed, line
    flows = [principal, *(-float(line.installment.amount) for line in plan.lines)]
    monthly = npf.irr(flows)
    cft = _cents(((1 + monthly) ** (365 / 30) - 1) * 100)
    assert abs(plan.cft - cft) <= CENT
    tea = _cents(((1 + i) ** (365 / 30) - 1) * 100)
    assert abs(plan.tea - tea) <= CENT
