"""A campaign's configuration, its runs and their recipients.

Dormancy: a client is dormant when its last interaction is older than ``months`` (30-day
months, counted back from the run's start). The last interaction is read, at selection time,
as the latest of: the account's ``last_contact_at`` (or, when never set, the client's
creation), the client's latest order, and the latest inbound WhatsApp message of the
conversation of the client's number (``clients.phone``). Reading it there, rather than
keeping a copy up to date, means an inbound message or a bot's order moves it with nothing
else to run.

A dormant client is *excluded* (the first reason that applies, in this order): no WhatsApp
number, opted out (the number is in the opt-out registry), no WhatsApp consent (the account's
explicit ``whatsapp_consent``, false unless recorded), or surveyed recently (sent a campaign
survey within ``surveyed_within_days``). Excluded clients get a recipient row too (status
``excluded`` with the reason), so the report counts them and a repeated selection is a no-op.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Final
from uuid import UUID

import attrs

from perla_core.campaigns.events import CampaignRunChanged
from perla_core.kernel.errors import IllegalTransition, InvalidValue

MONTH: Final = timedelta(days=30)
DORMANT: Final = "dormant"
SURVEY_FLOW: Final = "reactivacion_dormidos"
SURVEY_TEMPLATE: Final = "reactivacion_dormidos"


class RunStatus(StrEnum):
    SCHEDULED = "scheduled"
    """Created; its recipients are being selected."""
    RUNNING = "running"
    PAUSED = "paused"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


RUN_TRANSITIONS: Final[Mapping[str, Mapping[RunStatus, RunStatus]]] = {
    "start": {RunStatus.SCHEDULED: RunStatus.RUNNING},
    "pause": {RunStatus.RUNNING: RunStatus.PAUSED},
    "resume": {RunStatus.PAUSED: RunStatus.RUNNING},
    "complete": {RunStatus.RUNNING: RunStatus.COMPLETED},
    "cancel": {
        RunStatus.SCHEDULED: RunStatus.CANCELLED,
        RunStatus.RUNNING: RunStatus.CANCELLED,
        RunStatus.PAUSED: RunStatus.CANCELLED,
    },
}


class RecipientStatus(StrEnum):
    EXCLUDED = "excluded"
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    """The template was refused (NOT_DELIVERED / REJECTED): counted, never retried."""
    ANSWERED = "answered"
    COMPLETED = "completed"
    OPTED_OUT = "opted_out"


class Exclusion(StrEnum):
    NO_WHATSAPP = "no_whatsapp"
    OPTED_OUT = "opted_out"
    NO_CONSENT = "no_consent"
    SURVEYED_RECENTLY = "surveyed_recently"


def _positive(field: str, value: object, *, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value))
        except ValueError:
            raise InvalidValue("must be a whole number", field=field) from None
    if value < minimum:
        raise InvalidValue(f"must be at least {minimum}, got {value}", field=field)
    return value


@attrs.frozen
class CampaignConfig:
    """What a campaign is run with. Build it with :meth:`create` (validated)."""

    name: str = DORMANT
    months: int = 8
    surveyed_within_days: int = 90
    template_id: str = SURVEY_TEMPLATE
    flow_name: str = SURVEY_FLOW
    rate_per_second: int = 20
    daily_cap: int = 1000
    recovered_window_days: int = 30

    @classmethod
    def create(
        cls,
        *,
        name: str = DORMANT,
        months: object = 8,
        surveyed_within_days: object = 90,
        template_id: str = SURVEY_TEMPLATE,
        flow_name: str = SURVEY_FLOW,
        rate_per_second: object = 20,
        daily_cap: object = 1000,
        recovered_window_days: object = 30,
    ) -> CampaignConfig:
        if name != DORMANT:
            raise InvalidValue(f"unknown campaign {name!r} (known: {DORMANT})", field="campaign")
        if not template_id.strip():
            raise InvalidValue("give the approved template's id", field="template_id")
        return cls(
            name=name,
            months=_positive("months", months),
            surveyed_within_days=_positive("surveyed_within_days", surveyed_within_days, minimum=0),
            template_id=template_id.strip(),
            flow_name=flow_name,
            rate_per_second=_positive("rate_per_second", rate_per_second),
            daily_cap=_positive("daily_cap", daily_cap),
            recovered_window_days=_positive("recovered_window_days", recovered_window_days),
        )

    def inactive_before(self, now: datetime) -> datetime:
        """Clients whose last interaction is older than this are dormant."""
        return now - self.months * MONTH

    def surveyed_since(self, now: datetime) -> datetime:
        return now - timedelta(days=self.surveyed_within_days)


@attrs.define(eq=False)
class CampaignRun:
    """One run of a campaign: scheduled → running → (paused ↔ running) → completed, or
    cancelled. ``next_dispatch_at`` is when sending may go on (the next day once the daily cap
    is reached); ``None`` means now."""

    id: UUID
    config: CampaignConfig
    created_at: datetime
    created_by: str
    status: RunStatus = RunStatus.SCHEDULED
    started_at: datetime | None = None
    finished_at: datetime | None = None
    next_dispatch_at: datetime | None = None
    version: int = 0
    events: list[object] = attrs.field(factory=list, repr=False)

    @classmethod
    def schedule(
        cls, run_id: UUID, config: CampaignConfig, *, now: datetime, actor: str
    ) -> CampaignRun:
        return cls(run_id, config, now, actor)

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def is_open(self) -> bool:
        return self.status in (RunStatus.SCHEDULED, RunStatus.RUNNING, RunStatus.PAUSED)

    def _step(self, action: str, now: datetime, actor: str) -> None:
        moves = RUN_TRANSITIONS[action]
        target = moves.get(self.status)
        if target is None:
            allowed = [a for a, m in RUN_TRANSITIONS.items() if self.status in m]
            raise IllegalTransition("campaign run", self.status.value, action, allowed)
        self.status = target
        self.events.append(CampaignRunChanged(self.id, now, actor, self.name, target.value))

    def start(self, *, now: datetime, actor: str) -> None:
        self._step("start", now, actor)
        self.started_at = now

    def pause(self, *, now: datetime, actor: str) -> None:
        self._step("pause", now, actor)

    def resume(self, *, now: datetime, actor: str) -> None:
        self._step("resume", now, actor)
        self.next_dispatch_at = None

    def complete(self, *, now: datetime, actor: str) -> None:
        self._step("complete", now, actor)
        self.finished_at = now

    def cancel(self, *, now: datetime, actor: str) -> None:
        self._step("cancel", now, actor)
        self.finished_at = now

    def wait_until(self, when: datetime) -> None:
        """The daily cap is reached: sending goes on at ``when``."""
        self.next_dispatch_at = when


@attrs.define
class RunRecipient:
    """A client of a run. ``contact`` is the WhatsApp number as conversations key it;
    ``message_ref`` the queued template's ``external_id`` in the conversation."""

    run_id: UUID
    client_id: UUID
    contact: str | None
    status: RecipientStatus = RecipientStatus.PENDING
    exclusion: Exclusion | None = None
    sent_at: datetime | None = None
    sent_on: date | None = None
    conversation_id: UUID | None = None
    message_ref: str | None = None
    answered_at: datetime | None = None
    finished_at: datetime | None = None
    answers: tuple[tuple[str, str], ...] = ()

    @property
    def run_ref(self) -> str:
        return f"{self.run_id}:{self.client_id}"

    def mark_sent(self, now: datetime, conversation_id: UUID, message_ref: str | None) -> None:
        if self.status is not RecipientStatus.PENDING:
            raise IllegalTransition("recipient", self.status.value, "send", ["pending"])
        self.status = RecipientStatus.SENT
        self.sent_at = now
        self.sent_on = now.date()
        self.conversation_id = conversation_id
        self.message_ref = message_ref


def parse_run_ref(ref: str) -> tuple[UUID, UUID] | None:
    """``<run id>:<client id>`` back to its ids (``None`` if it is not one)."""
    run, _, client = ref.partition(":")
    try:
        return UUID(run), UUID(client)
    except ValueError:
        return None


@attrs.frozen
class RunReport:
    """A run's funnel: the dormant clients found, those excluded by reason, and what became of
    the selected ones. ``recovered``: answered, then ordered within the window."""

    run: CampaignRun
    dormant: int
    excluded: Mapping[str, int]
    selected: int
    pending: int
    sent: int
    failed: int
    answered: int
    completed: int
    opted_out: int
    recovered: int


def next_day(now: datetime) -> datetime:
    """Midnight after ``now`` (same time zone)."""
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return start + timedelta(days=1)
