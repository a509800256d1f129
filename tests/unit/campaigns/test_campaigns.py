"""Campaign runs on the in-memory adapters: selection and exclusions, exactly-once sending,
the rate and the daily cap, pause/resume/cancel, opt-outs, answers and the funnel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from tests.unit.campaigns.data import NOW, a_client, an_order, contact_of

from perla_adapters.memory import FixedClock, InMemoryStore, InMemoryUnitOfWork, SequentialIds
from perla_core.access.model import SYSTEM, Actor, Role
from perla_core.campaigns import services
from perla_core.campaigns.cron import Cron
from perla_core.campaigns.model import (
    CampaignConfig,
    CampaignRun,
    RunStatus,
    parse_run_ref,
)
from perla_core.conversations.delivery import SEND_TOPIC
from perla_core.conversations.model import Conversation
from perla_core.conversations.services import contact_key
from perla_core.conversations.survey import start_survey
from perla_core.kernel.errors import IllegalTransition, InvalidValue, NotFound, PermissionDenied

READER = Actor("reader", Role.READONLY)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def ids() -> SequentialIds:
    return SequentialIds()


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


@pytest.fixture
def uow(store: InMemoryStore, clock: FixedClock, ids: SequentialIds) -> InMemoryUnitOfWork:
    return InMemoryUnitOfWork(store, clock, ids)


def new_uow_of(store: InMemoryStore, clock: FixedClock, ids: SequentialIds) -> Any:
    return lambda: InMemoryUnitOfWork(store, clock, ids)


def templates_queued(store: InMemoryStore) -> dict[UUID, int]:
    """Templates the outbox will send, per conversation."""
    sent: dict[UUID, int] = {}
    for message in store.outbox.values():
        if message.topic == SEND_TOPIC:
            sent[message.aggregate_id] = sent.get(message.aggregate_id, 0) + 1
    return sent


def dispatch(
    uow: InMemoryUnitOfWork, run_id: UUID, clock: FixedClock, ids: SequentialIds, **kw: Any
) -> services.Dispatched:
    """One dispatch, then a second passes (the scheduler's next tick)."""
    outcome = services.dispatch(
        uow, run_id, clock, ids, sender="5491100000000", actor="system", **kw
    )
    clock.advance(timedelta(seconds=1))
    return outcome


# --- configuration and lifecycle ------------------------------------------------------------


@pytest.mark.parametrize("months", [0, -3, "ocho"])
def test_a_threshold_of_zero_negative_or_not_a_number_of_months_is_refused(months: object) -> None:
    with pytest.raises(InvalidValue) as error:
        CampaignConfig.create(months=months)
    assert error.value.field == "months"


def test_an_unknown_campaign_and_a_zero_cap_are_refused() -> None:
    with pytest.raises(InvalidValue) as error:
        CampaignConfig.create(name="otra")
    assert error.value.field == "campaign"
    with pytest.raises(InvalidValue) as error:
        CampaignConfig.create(daily_cap=0)
    assert error.value.field == "daily_cap"
    assert CampaignConfig.create(months="3").months == 3


def test_a_run_pauses_resumes_and_cancels_and_refuses_what_its_state_does_not_allow() -> None:
    run = CampaignRun.schedule(UUID(int=1), CampaignConfig(), now=NOW, actor="a")
    with pytest.raises(IllegalTransition) as error:
        run.pause(now=NOW, actor="a")
    assert error.value.details["allowed"] == ["cancel", "start"]
    run.start(now=NOW, actor="a")
    run.pause(now=NOW, actor="a")
    run.resume(now=NOW, actor="a")
    run.cancel(now=NOW, actor="a")
    assert (run.status, run.finished_at) == (RunStatus.CANCELLED, NOW)
    with pytest.raises(IllegalTransition):
        run.resume(now=NOW, actor="a")
    assert [e.status for e in run.events] == ["running", "paused", "running", "cancelled"]  # type: ignore[attr-defined]


def test_a_run_ref_reads_back_its_ids_and_refuses_anything_else() -> None:
    assert parse_run_ref(f"{UUID(int=1)}:{UUID(int=2)}") == (UUID(int=1), UUID(int=2))
    assert parse_run_ref("nada") is None


@pytest.mark.parametrize(
    ("expression", "when", "matches"),
    [
        ("0 9 * * 1", datetime(2026, 11, 23, 9, 0, tzinfo=UTC), True),  # a Monday
        ("0 9 * * 1", datetime(2026, 11, 24, 9, 0, tzinfo=UTC), False),
        ("*/15 8-10 * * *", datetime(2026, 11, 24, 10, 45, tzinfo=UTC), True),
        ("*/15 8-10 * * *", datetime(2026, 11, 24, 11, 0, tzinfo=UTC), False),
        ("30 6 1,15 * *", datetime(2026, 12, 15, 6, 30, tzinfo=UTC), True),
        ("0 0 1 * 0", datetime(2026, 11, 29, 0, 0, tzinfo=UTC), True),  # Sunday (either day)
        ("0 0 * 12 7", datetime(2026, 12, 6, 0, 0, tzinfo=UTC), True),  # 7 is Sunday too
    ],
)
def test_the_cron_expression_matches_minutes_as_cron_does(
    expression: str, when: datetime, matches: bool
) -> None:
    assert Cron.parse(expression).matches(when) is matches


@pytest.mark.parametrize("expression", ["", "* * * *", "61 * * * *", "*/0 * * * *", "a * * * *"])
def test_a_bad_cron_expression_is_refused(expression: str) -> None:
    with pytest.raises(InvalidValue) as error:
        Cron.parse(expression)
    assert error.value.field == "cron"


# --- selection ------------------------------------------------------------------------------


def test_a_dry_run_counts_and_samples_writing_nothing(
    store: InMemoryStore, uow: InMemoryUnitOfWork, clock: FixedClock
) -> None:
    new = new_uow_of(store, clock, SequentialIds(1000))
    for n in range(1, 4):
        a_client(new, n)
    a_client(new, 4, consent=False)
    a_client(new, 5, phone=False)
    found = services.preview(uow, CampaignConfig(), clock, SYSTEM, batch=2)
    assert (found.dormant, found.selected) == (5, 3)
    assert found.excluded == {
        "no_whatsapp": 1,
        "opted_out": 0,
        "no_consent": 1,
        "surveyed_recently": 0,
    }
    assert [c.contact for c in found.sample] == [contact_of(n) for n in (1, 2, 3)]
    assert store.campaign_runs == {}
    assert store.campaign_recipients == {}


def test_a_run_files_each_dormant_client_once_and_reports_the_exclusions(
    store: InMemoryStore, uow: InMemoryUnitOfWork, clock: FixedClock, ids: SequentialIds
) -> None:
    new = new_uow_of(store, clock, SequentialIds(1000))
    for n in range(1, 6):
        a_client(new, n)
    a_client(new, 6, consent=False)
    run_id = services.start_run(uow, CampaignConfig(), clock, ids, SYSTEM, batch=2)
    # a second scheduler selecting the same run again files nobody twice
    with uow:
        again = uow.campaigns.get_run(run_id)
        again.status = RunStatus.SCHEDULED
        uow.campaigns.save_run(again)
        uow.commit()
    assert services.select_recipients(uow, run_id, clock, "other", batch=2) == 0
    report = services.run_report(uow, run_id, READER)
    assert report.run.status is RunStatus.RUNNING
    assert (report.dormant, report.selected, report.pending) == (6, 5, 5)
    assert report.excluded["no_consent"] == 1


def test_the_activity_page_reads_the_latest_runs_funnels_in_its_own_unit_of_work(
    store: InMemoryStore, uow: InMemoryUnitOfWork, clock: FixedClock, ids: SequentialIds
) -> None:
    new = new_uow_of(store, clock, SequentialIds(1000))
    for n in range(1, 4):
        a_client(new, n)
    services.start_run(uow, CampaignConfig(), clock, ids, SYSTEM, batch=2)

    with uow:
        [funnel] = services.dashboard_funnels(uow)

    steps = dict(funnel.steps)
    assert funnel.name.startswith("dormant · 24/11/2026")
    assert (steps["Dormidos"], steps["Seleccionados"], steps["Enviados"]) == (3, 3, 0)


def test_a_reader_may_read_the_report_but_not_start_a_run(
    uow: InMemoryUnitOfWork, clock: FixedClock, ids: SequentialIds
) -> None:
    with pytest.raises(PermissionDenied):
        services.start_run(uow, CampaignConfig(), clock, ids, READER)
    with pytest.raises(NotFound):
        services.run_report(uow, UUID(int=404), READER)
    with pytest.raises(NotFound):
        services.change_run(uow, UUID(int=404), "pause", clock, SYSTEM)


# --- sending --------------------------------------------------------------------------------


def started(
    store: InMemoryStore,
    uow: InMemoryUnitOfWork,
    clock: FixedClock,
    ids: SequentialIds,
    n: int,
    **config: Any,
) -> UUID:
    new = new_uow_of(store, clock, SequentialIds(1000))
    for i in range(1, n + 1):
        a_client(new, i)
    return services.start_run(uow, CampaignConfig.create(**config), clock, ids, SYSTEM)


def test_each_recipient_is_sent_the_template_once_at_the_rate_then_the_run_completes(
    store: InMemoryStore, uow: InMemoryUnitOfWork, clock: FixedClock, ids: SequentialIds
) -> None:
    run_id = started(store, uow, clock, ids, 5, rate_per_second=2)
    outcomes = [dispatch(uow, run_id, clock, ids) for _ in range(3)]
    assert [(o.sent, o.state) for o in outcomes] == [(2, "sent"), (2, "sent"), (1, "completed")]
    assert dispatch(uow, run_id, clock, ids).state == "idle"
    queued = templates_queued(store)
    assert sorted(queued.values()) == [1] * 5
    contacts = {c.contact for c in store.conversations.values()}
    assert contacts == {contact_of(n) for n in range(1, 6)}
    conversation = next(iter(store.conversations.values()))
    assert conversation.flow_name == "reactivacion_dormidos"
    report = services.run_report(uow, run_id, READER)
    assert (report.sent, report.pending, report.run.status) == (5, 0, RunStatus.COMPLETED)


def test_a_dispatcher_that_dies_mid_batch_sends_nothing_and_the_next_sends_each_once(
    store: InMemoryStore, uow: InMemoryUnitOfWork, clock: FixedClock, ids: SequentialIds
) -> None:
    run_id = started(store, uow, clock, ids, 4, rate_per_second=4)
    calls = 0

    def dies_on_the_third(work: Any, **kwargs: Any) -> Conversation:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise ConnectionError("worker killed")
        return start_survey(work, **kwargs)

    with pytest.raises(ConnectionError):
        dispatch(uow, run_id, clock, ids, survey=dies_on_the_third)
    assert templates_queued(store) == {}
    clock.advance(timedelta(seconds=1))
    assert dispatch(uow, run_id, clock, ids).sent == 4
    assert dispatch(uow, run_id, clock, ids).state == "completed"
    assert sorted(templates_queued(store).values()) == [1] * 4


def test_a_run_larger_than_the_daily_cap_spreads_over_days(
    store: InMemoryStore, uow: InMemoryUnitOfWork, clock: FixedClock, ids: SequentialIds
) -> None:
    run_id = started(store, uow, clock, ids, 5, rate_per_second=10, daily_cap=2)
    assert dispatch(uow, run_id, clock, ids).sent == 2
    capped = dispatch(uow, run_id, clock, ids)
    assert (capped.state, capped.wait_until) == ("capped", datetime(2026, 11, 25, tzinfo=UTC))
    assert services.due_runs(uow, clock.now()) == []
    clock.set(datetime(2026, 11, 25, 0, 0, 1, tzinfo=UTC))
    assert services.due_runs(uow, clock.now()) == [run_id]
    assert dispatch(uow, run_id, clock, ids).sent == 2
    assert dispatch(uow, run_id, clock, ids).state == "capped"
    clock.set(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    finished = dispatch(uow, run_id, clock, ids)
    assert (finished.sent, finished.state) == (1, "completed")
    days = sorted(r.sent_on.isoformat() for r in store.campaign_recipients.values() if r.sent_on)
    assert days == ["2026-11-24"] * 2 + ["2026-11-25"] * 2 + ["2026-11-26"]


def test_pause_stops_the_sending_resume_continues_it_and_cancel_ends_it(
    store: InMemoryStore, uow: InMemoryUnitOfWork, clock: FixedClock, ids: SequentialIds
) -> None:
    run_id = started(store, uow, clock, ids, 4, rate_per_second=1)
    assert dispatch(uow, run_id, clock, ids).sent == 1
    services.change_run(uow, run_id, "pause", clock, SYSTEM)
    assert dispatch(uow, run_id, clock, ids).state == "idle"
    services.change_run(uow, run_id, "resume", clock, SYSTEM)
    assert dispatch(uow, run_id, clock, ids).sent == 1
    services.change_run(uow, run_id, "cancel", clock, SYSTEM)
    assert dispatch(uow, run_id, clock, ids).state == "idle"
    with pytest.raises(IllegalTransition):
        services.change_run(uow, run_id, "resume", clock, SYSTEM)
    with pytest.raises(InvalidValue):
        services.change_run(uow, run_id, "explode", clock, SYSTEM)
    report = services.run_report(uow, run_id, READER)
    assert (report.sent, report.pending, report.run.status) == (2, 2, RunStatus.CANCELLED)


def test_an_opt_out_is_honoured_by_the_next_run(
    store: InMemoryStore, uow: InMemoryUnitOfWork, clock: FixedClock, ids: SequentialIds
) -> None:
    run_id = started(store, uow, clock, ids, 3, rate_per_second=10, surveyed_within_days=0)
    dispatch(uow, run_id, clock, ids)
    client_two = UUID(int=10_002)
    assert services.record_survey_finished(
        uow, run_ref=f"{run_id}:{client_two}", outcome="opted_out", answers=(), at=NOW, actor="bot"
    )
    assert services.record_opt_out(uow, contact_of(2), NOW, "reactivacion_dormidos")
    assert not services.record_opt_out(uow, "+" + contact_of(2), NOW, "bot")
    clock.advance(timedelta(days=1))
    second = services.start_run(
        uow, CampaignConfig.create(surveyed_within_days=0), clock, ids, SYSTEM
    )
    report = services.run_report(uow, second, READER)
    assert report.selected == 2
    assert report.excluded["opted_out"] == 1
    first = services.run_report(uow, run_id, READER)
    assert first.opted_out == 1


def test_a_number_opted_out_after_the_selection_is_not_messaged(
    store: InMemoryStore, uow: InMemoryUnitOfWork, clock: FixedClock, ids: SequentialIds
) -> None:
    run_id = started(store, uow, clock, ids, 2, rate_per_second=10)
    services.record_opt_out(uow, contact_of(1), NOW, "microcom_ventas")
    assert dispatch(uow, run_id, clock, ids).sent == 2
    assert {c.contact for c in store.conversations.values()} == {contact_of(2)}
    assert services.run_report(uow, run_id, READER).opted_out == 1


def test_answers_land_in_the_client_record_and_the_funnel_counts_the_recovered(
    store: InMemoryStore, uow: InMemoryUnitOfWork, clock: FixedClock, ids: SequentialIds
) -> None:
    run_id = started(store, uow, clock, ids, 3, rate_per_second=10)
    dispatch(uow, run_id, clock, ids)
    one, two = UUID(int=10_001), UUID(int=10_002)
    answers = (("sigue_en_el_rubro", "si"), ("motivo_cambio", "precio"))
    assert services.record_survey_finished(
        uow, run_ref=f"{run_id}:{one}", outcome="completed", answers=answers, at=NOW, actor="bot"
    )
    services.record_survey_finished(
        uow,
        run_ref=f"{run_id}:{two}",
        outcome="handed_off",
        answers=answers[:1],
        at=NOW,
        actor="bot",
    )
    assert not services.record_survey_finished(
        uow, run_ref="not-a-ref", outcome="completed", answers=(), at=NOW, actor="bot"
    )
    an_order(new_uow_of(store, clock, ids), one, NOW + timedelta(days=2), ids)
    with uow:
        account = uow.customer_accounts.get(one)
    assert account is not None
    assert account.survey_answers == dict(answers)
    report = services.run_report(uow, run_id, READER)
    assert (report.sent, report.answered, report.completed, report.recovered) == (3, 2, 1, 1)


def test_a_template_refused_by_whatsapp_is_counted_as_failed(
    store: InMemoryStore, uow: InMemoryUnitOfWork, clock: FixedClock, ids: SequentialIds
) -> None:
    run_id = started(store, uow, clock, ids, 2, rate_per_second=10)
    dispatch(uow, run_id, clock, ids)
    with uow:
        conversation = uow.conversations.get_for_update(contact_key(contact_of(1)))
        assert conversation is not None
        conversation.mark_failed(conversation.messages[-1].id, "REJECTED", NOW)
        uow.conversations.save(conversation)
        uow.commit()
    report = services.run_report(uow, run_id, READER)
    assert (report.sent, report.failed) == (2, 1)
    assert services.run_report(uow, run_id, READER).failed == 1  # counted once


def test_the_whatsapp_consent_is_recorded_on_the_account(
    store: InMemoryStore, uow: InMemoryUnitOfWork, clock: FixedClock
) -> None:
    cid = a_client(new_uow_of(store, clock, SequentialIds(1000)), 1, consent=False)
    services.record_whatsapp_consent(uow, cid, True, clock, SYSTEM)
    assert store.customer_accounts[cid].whatsapp_consent
    with pytest.raises(NotFound):
        services.record_whatsapp_consent(uow, UUID(int=9), True, clock, SYSTEM)
