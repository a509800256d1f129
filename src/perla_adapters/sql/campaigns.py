"""Campaign runs, their recipients and the opt-out registry in SQL.

The dormant selection is one keyset-paginated query per batch (``id > :after ORDER BY id
LIMIT n``), so neither the database nor perla holds the whole set at once; the last
interaction is read where it lives (the account's ``last_contact_at`` or the client's
creation, the latest order, the conversation's ``last_inbound_at``, joined by the client's
number without its ``+``) and each exclusion is a ``CASE`` branch. Recipients are inserted
set-based (one multi-row ``INSERT`` per batch) ignoring (run, client) pairs already there
(``ON CONFLICT DO NOTHING``), and claimed with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (on
SQLite the claim takes the database's write lock first).
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Connection,
    Uuid,
    and_,
    case,
    exists,
    false,
    func,
    insert,
    literal,
    literal_column,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import Select

from perla_adapters.memory.store import TouchedAggregates
from perla_adapters.sql.tables import (
    campaign_opt_outs,
    campaign_recipients,
    campaign_runs,
    clients,
    conversations,
    customer_accounts,
    orders,
)
from perla_core.campaigns.model import (
    CampaignConfig,
    CampaignRun,
    Exclusion,
    RecipientStatus,
    RunRecipient,
    RunStatus,
)
from perla_core.campaigns.ports import Candidate, DormancyQuery, FiledPage
from perla_core.kernel.errors import AlreadyExists, NotFound, StaleVersion
from perla_core.privacy.identifiers import suppression_key

_R = campaign_recipients


def config_to_json(c: CampaignConfig) -> dict[str, Any]:
    return {
        "name": c.name,
        "months": c.months,
        "surveyed_within_days": c.surveyed_within_days,
        "template_id": c.template_id,
        "flow_name": c.flow_name,
        "rate_per_second": c.rate_per_second,
        "daily_cap": c.daily_cap,
        "recovered_window_days": c.recovered_window_days,
    }


def run_to_row(run: CampaignRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "version": run.version,
        "campaign": run.name,
        "config": config_to_json(run.config),
        "status": run.status.value,
        "created_at": run.created_at,
        "created_by": run.created_by,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "next_dispatch_at": run.next_dispatch_at,
    }


def run_from_row(row: RowMapping) -> CampaignRun:
    return CampaignRun(
        id=row["id"],
        config=CampaignConfig(**row["config"]),
        created_at=row["created_at"],
        created_by=row["created_by"],
        status=RunStatus(row["status"]),
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        next_dispatch_at=row["next_dispatch_at"],
        version=row["version"],
    )


def recipient_to_row(r: RunRecipient) -> dict[str, Any]:
    return {
        "run_id": r.run_id,
        "client_id": r.client_id,
        "contact": r.contact,
        "status": r.status.value,
        "exclusion": None if r.exclusion is None else r.exclusion.value,
        "sent_at": r.sent_at,
        "sent_on": r.sent_on,
        "conversation_id": r.conversation_id,
        "message_ref": r.message_ref,
        "answered_at": r.answered_at,
        "finished_at": r.finished_at,
        "answers": [list(a) for a in r.answers],
    }


def recipient_from_row(row: RowMapping) -> RunRecipient:
    return RunRecipient(
        run_id=row["run_id"],
        client_id=row["client_id"],
        contact=row["contact"],
        status=RecipientStatus(row["status"]),
        exclusion=None if row["exclusion"] is None else Exclusion(row["exclusion"]),
        sent_at=row["sent_at"],
        sent_on=row["sent_on"],
        conversation_id=row["conversation_id"],
        message_ref=row["message_ref"],
        answered_at=row["answered_at"],
        finished_at=row["finished_at"],
        answers=tuple((str(k), str(v)) for k, v in row["answers"] or ()),
    )


def dormant_select(query: DormancyQuery) -> Select[UUID, str | None, str | None]:
    """Every dormant client with its contact and exclusion, by id (no keyset, no limit):
    what the selection pages through, and the bench's bare SELECT."""
    contact = func.ltrim(clients.c.phone, "+")
    cutoff = query.inactive_before
    recent_order = exists().where(orders.c.client_id == clients.c.id, orders.c.created_at >= cutoff)
    recent_inbound = exists().where(
        conversations.c.contact == contact, conversations.c.last_inbound_at >= cutoff
    )
    opted_out = exists().where(campaign_opt_outs.c.contact == contact)
    surveyed = exists().where(_R.c.client_id == clients.c.id, _R.c.sent_at >= query.surveyed_since)
    reason = case(
        (clients.c.phone.is_(None), literal(Exclusion.NO_WHATSAPP.value)),
        (opted_out, literal(Exclusion.OPTED_OUT.value)),
        (
            func.coalesce(customer_accounts.c.whatsapp_consent, false()) == false(),
            literal(Exclusion.NO_CONSENT.value),
        ),
        (surveyed, literal(Exclusion.SURVEYED_RECENTLY.value)),
        else_=literal(None),
    )
    last_contact = func.coalesce(customer_accounts.c.last_contact_at, clients.c.created_at)
    return (
        select(clients.c.id, contact.label("contact"), reason.label("exclusion"))
        .select_from(
            clients.outerjoin(customer_accounts, customer_accounts.c.client_id == clients.c.id)
        )
        .where(last_contact < cutoff, ~recent_order, ~recent_inbound)
        .order_by(clients.c.id)
    )


