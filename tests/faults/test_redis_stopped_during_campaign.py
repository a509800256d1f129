"""Redis killed in the middle of a campaign run and started again empty: nothing is lost.

While Redis is down the scheduler's ticks and the relay fail softly (the outbox rows stay in
PostgreSQL, pending or leased), sending stops; once Redis is back — with none of the queued
Dramatiq messages, as nothing is persisted — the relay offers the outbox rows again and the
run goes on. The Zenvia double's records are counted: every client messaged exactly once.

Real processes: a Redis of the test's own, two ``perla worker`` subprocesses, the Zenvia
double in its own process, PostgreSQL (a scratch database on the machine's server) and the
scheduler's tick in this process (see :mod:`bench.campaign_sending`).
"""

from __future__ import annotations

import time
from pathlib import Path

import psycopg
import pytest
from bench.campaign_sending import Workers, campaign_stage, outbox_settled, ticking
from tests.faults.conftest import OwnRedis

from perla_core.access.model import SYSTEM
from perla_core.campaigns import services
from perla_entrypoints.campaign_handlers import campaign_config, work_of
from perla_entrypoints.container import settings_of

CLIENTS = 150
RATE = 30  # templates per dispatch: several batches, the outage lands mid-run
DOWN_SECONDS = 3.0
TIMEOUT = 60.0


def outbox_waiting(database_url: str) -> int:
    """Outbox rows not done yet (pending, or leased to a relay whose work may be lost)."""
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM outbox WHERE status IN ('pending', 'dispatched')"
        ).fetchone()
    return 0 if row is None else int(row[0])


@pytest.mark.postgres
def test_redis_killed_mid_campaign_loses_nothing_and_messages_every_client_once(
    postgres_url: str, own_redis: OwnRedis, tmp_path: Path
) -> None:
    assert postgres_url  # the machine's server answers; a scratch database below
    with campaign_stage(CLIENTS, RATE, tmp_path, own_redis.url) as (perla, double):
        container = perla.container()
        pool = Workers(perla, tmp_path, 2, threads=4)
        try:
            pool.start_all()
            config = campaign_config(settings_of(container))
            run_id = services.start_run(
                work_of(container), config, container.clock(), container.ids(), SYSTEM
            )
            deadline = time.monotonic() + TIMEOUT
            with ticking(container):
                while (at_kill := double.received()) < CLIENTS // 3:
                    assert time.monotonic() < deadline, f"only {at_kill} sent before the outage"
                    time.sleep(0.05)
                own_redis.stop()
                time.sleep(DOWN_SECONDS)
                during = double.received()
                held = outbox_waiting(perla.database_url)
                own_redis.start()  # empty: every queued Dramatiq message is gone
                while double.received() < CLIENTS or not outbox_settled(perla.database_url):
                    pool.check_alive()  # the workers rode the outage out
                    assert time.monotonic() < deadline, (
                        f"{double.received()} of {CLIENTS} sent after Redis came back"
                    )
                    time.sleep(0.1)
            interrupted = services.check_failures(work_of(container), run_id)
        finally:
            pool.stop_all()
            container.shutdown_resources()
        messages = double.messages()

    assert at_kill < CLIENTS
    # the outage stopped the sending (what was in a worker's hands when Redis died finished)
    assert during < CLIENTS
    assert held > 0  # the outbox held what was still to send
    per_recipient: dict[str, int] = {}
    for message in messages:
        per_recipient[str(message["to"])] = per_recipient.get(str(message["to"]), 0) + 1
    assert len(per_recipient) == CLIENTS  # everyone messaged
    assert set(per_recipient.values()) == {1}  # nobody twice
    assert interrupted == 0  # no send left with its outcome unknown
