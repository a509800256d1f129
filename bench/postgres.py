"""A throw-away PostgreSQL database for a benchmark."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql

SERVER = os.environ.get("PERLA_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432")


@contextmanager
def scratch_database() -> Iterator[str]:
    """Create ``perla_bench_<hex>``, yield its URL, drop it afterwards."""
    name = f"perla_bench_{secrets.token_hex(6)}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield f"{SERVER}/{name}"
        finally:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
