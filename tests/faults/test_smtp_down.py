"""The mail server down while supplier requests are sent: the requests stay *sending*, the
outbox retries with growing delays, and once the server answers every request's e-mail
arrives exactly once (counted by Message-ID at the server, and per outbox message in
``processed_messages``).

Real processes: a ``perla worker`` subprocess on a Redis of the test's own, PostgreSQL (a
scratch database on the machine's server), the scheduler's tick and an aiosmtpd server in
this process, on a port where nothing listens at first.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from bench.campaign_sending import Workers, ticking
from bench.postgres import scratch_database
from tests.faults.conftest import OwnRedis
from tests.faults.mailing import (
    MailingPerla,
    message_id,
    outbox_rows,
    per_request,
    processed,
    send_supplier_requests,
    statuses,
)
from tests.support.smtp import free_port, loopback_smtp

REQUESTS = 12
TIMEOUT = 45.0


def wait_until(check: object, what: str, within: float = TIMEOUT) -> None:
    assert callable(check)
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.mark.postgres
def test_smtp_down_keeps_requests_sending_and_each_email_arrives_once_when_it_is_back(
    postgres_url: str, own_redis: OwnRedis, tmp_path: Path
) -> None:
    assert postgres_url  # the machine's server answers; a scratch database below
    port = free_port()  # nothing listens there yet
    with scratch_database() as url:
        perla = MailingPerla(url, own_redis.url, "perla-smtp-down", "http://127.0.0.1:9", 10,
                             smtp_port=port)  # fmt: skip
        container = perla.container()  # migrates
        pool = Workers(perla, tmp_path, 1, threads=4)
        try:
            pool.start_all()
            request_ids = send_supplier_requests(container, REQUESTS)
            with ticking(container):
                # every send tried and refused, and put back to wait for its retry
                wait_until(
                    lambda: all(attempts >= 1 for _, attempts, _ in outbox_rows(url)),
                    "a failed attempt per e-mail",
                )
                time.sleep(1.0)  # and the retries meanwhile fail too
                pool.check_alive()
                down = outbox_rows(url)
                waiting = statuses(container, request_ids)
                with loopback_smtp(port=port) as server:
                    wait_until(
                        lambda: all(status == "done" for status, _, _ in outbox_rows(url)),
                        "every e-mail sent once the server is back",
                    )
                    time.sleep(1.0)  # more ticks: nothing is sent again
                    received = list(server.mailbox.received)
            sent = statuses(container, request_ids)
            handled = processed(url)
        finally:
            pool.stop_all()
            container.shutdown_resources()

    assert len(down) == REQUESTS
    assert {status for status, _, _ in down} <= {"pending", "dispatched"}  # none given up
    assert all(error and "unavailable" in error for _, _, error in down)
    assert waiting == {"sending": REQUESTS}
    assert per_request(received) == {message_id(r): 1 for r in request_ids}
    assert sorted(handled.values()) == [1] * REQUESTS
    assert sent == {"sent": REQUESTS}
