"""Financing use cases: read and replace the rates table, simulate plans from it.

Simulations read the rules valid on the day asked and compute in memory; they never write.
Replacing the table needs the ``administer`` permission (admins only).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from perla_core.access.model import Actor, Permission
from perla_core.financing.model import RateRule, RateTable
from perla_core.financing.plans import SUGGESTED_COUNTS, FinancingPlan, simulate, suggested_plans
from perla_core.financing.ports import FinancingUnitOfWork
from perla_core.financing.records import rules_from_records
from perla_core.kernel.money import Money


def current_table(uow: FinancingUnitOfWork, on: date | None = None) -> RateTable:
    """The stored rules (only those valid on ``on`` if given) as a :class:`RateTable`."""
    with uow:
        return RateTable.of(uow.financing_rates.list(on))


def list_rates(uow: FinancingUnitOfWork, actor: Actor, on: date | None = None) -> list[RateRule]:
    """The rates table (every rule, or those valid on ``on``)."""
    actor.require(Permission.READ)
    return list(current_table(uow, on).rules)


def replace_rates(
    records: Iterable[object], uow: FinancingUnitOfWork, actor: Actor
) -> list[RateRule]:
    """Replace the whole rates table with ``records`` (see
    :mod:`perla_core.financing.records`); every bad value is reported at once, and nothing
    changes unless all are good."""
    actor.require(Permission.ADMINISTER)
    rules = rules_from_records(records)
    with uow:
        uow.financing_rates.replace(rules)
        uow.commit()
    return list(RateTable.of(rules).rules)


def simulate_financing(
    amount: Money, installments: int, on: date, uow: FinancingUnitOfWork
) -> FinancingPlan:
    """One plan from the stored rates (see :func:`perla_core.financing.plans.simulate`)."""
    return simulate(current_table(uow, on), amount, installments, on)


def suggest_financing(
    amount: Money,
    on: date,
    uow: FinancingUnitOfWork,
    counts: Iterable[int] = SUGGESTED_COUNTS,
) -> list[FinancingPlan]:
    """The suggested plans (3, 6, 9, 12 by default) the stored rates allow."""
    return suggested_plans(current_table(uow, on), amount, on, counts)
