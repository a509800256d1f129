"""The campaigns' use cases: preview, start, dispatch, pause/resume/cancel, report, and the
outbox handlers' work (survey finished, opt-out).

Exactly once: :func:`dispatch` claims pending recipients under row locks (``SKIP LOCKED`` on
PostgreSQL), marks them sent and queues their template through the conversation's outbox in
ONE transaction. A worker dying before the commit leaves them pending (nobody was messaged,
the outbox rows were never written); after the commit they are sent and never claimed again.
Two dispatchers skip each other's rows. Recipients are unique by (run, client), so two
selections of one run (two schedulers) file each client once.

Rate: one :func:`dispatch` sends at most ``rate_per_second`` templates; the caller calls it
once a second. Daily cap: distinct clients sent a survey today (by any run) never pass
``daily_cap`` (checked per batch; two dispatchers of one run at once may pass it by one
batch); at the cap the run waits until midnight (``next_dispatch_at``) and the scheduler
resumes it then.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Final
from uuid import UUID

import attrs

from perla_core.access.model import Actor, Permission
from perla_core.campaigns.model import (
    CampaignConfig,
    CampaignRun,
    Exclusion,
    RecipientStatus,
    RunReport,
    RunStatus,
    next_day,
    parse_run_ref,
)
from perla_core.campaigns.ports import CampaignUnitOfWork, Candidate, DormancyQuery
from perla_core.conversations.model import Conversation
from perla_core.conversations.survey import start_survey
from perla_core.customers.model import CustomerAccount
from perla_core.kernel.errors import InvalidValue, NotFound, StaleVersion
from perla_core.kernel.ports import Clock, IdGenerator
from perla_core.messaging import MessageStatus, TemplateMessage

SELECT_BATCH: Final = 5000
"""Dormant clients filed per transaction (in the database: on PostgreSQL no row travels)."""
SAMPLE_SIZE: Final = 10
CHECK_BATCH: Final = 200
PACE: Final = timedelta(seconds=1)
"""One batch (``rate_per_second`` templates) per second."""

SurveyStarter = Callable[..., Conversation]


@attrs.frozen
class Preview:
    """What a run would select now (``--dry-run``)."""

    dormant: int
    selected: int
    excluded: Mapping[str, int]
    sample: tuple[Candidate, ...]


def _query(config: CampaignConfig, now: datetime) -> DormancyQuery:
    return DormancyQuery(config.inactive_before(now), config.surveyed_since(now))


def preview(
    work: CampaignUnitOfWork,
    config: CampaignConfig,
    clock: Clock,
    actor: Actor,
    *,
    batch: int = SELECT_BATCH,
) -> Preview:
    """Count the dormant clients, the exclusions and a sample, writing nothing."""
    actor.require(Permission.READ)
    query = _query(config, clock.now())
    excluded: Counter[str] = Counter({e.value: 0 for e in Exclusion})
    sample: list[Candidate] = []
    dormant = selected = 0
    after: UUID | None = None
    with work:
        while True:
            rows = work.campaigns.dormant_candidates(query, after=after, limit=batch)
            for c in rows:
                dormant += 1
                if c.exclusion is None:
                    selected += 1
                    if len(sample) < SAMPLE_SIZE:
                        sample.append(c)
                else:
                    excluded[c.exclusion.value] += 1
            if len(rows) < batch:
                break
            after = rows[-1].client_id
    return Preview(dormant, selected, dict(excluded), tuple(sample))


def schedule_run(
    work: CampaignUnitOfWork,
    config: CampaignConfig,
    clock: Clock,
    ids: IdGenerator,
    actor: str,
    *,
    run_id: UUID | None = None,
) -> UUID:
    """Create a run (scheduled); :func:`select_recipients` then fills and starts it. A given
    ``run_id`` already stored raises ``AlreadyExists`` (a second scheduler's same run)."""
    run = CampaignRun.schedule(run_id or ids.new_id(), config, now=clock.now(), actor=actor)
    with work:
        work.campaigns.add_run(run)
        work.commit()
    return run.id


def select_recipients(
    work: CampaignUnitOfWork,
    run_id: UUID,
    clock: Clock,
    actor: str,
    *,
    batch: int = SELECT_BATCH,
    progress: Callable[[int], None] | None = None,
) -> int:
    """File the run's dormant clients as recipients, a batch (one transaction) at a time, then
    start the run. Safe to repeat (rows are unique by run and client). Returns the rows
    inserted by this call."""
    with work:
        run = work.campaigns.get_run(run_id)
    if run.status is not RunStatus.SCHEDULED:
        return 0
    query = _query(run.config, run.created_at)
    inserted = 0
    after: UUID | None = None
    while True:
        with work:
            page = work.campaigns.file_dormant(run_id, query, after=after, limit=batch)
            work.commit()
        inserted += page.inserted
        if progress is not None:
            progress(page.seen)
        if page.seen < batch or page.last is None:
            break
        after = page.last
    with work:
        run = work.campaigns.get_run(run_id)
        if run.status is RunStatus.SCHEDULED:
            run.start(now=clock.now(), actor=actor)
            try:
                work.campaigns.save_run(run)
                work.commit()
            except StaleVersion:
                pass  # another scheduler started it meanwhile
    return inserted


def start_run(
    work: CampaignUnitOfWork,
    config: CampaignConfig,
    clock: Clock,
    ids: IdGenerator,
    actor: Actor,
    *,
    run_id: UUID | None = None,
    batch: int = SELECT_BATCH,
    progress: Callable[[int], None] | None = None,
) -> UUID:
    """Schedule a run, select its recipients and start it (the CLI's and the API's verb)."""
    actor.require(Permission.WRITE_COMMERCIAL)
    new_id = schedule_run(work, config, clock, ids, actor.name, run_id=run_id)
    select_recipients(work, new_id, clock, actor.name, batch=batch, progress=progress)
    return new_id


@attrs.frozen
class Dispatched:
    """One dispatch: ``sent`` templates queued; ``state`` ``sent`` (more may be pending),
    ``capped`` (daily cap reached, waits until ``wait_until``), ``completed`` (nothing left),
    ``busy`` (the pending rows are another dispatcher's), ``idle`` (the run is not running or
    not due)."""

    sent: int
    state: str
    wait_until: datetime | None = None


def dispatch(
    work: CampaignUnitOfWork,
    run_id: UUID,
    clock: Clock,
    ids: IdGenerator,
    *,
    sender: str,
    actor: str,
    survey: SurveyStarter = start_survey,
    limit: int | None = None,
) -> Dispatched:
    """Send the next batch of a running run (see the module docstring).

    The run's row paces the sending: each batch moves ``next_dispatch_at`` a second on in the
    same transaction, so a second dispatcher of the run meanwhile finds it stale (``busy``)
    and sends nothing; the scheduler asks again once it is due."""
    now = clock.now()
    with work:
        run = work.campaigns.get_run(run_id)
        waiting = run.next_dispatch_at is not None and run.next_dispatch_at > now
        if run.status is not RunStatus.RUNNING or waiting:
            return Dispatched(0, "idle", run.next_dispatch_at if waiting else None)
        room = run.config.daily_cap - work.campaigns.sent_on(now.date())
        if room <= 0:
            run.wait_until(next_day(now))
            return _save_run(work, run, Dispatched(0, "capped", run.next_dispatch_at))
        run.wait_until(now + PACE)
        try:
            work.campaigns.save_run(run)
        except StaleVersion:
            return Dispatched(0, "busy")
        size = min(run.config.rate_per_second, room, limit or room)
        batch = work.campaigns.claim_pending(run_id, size)
        template = TemplateMessage(run.config.template_id)
        for recipient in batch:
            if recipient.contact is None or work.opt_outs.is_opted_out(recipient.contact):
                recipient.status = RecipientStatus.OPTED_OUT
                work.campaigns.save_recipient(recipient)
                continue
            conversation = survey(
                work,
                contact=recipient.contact,
                contact_name=None,
                sender=sender,
                flow_name=run.config.flow_name,
                template=template,
                run_ref=recipient.run_ref,
                now=now,
                ids=ids,
            )
            ref = conversation.messages[-1].external_id if conversation.messages else None
            recipient.mark_sent(now, conversation.id, ref)
            work.campaigns.save_recipient(recipient)
        state = "sent"
        if len(batch) < size:
            if work.campaigns.counts(run_id).get((RecipientStatus.PENDING, None), 0):
                if not batch:
                    return Dispatched(0, "busy")  # the rest is another dispatcher's
            else:
                run.complete(now=now, actor=actor)
                work.campaigns.save_run(run)
                state = "completed"
        try:
            work.commit()
        except StaleVersion:
            return Dispatched(0, "busy")
    return Dispatched(len(batch), state)


def _save_run(work: CampaignUnitOfWork, run: CampaignRun, outcome: Dispatched) -> Dispatched:
    try:
        work.campaigns.save_run(run)
        work.commit()
    except StaleVersion:
        return Dispatched(0, "busy")
    return outcome


RUN_ACTIONS: Final = ("pause", "resume", "cancel")


def change_run(
    work: CampaignUnitOfWork, run_id: UUID, action: str, clock: Clock, actor: Actor
) -> CampaignRun:
    """``pause``, ``resume`` or ``cancel`` a run (``IllegalTransition`` if it cannot)."""
    actor.require(Permission.WRITE_COMMERCIAL)
    if action not in RUN_ACTIONS:
        raise InvalidValue(f"unknown action {action!r}", field="action")
    with work:
        run = work.campaigns.get_run(run_id)
        getattr(run, action)(now=clock.now(), actor=actor.name)
        work.campaigns.save_run(run)
        work.commit()
    return run


def due_runs(work: CampaignUnitOfWork, now: datetime) -> list[UUID]:
    """Running runs whose sending may go on now."""
    with work:
        return [
            r.id
            for r in work.campaigns.open_runs()
            if r.status is RunStatus.RUNNING
            and (r.next_dispatch_at is None or r.next_dispatch_at <= now)
        ]


def stalled_selections(
    work: CampaignUnitOfWork, now: datetime, older_than: timedelta
) -> list[UUID]:
    """Scheduled runs created longer ago than ``older_than`` (their selection died)."""
    with work:
        return [
            r.id
            for r in work.campaigns.open_runs()
            if r.status is RunStatus.SCHEDULED and r.created_at <= now - older_than
        ]


def check_failures(work: CampaignUnitOfWork, run_id: UUID) -> int:
    """Mark ``failed`` the recipients whose template WhatsApp refused (the conversation's
    message status); returns how many."""
    failed = 0
    after: UUID | None = None
    while True:
        with work:
            rows = work.campaigns.sent_recipients(run_id, after=after, limit=CHECK_BATCH)
            for r in rows:
                if r.conversation_id is None or r.message_ref is None:
                    continue
                try:
                    conversation = work.conversations.get_by_id(r.conversation_id)
                except NotFound:
                    continue
                message = conversation.message_by_ref(r.message_ref)
                if message is not None and message.status is MessageStatus.FAILED:
                    r.status = RecipientStatus.FAILED
                    work.campaigns.save_recipient(r)
                    failed += 1
            work.commit()
        if len(rows) < CHECK_BATCH:
            return failed
        after = rows[-1].client_id


def run_report(work: CampaignUnitOfWork, run_id: UUID, actor: Actor) -> RunReport:
    """The run's funnel (template failures checked first)."""
    actor.require(Permission.READ)
    with work:
        work.campaigns.get_run(run_id)
    check_failures(work, run_id)
    with work:
        return _report(work, work.campaigns.get_run(run_id))


@attrs.frozen
class Funnel:
    """A run's funnel as the activity page draws it: ``steps`` of (label, count)."""

    name: str
    steps: tuple[tuple[str, int], ...]


def dashboard_funnels(work: CampaignUnitOfWork, limit: int = 5) -> list[Funnel]:
    """The latest runs' funnels, read only in the open ``work`` (the activity page's campaign
    section reads them in its own unit of work)."""
    reports = [_report(work, run) for run in work.campaigns.recent_runs(limit)]
    return [
        Funnel(
            f"{r.run.config.name} · {r.run.created_at:%d/%m/%Y} ({r.run.status.value})",
            (
                ("Dormidos", r.dormant),
                ("Seleccionados", r.selected),
                ("Enviados", r.sent),
                ("Respondieron", r.answered),
                ("Completaron", r.completed),
                ("Recuperados", r.recovered),
                ("Bajas", r.opted_out),
            ),
        )
        for r in reports
    ]


def _report(work: CampaignUnitOfWork, run: CampaignRun) -> RunReport:
    """``run``'s funnel, read in the open ``work``."""
    counts = work.campaigns.counts(run.id)
    sent = work.campaigns.sent_count(run.id)
    window = timedelta(days=run.config.recovered_window_days)
    recovered = work.campaigns.recovered(run.id, window)
    by_status: Counter[RecipientStatus] = Counter()
    excluded = {e.value: 0 for e in Exclusion}
    for (status, exclusion), n in counts.items():
        by_status[status] += n
        if status is RecipientStatus.EXCLUDED and exclusion is not None:
            excluded[exclusion.value] += n
    total_excluded = by_status[RecipientStatus.EXCLUDED]
    selected = sum(by_status.values()) - total_excluded
    completed = by_status[RecipientStatus.COMPLETED]
    opted = by_status[RecipientStatus.OPTED_OUT]
    return RunReport(
        run=run,
        dormant=selected + total_excluded,
        excluded=excluded,
        selected=selected,
        pending=by_status[RecipientStatus.PENDING],
        sent=sent,
        failed=by_status[RecipientStatus.FAILED],
        answered=by_status[RecipientStatus.ANSWERED] + completed,
        completed=completed,
        opted_out=opted,
        recovered=recovered,
    )


# --- the outbox handlers' work ---------------------------------------------------------------


def record_survey_finished(
    work: CampaignUnitOfWork,
    *,
    run_ref: str,
    outcome: str,
    answers: tuple[tuple[str, str], ...],
    at: datetime,
    actor: str,
) -> bool:
    """Store the answers raw on the recipient, move it (completed / opted out / answered)
    and consolidate the answers into the client's account. ``False`` if ``run_ref`` is not a
    campaign's recipient."""
    ids = parse_run_ref(run_ref)
    if ids is None:
        return False
    with work:
        recipient = work.campaigns.recipient(*ids)
        if recipient is None:
            return False
        if outcome == "completed":
            recipient.status = RecipientStatus.COMPLETED
        elif outcome == "opted_out":
            recipient.status = RecipientStatus.OPTED_OUT
        elif answers:
            recipient.status = RecipientStatus.ANSWERED
        if answers or outcome == "completed":
            recipient.answered_at = recipient.answered_at or at
        recipient.finished_at = at
        recipient.answers = answers
        work.campaigns.save_recipient(recipient)
        if answers:
            account = _account(work, recipient.client_id, at, actor)
            account.record_survey_answers(answers, now=at)
            _store(work, account)
        work.commit()
    return True


def record_opt_out(work: CampaignUnitOfWork, contact: str, at: datetime, source: str) -> bool:
    """Add the number to the opt-out registry (every later campaign leaves it out)."""
    with work:
        added = work.opt_outs.add(contact, at, source)
        work.commit()
    return added


def record_whatsapp_consent(
    work: CampaignUnitOfWork, client_id: UUID, given: bool, clock: Clock, actor: Actor
) -> None:
    """Record whether the client agreed to be messaged on WhatsApp (explicit, default no)."""
    actor.require(Permission.WRITE_COMMERCIAL)
    now = clock.now()
    with work:
        work.clients.get(client_id)
        account = _account(work, client_id, now, actor.name)
        account.record_whatsapp_consent(given, now=now)
        _store(work, account)
        work.commit()


def _account(
    work: CampaignUnitOfWork, client_id: UUID, now: datetime, actor: str
) -> CustomerAccount:
    found = work.customer_accounts.get(client_id)
    return (
        found
        if found is not None
        else CustomerAccount.open(client_id=client_id, now=now, actor=actor)
    )


def _store(work: CampaignUnitOfWork, account: CustomerAccount) -> None:
    if account.is_stored:
        work.customer_accounts.save(account)
    else:
        work.customer_accounts.add(account)


__all__ = [
    "RUN_ACTIONS",
    "Dispatched",
    "Preview",
    "change_run",
    "check_failures",
    "dispatch",
    "due_runs",
    "preview",
    "record_opt_out",
    "record_survey_finished",
    "record_whatsapp_consent",
    "run_report",
    "schedule_run",
    "select_recipients",
    "stalled_selections",
    "start_run",
]
