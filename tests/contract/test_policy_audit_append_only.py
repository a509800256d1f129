"""The policy audit trail is append-only in the database itself: whoever connects, and
however, rows of ``policy_audit`` can be inserted and read, never changed or deleted."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from tests.contract.builders import a_policy, a_validated_client

from perla_adapters.memory import FixedClock, SequentialIds
from perla_adapters.sql import SqlAlchemyUnitOfWork

REFUSALS = [
    "UPDATE policy_audit SET reason = 'rewritten'",
    "UPDATE policy_audit SET revision = revision + 100 WHERE revision = 1",
    "DELETE FROM policy_audit",
    "DELETE FROM policy_audit WHERE revision = 6",
]


def _audit(engine: Engine) -> list[tuple[int, str]]:
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT revision, reason FROM policy_audit ORDER BY revision")
        )
        return [(revision, reason) for revision, reason in rows]


@pytest.fixture
def audited(sql_engine: Engine) -> Engine:
    """A database holding one policy with six audit entries."""
    clock, ids = FixedClock(), SequentialIds()
    client = a_validated_client(clock, ids)
    with SqlAlchemyUnitOfWork(sql_engine, clock, ids) as uow:
        uow.clients.add(client)
        uow.policies.add(a_policy(clock, ids, client))
        uow.commit()
    return sql_engine


@pytest.mark.parametrize("statement", REFUSALS)
def test_the_database_refuses_to_change_or_delete_an_audit_entry(
    audited: Engine, statement: str
) -> None:
    before = _audit(audited)
    assert len(before) == 6

    with audited.begin() as connection, pytest.raises(DBAPIError, match="append-only"):
        connection.execute(text(statement))

    assert _audit(audited) == before


@pytest.mark.parametrize(
    "sql_engine", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_postgres_refuses_to_truncate_the_audit_trail_too(audited: Engine) -> None:
    assert audited.dialect.name == "postgresql"
    with audited.begin() as connection, pytest.raises(DBAPIError, match="append-only"):
        connection.execute(text("TRUNCATE policy_audit CASCADE"))

    assert len(_audit(audited)) == 6


def test_the_policy_row_cannot_be_deleted_from_under_its_audit_trail(audited: Engine) -> None:
    with audited.begin() as connection, pytest.raises(DBAPIError):
        connection.execute(text("DELETE FROM commercial_policies"))

    assert len(_audit(audited)) == 6
