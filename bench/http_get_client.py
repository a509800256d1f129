"""``GET /api/v1/clients/{id}`` on PostgreSQL against a bare Litestar route doing the same
single SELECT with the same driver (psycopg 3), both under uvicorn on loopback.

perla's path includes the API-key check (cached per process, as in production), the unit
of work, the explicit row-to-aggregate mapping and the response encoding. Goal: at most 1.5x.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import httpx
import psycopg
from litestar import Litestar, get
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool
from tests.support.servers import running_server

from bench.harness import Figure, p, timings
from bench.postgres import scratch_database
from perla_core.access.model import Actor, Role
from perla_core.access.services import create_api_key
from perla_core.onboarding import services
from perla_core.onboarding.commands import AddressInput, ContactInput, RegisterLead
from perla_entrypoints.container import build_container
from perla_entrypoints.http import create_app

REQUESTS = 1500


def bare_app(url: str) -> tuple[Litestar, ConnectionPool[psycopg.Connection[Any]]]:
    pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
        url, min_size=2, max_size=10, open=True, kwargs={"row_factory": dict_row}
    )

    @get("/clients/{client_id:uuid}", sync_to_thread=True)
    def read(client_id: UUID) -> dict[str, Any]:
        with pool.connection() as conn:
            row = conn.execute("SELECT * FROM clients WHERE id = %s", (client_id,)).fetchone()
        assert row is not None
        return {
            k: (str(v) if not isinstance(v, (int, str, list, dict, type(None))) else v)
            for k, v in row.items()
        }

    return Litestar([read], logging_config=None), pool


def run() -> list[Figure]:
    with scratch_database() as url:
        container = build_container(database_url=url, log_level="WARNING", api_rate_limit=0)
        container.storage().migrate()
        clock, ids = container.clock(), container.ids()
        agent = Actor("bench", Role.AGENT)
        client_id = services.register_lead(
            RegisterLead(
                trade_name="Viajes Ñandú",
                country="ES",
                legal_name="Viajes Ñandú S.L.",
                tax_id="B58378431",
                email="info@nandu.es",
                phone="+34 914 29 38 10",
                business_type="travel_agency",
                markets=["ES", "PT"],
                addresses=[
                    AddressInput("Calle Mayor 41", "Madrid", "28013", "ES", default_billing=True)
                ],
                contacts=[ContactInput("commercial", "Lucía Fernández", "lucia@nandu.es")],
            ),
            container.uow(),
            clock,
            ids,
            agent,
        )
        key = create_api_key(
            "bench", Role.READONLY, container.uow(), clock, ids, container.secrets()
        ).key
        bare, pool = bare_app(url)
        try:
            with (
                running_server(create_app(container)) as perla_url,
                running_server(bare) as bare_url,
                httpx.Client(headers={"Authorization": f"Bearer {key}"}) as http,
            ):
                perla_path = f"{perla_url}/api/v1/clients/{client_id}"
                bare_path = f"{bare_url}/clients/{client_id}"
                assert http.get(perla_path).status_code == 200
                assert http.get(bare_path).status_code == 200
                perla_samples: list[float] = []
                bare_samples: list[float] = []
                for _ in range(5):  # interleaved rounds, so drift hits both alike
                    perla_samples += timings(
                        lambda: http.get(perla_path).raise_for_status(),
                        repeat=REQUESTS // 5,
                        warmup=20,
                    )
                    bare_samples += timings(
                        lambda: http.get(bare_path).raise_for_status(),
                        repeat=REQUESTS // 5,
                        warmup=20,
                    )
        finally:
            pool.close()
            container.storage().close()
    return [
        Figure(
            "GET /api/v1/clients/{id} p50 (PostgreSQL)",
            "ms",
            p(perla_samples, 0.5) * 1e3,
            p(bare_samples, 0.5) * 1e3,
            "bare Litestar + psycopg SELECT",
            goal="<= 1.5x",
        ),
        Figure(
            "GET /api/v1/clients/{id} p95 (PostgreSQL)",
            "ms",
            p(perla_samples, 0.95) * 1e3,
            p(bare_samples, 0.95) * 1e3,
            "bare Litestar + psycopg SELECT",
            goal="<= 1.5x",
        ),
    ]
