"""A worker SIGKILLed while it delivers outbox messages (supplier requests' e-mails): the other
worker and the restarted one finish the batch, and every message's handler is recorded exactly
once; every request's e-mail arrives, and one arrives twice only if the kill cut its send after
the mail server had taken it (at most one per thread of the killed worker, with the same
Message-ID, so the Suppliers team's mail client shows one).

Real processes: two ``perla worker`` subprocesses on a Redis of the test's own, PostgreSQL (a
scratch database on the machine's server), a slow aiosmtpd server and the scheduler's tick in
this process (whose broker reclaims a dead worker's messages: see
:mod:`bench.campaign_sending`).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from bench.campaign_sending import Workers, outbox_settled, ticking
from bench.postgres import scratch_database
from tests.faults.conftest import OwnRedis
from tests.faults.mailing import (
    MailingPerla,
    SlowMailbox,
    message_id,
    per_request,
    processed,
    send_supplier_requests,
    statuses,
)
from tests.support.smtp import free_port

REQUESTS = 40
THREADS = 2
SMTP_SECONDS = 0.1  # per e-mail: the batch lasts long enough for the kill to land in it
TIMEOUT = 60.0


@pytest.mark.postgres
def test_a_worker_sigkilled_mid_batch_leaves_every_handler_run_once_and_every_email_sent(
    postgres_url: str, own_redis: OwnRedis, tmp_path: Path
) -> None:
    assert postgres_url  # the machine's server answers; a scratch database below
    mailbox = SlowMailbox(seconds=SMTP_SECONDS)
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    try:
        with scratch_database() as url:
            perla = MailingPerla(url, own_redis.url, "perla-outbox-kill", "http://127.0.0.1:9",
                                 10, outbox_batch=REQUESTS, smtp_port=smtp.port)  # fmt: skip
            container = perla.container()  # migrates; its broker reclaims dead workers' work
            pool = Workers(perla, tmp_path, 2, threads=THREADS)
            try:
                pool.start_all()
                request_ids = send_supplier_requests(container, REQUESTS)
                deadline = time.monotonic() + TIMEOUT
                with ticking(container):
                    while (at_kill := len(mailbox.received)) < REQUESTS // 4:
                        assert time.monotonic() < deadline, "the batch did not start"
                        time.sleep(0.02)
                    pool.kill_and_restart(0)
                    while len(per_request(list(mailbox.received))) < REQUESTS or not (
                        outbox_settled(url)
                    ):
                        pool.check_alive()
                        assert time.monotonic() < deadline, (
                            f"{len(mailbox.received)} of {REQUESTS} e-mails after the kill"
                        )
                        time.sleep(0.1)
                    time.sleep(1.0)  # more ticks: nothing is sent again
                received = list(mailbox.received)
                handled = processed(url)
                sent = statuses(container, request_ids)
            finally:
                pool.stop_all()
                container.shutdown_resources()
    finally:
        smtp.stop()

    assert pool.kills == 1
    assert at_kill < REQUESTS  # killed mid-batch
    assert sorted(handled.values()) == [1] * REQUESTS  # each message's handler ran once
    arrived = per_request(received)
    assert set(arrived) == {message_id(r) for r in request_ids}  # every e-mail arrived
    twice = sum(n - 1 for n in arrived.values())
    assert twice <= THREADS  # only sends the kill cut short, after the server took them
    assert sent == {"sent": REQUESTS}
