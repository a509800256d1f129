"""Conversation metrics over the in-memory store: the reference computation the SQL adapter
matches (see ``docs/metrics.md`` for each figure's definition)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import UUID

import attrs

from perla_adapters.memory.store import InMemoryStore
from perla_core.billing.services import WHATSAPP_ACTOR_PREFIX
from perla_core.campaigns.model import RecipientStatus, RunRecipient
from perla_core.conversations.model import BOT, Conversation, ConversationMessage, Direction
from perla_core.messaging import MessageStatus
from perla_core.metrics.model import (
    CampaignFigures,
    ConversationMetrics,
    MetricsQuery,
    Percentiles,
    ResponseTimes,
    day_of,
    millis,
)

_DAY_MS = 86_400_000
_ANSWERED = (RecipientStatus.ANSWERED, RecipientStatus.COMPLETED)
_TOTAL = -1
"""The key of the whole period's figures (the others are day numbers)."""


def _sent(conversation: Conversation) -> list[ConversationMessage]:
    """The messages, failed outgoing ones left out (never sent)."""
    return [
        m
        for m in conversation.messages
        if not (m.direction is Direction.OUTBOUND and m.status is MessageStatus.FAILED)
    ]


def _key(contact: str) -> str:
    return contact.strip().removeprefix("+")


def _inbound(message: ConversationMessage) -> bool:
    return message.direction is Direction.INBOUND


