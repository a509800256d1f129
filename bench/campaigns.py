"""The dormant-client selection on PostgreSQL: 100,000 clients of which 8,000 dormant.

- the time to select them and file the run's recipients (``select_recipients``: keyset pages of
  5,000, each one ``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` in the database) against the
  bare SQL SELECT of the same set fetched at once (goal: at most 3x), medians of three;
- the peak Python memory of the selection (tracemalloc) against the bare SELECT's fetch of every
  row: the rows never reach Python, so it stays flat whatever the size;
- ``PERLA_BENCH_CAMPAIGNS_1M=1`` adds 1,000,000 clients (80,000 dormant): the selection time.

``python -m bench campaigns`` (``PERLA_BENCH_POSTGRES`` is the server).
"""

from __future__ import annotations

import os
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg
from sqlalchemy import Engine, insert
from sqlalchemy.dialects import postgresql

from bench.harness import Figure, median
from bench.postgres import scratch_database
from perla_adapters.memory import SequentialIds
from perla_adapters.memory.clock import FixedClock
from perla_adapters.sql import SqlAlchemyUnitOfWork, create_engine_for, migrate
from perla_adapters.sql.campaigns import dormant_select
from perla_adapters.sql.tables import clients, customer_accounts
from perla_core.access.model import SYSTEM
from perla_core.campaigns import services
from perla_core.campaigns.model import CampaignConfig
from perla_core.campaigns.ports import DormancyQuery
from perla_core.customers.model import DEFAULT_GROUP_ID

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)
SEED_BATCH = 5_000


def _seed(engine: Engine, total: int, dormant: int) -> None:
    """``total`` clients, the first ``dormant`` (spread over the id range) silent for a year;
    one in twenty dormant ones without consent, one in fifty without a number."""
    every = total // dormant
    old, recent = NOW - timedelta(days=400), NOW - timedelta(days=10)
    with engine.begin() as conn:
        for start in range(0, total, SEED_BATCH):
            client_rows: list[dict[str, Any]] = []
            account_rows: list[dict[str, Any]] = []
            for n in range(start, min(total, start + SEED_BATCH)):
                is_dormant = n % every == 0 and n // every < dormant
                cid = UUID(int=n + 1)
                client_rows.append(
                    {
                        "id": cid, "version": 1, "trade_name": f"Cliente {n}", "country": "AR",
                        "phone": None if is_dormant and n % 50 == 0 else f"+549115{n:07d}",
                        "markets": [], "addresses": [], "contacts": [], "phase": "client",
                        "lead_status": "won", "client_status": "live", "created_at": old,
                        "updated_at": old, "search_text": f"cliente {n}",
                    }
                )  # fmt: skip
                account_rows.append(
                    {
                        "client_id": cid, "version": 1, "group_id": DEFAULT_GROUP_ID,
                        "addresses": [], "contacts": [], "created_at": old, "updated_at": old,
                        "last_contact_at": old if is_dormant else recent,
                        "whatsapp_consent": not (is_dormant and n % 20 == 1),
                        "survey_answers": {},
                    }
                )  # fmt: skip
            conn.execute(insert(clients), client_rows)
            conn.execute(insert(customer_accounts), account_rows)
        conn.exec_driver_sql("ANALYZE")


def _bare_select(url: str, query: DormancyQuery) -> tuple[float, int, int]:
    """The same SELECT, compiled to SQL and fetched at once with psycopg: seconds, rows, peak
    bytes."""
    sql = str(
        dormant_select(query).compile(
            dialect=postgresql.dialect(),  # type: ignore[no-untyped-call]
            compile_kwargs={"literal_binds": True},
        )
    )
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        began = time.perf_counter()
        rows = conn.execute(sql).fetchall()
        seconds = time.perf_counter() - began
        tracemalloc.start()
        again = conn.execute(sql).fetchall()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        del again
    return seconds, len(rows), peak


def _select(engine: Engine, *, traced: bool, first_id: int) -> tuple[float, int, int]:
    """A run scheduled and its recipients selected: seconds, rows filed, peak bytes."""
    clock, ids = FixedClock(NOW), SequentialIds(first_id)
    uow = SqlAlchemyUnitOfWork(engine, clock, ids)
    run_id = services.schedule_run(uow, CampaignConfig(), clock, ids, SYSTEM.name)
    if traced:
        tracemalloc.start()
    began = time.perf_counter()
    filed = services.select_recipients(uow, run_id, clock, SYSTEM.name)
    seconds = time.perf_counter() - began
    peak = 0
    if traced:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return seconds, filed, peak


def _scale(
    total: int, dormant: int, figures: Callable[[float, float, int, int, int, int], None]
) -> None:
    with scratch_database() as url:
        engine = create_engine_for(url, pool_size=2)
        migrate(engine)
        _seed(engine, total, dormant)
        query = DormancyQuery(NOW - timedelta(days=240), NOW - timedelta(days=90))
        bare = [_bare_select(url, query) for _ in range(3)]
        bare_s, bare_rows, bare_peak = median([b[0] for b in bare]), bare[0][1], bare[0][2]
        runs = [_select(engine, traced=False, first_id=1 + 1_000 * i) for i in range(3)]
        seconds, filed = median([r[0] for r in runs]), runs[0][1]
        _, _, peak = _select(engine, traced=True, first_id=10_000)
        engine.dispose()
    if filed != bare_rows:
        raise AssertionError(f"the run filed {filed} clients, the SELECT found {bare_rows}")
    figures(seconds, bare_s, filed, peak, bare_peak, total)


def run() -> list[Figure]:
    out: list[Figure] = []

    def add(seconds: float, bare: float, filed: int, peak: int, bare_peak: int, total: int) -> None:
        out.extend(
            [
                Figure(
                    f"dormant selection + recipients ({filed:,} of {total:,} clients, PG)",
                    "ms",
                    seconds * 1000,
                    baseline=bare * 1000,
                    baseline_name="bare SELECT of the same set",
                    goal="≤ 3x",
                ),
                Figure(
                    f"selection peak memory ({filed:,} dormant)",
                    "KiB",
                    peak / 1024,
                    baseline=bare_peak / 1024,
                    baseline_name="fetching every row at once",
                    goal="flat (rows stay in the database)",
                ),
            ]
        )

    _scale(100_000, 8_000, add)
    if os.environ.get("PERLA_BENCH_CAMPAIGNS_1M"):
        _scale(1_000_000, 80_000, add)
    return out
