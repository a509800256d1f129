"""The financing maths, checked by hand: the French instalment, each line's interest and
principal rounded half-up with the last line absorbing the rounding, 0 % plans, TNA to a
monthly rate with 30-day months over a 365-day year, TEA, CFT with and without VAT on
interest and with upfront fees, and the limits of the rates table."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from perla_core.financing.amortisation import (
    annualised,
    effective_annual,
    french_schedule,
    installment_amount,
    monthly_irr,
)
from perla_core.financing.model import (
    FinancingRefused,
    NoFinancingRates,
    RateKind,
    RateRule,
    RateTable,
    format_money,
)
from perla_core.financing.plans import simulate, suggested_plans
from perla_core.kernel.errors import InvalidValue
from perla_core.kernel.money import Money

D = Decimal
DAY = date(2026, 11, 24)


def _rule(**kw: object) -> RateRule:
    values: dict[str, object] = {
        "id": "r",
        "min_installments": 1,
        "max_installments": 24,
        "kind": RateKind.MONTHLY,
        "rate": D(10),
        "valid_from": date(2026, 1, 1),
    }
    values.update(kw)
    return RateRule(**values)  # type: ignore[arg-type]


def _ars(amount: str) -> Money:
    return Money.of(amount, "ARS")


def test_two_instalments_at_ten_percent_a_month_by_hand() -> None:
    # 1000 x 0.1 / (1 - 1.1^-2) = 100 / 0.173553719... = 576.190476...
    regular, lines = french_schedule(D(1000), D("0.1"), 2)
    assert regular == D("576.19")
    assert [(l.interest, l.principal, l.installment, l.balance) for l in lines] == [  # noqa: E741
        (D("100.00"), D("476.19"), D("576.19"), D("523.81")),
        # 523.81 x 0.1 = 52.381 -> 52.38; the last repays the 523.81 left
        (D("52.38"), D("523.81"), D("576.19"), D("0.00")),
    ]


def test_the_last_instalment_absorbs_the_rounding() -> None:
    # 100 x 0.05 / (1 - 1.05^-3) = 36.7208564... -> 36.72 a month
    regular, lines = french_schedule(D(100), D("0.05"), 3)
    assert regular == D("36.72")
    assert [l.interest for l in lines] == [D("5.00"), D("3.41"), D("1.75")]  # noqa: E741
    assert [l.principal for l in lines] == [D("31.72"), D("33.31"), D("34.97")]  # noqa: E741
    assert lines[-1].installment == D("36.72")
    assert sum(l.principal for l in lines) == D(100)  # noqa: E741
    # a case where the last differs: 0 %, 1000 in 3 -> 333.33, 333.33, 333.34
    regular, lines = french_schedule(D(1000), D(0), 3)
    assert regular == D("333.33")
    assert [l.installment for l in lines] == [D("333.33"), D("333.33"), D("333.34")]  # noqa: E741
    assert all(l.interest == 0 for l in lines)  # noqa: E741
    assert lines[-1].balance == D("0.00")


def test_half_cents_round_up() -> None:
    # 0 %: 100.05 / 2 = 50.025 -> 50.03, the last 50.02
    regular, lines = french_schedule(D("100.05"), D(0), 2)
    assert regular == D("50.03")
    assert lines[-1].installment == D("50.02")


def test_one_instalment_is_the_amount_plus_a_month_of_interest() -> None:
    regular, lines = french_schedule(D(1000), D("0.05"), 1)
    assert regular == D("1050.00")
    assert lines[0].interest == D("50.00")
    assert lines[0].balance == 0


def test_tna_becomes_a_monthly_rate_with_30_day_months_and_a_365_day_year() -> None:
    rule = _rule(kind=RateKind.TNA, rate=D("73"))
    assert rule.monthly_rate == D("0.06")  # 0.73 x 30 / 365
    assert rule.tna == D(73)
    monthly = _rule(kind=RateKind.MONTHLY, rate=D(6))
    assert monthly.tna == D(73)


def test_tea_and_the_cft_without_fees_match_for_an_exact_schedule() -> None:
    # 10 % a month: TEA = 1.1^(365/30) - 1 = 218.87... %
    assert (effective_annual(D("0.1")) * 100).quantize(D("0.01")) == D("218.87")
    plan = simulate(RateTable.of([_rule()]), _ars("1000"), 2, DAY)
    assert plan.tea == D("218.87")
    assert plan.cft == D("218.87")  # the rounding moves the monthly IRR by 0.0005 %
    assert plan.tna == D("121.67")  # 10 x 365 / 30
    assert plan.total_interest == _ars("152.38")
    assert plan.total_paid == _ars("1152.38")
    # VAT 21 % on 100.00 and 52.38: 21.00 and 11.00
    assert plan.vat_on_interest == _ars("32.00")
    assert plan.lines[0].installment_with_vat == _ars("597.19")
    assert plan.cft_with_vat == D("301.36")


def test_upfront_fees_raise_the_cft_not_the_instalments() -> None:
    plain = simulate(RateTable.of([_rule()]), _ars("1000"), 2, DAY)
    table = RateTable.of([_rule(origination_fee_percent=D(2), fixed_fee=_ars("10"))])
    fees = simulate(table, _ars("1000"), 2, DAY)
    assert fees.fees == _ars("30.00")
    assert fees.installment == plain.installment
    assert fees.total_paid == _ars("1182.38")
    # received 970, paid 576.19 twice: v + v^2 = 970 / 576.19 with v = 1 / (1 + r), so
    # v = (-1 + sqrt(1 + 4 x 1.683472...)) / 2 = 0.890495... and r = 12.297 %
    irr = monthly_irr([D(970), D("-576.19"), D("-576.19")])
    assert irr.quantize(D("0.0001")) == D("0.1230")
    assert fees.cft == (annualised(irr) * 100).quantize(D("0.01"))
    assert fees.cft > plain.cft


def test_an_interest_free_plan_has_no_interest_and_a_zero_cft() -> None:
    table = RateTable.of([_rule(kind=RateKind.TNA, rate=D(0))])
    plan = simulate(table, _ars("1000"), 3, DAY)
    assert plan.interest_free
    assert plan.total_interest == _ars("0")
    assert (plan.tna, plan.tea, plan.cft, plan.cft_with_vat) == (D(0), D(0), D(0), D(0))
    assert plan.installment == _ars("333.33")
    assert plan.last_installment == _ars("333.34")


def test_the_irr_is_deterministic_and_zero_when_nothing_is_added() -> None:
    assert monthly_irr([D(300), D(-100), D(-100), D(-100)]) == 0
    flows = [D(1000), D("-576.19"), D("-576.19")]
    assert monthly_irr(flows) == monthly_irr(flows, D("0.5"))
    with pytest.raises(InvalidValue):
        monthly_irr([D(-1), D(1)])


def test_counts_and_amounts_out_of_limits_name_the_field_and_the_range() -> None:
    table = RateTable.of(
        [_rule(max_installments=24, minimum_amount=_ars("10000"))],
    )
    for count in (0, 25, 1000, -3):
        with pytest.raises(FinancingRefused) as refused:
            simulate(table, _ars("50000"), count, DAY)
        assert refused.value.field == "installments"
        assert "between 1 and 24 instalments" in refused.value.message
        assert refused.value.details["max_installments"] == 24
    with pytest.raises(FinancingRefused) as low:
        simulate(table, _ars("9999.99"), 3, DAY)
    assert low.value.field == "amount"
    assert "minimum amount ARS 10.000,00" in low.value.message
    for amount in ("0", "-1"):
        with pytest.raises(InvalidValue) as bad:
            simulate(table, _ars(amount), 3, DAY)
        assert bad.value.field == "amount"
    with pytest.raises(NoFinancingRates) as usd:  # no rate in USD
        simulate(table, Money.of("50000", "USD"), 3, DAY)
    assert usd.value.field == "rates"


def test_no_rate_valid_on_the_day_is_refused() -> None:
    table = RateTable.of([_rule(valid_from=date(2026, 1, 1), valid_until=date(2026, 11, 24))])
    assert simulate(table, _ars("1000"), 3, date(2026, 11, 23)).rule_id == "r"
    with pytest.raises(NoFinancingRates) as none:
        simulate(table, _ars("1000"), 3, DAY)  # valid_until is exclusive
    assert none.value.field == "rates"
    with pytest.raises(NoFinancingRates):
        suggested_plans(RateTable.of([]), _ars("1000"), DAY)


def test_the_rule_for_each_range_is_picked_and_suggestions_skip_what_is_not_allowed() -> None:
    table = RateTable.of(
        [
            _rule(id="cero", max_installments=6, rate=D(0)),
            _rule(
                id="doce",
                min_installments=12,
                max_installments=12,
                rate=D(5),
                minimum_amount=_ars("50000"),
            ),
        ]
    )
    assert simulate(table, _ars("60000"), 6, DAY).rule_id == "cero"
    assert simulate(table, _ars("60000"), 12, DAY).rule_id == "doce"
    assert [p.installments for p in suggested_plans(table, _ars("60000"), DAY)] == [3, 6, 12]
    assert [p.installments for p in suggested_plans(table, _ars("1000"), DAY)] == [3, 6]
    with pytest.raises(FinancingRefused) as gap:
        simulate(table, _ars("60000"), 9, DAY)
    assert "one of 1, 2, 3, 4, 5, 6, 12 instalments" in gap.value.message


def test_overlapping_or_malformed_rules_are_refused() -> None:
    with pytest.raises(InvalidValue, match="same instalment counts"):
        RateTable.of([_rule(id="a"), _rule(id="b", min_installments=24)])
    # the same counts on days that do not overlap are fine
    RateTable.of(
        [_rule(id="a", valid_until=date(2026, 6, 1)), _rule(id="b", valid_from=date(2026, 6, 1))]
    )
    cases: list[tuple[dict[str, object], str]] = [
        ({"rate": D(-1)}, "rate"),
        ({"rate": D("1.1234567")}, "rate"),
        ({"min_installments": 0}, "min_installments"),
        ({"max_installments": 121}, "max_installments"),
        ({"valid_until": date(2025, 1, 1)}, "valid_until"),
        ({"minimum_amount": Money.of("1", "USD")}, "minimum_amount"),
        ({"fixed_fee": _ars("1.005")}, "fixed_fee"),
        ({"id": "Bad Id"}, "id"),
    ]
    for kw, field in cases:
        with pytest.raises(InvalidValue) as bad:
            _rule(**kw)
        assert bad.value.field == field


def test_installment_amount_refuses_no_instalments_and_money_formats_the_argentine_way() -> None:
    with pytest.raises(InvalidValue):
        installment_amount(D(100), D("0.01"), 0)
    assert format_money(_ars("1234567.891")) == "ARS 1.234.567,89"
