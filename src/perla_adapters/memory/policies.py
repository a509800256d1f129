"""Commercial policies and PerlaHub's global rules in memory, with the promises of their
tables: one policy per existing client, optimistic saves, an audit trail that is only
appended to, and one global rules record (the defaults until first saved)."""

from __future__ import annotations

import builtins
from datetime import datetime
from uuid import UUID

from perla_adapters.memory.store import ClientExists, InMemoryStore, Transaction, copy_of
from perla_core.kernel.errors import AlreadyExists, NotFound, StaleVersion
from perla_core.policies.model import CommercialPolicy, GlobalRules


def next_due_at(policy: CommercialPolicy) -> datetime | None:
    """When the policy's earliest pending scheduled change takes effect."""
    return min((s.effective_at for s in policy.pending_changes()), default=None)


class InMemoryPolicyRepository:
    """Policies by client id. A save keeps the stored audit entries and appends the ones the
    stored policy lacks (those of a higher revision), as the ``policy_audit`` table does."""

    def __init__(self, store: InMemoryStore, tx: Transaction, client_exists: ClientExists) -> None:
        self._store = store
        self._tx = tx
        self._client_exists = client_exists
        self._pending: dict[UUID, CommercialPolicy] = {}
        self.seen: builtins.list[CommercialPolicy] = []

    def _current(self) -> dict[UUID, CommercialPolicy]:
        return {**self._store.policies, **self._pending}

    def get_for_client(self, client_id: UUID) -> CommercialPolicy | None:
        with self._store.lock:
            stored = self._current().get(client_id)
        if stored is None:
            return None
        policy = copy_of(stored)
        self._see(policy)
        return policy

    def add(self, policy: CommercialPolicy) -> None:
        with self._store.lock:
            if policy.client_id in self._current():
                raise AlreadyExists(
                    f"client {policy.client_id} already has a commercial policy",
                    field="client_id",
                )
            if not self._client_exists(policy.client_id):
                raise NotFound("client", policy.client_id)
            policy.version = 1
            self._stage(policy, base=None)

    def save(self, policy: CommercialPolicy) -> None:
        with self._store.lock:
            stored = self._current().get(policy.client_id)
            if stored is None:
                raise NotFound("commercial policy", policy.client_id)
            if stored.version != policy.version:
                raise StaleVersion(
                    "commercial policy", policy.client_id, policy.version, stored.version
                )
            policy.version += 1
            self._stage(policy, base=stored)

    def _stage(self, policy: CommercialPolicy, base: CommercialPolicy | None) -> None:
        snapshot = copy_of(policy)
        snapshot.events.clear()
        if base is not None:
            appended = tuple(e for e in snapshot.audit if e.revision > base.revision)
            snapshot.audit = (*base.audit, *appended)
        self._pending[policy.client_id] = snapshot
        self._see(policy)
        base_version = None if base is None else base.version

        def apply(store: InMemoryStore) -> None:
            stored = store.policies.get(policy.client_id)
            actual = None if stored is None else stored.version
            if actual != base_version:
                raise StaleVersion("commercial policy", policy.client_id, base_version or 0, actual)
            store.policies[policy.client_id] = snapshot

        self._tx.ops.append(apply)

    def _see(self, policy: CommercialPolicy) -> None:
        if policy not in self.seen:
            self.seen.append(policy)
        self._tx.touch(policy)

    def due_scheduled(self, now: datetime) -> builtins.list[UUID]:
        """Earliest due first, then by client id."""
        with self._store.lock:
            due = [
                (when, client_id)
                for client_id, policy in self._current().items()
                if (when := next_due_at(policy)) is not None and when <= now
            ]
        return [client_id for _, client_id in sorted(due, key=lambda d: (d[0], d[1].int))]


class InMemoryGlobalRulesRepository:
    def __init__(self, store: InMemoryStore, tx: Transaction) -> None:
        self._store = store
        self._tx = tx
        self._pending: GlobalRules | None = None

    def get(self) -> GlobalRules:
        rules = self._pending if self._pending is not None else self._store.global_rules
        return GlobalRules() if rules is None else rules

    def save(self, rules: GlobalRules) -> None:
        # GlobalRules is frozen: the store can keep the very object.
        self._pending = rules
        self._tx.ops.append(lambda store: setattr(store, "global_rules", rules))
