"""The promises of the financing rates repository, kept by every adapter (memory, SQLite,
PostgreSQL): the table is replaced as a whole, only on commit; rates and money come back
exactly as given (Decimal, not float); reads are sorted and filter by validity day; an
unknown id is ``NotFound``; and the use cases simulate from what is stored."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from tests.contract.builders import NewUow

from perla_core.access.model import SYSTEM, Actor, Role
from perla_core.financing.model import FinancingRefused, NoFinancingRates, RateKind, RateRule
from perla_core.financing.services import (
    list_rates,
    replace_rates,
    simulate_financing,
    suggest_financing,
)
from perla_core.kernel.errors import InvalidInput, InvalidValue, NotFound, PermissionDenied
from perla_core.kernel.money import Money

DAY = date(2026, 11, 24)


def _rules() -> list[RateRule]:
    return [
        RateRule(
            id="cuotas-13-24",
            min_installments=13,
            max_installments=24,
            kind=RateKind.TNA,
            rate=Decimal("95.123456"),
            valid_from=date(2026, 1, 1),
            minimum_amount=Money.of("50000.00", "ARS"),
            fixed_fee=Money.of("1500.50", "ARS"),
            origination_fee_percent=Decimal("1.5"),
            vat_on_interest_percent=Decimal("10.5"),
            description="Largo plazo",
        ),
        RateRule(
            id="sin-interes",
            min_installments=1,
            max_installments=6,
            kind=RateKind.MONTHLY,
            rate=Decimal(0),
            valid_from=date(2026, 1, 1),
            valid_until=date(2027, 1, 1),
        ),
        RateRule(
            id="cuotas-7-12",
            min_installments=7,
            max_installments=12,
            kind=RateKind.MONTHLY,
            rate=Decimal("6.25"),
            valid_from=date(2026, 12, 1),
        ),
    ]


def _replace(new_uow: NewUow, rules: list[RateRule]) -> None:
    with new_uow() as uow:
        uow.financing_rates.replace(rules)
        uow.commit()


def test_the_table_round_trips_exactly_and_sorted_by_count(new_uow: NewUow) -> None:
    _replace(new_uow, _rules())
    with new_uow() as uow:
        stored = uow.financing_rates.list()
        assert [r.id for r in stored] == ["sin-interes", "cuotas-7-12", "cuotas-13-24"]
        assert stored[2] == _rules()[0]
        assert isinstance(stored[2].rate, Decimal)
        assert stored[2].rate == Decimal("95.123456")
        assert stored[2].fixed_fee == Money.of("1500.50", "ARS")
        assert stored[2].minimum_amount == Money.of("50000", "ARS")
        assert stored[2].vat_on_interest_percent == Decimal("10.5")
        assert stored[0].valid_until == date(2027, 1, 1)
        assert stored[0].fixed_fee is None
        assert uow.financing_rates.get("cuotas-7-12") == _rules()[2]
        assert uow.financing_rates.count() == 3


def test_list_on_a_day_keeps_only_the_rules_valid_that_day(new_uow: NewUow) -> None:
    _replace(new_uow, _rules())
    with new_uow() as uow:
        assert [r.id for r in uow.financing_rates.list(DAY)] == ["sin-interes", "cuotas-13-24"]
        in_december = uow.financing_rates.list(date(2026, 12, 1))
        assert [r.id for r in in_december] == ["sin-interes", "cuotas-7-12", "cuotas-13-24"]
        # valid_until is exclusive
        assert [r.id for r in uow.financing_rates.list(date(2027, 1, 1))] == [
            "cuotas-7-12",
            "cuotas-13-24",
        ]


def test_replace_swaps_the_whole_table_and_only_on_commit(new_uow: NewUow) -> None:
    _replace(new_uow, _rules())
    with new_uow() as uow:
        uow.financing_rates.replace(_rules()[:1])
        assert uow.financing_rates.count() == 1  # its own write is visible to it
    with new_uow() as uow:
        assert uow.financing_rates.count() == 3  # rolled back
        uow.financing_rates.replace(_rules()[1:2])
        uow.commit()
    with new_uow() as uow:
        assert [r.id for r in uow.financing_rates.list()] == ["sin-interes"]
        with pytest.raises(NotFound):
            uow.financing_rates.get("cuotas-13-24")


def test_an_overlapping_table_is_refused_before_anything_is_written(new_uow: NewUow) -> None:
    _replace(new_uow, _rules())
    clash = RateRule(
        id="otra",
        min_installments=3,
        max_installments=3,
        kind=RateKind.TNA,
        rate=Decimal(50),
        valid_from=date(2026, 6, 1),
    )
    with new_uow() as uow, pytest.raises(InvalidValue, match="same instalment counts"):
        uow.financing_rates.replace([*_rules(), clash])
    with new_uow() as uow:
        assert uow.financing_rates.count() == 3


def test_the_use_cases_replace_and_simulate_from_the_stored_table(new_uow: NewUow) -> None:
    records = [
        {"id": "sin-interes", "min_installments": 1, "max_installments": 6, "tna": "0",
         "valid_from": "2026-01-01"},
        {"id": "doce", "installments": "12", "tna": "89.5", "valid_from": "2026-01-01",
         "minimum_amount": "10000"},
    ]  # fmt: skip
    replaced = replace_rates(records, new_uow(), SYSTEM)
    assert [r.id for r in replaced] == ["sin-interes", "doce"]
    assert [r.id for r in list_rates(new_uow(), SYSTEM, DAY)] == ["sin-interes", "doce"]
    plan = simulate_financing(Money.of("120000", "ARS"), 12, DAY, new_uow())
    assert plan.rule_id == "doce"
    assert plan.installment == Money.of("15396.29", "ARS")  # numpy-financial: 15396.2917
    plans = suggest_financing(Money.of("9000", "ARS"), DAY, new_uow())
    assert [p.installments for p in plans] == [3, 6]  # 12 needs ARS 10.000,00
    with pytest.raises(FinancingRefused) as refused:
        simulate_financing(Money.of("120000", "ARS"), 9, DAY, new_uow())
    assert refused.value.field == "installments"
    assert "one of 1, 2, 3, 4, 5, 6, 12 instalments" in refused.value.message
    with pytest.raises(NoFinancingRates):
        simulate_financing(Money.of("120000", "ARS"), 3, date(2025, 1, 1), new_uow())


def test_replacing_needs_an_admin_and_good_records(new_uow: NewUow) -> None:
    with pytest.raises(PermissionDenied):
        replace_rates([], new_uow(), Actor("ana", Role.AGENT))
    with pytest.raises(InvalidInput) as bad:
        replace_rates([{"id": "x", "installments": 0, "tna": "abc"}], new_uow(), SYSTEM)
    fields = {e.field for e in bad.value.errors}
    assert fields == {"rules[0].installments", "rules[0].tna", "rules[0].valid_from"}
    with new_uow() as uow:
        assert uow.financing_rates.count() == 0
