"""Commercial policies (``commercial_policies`` and ``policy_audit``) and PerlaHub's global
rules (``global_rules``): rows to aggregates and back, and the repositories.

A policy's rules and scheduled changes are JSON in its row; its audit entries are rows of
``policy_audit``, one per revision, only ever inserted (the database refuses UPDATE and
DELETE there). A save inserts the entries of the revisions the stored policy lacks; a load
reads them back in revision order.
"""

from __future__ import annotations

import builtins
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, exists, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from perla_adapters.memory.policies import next_due_at
from perla_adapters.memory.store import TouchedAggregates
from perla_adapters.sql.serialization import Row, converter
from perla_adapters.sql.tables import clients, commercial_policies, global_rules, policy_audit
from perla_core.kernel.errors import AlreadyExists, NotFound, StaleVersion
from perla_core.policies.model import (
    CommercialPolicy,
    GlobalRules,
    MarginRule,
    PolicyAction,
    PolicyAuditEntry,
    ScheduledChange,
)

GLOBAL_RULES_ROW = 1


def policy_to_row(policy: CommercialPolicy) -> dict[str, Any]:
    """Every column of ``commercial_policies``; the audit entries go to ``policy_audit``."""
    return {
        "client_id": policy.client_id,
        "version": policy.version,
        "revision": policy.revision,
        "rules": converter.unstructure(policy.rules, tuple[MarginRule, ...]),
        "currencies": sorted(policy.currencies),
        "products": sorted(policy.products),
        "scheduled": converter.unstructure(policy.scheduled, tuple[ScheduledChange, ...]),
        "next_due_at": next_due_at(policy),
        "created_at": policy.created_at,
        "updated_at": policy.updated_at,
    }


def audit_entry_to_row(client_id: UUID, entry: PolicyAuditEntry) -> dict[str, Any]:
    return {
        "client_id": client_id,
        "revision": entry.revision,
        "action": entry.action.value,
        "actor": entry.actor,
        "at": entry.at,
        "reason": entry.reason,
        "rule_id": entry.rule_id,
        "schedule_id": entry.schedule_id,
        "before": entry.before,
        "after": entry.after,
    }


def audit_entry_from_row(row: Row) -> PolicyAuditEntry:
    return PolicyAuditEntry(
        revision=row["revision"],
        action=PolicyAction(row["action"]),
        actor=row["actor"],
        at=row["at"],
        reason=row["reason"],
        rule_id=row["rule_id"],
        before=row["before"],
        after=row["after"],
        schedule_id=row["schedule_id"],
    )


