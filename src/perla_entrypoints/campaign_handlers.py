"""The campaigns' wiring: the configuration from the settings, the dispatcher and the
scheduler's campaign tick (both Dramatiq actors, declared in :mod:`perla_entrypoints.workers`),
and the outbox handlers of the survey's conversation events.

- ``campaigns.tick`` (every scheduler tick): starts the dormant campaign's run when
  ``campaign_dormant_cron`` matches the current minute (the run's id is derived from the
  minute, so two schedulers start one run), finishes selections that died, and enqueues
  ``campaigns.dispatch`` for each running run that is due.
- ``campaigns.dispatch(run_id)``: one batch (``rate_per_second`` templates) of the run.
- ``conversations.survey_finished`` → ``campaigns.record_survey`` (answers raw on the
  recipient, consolidated into the client's account; completion counted);
  ``conversations.contact_opted_out`` → ``campaigns.record_opt_out`` (the registry every
  later run excludes).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Final, cast
from uuid import UUID, uuid5

import structlog

from perla_core.access.model import SYSTEM
from perla_core.campaigns import services
from perla_core.campaigns.cron import Cron
from perla_core.campaigns.model import CampaignConfig
from perla_core.campaigns.ports import CampaignUnitOfWork
from perla_core.conversations import events as conversation_events
from perla_core.conversations.survey import start_survey
from perla_core.kernel.errors import AlreadyExists
from perla_core.outbox import HandlerRegistry, OutboxMessage
from perla_entrypoints.container import Container, settings_of
from perla_entrypoints.settings import Settings

log = structlog.get_logger("perla.campaigns")

DISPATCH_TASK: Final = "campaigns.dispatch"
TICK_TASK: Final = "campaigns.tick"
RECORD_SURVEY: Final = "campaigns.record_survey"
RECORD_OPT_OUT: Final = "campaigns.record_opt_out"
STALLED_SELECTION: Final = timedelta(minutes=10)
_RUN_IDS: Final = UUID("8d6f4c1e-2b7a-4f0e-9a51-3c2d9e0b7a11")


def campaign_config(settings: Settings, **overrides: Any) -> CampaignConfig:
    """The dormant campaign as configured (``PERLA_CAMPAIGN_*``), with ``overrides``."""
    values: dict[str, Any] = {
        "months": settings.campaign_dormant_months,
        "surveyed_within_days": settings.campaign_surveyed_within_days,
        "template_id": settings.campaign_template_id,
        "rate_per_second": settings.campaign_rate_per_second,
        "daily_cap": settings.campaign_daily_cap,
        "recovered_window_days": settings.campaign_recovered_days,
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    return CampaignConfig.create(**values)


def work_of(container: Container) -> CampaignUnitOfWork:
    return cast("CampaignUnitOfWork", container.uow())


def dispatch_once(
    container: Container, run_id: UUID, *, limit: int | None = None
) -> services.Dispatched:
    """One batch of the run, with the shipped (or configured) survey's first step."""
    flow = container.survey_file().current()
    return services.dispatch(
        work_of(container),
        run_id,
        container.clock(),
        container.ids(),
        sender=settings_of(container).whatsapp_sender,
        actor=SYSTEM.name,
        survey=functools.partial(start_survey, flow=flow),
        limit=limit,
    )


def scheduled_run_id(name: str, minute: str) -> UUID:
    """The id of the run a cron schedule starts at ``minute`` (the same in every scheduler)."""
    return uuid5(_RUN_IDS, f"{name}:{minute}")


def campaign_tick(container: Container) -> list[UUID]:
    """Start the scheduled run if due, finish stalled selections, enqueue due dispatches;
    returns the runs enqueued."""
    settings = settings_of(container)
    clock = container.clock()
    now = clock.now()
    work = work_of(container)
    if settings.campaign_dormant_cron and Cron.parse(settings.campaign_dormant_cron).matches(now):
        run_id = scheduled_run_id("dormant", now.strftime("%Y-%m-%dT%H:%M"))
        try:
            services.start_run(
                work, campaign_config(settings), clock, container.ids(), SYSTEM, run_id=run_id
            )
            log.info("campaigns.run_started", run_id=str(run_id), by="schedule")
        except AlreadyExists:
            pass  # this minute's run exists (this or another scheduler started it)
    for stalled in services.stalled_selections(work, now, STALLED_SELECTION):
        services.select_recipients(work, stalled, clock, SYSTEM.name)
    due = services.due_runs(work, now)
    queue = container.task_queue()
    for run_id in due:
        queue.enqueue(DISPATCH_TASK, run_id=str(run_id))
    return due


def with_campaign_handlers(registry: HandlerRegistry, container: Container) -> HandlerRegistry:
    """``registry`` with the survey's two handlers."""

    def survey_finished(event: Any, _: OutboxMessage) -> None:
        services.record_survey_finished(
            work_of(container),
            run_ref=str(event.run_ref),
            outcome=str(event.outcome),
            answers=tuple((str(k), str(v)) for k, v in event.answers),
            at=event.occurred_at,
            actor=SYSTEM.name,
        )

    def opted_out(event: Any, _: OutboxMessage) -> None:
        services.record_opt_out(
            work_of(container), str(event.contact), event.occurred_at, str(event.source)
        )

    return registry.with_handler(
        conversation_events.SurveyFinished.event_name, RECORD_SURVEY, survey_finished
    ).with_handler(conversation_events.ContactOptedOut.event_name, RECORD_OPT_OUT, opted_out)


def campaign_actors(container: Container) -> dict[str, Callable[..., None]]:
    """The two actors' functions, for :func:`perla_entrypoints.workers.register_actors`."""

    def dispatch_run(run_id: str) -> None:
        """Send the next batch of a campaign run's survey templates."""
        outcome = dispatch_once(container, UUID(run_id))
        log.info("campaigns.dispatched", run_id=run_id, sent=outcome.sent, state=outcome.state)

    def tick() -> None:
        """Start the scheduled campaign run if due; enqueue the due runs' dispatches."""
        campaign_tick(container)

    return {DISPATCH_TASK: dispatch_run, TICK_TASK: tick}
