"""The hotel directory in SQL: storing 200,000 records and matching over them, in SQLite.

The seeded directory of ``bench/hotel_data.py`` (200,000 supplier rows, parsed into
:class:`HotelRecord`) is stored in a temporary SQLite file, migrated as in production:

- ``SqlHotelDirectory.add_many`` (profiles and blocks computed, a transaction per chunk,
  each record's old row and blocks deleted first), rows/s, against a bare SQLAlchemy
  executemany of the same rows into the same tables, computed beforehand, in one
  transaction, into a second file;
- the p95 latency of ``HotelMatcher(SqlHotelDirectory).match`` over a few hundred labelled
  queries, on a directory object that starts with no profile in memory (and its default
  cache), against the memory directory; then, for a hundred of them, once every profile they
  touch is cached; and how often the SQL and the memory directories return the same best
  candidate.
"""

from __future__ import annotations

import gc
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert

from bench.harness import Figure, p
from bench.hotel_data import generate
from bench.hotel_matching import parse_rows, query_of
from perla_adapters.memory.hotels import InMemoryHotelDirectory
from perla_adapters.sql import SqlHotelDirectory, create_engine_for, migrate
from perla_adapters.sql.hotels import hotel_record_to_row
from perla_adapters.sql.tables import hotel_blocks, hotel_records
from perla_core.hotels.index import IndexedHotel
from perla_core.hotels.matching import HotelMatcher, MatchResult
from perla_core.hotels.model import HotelQuery

SEED = 20260214
DIRECTORY = 200_000
POSITIVES = 300
NEGATIVES = 100
WARM_SAMPLE = 100  # queries matched twice on a directory with room for every profile


def _engine(folder: Path, name: str) -> Engine:
    engine = create_engine_for(f"sqlite:///{folder / name}")
    migrate(engine)
    return engine


def _bare_insert(engine: Engine, hotels: list[IndexedHotel]) -> tuple[float, int]:
    """Seconds to insert the rows ``add_many`` writes for ``hotels``, computed beforehand,
    with one executemany per table in one transaction; and how many block rows that is."""
    record_rows = [hotel_record_to_row(hotel.record) for hotel in hotels]
    block_rows: list[dict[str, Any]] = [
        {"ref": hotel.ref, "block": block}
        for hotel in hotels
        for block in dict.fromkeys(hotel.blocks)
    ]
    start = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(insert(hotel_records), record_rows)
        connection.execute(insert(hotel_blocks), block_rows)
    return time.perf_counter() - start, len(block_rows)


def _timed(
    matcher: HotelMatcher, queries: list[HotelQuery]
) -> tuple[list[float], list[MatchResult]]:
    latencies: list[float] = []
    results: list[MatchResult] = []
    for query in queries:
        t = time.perf_counter()
        results.append(matcher.match(query))
        latencies.append(time.perf_counter() - t)
    return latencies, results


def _best(result: MatchResult) -> str | None:
    return result.best.ref if result.best else None


def _ms(samples: list[float], q: float) -> float:
    return p(samples, q) * 1e3


def run() -> list[Figure]:
    started = time.perf_counter()
    data = generate(SEED, DIRECTORY, POSITIVES, NEGATIVES)
    records, _ = parse_rows(data)
    queries = [query_of(q) for q in data.queries]
    gc.collect()
    memory = InMemoryHotelDirectory()
    start = time.perf_counter()
    memory.add_many(records)
    memory_seconds = time.perf_counter() - start
    gc.collect()
    gc.freeze()  # the memory directory lives on: no collection walks it again
    try:
        with tempfile.TemporaryDirectory(prefix="perla-bench-") as folder:
            stored = _engine(Path(folder), "directory.db")
            bare = _engine(Path(folder), "bare.db")
            try:
                start = time.perf_counter()
                SqlHotelDirectory(stored).add_many(records)
                add_seconds = time.perf_counter() - start
                bare_seconds, block_rows = _bare_insert(bare, list(memory))
                bare.dispose()

                memory_latencies, memory_results = _timed(HotelMatcher(memory), queries)
                directory = SqlHotelDirectory(stored)  # a process that has read nothing yet
                size = len(directory)
                sql_latencies, sql_results = _timed(HotelMatcher(directory), queries)
                cached = directory.cached
                roomy = SqlHotelDirectory(stored, cache_size=size)
                _timed(HotelMatcher(roomy), queries[:WARM_SAMPLE])
                warm_latencies, _ = _timed(HotelMatcher(roomy), queries[:WARM_SAMPLE])
                touched = roomy.cached
            finally:
                stored.dispose()
                bare.dispose()
    finally:
        gc.unfreeze()

    pairs = list(zip(memory_results, sql_results, strict=True))
    same_best = sum(1 for a, b in pairs if _best(a) == _best(b))
    same_outcome = sum(1 for a, b in pairs if a.outcome == b.outcome)
    rows = len(records)
    return [
        Figure(
            f"hotel directory (SQLite): add_many of {rows:,} records",
            "rows/s",
            rows / add_seconds,
            rows / bare_seconds,
            f"bare executemany of the same {rows:,} + {block_rows:,} rows, computed beforehand",
            goal="info (add_many also computes every profile)",
            note=(
                f"{add_seconds:.1f} s against {bare_seconds:.1f} s; the memory directory "
                f"indexes {rows / memory_seconds:,.0f} rows/s"
            ),
        ),
        Figure(
            f"hotel directory (SQLite): p95 match latency, {len(queries)} labelled queries",
            "ms",
            _ms(sql_latencies, 0.95),
            _ms(memory_latencies, 0.95),
            "memory directory",
            goal="info",
            note=(
                f"directory of {size:,}, no profile in memory at first (median "
                f"{_ms(sql_latencies, 0.5):.2f} ms, memory {_ms(memory_latencies, 0.5):.2f} ms; "
                f"{cached:,} profiles cached after); the first {WARM_SAMPLE} queries again, "
                f"their {touched:,} records' profiles all cached: p95 "
                f"{_ms(warm_latencies, 0.95):.2f} ms (memory "
                f"{_ms(memory_latencies[:WARM_SAMPLE], 0.95):.2f} ms)"
            ),
        ),
        Figure(
            "hotel directory (SQLite): same best candidate as the memory directory",
            "%",
            same_best / len(pairs) * 100,
            goal="100%",
            note=(
                f"{same_best}/{len(pairs)} best refs, {same_outcome}/{len(pairs)} outcomes; "
                f"whole bench {time.perf_counter() - started:.0f} s"
            ),
        ),
    ]