def policy_from_rows(row: Row, audit: builtins.list[Row]) -> CommercialPolicy:
    return CommercialPolicy(
        client_id=row["client_id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        rules=converter.structure(row["rules"], tuple[MarginRule, ...]),
        currencies=frozenset(row["currencies"]),
        products=frozenset(row["products"]),
        scheduled=converter.structure(row["scheduled"], tuple[ScheduledChange, ...]),
        audit=tuple(audit_entry_from_row(entry) for entry in audit),
        version=row["version"],
    )


def global_rules_to_row(rules: GlobalRules) -> dict[str, Any]:
    return {
        "id": GLOBAL_RULES_ROW,
        "min_margin_percent": str(rules.min_margin_percent),
        "max_margin_percent": str(rules.max_margin_percent),
        "allowed_channels": (
            None if rules.allowed_channels is None else sorted(rules.allowed_channels)
        ),
        "max_fixed_margin": {currency: str(cap) for currency, cap in rules.max_fixed_margin},
    }


def global_rules_from_row(row: Row) -> GlobalRules:
    channels = row["allowed_channels"]
    return GlobalRules(
        min_margin_percent=Decimal(row["min_margin_percent"]),
        max_margin_percent=Decimal(row["max_margin_percent"]),
        allowed_channels=None if channels is None else frozenset(channels),
        max_fixed_margin={c: Decimal(cap) for c, cap in row["max_fixed_margin"].items()},
    )


class SqlAlchemyPolicyRepository:
    """One policy per client, keyed by the client id; the client must exist."""

    def __init__(self, conn: Connection, touched: TouchedAggregates) -> None:
        self._conn = conn
        self._touched = touched
        self.seen: builtins.list[CommercialPolicy] = []

    def get_for_client(self, client_id: UUID) -> CommercialPolicy | None:
        row = (
            self._conn.execute(
                select(commercial_policies).where(commercial_policies.c.client_id == client_id)
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        audit = self._conn.execute(
            select(policy_audit)
            .where(policy_audit.c.client_id == client_id)
            .order_by(policy_audit.c.revision)
        ).mappings()
        policy = policy_from_rows(row, builtins.list(audit))
        self._see(policy)
        return policy

    def add(self, policy: CommercialPolicy) -> None:
        if self._version_of(policy.client_id) is not None:
            raise _taken(policy)
        if not self._conn.scalar(select(exists().where(clients.c.id == policy.client_id))):
            raise NotFound("client", policy.client_id)
        try:
            self._conn.execute(
                insert(commercial_policies).values(policy_to_row(policy) | {"version": 1})
            )
        except IntegrityError as exc:  # a concurrent transaction opened it first
            raise _taken(policy) from exc
        self._append_audit(policy, after_revision=0)
        policy.version = 1
        self._see(policy)

    def save(self, policy: CommercialPolicy) -> None:
        base = policy.version
        row = policy_to_row(policy) | {"version": base + 1}
        del row["client_id"]
        result = self._conn.execute(
            update(commercial_policies)
            .where(
                commercial_policies.c.client_id == policy.client_id,
                commercial_policies.c.version == base,
            )
            .values(row)
        )
        if result.rowcount == 0:
            actual = self._version_of(policy.client_id)
            if actual is None:
                raise NotFound("commercial policy", policy.client_id)
            raise StaleVersion("commercial policy", policy.client_id, base, actual)
        stored = self._conn.scalar(
            select(func.max(policy_audit.c.revision)).where(
                policy_audit.c.client_id == policy.client_id
            )
        )
        self._append_audit(policy, after_revision=stored or 0)
        policy.version = base + 1
        self._see(policy)

    def _append_audit(self, policy: CommercialPolicy, *, after_revision: int) -> None:
        rows = [
            audit_entry_to_row(policy.client_id, entry)
            for entry in policy.audit
            if entry.revision > after_revision
        ]
        if rows:
            self._conn.execute(insert(policy_audit), rows)

    def _version_of(self, client_id: UUID) -> int | None:
        return self._conn.scalar(
            select(commercial_policies.c.version).where(
                commercial_policies.c.client_id == client_id
            )
        )

    def _see(self, policy: CommercialPolicy) -> None:
        if policy not in self.seen:
            self.seen.append(policy)
        self._touched.touch(policy)

    def due_scheduled(self, now: datetime) -> builtins.list[UUID]:
        """Earliest due first, then by client id."""
        return builtins.list(
            self._conn.scalars(
                select(commercial_policies.c.client_id)
                .where(commercial_policies.c.next_due_at <= now)
                .order_by(commercial_policies.c.next_due_at, commercial_policies.c.client_id)
            )
        )


def _taken(policy: CommercialPolicy) -> AlreadyExists:
    return AlreadyExists(
        f"client {policy.client_id} already has a commercial policy", field="client_id"
    )


class SqlAlchemyGlobalRulesRepository:
    """The one row of ``global_rules``; :class:`GlobalRules` defaults while there is none."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self) -> GlobalRules:
        row = (
            self._conn.execute(select(global_rules).where(global_rules.c.id == GLOBAL_RULES_ROW))
            .mappings()
            .first()
        )
        return GlobalRules() if row is None else global_rules_from_row(row)

    def save(self, rules: GlobalRules) -> None:
        """An upsert, so two first saves racing each other never collide."""
        row = global_rules_to_row(rules)
        columns = [name for name in row if name != "id"]
        if self._conn.dialect.name == "postgresql":
            on_pg = postgresql.insert(global_rules).values(row)
            self._conn.execute(
                on_pg.on_conflict_do_update(
                    index_elements=[global_rules.c.id],
                    set_={name: on_pg.excluded[name] for name in columns},
                )
            )
        else:
            on_sqlite = sqlite.insert(global_rules).values(row)
            self._conn.execute(
                on_sqlite.on_conflict_do_update(
                    index_elements=[global_rules.c.id],
                    set_={name: on_sqlite.excluded[name] for name in columns},
                )
            )
