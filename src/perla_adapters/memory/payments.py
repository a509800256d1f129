"""Payments of orders in memory, with the promises of their table: the payment id is unique
(re-checked on commit, as the primary key decides between two transactions), the order must
exist, reads are copies."""

from __future__ import annotations

import builtins
from collections.abc import Callable
from uuid import UUID

from perla_adapters.memory.store import InMemoryStore, Transaction
from perla_core.kernel.errors import AlreadyExists, NotFound
from perla_core.orders.model import Payment


def _taken(payment_id: str) -> AlreadyExists:
    return AlreadyExists(f"payment {payment_id} is already recorded", field="payment_id")


class InMemoryPaymentRepository:
    def __init__(
        self, store: InMemoryStore, tx: Transaction, order_exists: Callable[[UUID], bool]
    ) -> None:
        self._store = store
        self._tx = tx
        self._order_exists = order_exists
        self._pending: dict[str, Payment] = {}

    def _current(self) -> dict[str, Payment]:
        return {**self._store.payments, **self._pending}

    def add(self, payment: Payment) -> None:
        with self._store.lock:
            if payment.payment_id in self._current():
                raise _taken(payment.payment_id)
            if not self._order_exists(payment.order_id):
                raise NotFound("order", payment.order_id)
            self._pending[payment.payment_id] = payment

        def apply(store: InMemoryStore) -> None:
            if payment.payment_id in store.payments:
                raise _taken(payment.payment_id)
            store.payments[payment.payment_id] = payment

        self._tx.ops.append(apply)

    def find(self, payment_id: str) -> Payment | None:
        with self._store.lock:
            return self._current().get(payment_id)

    def for_order(self, order_id: UUID) -> builtins.list[Payment]:
        with self._store.lock:
            rows = [p for p in self._current().values() if p.order_id == order_id]
        return sorted(rows, key=lambda p: (p.paid_at, p.payment_id))
