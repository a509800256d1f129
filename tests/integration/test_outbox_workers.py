"""The outbox relay and delivery as Dramatiq actors: on the in-process broker and on Redis."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from dependency_injector import providers

from perla_core.access.model import Actor, Role
from perla_core.onboarding import services
from perla_core.onboarding.commands import AdvanceLead, RegisterLead
from perla_core.outbox import DELIVER_TASK, HandlerRegistry, OutboxMessage, OutboxStatus
from perla_entrypoints.container import Container, build_container
from perla_entrypoints.scheduler import tick
from perla_entrypoints.workers import register_actors, start_worker

AGENT = Actor("ana", Role.AGENT)


class RecordingHandler:
    """Counts each (message, topic) it is given; thread-safe."""

    def __init__(self) -> None:
        self.calls: Counter[UUID] = Counter()
        self.lock = threading.Lock()

    def __call__(self, _event: Any, message: OutboxMessage) -> None:
        with self.lock:
            self.calls[message.id] += 1


def _container(tmp_path: Path, **settings: Any) -> tuple[Container, RecordingHandler]:
    container = build_container(
        data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'perla.db'}", **settings
    )
    container.storage().migrate()
    handler = RecordingHandler()
    registry = HandlerRegistry()
    for topic in ("onboarding.lead_registered", "onboarding.lead_status_changed"):
        registry = registry.with_handler(topic, "recorder", handler)
    container.handlers.override(providers.Object(registry))
    return container, handler


def _make_leads(container: Container, count: int) -> None:
    for i in range(count):
        lead = services.register_lead(
            RegisterLead(trade_name=f"Agencia {i}", country="ES", email=f"a{i}@agencia.es"),
            container.uow(),
            container.clock(),
            container.ids(),
            AGENT,
        )
        services.advance_lead(
            AdvanceLead(lead, "mark_contacted"), container.uow(), container.clock(), AGENT
        )


def _statuses(container: Container) -> dict[OutboxStatus, int]:
    with container.uow() as uow:
        return dict(uow.outbox.count_by_status())


def test_the_relay_actor_delivers_every_event_once_on_the_in_process_broker(
    tmp_path: Path,
) -> None:
    container, handler = _container(tmp_path)
    _make_leads(container, 5)
    worker = start_worker(container, threads=2)
    try:
        tick(container)
        container.broker().join("perla", timeout=20_000)
    finally:
        worker.stop()
    assert len(handler.calls) == 10
    assert set(handler.calls.values()) == {1}
    assert _statuses(container)[OutboxStatus.DONE] == 10


def test_a_message_delivered_twice_runs_its_handlers_once(tmp_path: Path) -> None:
    container, handler = _container(tmp_path)
    _make_leads(container, 1)
    actors = register_actors(container)
    with container.uow() as uow:
        ids = [m.id for m in uow.outbox.claim_pending(container.clock().now(), 10)]
    for message_id in ids + ids:
        actors[DELIVER_TASK].fn(str(message_id))
    assert sorted(handler.calls.values()) == [1, 1]


def test_ticks_while_nothing_is_due_hand_nothing_over(tmp_path: Path) -> None:
    container, handler = _container(tmp_path)
    worker = start_worker(container, threads=1)
    try:
        for _ in range(3):
            tick(container)
        container.broker().join("perla", timeout=10_000)
    finally:
        worker.stop()
    assert handler.calls == Counter()


@pytest.mark.redis
def test_workers_on_redis_deliver_each_event_exactly_once_even_with_two_schedulers(
    tmp_path: Path, redis_url: str
) -> None:
    container, handler = _container(
        tmp_path, redis_url=redis_url, redis_namespace=f"perla-test-{tmp_path.name}"
    )
    _make_leads(container, 20)
    worker = start_worker(container, threads=4)
    try:
        for _ in range(3):  # two schedulers ticking at once, and then once more
            tick(container)
            tick(container)
        container.broker().join("perla", timeout=30_000)
        for _ in range(50):
            if _statuses(container)[OutboxStatus.DONE] == 40:
                break
            threading.Event().wait(0.1)
    finally:
        worker.stop()
    assert len(handler.calls) == 40
    assert set(handler.calls.values()) == {1}
    assert _statuses(container)[OutboxStatus.PENDING] == 0
