"""The Zenvia double answering 500, 429 with ``Retry-After``, too slowly, and longer than the
messenger's own retries last: every bot reply is retried and reaches the customer exactly once.

Two layers retry: :class:`~perla_adapters.zenvia.ZenviaMessenger` within one send (backoff,
``Retry-After`` honoured), then the outbox once the messenger gives up (the reply stays queued,
the message pending with its delay). The double's own records are counted per recipient.
(The adapter-level cases — what is and is not retried — are in
``tests/integration/test_external_http_faults.py`` and the messenger's contract tests.)

Real processes: the Zenvia double in a process of its own (uvicorn), perla's app on loopback
(uvicorn in a thread) receiving the double's webhooks; the conversations and the outbox are
worked in this thread (:func:`drain_conversations`).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bench.campaign_sending import TOKEN, ZenviaDouble, zenvia_double
from tests.support.servers import SimulatorControl, running_server

from perla_entrypoints.container import Container, build_container
from perla_entrypoints.http import create_app
from perla_entrypoints.workers import drain_conversations

SECRET = "fault-webhook-secret"
HEADER = "X-Perla-Webhook-Secret"
PERLA = "5491100000000"
TIMEOUT_SECONDS = 0.5
"""The messenger's per-attempt timeout: the double's slow answers take longer."""
RETRIES = 2


@pytest.fixture
def double(tmp_path: Path) -> Iterator[ZenviaDouble]:
    with (tmp_path / "zenvia.log").open("ab") as log, zenvia_double(log) as served:
        yield served


@pytest.fixture
def container(tmp_path: Path, double: ZenviaDouble) -> Iterator[Container]:
    built = build_container(
        database_url=f"sqlite:///{tmp_path}/perla.db",
        data_dir=str(tmp_path),
        zenvia_url=f"{double.url}/v2",
        zenvia_api_token=TOKEN,
        zenvia_webhook_secret=SECRET,
        gateway_retries=RETRIES,
        gateway_timeout_seconds=TIMEOUT_SECONDS,
    )
    built.storage().migrate()
    yield built
    built.shutdown_resources()


@pytest.fixture
def control(container: Container, double: ZenviaDouble) -> Iterator[SimulatorControl]:
    """perla served on loopback, the double's webhook pointed at it with the secret."""
    with running_server(create_app(container)) as perla_url:
        sim = SimulatorControl(double.url)
        sim.set_webhook(f"{perla_url}/webhooks/zenvia", {HEADER: SECRET})
        yield sim


def sends_to(control: SimulatorControl, customer: str) -> list[dict[str, Any]]:
    """The double's answers to perla's sends to ``customer``, in order."""
    return [
        r
        for r in control.requests("POST", "/v2/channels/whatsapp/messages")
        if isinstance(r["body"], dict) and r["body"].get("to") == customer
    ]


def a_customer_writes(control: SimulatorControl, customer: str) -> None:
    delivered = control.emit({"type": "MESSAGE", "from": customer, "to": PERLA, "text": "hola"})
    assert [d["status"] for d in delivered] == [202]


def test_bot_replies_through_500_429_timeouts_and_an_outage_reach_each_customer_once(
    container: Container, double: ZenviaDouble, control: SimulatorControl
) -> None:
    # 500 twice: the messenger's retries carry the reply through
    control.fault(status=500, count=2)
    a_customer_writes(control, "5491155550001")
    drain_conversations(container)
    assert [r["status"] for r in sends_to(control, "5491155550001")] == [500, 500, 200]

    # 429 with Retry-After: waited out, then sent
    control.fault(status=429, retry_after=1)
    began = time.monotonic()
    a_customer_writes(control, "5491155550002")
    drain_conversations(container)
    assert time.monotonic() - began >= 1.0
    assert [r["status"] for r in sends_to(control, "5491155550002")] == [429, 200]

    # no answer within the timeout (a gateway that hangs, then gives up): retried, sent once
    control.fault(status=504, delay_ms=int(TIMEOUT_SECONDS * 3000))
    a_customer_writes(control, "5491155550003")
    drain_conversations(container)
    slow = sends_to(control, "5491155550003")
    assert len(slow) == 2
    assert slow[-1]["status"] == 200

    # down for longer than the messenger's retries: the reply stays queued in the outbox...
    control.fault(status=503, count=RETRIES + 1)
    a_customer_writes(control, "5491155550004")
    drain_conversations(container)
    assert [r["status"] for r in sends_to(control, "5491155550004")] == [503] * (RETRIES + 1)
    with container.uow() as uow:
        waiting = uow.outbox.count_by_status()
    assert waiting[next(s for s in waiting if s.value == "pending")] == 1
    # ... and the outbox's retry (its delay is 2 s after a first failure) sends it
    time.sleep(2.2)
    drain_conversations(container)
    assert [r["status"] for r in sends_to(control, "5491155550004")][-1] == 200

    drain_conversations(container)  # nothing else is due, nothing is sent again
    per_recipient = Counter(str(m["to"]) for m in double.messages())
    assert per_recipient == {f"549115555000{n}": 1 for n in range(1, 5)}
    with container.uow() as uow:
        counts = uow.outbox.count_by_status()
    assert {s.value for s, n in counts.items() if n} == {"done"}
