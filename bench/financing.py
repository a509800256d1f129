"""Financing: 100,000 simulations (seeded random amounts and counts) against the shipped
default rates, and the same schedules computed with numpy-financial in the same run.

perla's side is the whole plan: the rule picked from the table, the French schedule in
``Decimal`` with half-up cents, the VAT on interest, TEA and both CFTs (two internal rates
of return by Newton in ``Decimal``). numpy-financial's side is ``pmt`` plus the vectors of
``ipmt`` and ``ppmt`` for every line and one ``irr`` (floats), the nearest it offers. A sample
of the instalments is checked equal to the cent before anything is timed. ``python -m bench
financing``; ``PERLA_BENCH_FINANCING_N`` changes the count.
"""

from __future__ import annotations

import os
import random
import time
from datetime import date
from decimal import Decimal

import numpy as np
import numpy_financial as npf

from bench.harness import Figure
from perla_core.financing.model import RateTable
from perla_core.financing.plans import simulate
from perla_core.financing.records import rules_from_records
from perla_core.kernel.money import Money
from perla_entrypoints.financing_cli import default_rates_path, parse_rates_text

SEED = 20261124
DAY = date(2026, 11, 24)
COUNTS = [3, 6, 9, 12, 18, 24]


def _table() -> RateTable:
    text = default_rates_path().read_text(encoding="utf-8")
    return RateTable.of(rules_from_records(parse_rates_text(text, "default.yaml")))


def _inputs(n: int) -> list[tuple[Money, int]]:
    rng = random.Random(SEED)
    out = []
    for _ in range(n):
        count = rng.choice(COUNTS)
        cents = rng.randrange(20_000_000, 500_000_000)  # ARS 200.000 to 5.000.000
        out.append((Money(Decimal(cents).scaleb(-2), "ARS"), count))
    return out


def _numpy(rate: float, count: int, amount: float) -> float:
    pmt = float(npf.pmt(rate, count, -amount))
    periods = np.arange(1, count + 1)
    with np.errstate(divide="ignore", invalid="ignore"):  # 0 %: numpy divides by the rate
        npf.ipmt(rate, periods, count, -amount)
        npf.ppmt(rate, periods, count, -amount)
    npf.irr([amount, *([-pmt] * count)])
    return pmt


def run() -> list[Figure]:
    n = int(os.environ.get("PERLA_BENCH_FINANCING_N", "100000"))
    table = _table()
    inputs = _inputs(n)
    rates = {
        c: float(table.rule_for(c, Money.of("300000", "ARS"), DAY).monthly_rate) for c in COUNTS
    }
    for amount, count in inputs[:200]:  # the same figures, to the cent
        plan = simulate(table, amount, count, DAY)
        expected = Decimal(repr(_numpy(rates[count], count, float(amount.amount)))).quantize(
            Decimal("0.01")
        )
        assert abs(plan.installment.amount - expected) <= Decimal("0.01"), (amount, count)
    start = time.perf_counter()
    for amount, count in inputs:
        simulate(table, amount, count, DAY)
    perla = time.perf_counter() - start
    floats = [(float(a.amount), c) for a, c in inputs]
    start = time.perf_counter()
    for amount_f, count in floats:
        _numpy(rates[count], count, amount_f)
    baseline = time.perf_counter() - start
    return [
        Figure(
            f"financing: {n} simulations (schedule, TEA, CFT x2)",
            "sim/s",
            n / perla,
            n / baseline,
            "numpy-financial pmt+ipmt+ppmt+irr (floats)",
            goal="info",
            note="Decimal, half-up cents, exact totals",
        ),
    ]
