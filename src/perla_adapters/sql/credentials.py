"""Credentials in the ``credentials`` table: rows to aggregates and back, and the repository.

The configuration lists (products, currencies, markets, IP networks) are JSON arrays of their
canonical strings; the last connection test is four nullable columns.
"""

from __future__ import annotations

import builtins
import ipaddress
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Insert, Update, exists, insert, select, update
from sqlalchemy.exc import IntegrityError

from perla_adapters.memory.store import TouchedAggregates
from perla_adapters.sql.serialization import Row
from perla_adapters.sql.tables import clients, credentials
from perla_core.credentials.model import (
    ConnectionTest,
    Credential,
    CredentialStatus,
    Environment,
    Product,
)
from perla_core.kernel.errors import AlreadyExists, NotFound, StaleVersion


def credential_to_row(credential: Credential) -> dict[str, Any]:
    """Every column of ``credentials``; ``events`` stay out of the table."""
    test = credential.last_connection_test
    return {
        "id": credential.id,
        "client_id": credential.client_id,
        "environment": credential.environment.value,
        "username": credential.username,
        "secret_digest": credential.secret_digest,
        "status": credential.status.value,
        "status_reason": credential.status_reason,
        "products": [p.value for p in credential.products],
        "currencies": list(credential.currencies),
        "markets": list(credential.markets),
        "ip_allowlist": [str(n) for n in credential.ip_allowlist],
        "rate_limit_per_minute": credential.rate_limit_per_minute,
        "policy_revision": credential.policy_revision,
        "label": credential.label,
        "last_test_at": test.at if test else None,
        "last_test_ok": test.ok if test else None,
        "last_test_latency_ms": test.latency_ms if test else None,
        "last_test_message": test.message if test else None,
        "created_at": credential.created_at,
        "updated_at": credential.updated_at,
        "secret_rotated_at": credential.secret_rotated_at,
        "revoked_at": credential.revoked_at,
        "version": credential.version,
    }


def credential_from_row(row: Row) -> Credential:
    test = None
    if row["last_test_at"] is not None:
        test = ConnectionTest(
            at=row["last_test_at"],
            ok=bool(row["last_test_ok"]),
            latency_ms=row["last_test_latency_ms"],
            message=row["last_test_message"],
        )
    return Credential(
        id=row["id"],
        client_id=row["client_id"],
        environment=Environment(row["environment"]),
        username=row["username"],
        secret_digest=row["secret_digest"],
        products=tuple(Product(p) for p in row["products"]),
        currencies=tuple(row["currencies"]),
        markets=tuple(row["markets"]),
        ip_allowlist=tuple(ipaddress.ip_network(n) for n in row["ip_allowlist"]),
        rate_limit_per_minute=row["rate_limit_per_minute"],
        policy_revision=row["policy_revision"],
        label=row["label"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        secret_rotated_at=row["secret_rotated_at"],
        status=CredentialStatus(row["status"]),
        status_reason=row["status_reason"],
        revoked_at=row["revoked_at"],
        last_connection_test=test,
        version=row["version"],
    )


class SqlAlchemyCredentialRepository:
    """Credentials; the username is unique, the client must exist."""

    def __init__(self, conn: Connection, touched: TouchedAggregates) -> None:
        self._conn = conn
        self._touched = touched
        self.seen: builtins.list[Credential] = []

    def add(self, credential: Credential) -> None:
        if self._version_of(credential.id) is not None:
            raise AlreadyExists(f"credential {credential.id} already exists", field="id")
        if not self._conn.scalar(select(exists().where(clients.c.id == credential.client_id))):
            raise NotFound("client", credential.client_id)
        self._check_username(credential)
        row = credential_to_row(credential) | {"version": 1}
        self._write(insert(credentials).values(row), credential)
        credential.version = 1
        self._see(credential)

    def save(self, credential: Credential) -> None:
        self._check_username(credential)
        base = credential.version
        row = credential_to_row(credential) | {"version": base + 1}
        del row["id"]
        statement = (
            update(credentials)
            .where(credentials.c.id == credential.id, credentials.c.version == base)
            .values(row)
        )
        if self._write(statement, credential) == 0:
            actual = self._version_of(credential.id)
            if actual is None:
                raise NotFound("credential", credential.id)
            raise StaleVersion("credential", credential.id, base, actual)
        credential.version = base + 1
        self._see(credential)

    def _write(self, statement: Insert | Update, credential: Credential) -> int:
        try:
            return self._conn.execute(statement).rowcount
        except IntegrityError as exc:
            # A concurrent transaction took the id or the username between check and write.
            if "username" in str(exc.orig):
                raise AlreadyExists(
                    f"username {credential.username!r} is taken", field="username"
                ) from exc
            raise AlreadyExists(f"credential {credential.id} already exists", field="id") from exc

    def _version_of(self, credential_id: UUID) -> int | None:
        return self._conn.scalar(
            select(credentials.c.version).where(credentials.c.id == credential_id)
        )

    def _check_username(self, credential: Credential) -> None:
        other = self._conn.scalar(
            select(credentials.c.id).where(
                credentials.c.username == credential.username, credentials.c.id != credential.id
            )
        )
        if other is not None:
            raise AlreadyExists(f"username {credential.username!r} is taken", field="username")

    def _see(self, credential: Credential) -> None:
        if credential not in self.seen:
            self.seen.append(credential)
        self._touched.touch(credential)

    def get(self, credential_id: UUID) -> Credential:
        row = (
            self._conn.execute(select(credentials).where(credentials.c.id == credential_id))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound("credential", credential_id)
        credential = credential_from_row(row)
        self._see(credential)
        return credential

    def for_client(self, client_id: UUID) -> builtins.list[Credential]:
        rows = self._conn.execute(
            select(credentials)
            .where(credentials.c.client_id == client_id)
            .order_by(credentials.c.created_at, credentials.c.id)
        ).mappings()
        return [credential_from_row(row) for row in rows]

    def by_username(self, username: str) -> Credential | None:
        row = (
            self._conn.execute(select(credentials).where(credentials.c.username == username))
            .mappings()
            .first()
        )
        return None if row is None else credential_from_row(row)
