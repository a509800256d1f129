"""Campaign runs, recipients and opt-outs in memory, behaving as the SQL adapter does:
the dormant selection is keyset-paged by client id, recipients are unique by (run, client)
and a claim skips recipients another open unit of work holds (like ``SKIP LOCKED``)."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from uuid import UUID

from perla_adapters.memory.store import InMemoryStore, Transaction, copy_of
from perla_core.campaigns.model import (
    CampaignRun,
    Exclusion,
    RecipientStatus,
    RunRecipient,
    RunStatus,
)
from perla_core.campaigns.ports import Candidate, DormancyQuery, FiledPage
from perla_core.kernel.errors import AlreadyExists, NotFound, StaleVersion
from perla_core.privacy.identifiers import suppression_key

Key = tuple[UUID, UUID]


def _key(contact: str) -> str:
    return contact.strip().removeprefix("+")


class InMemoryCampaignRepository:
    def __init__(self, store: InMemoryStore, tx: Transaction) -> None:
        self._store = store
        self._tx = tx
        self._runs: dict[UUID, CampaignRun] = {}
        self._recipients: dict[Key, RunRecipient] = {}
        self.claimed: set[Key] = set()

    def release(self) -> None:
        with self._store.lock:
            self._store.campaign_claims.difference_update(self.claimed)
        self.claimed.clear()

    def _all_runs(self) -> dict[UUID, CampaignRun]:
        return {**self._store.campaign_runs, **self._runs}

    def _all_recipients(self) -> dict[Key, RunRecipient]:
        return {**self._store.campaign_recipients, **self._recipients}

    # --- runs -----------------------------------------------------------------------------

    def add_run(self, run: CampaignRun) -> None:
        with self._store.lock:
            if run.id in self._all_runs():
                raise AlreadyExists(f"campaign run {run.id} already exists", field="id")
            run.version = 1
            self._stage_run(run, None)

    def save_run(self, run: CampaignRun) -> None:
        with self._store.lock:
            stored = self._all_runs().get(run.id)
            if stored is None:
                raise NotFound("campaign run", run.id)
            if stored.version != run.version:
                raise StaleVersion("campaign run", run.id, run.version, stored.version)
            base = run.version
            run.version = base + 1
            self._stage_run(run, base)

    def _stage_run(self, run: CampaignRun, base: int | None) -> None:
        snapshot = copy_of(run)
        snapshot.events.clear()
        self._runs[run.id] = snapshot
        self._tx.touch(run)

        def apply(store: InMemoryStore) -> None:
            stored = store.campaign_runs.get(run.id)
            actual = None if stored is None else stored.version
            if actual != base:
                if base is None:
                    raise AlreadyExists(f"campaign run {run.id} already exists", field="id")
                raise StaleVersion("campaign run", run.id, base, actual)
            store.campaign_runs[run.id] = snapshot

        self._tx.ops.append(apply)

    def get_run(self, run_id: UUID) -> CampaignRun:
        with self._store.lock:
            found = self._all_runs().get(run_id)
        if found is None:
            raise NotFound("campaign run", run_id)
        run = copy_of(found)
        self._tx.touch(run)
        return run

    def open_runs(self) -> builtins.list[CampaignRun]:
        open_states = (RunStatus.SCHEDULED, RunStatus.RUNNING, RunStatus.PAUSED)
        with self._store.lock:
            runs = [copy_of(r) for r in self._all_runs().values() if r.status in open_states]
        return sorted(runs, key=lambda r: (r.created_at, r.id.int))

    def recent_runs(self, limit: int) -> builtins.list[CampaignRun]:
        with self._store.lock:
            runs = [copy_of(r) for r in self._all_runs().values()]
        return sorted(runs, key=lambda r: (r.created_at, r.id.int), reverse=True)[:limit]

    # --- selection ------------------------------------------------------------------------

    def dormant_candidates(
        self, query: DormancyQuery, *, after: UUID | None, limit: int
    ) -> builtins.list[Candidate]:
        cutoff = query.inactive_before
        with self._store.lock:
            store = self._store
            ordered = {o.client_id for o in store.orders.values() if o.created_at >= cutoff}
            inbound = {
                c.contact
                for c in store.conversations.values()
                if c.last_inbound_at is not None and c.last_inbound_at >= cutoff
            }
            surveyed = {
                r.client_id
                for r in self._all_recipients().values()
                if r.sent_at is not None and r.sent_at >= query.surveyed_since
            }
            found: list[Candidate] = []
            for client in sorted(store.clients.values(), key=lambda c: c.id.int):
                if after is not None and client.id.int <= after.int:
                    continue
                account = store.customer_accounts.get(client.id)
                last = (
                    account.last_contact_at
                    if account is not None and account.last_contact_at is not None
                    else client.created_at
                )
                contact = None if client.phone is None else _key(client.phone.e164)
                if last >= cutoff or client.id in ordered or contact in inbound:
                    continue
                reason: Exclusion | None = None
                if contact is None:
                    reason = Exclusion.NO_WHATSAPP
                elif contact in store.campaign_opt_outs:
                    reason = Exclusion.OPTED_OUT
                elif account is None or not account.whatsapp_consent:
                    reason = Exclusion.NO_CONSENT
                elif client.id in surveyed:
                    reason = Exclusion.SURVEYED_RECENTLY
                found.append(Candidate(client.id, contact, reason))
                if len(found) == limit:
                    break
        return found

    def add_recipients(self, recipients: Sequence[RunRecipient]) -> int:
        added = 0
        with self._store.lock:
            current = self._all_recipients()
            for r in recipients:
                key = (r.run_id, r.client_id)
                if key in current:
                    continue
                snapshot = copy_of(r)
                current[key] = snapshot
                self._recipients[key] = snapshot
                added += 1

                def apply(
                    store: InMemoryStore, key: Key = key, row: RunRecipient = snapshot
                ) -> None:
                    store.campaign_recipients.setdefault(key, row)

                self._tx.ops.append(apply)
        return added

    def file_dormant(
        self, run_id: UUID, query: DormancyQuery, *, after: UUID | None, limit: int
    ) -> FiledPage:
        page = self.dormant_candidates(query, after=after, limit=limit)
        inserted = self.add_recipients(
            [
                RunRecipient(
                    run_id,
                    c.client_id,
                    c.contact,
                    RecipientStatus.PENDING if c.exclusion is None else RecipientStatus.EXCLUDED,
                    c.exclusion,
                )
                for c in page
            ]
        )
        return FiledPage(len(page), inserted, page[-1].client_id if page else None)

    # --- sending --------------------------------------------------------------------------

    def claim_pending(self, run_id: UUID, limit: int) -> builtins.list[RunRecipient]:
        with self._store.lock:
            rows = sorted(
                (
                    r
                    for k, r in self._all_recipients().items()
                    if k[0] == run_id
                    and r.status is RecipientStatus.PENDING
                    and (k not in self._store.campaign_claims or k in self.claimed)
                ),
                key=lambda r: r.client_id.int,
            )[:limit]
            for r in rows:
                key = (r.run_id, r.client_id)
                self.claimed.add(key)
                self._store.campaign_claims.add(key)
        return [copy_of(r) for r in rows]

    def save_recipient(self, recipient: RunRecipient) -> None:
        key = (recipient.run_id, recipient.client_id)
        with self._store.lock:
            if key not in self._all_recipients():
                raise NotFound("campaign recipient", recipient.run_ref)
            snapshot = copy_of(recipient)
            self._recipients[key] = snapshot
        self._tx.ops.append(lambda store: store.campaign_recipients.__setitem__(key, snapshot))

    def recipient(self, run_id: UUID, client_id: UUID) -> RunRecipient | None:
        with self._store.lock:
            found = self._all_recipients().get((run_id, client_id))
        return None if found is None else copy_of(found)

    def sent_on(self, day: date) -> int:
        with self._store.lock:
            return len({r.client_id for r in self._all_recipients().values() if r.sent_on == day})

    def _of(self, run_id: UUID) -> builtins.list[RunRecipient]:
        with self._store.lock:
            return [r for k, r in self._all_recipients().items() if k[0] == run_id]

    def counts(self, run_id: UUID) -> Mapping[tuple[RecipientStatus, Exclusion | None], int]:
        counts: dict[tuple[RecipientStatus, Exclusion | None], int] = {}
        for r in self._of(run_id):
            counts[(r.status, r.exclusion)] = counts.get((r.status, r.exclusion), 0) + 1
        return counts

    def sent_count(self, run_id: UUID) -> int:
        return sum(1 for r in self._of(run_id) if r.sent_at is not None)

    def sent_recipients(
        self, run_id: UUID, *, after: UUID | None, limit: int
    ) -> builtins.list[RunRecipient]:
        rows = sorted(
            (
                r
                for r in self._of(run_id)
                if r.status is RecipientStatus.SENT
                and (after is None or r.client_id.int > after.int)
            ),
            key=lambda r: r.client_id.int,
        )
        return [copy_of(r) for r in rows[:limit]]

    def recovered(self, run_id: UUID, window: timedelta) -> int:
        with self._store.lock:
            orders = list(self._store.orders.values())
        recovered = set()
        for r in self._of(run_id):
            if r.answered_at is None:
                continue
            answered = r.answered_at
            if any(
                o.client_id == r.client_id and answered <= o.created_at <= answered + window
                for o in orders
            ):
                recovered.add(r.client_id)
        return len(recovered)


class InMemoryOptOutRegistry:
    def __init__(self, store: InMemoryStore, tx: Transaction) -> None:
        self._store = store
        self._tx = tx
        self._pending: dict[str, tuple[datetime, str]] = {}

    def add(self, contact: str, at: datetime, source: str) -> bool:
        key = _key(contact)
        if self.is_opted_out(key):
            return False
        self._pending[key] = (at, source)

        def apply(store: InMemoryStore) -> None:
            store.campaign_opt_outs.setdefault(key, (at, source))

        self._tx.ops.append(apply)
        return True

    def is_opted_out(self, contact: str) -> bool:
        key = _key(contact)
        hashed = suppression_key(key)  # an erased number stays suppressed by its hash
        with self._store.lock:
            return any(
                k in self._pending or k in self._store.campaign_opt_outs for k in (key, hashed)
            )

    def count(self) -> int:
        with self._store.lock:
            return len(set(self._store.campaign_opt_outs) | set(self._pending))
