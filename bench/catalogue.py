"""The catalogue in SQL at MICROCOM's scale and beyond: 100,000 generated products in SQLite.

- ``import_catalogue`` of :func:`bench.catalogue_data.generate`'s rows (as CSV text, read by
  the file reader), rows/s, in batches of 1,000;
- the p95 latency of ``products_by_skus`` for 20 SKUs (what an answer reads at answer time);
- the p95 latency of a filtered list (brand + category + in stock + price range, one page).

``python -m bench catalogue`` (``PERLA_BENCH_CATALOGUE_N`` changes the size).
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from bench.catalogue_data import generate, to_csv
from bench.harness import Figure, p, timings
from perla_adapters.memory import SequentialIds
from perla_adapters.memory.clock import FixedClock
from perla_adapters.sql import SqlAlchemyUnitOfWork, create_engine_for, migrate
from perla_core.access.model import SYSTEM
from perla_core.catalogue.files import read_catalogue
from perla_core.catalogue.imports import import_catalogue
from perla_core.catalogue.model import Category, ExchangeRate
from perla_core.catalogue.ports import ProductQuery
from perla_core.catalogue.services import list_products, products_by_skus
from perla_core.kernel.money import Money

SIZE = int(os.environ.get("PERLA_BENCH_CATALOGUE_N", "100000"))


def run() -> list[Figure]:
    rows = generate(SIZE, seed=11, expired=SIZE // 100)
    text = to_csv(rows)
    clock = FixedClock(datetime(2026, 11, 24, 12, tzinfo=UTC))
    ids = SequentialIds()
    rate = ExchangeRate(Decimal("1000"), clock.now().date())
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine_for(f"sqlite:///{Path(folder) / 'catalogue.db'}")
        migrate(engine)

        def new_uow() -> SqlAlchemyUnitOfWork:
            return SqlAlchemyUnitOfWork(engine, clock, ids)

        began = time.perf_counter()
        report = import_catalogue(
            read_catalogue(text, "bench.csv"),
            new_uow,
            clock=clock,
            ids=ids,
            actor=SYSTEM,
            batch_size=1000,
        )
        seconds = time.perf_counter() - began
        rng = random.Random(5)
        skus = [r["sku"] for r in rows]
        by_skus = timings(
            lambda: products_by_skus(rng.sample(skus, 20), new_uow(), clock, rate), repeat=200
        )
        query = ProductQuery(
            brand="Hikvision",
            category=Category.CAMERA,
            in_stock=True,
            min_price=Money.of("20000", "ARS"),
            max_price=Money.of("100000", "ARS"),
        )
        listed = timings(lambda: list_products(query, new_uow(), clock, rate, SYSTEM), repeat=50)
        engine.dispose()
    return [
        Figure(
            f"catalogue import ({report.rows_stored:,} products)",
            "rows/s",
            report.rows_read / seconds,
            goal="≥ 2,000 rows/s",
        ),
        Figure("products_by_skus (20 SKUs) p95", "ms", p(by_skus, 0.95) * 1000, goal="< 20 ms"),
        Figure("filtered product list p95", "ms", p(listed, 0.95) * 1000, goal="< 100 ms"),
    ]
