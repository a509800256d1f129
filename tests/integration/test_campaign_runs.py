"""Campaign runs end to end: two dispatchers on PostgreSQL send each client once, a dispatcher
dying mid-batch resends nothing, the scheduler's cron starts one run however many schedulers
tick, the survey's events reach the run through the outbox, and the CLI."""

from __future__ import annotations

import os
import threading
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from rich.console import Console
from sqlalchemy import Engine
from tests.unit.campaigns.data import NOW, a_client, contact_of
from typer.testing import CliRunner, Result

from perla_adapters.memory import SequentialIds
from perla_adapters.sql import SqlAlchemyUnitOfWork, create_engine_for, migrate
from perla_core.access.model import SYSTEM
from perla_core.campaigns import services
from perla_core.campaigns.model import CampaignConfig, RecipientStatus
from perla_core.conversations.delivery import SEND_TOPIC
from perla_core.conversations.model import Conversation
from perla_core.conversations.survey import start_survey
from perla_entrypoints import campaigns_cli
from perla_entrypoints.campaign_handlers import campaign_tick, scheduled_run_id, work_of
from perla_entrypoints.cli import app
from perla_entrypoints.container import Container, build_container, uow_factory
from perla_entrypoints.workers import drain_outbox, register_actors


class TickingClock:
    """Each reading is a second later (thread-safe): every dispatch finds its run due."""

    def __init__(self, start: datetime = NOW) -> None:
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            self._now += timedelta(seconds=1)
            return self._now


def templates_per_contact(engine: Engine, clock: Any, ids: Any) -> Counter[str]:
    """How many survey templates the outbox holds per contact."""
    sent: Counter[str] = Counter()
    with SqlAlchemyUnitOfWork(engine, clock, ids) as uow:
        for n in range(1, 200):
            conversation = uow.conversations.get(contact_of(n))
            if conversation is None:
                continue
            queued = [m for m in uow.outbox.for_aggregate(conversation.id) if m.topic == SEND_TOPIC]
            sent[conversation.contact] = len(queued)
    return sent