@attrs.define
class _Tally:
    query: MetricsQuery
    now: int
    counts: dict[int, Counter[str]] = attrs.field(factory=lambda: defaultdict(Counter))
    distinct: dict[tuple[str, int], set[object]] = attrs.field(factory=lambda: defaultdict(set))
    samples: dict[tuple[str, str, int], list[int]] = attrs.field(factory=lambda: defaultdict(list))
    handoffs: dict[int, Counter[str]] = attrs.field(factory=lambda: defaultdict(Counter))

    def within(self, ms: int) -> bool:
        return self.query.since_ms <= ms < self.query.until_ms

    def mark(self, figure: str, day: int, conversation: Conversation) -> None:
        for key in (day, _TOTAL):
            self.distinct[figure, key].add(conversation.id)

    def add(self, conversation: Conversation) -> None:
        messages = _sent(conversation)
        stamps = [millis(m.at) for m in messages]
        first_turn_days: set[int] = set()
        for n, (m, ms) in enumerate(zip(messages, stamps, strict=True)):
            if not self.within(ms):
                continue
            day = ms // _DAY_MS
            if not _inbound(m):
                self.counts[day]["out_bot" if m.author == BOT else "out_human"] += 1
                self._seen(messages, stamps, n)
                continue
            self.counts[day]["in"] += 1
            if any(not _inbound(b) for b in messages[:n]):
                self.mark("responding", day, conversation)
            if n == 0 or not _inbound(messages[n - 1]):  # a customer turn starts
                first = day not in first_turn_days
                first_turn_days.add(day)
                self._turn(messages, stamps, n, first=first)
        for h in conversation.handoffs:
            ms = millis(h.at)
            if self.within(ms):
                self.handoffs[ms // _DAY_MS][h.reason] += 1
                self.handoffs[_TOTAL][h.reason] += 1

    def _turn(
        self, messages: list[ConversationMessage], stamps: list[int], n: int, *, first: bool
    ) -> None:
        answer = next((k for k in range(n + 1, len(messages)) if not _inbound(messages[k])), None)
        if answer is None:
            return
        who = "bot" if messages[answer].author == BOT else "human"
        wait = stamps[answer] - stamps[n]
        for key in (stamps[n] // _DAY_MS, _TOTAL):
            self.samples["response", who, key].append(wait)
            if first:
                self.samples["first", who, key].append(wait)

    def _seen(self, messages: list[ConversationMessage], stamps: list[int], n: int) -> None:
        ms, window = stamps[n], self.query.window_ms
        if messages[n].status is not MessageStatus.READ or ms + window > self.now:
            return
        replied = any(
            _inbound(messages[k]) and stamps[k] <= ms + window for k in range(n + 1, len(messages))
        )
        if not replied:
            self.counts[ms // _DAY_MS]["seen_unanswered"] += 1

    def times(self, kind: str, key: int) -> ResponseTimes:
        return ResponseTimes(
            Percentiles.of_samples(self.samples.get((kind, "bot", key), [])),
            Percentiles.of_samples(self.samples.get((kind, "human", key), [])),
        )

    def rows(self) -> list[ConversationMetrics]:
        for figures in list(self.counts.values()):
            self.counts[_TOTAL].update(figures)
        keys = {_TOTAL, *self.counts, *self.handoffs}
        keys |= {k for _, k in self.distinct} | {k for *_, k in self.samples}
        return [
            ConversationMetrics(
                day=None if key == _TOTAL else day_of(key),
                messages_in=self.counts[key]["in"],
                messages_out_bot=self.counts[key]["out_bot"],
                messages_out_human=self.counts[key]["out_human"],
                conversations_responding=len(self.distinct.get(("responding", key), ())),
                first_response=self.times("first", key),
                response=self.times("response", key),
                seen_unanswered=self.counts[key]["seen_unanswered"],
                handoffs=dict(sorted(self.handoffs[key].items())),
                conversions=len(self.distinct.get(("conversions", key), ())),
                opt_outs=self.counts[key]["opt_outs"],
            )
            for key in sorted(keys)
        ]


class InMemoryMetricsReader:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    def _sent_contacts(self, run_id: UUID | None) -> set[str] | None:
        """The contacts the run sent its template to (``None``: no campaign, every one)."""
        if run_id is None:
            return None
        with self._store.lock:
            return {
                _key(r.contact)
                for (run, _), r in self._store.campaign_recipients.items()
                if run == run_id and r.sent_at is not None and r.contact is not None
            }

    def conversation_metrics(
        self, query: MetricsQuery, as_of: datetime
    ) -> Sequence[ConversationMetrics]:
        contacts = self._sent_contacts(query.run_id)
        with self._store.lock:
            conversations = [
                c
                for c in self._store.conversations.values()
                if contacts is None or _key(c.contact) in contacts
            ]
            orders = list(self._store.orders.values())
            opt_outs = [
                (contact, at)
                for contact, (at, _) in self._store.campaign_opt_outs.items()
                if contacts is None or contact in contacts
            ]
        tally = _Tally(query, millis(as_of))
        for conversation in conversations:
            tally.add(conversation)
        by_actor = {f"{WHATSAPP_ACTOR_PREFIX}{c.contact}": c for c in conversations}
        for order in orders:
            buyer = by_actor.get(order.created_by)
            ms = millis(order.created_at)
            if buyer is not None and tally.within(ms):
                tally.mark("conversions", ms // _DAY_MS, buyer)
        for _, at in opt_outs:
            ms = millis(at)
            if tally.within(ms):
                tally.counts[ms // _DAY_MS]["opt_outs"] += 1
        return tally.rows()

    def campaign_metrics(self, query: MetricsQuery) -> Sequence[CampaignFigures]:
        with self._store.lock:
            runs = [
                r
                for r in self._store.campaign_runs.values()
                if query.run_id is None or r.id == query.run_id
            ]
            recipients = [
                r
                for (run, _), r in self._store.campaign_recipients.items()
                if any(run == x.id for x in runs)
            ]
            orders = list(self._store.orders.values())
        counts: dict[tuple[UUID, int], Counter[str]] = defaultdict(Counter)

        def count(figure: str, r: RunRecipient, at: datetime | None) -> None:
            if at is None:
                return
            ms = millis(at)
            if query.since_ms <= ms < query.until_ms:
                counts[r.run_id, ms // _DAY_MS][figure] += 1
                counts[r.run_id, _TOTAL][figure] += 1

        windows = {run.id: timedelta(days=run.config.recovered_window_days) for run in runs}
        for r in recipients:
            count("sent", r, r.sent_at)
            if r.status in _ANSWERED:
                count("answered", r, r.answered_at)
            if r.status is RecipientStatus.COMPLETED:
                count("completed", r, r.finished_at)
            if r.status is RecipientStatus.OPTED_OUT:
                count("opted_out", r, r.finished_at)
            answered = r.answered_at
            if answered is not None:
                bought = [
                    o.created_at
                    for o in orders
                    if o.client_id == r.client_id and o.created_at >= answered
                ]
                if bought and min(bought) <= answered + windows[r.run_id]:
                    count("recovered", r, min(bought))
        rows: list[CampaignFigures] = []
        for run in runs:
            created = millis(run.created_at)
            in_period = query.since_ms <= created < query.until_ms
            if query.run_id is None and not in_period and (run.id, _TOTAL) not in counts:
                continue
            keys = sorted(k for r, k in counts if r == run.id and k != _TOTAL)
            for key in (*keys, _TOTAL):
                figures = counts.get((run.id, key), Counter())
                rows.append(
                    CampaignFigures(
                        run.id,
                        None if key == _TOTAL else day_of(key),
                        run.name,
                        run.created_at,
                        sent=figures["sent"],
                        answered=figures["answered"],
                        completed=figures["completed"],
                        opted_out=figures["opted_out"],
                        recovered=figures["recovered"],
                    )
                )
        return rows
