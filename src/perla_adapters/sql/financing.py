"""The financing rates table on SQLAlchemy Core: ``replace`` deletes every rule and inserts
the new ones in the caller's transaction. Percentages are ``NUMERIC(12, 6)`` (exact decimals
on PostgreSQL; on SQLite, whose numbers are binary, read back quantized to those six decimals,
which is exact for the at most twelve digits a rule may have); money is in minor units."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select
from sqlalchemy.engine import RowMapping

from perla_adapters.sql.tables import financing_rates
from perla_core.financing.model import RATE_DECIMALS, RateKind, RateRule, RateTable
from perla_core.kernel.errors import NotFound
from perla_core.kernel.money import MINOR_UNITS, Money

_SCALE = Decimal(1).scaleb(-RATE_DECIMALS)


def _minor(money: Money | None) -> int | None:
    if money is None:
        return None
    return int(money.rounded().amount.scaleb(money.minor_units))


def _money(minor: int | None, currency: str) -> Money | None:
    if minor is None:
        return None
    return Money(Decimal(minor).scaleb(-MINOR_UNITS[currency]), currency)


def _exact(value: Any) -> Decimal:
    return Decimal(value).quantize(_SCALE).normalize() if value is not None else Decimal(0)


def _plain(value: Decimal) -> Decimal:
    """``normalize`` without the exponent form (``1E+1`` -> ``10``)."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


def rule_to_row(rule: RateRule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "min_installments": rule.min_installments,
        "max_installments": rule.max_installments,
        "kind": rule.kind.value,
        "rate": rule.rate,
        "valid_from": rule.valid_from,
        "valid_until": rule.valid_until,
        "currency": rule.currency,
        "origination_fee_percent": rule.origination_fee_percent,
        "fixed_fee_minor": _minor(rule.fixed_fee),
        "minimum_amount_minor": _minor(rule.minimum_amount),
        "vat_on_interest_percent": rule.vat_on_interest_percent,
        "description": rule.description,
    }


def rule_from_row(row: RowMapping) -> RateRule:
    currency = row["currency"]
    return RateRule(
        id=row["id"],
        min_installments=row["min_installments"],
        max_installments=row["max_installments"],
        kind=RateKind(row["kind"]),
        rate=_plain(_exact(row["rate"])),
        valid_from=row["valid_from"],
        valid_until=row["valid_until"],
        currency=currency,
        origination_fee_percent=_plain(_exact(row["origination_fee_percent"])),
        fixed_fee=_money(row["fixed_fee_minor"], currency),
        minimum_amount=_money(row["minimum_amount_minor"], currency),
        vat_on_interest_percent=_plain(_exact(row["vat_on_interest_percent"])),
        description=row["description"],
    )


class SqlAlchemyFinancingRateRepository:
    """The ``financing_rates`` table (see the module docstring)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def list(self, on: date | None = None) -> builtins.list[RateRule]:
        query = select(financing_rates)
        if on is not None:
            query = query.where(
                financing_rates.c.valid_from <= on,
                (financing_rates.c.valid_until.is_(None)) | (financing_rates.c.valid_until > on),
            )
        rows = self._conn.execute(query).mappings().all()
        return list(RateTable.of(rule_from_row(r) for r in rows).rules)

    def get(self, rule_id: str) -> RateRule:
        row = (
            self._conn.execute(select(financing_rates).where(financing_rates.c.id == rule_id))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound("financing rate", rule_id)
        return rule_from_row(row)

    def replace(self, rules: Sequence[RateRule]) -> None:
        table = RateTable.of(rules)
        self._conn.execute(delete(financing_rates))
        if table.rules:
            self._conn.execute(insert(financing_rates), [rule_to_row(r) for r in table.rules])

    def count(self) -> int:
        return self._conn.scalar(select(func.count()).select_from(financing_rates)) or 0