@pytest.mark.postgres
@pytest.mark.parametrize("empty_database_url", ["postgres"], indirect=True)
def test_two_dispatchers_in_threads_on_postgresql_send_each_client_exactly_once(
    migrated_engine: Engine,
) -> None:
    clock, ids = TickingClock(), SequentialIds()
    new_uow: Any = lambda: SqlAlchemyUnitOfWork(migrated_engine, clock, ids)  # noqa: E731
    for n in range(1, 41):
        a_client(new_uow, n)
    config = CampaignConfig.create(rate_per_second=3)
    run_id = services.start_run(new_uow(), config, clock, ids, SYSTEM)
    states: list[str] = []

    def dispatcher() -> None:
        uow = new_uow()
        for _ in range(200):
            outcome = services.dispatch(
                uow, run_id, clock, ids, sender="5491100000000", actor="system"
            )
            states.append(outcome.state)
            if outcome.state == "completed" or (outcome.state == "idle" and not outcome.wait_until):
                return

    threads = [threading.Thread(target=dispatcher) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    sent = templates_per_contact(migrated_engine, clock, ids)
    assert sorted(sent) == sorted(contact_of(n) for n in range(1, 41))
    assert set(sent.values()) == {1}
    report = services.run_report(new_uow(), run_id, SYSTEM)
    assert (report.sent, report.pending, report.run.status.value) == (40, 0, "completed")
    assert "completed" in states


@pytest.mark.postgres
@pytest.mark.parametrize("empty_database_url", ["postgres"], indirect=True)
def test_a_dispatcher_dying_mid_batch_on_postgresql_leaves_nobody_messaged_twice(
    migrated_engine: Engine,
) -> None:
    clock, ids = TickingClock(), SequentialIds()
    new_uow: Any = lambda: SqlAlchemyUnitOfWork(migrated_engine, clock, ids)  # noqa: E731
    for n in range(1, 7):
        a_client(new_uow, n)
    run_id = services.start_run(
        new_uow(), CampaignConfig.create(rate_per_second=4), clock, ids, SYSTEM
    )
    calls = 0

    def dies(work: Any, **kwargs: Any) -> Conversation:
        nonlocal calls
        calls += 1
        if calls == 6:  # the second batch's second client
            raise ConnectionError("killed")
        return start_survey(work, **kwargs)

    first = services.dispatch(new_uow(), run_id, clock, ids, sender="1", actor="s", survey=dies)
    assert first.sent == 4
    with pytest.raises(ConnectionError):
        services.dispatch(new_uow(), run_id, clock, ids, sender="1", actor="s", survey=dies)
    rest = services.dispatch(new_uow(), run_id, clock, ids, sender="1", actor="s")
    assert (rest.sent, rest.state) == (2, "completed")
    sent = templates_per_contact(migrated_engine, clock, ids)
    assert len(sent) == 6
    assert set(sent.values()) == {1}


# --- the container: scheduler, outbox handlers ---------------------------------------------


@pytest.fixture
def container(tmp_path: Path) -> Any:
    built = build_container(
        database_url=f"sqlite:///{tmp_path}/t.db",
        data_dir=str(tmp_path),
        campaign_dormant_cron="* * * * *",
        campaign_rate_per_second=50,
    )
    built.storage().migrate()
    register_actors(built)
    yield built
    built.storage().close()


def test_two_schedulers_ticking_the_same_minute_start_one_run(container: Container) -> None:
    new_uow: Any = uow_factory(container)
    for n in range(1, 4):
        a_client(new_uow, n)
    first = campaign_tick(container)
    second = campaign_tick(container)
    minute = container.clock().now().strftime("%Y-%m-%dT%H:%M")
    assert first == [scheduled_run_id("dormant", minute)]
    assert second == first
    report = services.run_report(work_of(container), first[0], SYSTEM)
    assert (report.selected, report.pending) == (3, 3)


def test_the_survey_answers_and_an_opt_out_reach_the_run_through_the_outbox(
    container: Container,
) -> None:
    new_uow: Any = uow_factory(container)
    for n in range(1, 4):
        a_client(new_uow, n)
    run_id = services.start_run(
        work_of(container), CampaignConfig.create(rate_per_second=10), container.clock(),
        container.ids(), SYSTEM,
    )  # fmt: skip
    from perla_entrypoints.campaign_handlers import dispatch_once  # noqa: PLC0415

    assert dispatch_once(container, run_id).sent == 3
    drain_outbox(container)
    now = container.clock().now()
    with new_uow() as uow:
        one = uow.conversations.get_for_update(contact_of(1))
        one.finish_survey("completed", (("sigue_en_el_rubro", "si"),), by="bot", at=now)
        uow.conversations.save(one)
        two = uow.conversations.get_for_update(contact_of(2))
        two.finish_survey("opted_out", (), by="bot", at=now)
        two.opt_out("reactivacion_dormidos", by="bot", at=now)
        uow.conversations.save(two)
        uow.commit()
    drain_outbox(container)
    report = services.run_report(work_of(container), run_id, SYSTEM)
    assert (report.sent, report.completed, report.answered, report.opted_out) == (3, 1, 1, 1)
    with new_uow() as uow:
        assert uow.opt_outs.is_opted_out(contact_of(2))
        account = uow.customer_accounts.get(UUID(int=10_001))
        assert account.survey_answers == {"sigue_en_el_rubro": "si"}
        recipient = uow.campaigns.recipient(run_id, UUID(int=10_001))
        assert recipient.status is RecipientStatus.COMPLETED
        assert recipient.answers == (("sigue_en_el_rubro", "si"),)


# --- the CLI ----------------------------------------------------------------------------------

_BORDERS = str.maketrans(dict.fromkeys("│┃┏┓┗┛━─┡┩╇┳┻┼┴┬└┘┌┐", " "))


def env(tmp_path: Path) -> dict[str, str]:
    values = {k: v for k, v in os.environ.items() if not k.startswith("PERLA_")}
    values["PERLA_DATA_DIR"] = str(tmp_path / "data")
    values["COLUMNS"] = "200"
    return values


@pytest.fixture(autouse=True)
def wide_consoles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(campaigns_cli, "console", Console(width=200))
    monkeypatch.setattr(campaigns_cli, "err", Console(width=200, stderr=True))


def perla(tmp_path: Path, *args: str) -> Result:
    return CliRunner().invoke(app, ["campaign", *args], env=env(tmp_path))


def text_of(result: Result) -> str:
    return " ".join(result.output.translate(_BORDERS).split())


def seeded_data_dir(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    engine = create_engine_for(f"sqlite:///{tmp_path / 'data' / 'perla.db'}")
    migrate(engine)
    new_uow: Any = lambda: SqlAlchemyUnitOfWork(engine, TickingClock(), SequentialIds())  # noqa: E731
    for n in range(1, 4):
        a_client(new_uow, n)
    a_client(new_uow, 4, consent=False)
    a_client(new_uow, 5, phone=False)
    engine.dispose()


def test_the_cli_previews_runs_follows_and_cancels_a_campaign(tmp_path: Path) -> None:
    seeded_data_dir(tmp_path)
    preview = perla(tmp_path, "run", "dormant", "--dry-run")
    assert preview.exit_code == 0, preview.output
    out = text_of(preview)
    assert "5 dormant clients (no interaction for 8 months): 3 would be sent the survey" in out
    assert "excluded, no WhatsApp consent: 1" in out
    assert "excluded, no WhatsApp number: 1" in out
    assert contact_of(1) in out

    ran = perla(tmp_path, "run", "dormant", "--rate", "10")
    assert ran.exit_code == 0, ran.output
    out = text_of(ran)
    run_id = out.split("run ", 1)[1].split()[0]
    assert "sent 3" in out
    assert "completed" in out

    status = perla(tmp_path, "status", run_id)
    assert status.exit_code == 0, status.output
    assert "selected 3" in text_of(status)
    refused = perla(tmp_path, "pause", run_id)
    assert refused.exit_code == 1
    assert "cannot pause the run" in text_of(refused)


def test_the_cli_refuses_bad_input(tmp_path: Path) -> None:
    seeded_data_dir(tmp_path)
    zero = perla(tmp_path, "run", "dormant", "--months", "0")
    assert zero.exit_code == 1
    assert "months" in text_of(zero)
    other = perla(tmp_path, "run", "otra")
    assert other.exit_code == 1
    assert "unknown campaign" in text_of(other)
    missing = perla(tmp_path, "status", str(UUID(int=5)))
    assert missing.exit_code == 1
    assert perla(tmp_path, "cancel", "nope").exit_code == 2
