"""The task queue on Dramatiq: Redis in production, the in-process stub broker by default."""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.stub import StubBroker

QUEUE = "perla"


def make_broker(redis_url: str | None, namespace: str = "perla") -> dramatiq.Broker:
    """Redis when a URL is given, otherwise an in-process broker (messages live in memory)."""
    if redis_url:
        from dramatiq.brokers.redis import RedisBroker  # noqa: PLC0415 - optional extra

        broker: dramatiq.Broker = RedisBroker(  # type: ignore[no-untyped-call]
            url=redis_url, namespace=namespace
        )
    else:
        broker = StubBroker()
        broker.emit_after("process_boot")
    return broker


class DramatiqTaskQueue:
    """Enqueues by actor name; messages carry ids and primitives only.

    Raises whatever the broker raises (a Redis ``ConnectionError`` while Redis is down): the
    caller keeps its state and offers the work again later.
    """

    def __init__(self, broker: dramatiq.Broker) -> None:
        self.broker = broker

    def enqueue(self, task: str, **kwargs: str | int) -> None:
        message: dramatiq.Message[object] = dramatiq.Message(
            queue_name=QUEUE, actor_name=task, args=(), kwargs=dict(kwargs), options={}
        )
        self.broker.enqueue(message)


def broker_ready(broker: dramatiq.Broker) -> bool:
    """Whether the broker answers (a Redis PING; the stub broker is always ready)."""
    client = getattr(broker, "client", None)
    if client is None:
        return True
    try:
        return bool(client.ping())
    except Exception:  # noqa: BLE001 - any failure means "not ready"
        return False
