"""The financing rates table in memory: replaced as a whole on commit, read sorted."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import date

from perla_adapters.memory.store import InMemoryStore, Transaction
from perla_core.financing.model import RateRule, RateTable
from perla_core.kernel.errors import NotFound


class InMemoryFinancingRateRepository:
    def __init__(self, store: InMemoryStore, tx: Transaction) -> None:
        self._store = store
        self._tx = tx
        self._pending: tuple[RateRule, ...] | None = None

    def _current(self) -> tuple[RateRule, ...]:
        if self._pending is not None:
            return self._pending
        with self._store.lock:
            return tuple(self._store.financing_rates.values())

    def list(self, on: date | None = None) -> builtins.list[RateRule]:
        rules = RateTable.of(self._current()).rules  # rules are frozen: no copies needed
        return [r for r in rules if on is None or r.valid_on(on)]

    def get(self, rule_id: str) -> RateRule:
        found = next((r for r in self._current() if r.id == rule_id), None)
        if found is None:
            raise NotFound("financing rate", rule_id)
        return found

    def replace(self, rules: Sequence[RateRule]) -> None:
        table = RateTable.of(rules)
        self._pending = table.rules

        def apply(store: InMemoryStore) -> None:
            store.financing_rates = {r.id: r for r in table.rules}

        self._tx.ops.append(apply)

    def count(self) -> int:
        return len(self._current())
