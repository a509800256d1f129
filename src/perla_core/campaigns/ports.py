"""The campaigns' ports: runs and their recipients, and the opt-out registry."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Protocol
from uuid import UUID

import attrs

from perla_core.campaigns.model import CampaignRun, Exclusion, RecipientStatus, RunRecipient
from perla_core.conversations.ports import ConversationUnitOfWork
from perla_core.customers.ports import CustomerAccountRepository
from perla_core.onboarding.ports import ClientRepository


@attrs.frozen
class DormancyQuery:
    """Dormant: last interaction before ``inactive_before``; surveyed recently: sent a campaign
    survey at or after ``surveyed_since``."""

    inactive_before: datetime
    surveyed_since: datetime


@attrs.frozen
class Candidate:
    """A dormant client, its WhatsApp contact (``None`` when it has no number) and why it is
    left out (``None``: it is selected)."""

    client_id: UUID
    contact: str | None
    exclusion: Exclusion | None


@attrs.frozen
class FiledPage:
    """One page of a run's selection: dormant clients ``seen``, rows ``inserted`` (fewer when
    a selection of the run filed some before), the page's last client id (``None``: empty)."""

    seen: int
    inserted: int
    last: UUID | None


class CampaignRepository(Protocol):
    """Runs (optimistic ``version``) and their recipients, unique by (run, client)."""

    def add_run(self, run: CampaignRun) -> None:
        """Store a new run; :class:`AlreadyExists` (``field`` ``"id"``) if its id is taken."""
        ...

    def save_run(self, run: CampaignRun) -> None: ...

    def get_run(self, run_id: UUID) -> CampaignRun:
        """The run, or :class:`NotFound`."""
        ...

    def open_runs(self) -> builtins.list[CampaignRun]:
        """Runs scheduled, running or paused, oldest first."""
        ...

    def recent_runs(self, limit: int) -> builtins.list[CampaignRun]:
        """The ``limit`` latest runs of any status, newest first."""
        ...

    def dormant_candidates(
        self, query: DormancyQuery, *, after: UUID | None, limit: int
    ) -> builtins.list[Candidate]:
        """Up to ``limit`` dormant clients with an id greater than ``after``, by id (keyset)."""
        ...

    def add_recipients(self, recipients: Sequence[RunRecipient]) -> int:
        """Insert the rows whose (run, client) is new (their selection: contact, status,
        exclusion); how many were inserted."""
        ...

    def file_dormant(
        self, run_id: UUID, query: DormancyQuery, *, after: UUID | None, limit: int
    ) -> FiledPage:
        """File the next page of dormant clients (as :meth:`dormant_candidates` gives them) as
        the run's recipients, pending or excluded, inside the database where it can (no row
        travels); pairs already filed are left alone."""
        ...

    def claim_pending(self, run_id: UUID, limit: int) -> builtins.list[RunRecipient]:
        """Up to ``limit`` pending recipients of the run, by client id, locked until the
        transaction ends; rows another open transaction holds are skipped."""
        ...

    def save_recipient(self, recipient: RunRecipient) -> None: ...

    def recipient(self, run_id: UUID, client_id: UUID) -> RunRecipient | None: ...

    def sent_on(self, day: date) -> int:
        """Distinct clients any run sent a survey to on ``day``."""
        ...

    def counts(self, run_id: UUID) -> Mapping[tuple[RecipientStatus, Exclusion | None], int]:
        """Recipients per (status, exclusion)."""
        ...

    def sent_count(self, run_id: UUID) -> int:
        """Recipients that were sent the template (whatever came after)."""
        ...

    def sent_recipients(
        self, run_id: UUID, *, after: UUID | None, limit: int
    ) -> builtins.list[RunRecipient]:
        """Recipients in status ``sent`` by client id (keyset), to check their template."""
        ...

    def recovered(self, run_id: UUID, window: timedelta) -> int:
        """Recipients that answered and then placed an order within ``window`` of answering."""
        ...


class OptOutRegistry(Protocol):
    """WhatsApp numbers (as conversations key them) that asked not to be messaged."""

    def add(self, contact: str, at: datetime, source: str) -> bool:
        """Record the opt-out; ``False`` if the number was already in."""
        ...

    def is_opted_out(self, contact: str) -> bool: ...

    def count(self) -> int: ...


class CampaignUnitOfWork(ConversationUnitOfWork, Protocol):
    """The part of the unit of work campaigns use (the survey's conversation side too)."""

    @property
    def campaigns(self) -> CampaignRepository: ...

    @property
    def opt_outs(self) -> OptOutRegistry: ...

    @property
    def clients(self) -> ClientRepository: ...

    @property
    def customer_accounts(self) -> CustomerAccountRepository: ...
