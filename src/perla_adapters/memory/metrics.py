"""Conversation metrics over the in-memory store: the reference computation the SQL adapter
matches (see ``docs/metrics.md`` for each figure's definition)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime

import attrs

from perla_adapters.memory.store import InMemoryStore
from perla_core.billing.services import WHATSAPP_ACTOR_PREFIX
from perla_core.conversations.model import BOT, Conversation, ConversationMessage, Direction
from perla_core.messaging import MessageStatus
from perla_core.metrics.model import (
    ConversationMetrics,
    MetricsQuery,
    Percentiles,
    ResponseTimes,
    day_of,
    millis,
)

_DAY_MS = 86_400_000
_OPT_OUT_WORDS = frozenset({"BAJA", "STOP"})
_TOTAL = -1
"""The key of the whole period's figures (the others are day numbers)."""


def _sent(conversation: Conversation) -> list[ConversationMessage]:
    """The messages, failed outgoing ones left out (never sent)."""
    return [
        m
        for m in conversation.messages
        if not (m.direction is Direction.OUTBOUND and m.status is MessageStatus.FAILED)
    ]


def _opts_out(message: ConversationMessage) -> bool:
    payload = (message.payload or "").lower()
    return payload == "baja" or (message.text or "").strip().upper() in _OPT_OUT_WORDS


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
            if _opts_out(m):
                self.mark("opt_outs", day, conversation)
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
                opt_outs=len(self.distinct.get(("opt_outs", key), ())),
            )
            for key in sorted(keys)
        ]


class InMemoryMetricsReader:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    def conversation_metrics(
        self, query: MetricsQuery, as_of: datetime
    ) -> Sequence[ConversationMetrics]:
        with self._store.lock:
            conversations = list(self._store.conversations.values())
            orders = list(self._store.orders.values())
        tally = _Tally(query, millis(as_of))
        for conversation in conversations:
            tally.add(conversation)
        by_actor = {f"{WHATSAPP_ACTOR_PREFIX}{c.contact}": c for c in conversations}
        for order in orders:
            buyer = by_actor.get(order.created_by)
            ms = millis(order.created_at)
            if buyer is not None and tally.within(ms):
                tally.mark("conversions", ms // _DAY_MS, buyer)
        return tally.rows()