_FILED_COLUMNS = ["run_id", "client_id", "contact", "status", "exclusion", "answers"]


def _filed_rows(run_id: UUID, page: Any) -> Select[Any]:
    """The recipients' rows of a page of :func:`dormant_select`."""
    status = case(
        (page.c.exclusion.is_(None), literal(RecipientStatus.PENDING.value)),
        else_=literal(RecipientStatus.EXCLUDED.value),
    )
    return select(
        literal(run_id, Uuid),
        page.c.id,
        page.c.contact,
        status,
        page.c.exclusion,
        literal_column("'[]'"),
    ).where(true())  # SQLite needs a WHERE before ON CONFLICT in an INSERT ... SELECT


class SqlAlchemyCampaignRepository:
    """Runs and recipients (see the module docstring)."""

    def __init__(self, conn: Connection, touched: TouchedAggregates) -> None:
        self._conn = conn
        self._touched = touched

    # --- runs -----------------------------------------------------------------------------

    def add_run(self, run: CampaignRun) -> None:
        taken = self._conn.scalar(select(campaign_runs.c.id).where(campaign_runs.c.id == run.id))
        if taken is not None:
            raise AlreadyExists(f"campaign run {run.id} already exists", field="id")
        try:
            self._conn.execute(insert(campaign_runs).values(run_to_row(run) | {"version": 1}))
        except IntegrityError as exc:
            raise AlreadyExists(f"campaign run {run.id} already exists", field="id") from exc
        run.version = 1
        self._touched.touch(run)

    def save_run(self, run: CampaignRun) -> None:
        base = run.version
        row = run_to_row(run) | {"version": base + 1}
        del row["id"]
        done = self._conn.execute(
            update(campaign_runs)
            .where(campaign_runs.c.id == run.id, campaign_runs.c.version == base)
            .values(row)
        ).rowcount
        if done == 0:
            actual = self._conn.scalar(
                select(campaign_runs.c.version).where(campaign_runs.c.id == run.id)
            )
            if actual is None:
                raise NotFound("campaign run", run.id)
            raise StaleVersion("campaign run", run.id, base, actual)
        run.version = base + 1
        self._touched.touch(run)

    def get_run(self, run_id: UUID) -> CampaignRun:
        row = (
            self._conn.execute(select(campaign_runs).where(campaign_runs.c.id == run_id))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound("campaign run", run_id)
        run = run_from_row(row)
        self._touched.touch(run)
        return run

    def open_runs(self) -> builtins.list[CampaignRun]:
        open_states = [s.value for s in (RunStatus.SCHEDULED, RunStatus.RUNNING, RunStatus.PAUSED)]
        rows = self._conn.execute(
            select(campaign_runs)
            .where(campaign_runs.c.status.in_(open_states))
            .order_by(campaign_runs.c.created_at, campaign_runs.c.id)
        ).mappings()
        return [run_from_row(r) for r in rows]

    def recent_runs(self, limit: int) -> builtins.list[CampaignRun]:
        rows = self._conn.execute(
            select(campaign_runs)
            .order_by(campaign_runs.c.created_at.desc(), campaign_runs.c.id.desc())
            .limit(limit)
        ).mappings()
        return [run_from_row(r) for r in rows]

    # --- selection ------------------------------------------------------------------------

    def dormant_candidates(
        self, query: DormancyQuery, *, after: UUID | None, limit: int
    ) -> builtins.list[Candidate]:
        statement = dormant_select(query).limit(limit)
        if after is not None:
            statement = statement.where(clients.c.id > after)
        return [
            Candidate(row[0], row[1], None if row[2] is None else Exclusion(row[2]))
            for row in self._conn.execute(statement)
        ]

    def add_recipients(self, recipients: Sequence[RunRecipient]) -> int:
        if not recipients:
            return 0
        rows: list[dict[str, Any]] = [
            {
                "run_id": r.run_id,
                "client_id": r.client_id,
                "contact": r.contact,
                "status": r.status.value,
                "exclusion": None if r.exclusion is None else r.exclusion.value,
                "answers": [],
            }
            for r in recipients
        ]
        dialect = self._conn.dialect.name
        if dialect == "postgresql":
            statement: Any = pg_insert(_R).on_conflict_do_nothing(
                index_elements=["run_id", "client_id"]
            )
        elif dialect == "sqlite":
            statement = sqlite_insert(_R).on_conflict_do_nothing(
                index_elements=["run_id", "client_id"]
            )
        else:  # pragma: no cover - perla runs on the two
            statement = insert(_R)
        # executemany: one cached statement, sent as multi-row INSERTs (insertmanyvalues)
        inserted = self._conn.execute(statement.returning(_R.c.client_id), rows)
        return len(inserted.all())

    def file_dormant(
        self, run_id: UUID, query: DormancyQuery, *, after: UUID | None, limit: int
    ) -> FiledPage:
        """PostgreSQL: one statement (the page a CTE, the ``INSERT ... SELECT`` another, its
        counts read back). SQLite (no data-modifying CTE): the page's size and last id, then
        ``INSERT ... SELECT`` of the same id range."""
        statement = dormant_select(query).limit(limit)
        if after is not None:
            statement = statement.where(clients.c.id > after)
        if self._conn.dialect.name == "postgresql":
            page = statement.cte("page")
            ins = (
                pg_insert(_R)
                .from_select(_FILED_COLUMNS, _filed_rows(run_id, page))
                .on_conflict_do_nothing(index_elements=["run_id", "client_id"])
                .returning(_R.c.client_id)
                .cte("ins")
            )
            row = self._conn.execute(
                select(
                    select(func.count()).select_from(page).scalar_subquery(),
                    select(func.count()).select_from(ins).scalar_subquery(),
                    select(page.c.id).order_by(page.c.id.desc()).limit(1).scalar_subquery(),
                )
            ).one()
            return FiledPage(int(row[0]), int(row[1]), row[2])
        ids = [row[0] for row in self._conn.execute(statement)]
        if not ids:
            return FiledPage(0, 0, None)
        ranged = dormant_select(query).where(clients.c.id <= ids[-1])
        if after is not None:
            ranged = ranged.where(clients.c.id > after)
        inserted = self._conn.execute(
            sqlite_insert(_R)
            .from_select(_FILED_COLUMNS, _filed_rows(run_id, ranged.subquery("page")))
            .on_conflict_do_nothing(index_elements=["run_id", "client_id"])
        ).rowcount
        return FiledPage(len(ids), int(inserted), ids[-1])

    # --- sending --------------------------------------------------------------------------

    def claim_pending(self, run_id: UUID, limit: int) -> builtins.list[RunRecipient]:
        if self._conn.dialect.name == "sqlite":
            self._conn.execute(update(_R).where(false()).values(status=_R.c.status))
        rows = self._conn.execute(
            select(_R)
            .where(_R.c.run_id == run_id, _R.c.status == RecipientStatus.PENDING.value)
            .order_by(_R.c.client_id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).mappings()
        return [recipient_from_row(r) for r in rows]

    def save_recipient(self, recipient: RunRecipient) -> None:
        row = recipient_to_row(recipient)
        done = self._conn.execute(
            update(_R)
            .where(_R.c.run_id == recipient.run_id, _R.c.client_id == recipient.client_id)
            .values(row)
        ).rowcount
        if done == 0:
            raise NotFound("campaign recipient", recipient.run_ref)

    def recipient(self, run_id: UUID, client_id: UUID) -> RunRecipient | None:
        row = (
            self._conn.execute(select(_R).where(_R.c.run_id == run_id, _R.c.client_id == client_id))
            .mappings()
            .first()
        )
        return None if row is None else recipient_from_row(row)

    def sent_on(self, day: date) -> int:
        return int(
            self._conn.scalar(
                select(func.count(func.distinct(_R.c.client_id))).where(_R.c.sent_on == day)
            )
            or 0
        )

    def counts(self, run_id: UUID) -> Mapping[tuple[RecipientStatus, Exclusion | None], int]:
        rows = self._conn.execute(
            select(_R.c.status, _R.c.exclusion, func.count())
            .where(_R.c.run_id == run_id)
            .group_by(_R.c.status, _R.c.exclusion)
        )
        return {
            (RecipientStatus(row[0]), None if row[1] is None else Exclusion(row[1])): int(row[2])
            for row in rows
        }

    def sent_count(self, run_id: UUID) -> int:
        return int(
            self._conn.scalar(
                select(func.count()).where(_R.c.run_id == run_id, _R.c.sent_at.is_not(None))
            )
            or 0
        )

    def sent_recipients(
        self, run_id: UUID, *, after: UUID | None, limit: int
    ) -> builtins.list[RunRecipient]:
        statement = (
            select(_R)
            .where(_R.c.run_id == run_id, _R.c.status == RecipientStatus.SENT.value)
            .order_by(_R.c.client_id)
            .limit(limit)
        )
        if after is not None:
            statement = statement.where(_R.c.client_id > after)
        return [recipient_from_row(r) for r in self._conn.execute(statement).mappings()]

    def recovered(self, run_id: UUID, window: timedelta) -> int:
        rows = self._conn.execute(
            select(_R.c.client_id, _R.c.answered_at, orders.c.created_at)
            .select_from(_R.join(orders, and_(orders.c.client_id == _R.c.client_id)))
            .where(
                _R.c.run_id == run_id,
                _R.c.answered_at.is_not(None),
                orders.c.created_at >= _R.c.answered_at,
            )
        )
        return len({cid for cid, answered, ordered in rows if ordered - answered <= window})


class SqlAlchemyOptOutRegistry:
    """``campaign_opt_outs``, one row per number."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, contact: str, at: datetime, source: str) -> bool:
        key = contact.strip().removeprefix("+")
        if self.is_opted_out(key):
            return False
        # a concurrent opt-out of the same number fails this insert (IntegrityError): the
        # outbox tries again and then finds it recorded
        self._conn.execute(
            insert(campaign_opt_outs).values(contact=key, opted_out_at=at, source=source[:200])
        )
        return True

    def is_opted_out(self, contact: str) -> bool:
        key = contact.strip().removeprefix("+")
        keys = (key, suppression_key(key))  # an erased number stays suppressed by its hash
        return bool(
            self._conn.scalar(select(exists().where(campaign_opt_outs.c.contact.in_(keys))))
        )

    def count(self) -> int:
        return int(self._conn.scalar(select(func.count()).select_from(campaign_opt_outs)) or 0)
