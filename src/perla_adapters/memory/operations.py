"""The stored operational figures over the in-memory store (the reference computation)."""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Sequence

from perla_adapters.memory.store import InMemoryStore
from perla_core.conversations.model import Direction
from perla_core.metrics.stored import WAITING, StoredFigures, whatsapp_counts
from perla_core.outbox import OutboxStatus


def memory_figures(store: InMemoryStore, email_handlers: Sequence[str]) -> StoredFigures:
    """The same figures over the in-memory store (the reference computation)."""
    with store.lock:
        messages = list(store.outbox.values())
        processed = list(store.processed)
        conversations = list(store.conversations.values())
    waiting = [m.created_at for m in messages if m.status.value in WAITING]
    whatsapp = Tally(
        m.status.value if m.status is not None else "queued"
        for c in conversations
        for m in c.messages
        if m.direction is Direction.OUTBOUND
    )
    return StoredFigures(
        outbox={s.value: sum(1 for m in messages if m.status is s) for s in OutboxStatus},
        oldest_waiting_at=min(waiting, default=None),
        whatsapp=whatsapp_counts(whatsapp),
        emails_sent=sum(1 for _, handler in processed if handler in email_handlers),
        emails_failed=sum(
            1
            for m in messages
            if m.status is OutboxStatus.FAILED
            and (m.last_error or "").startswith(tuple(f"{name}:" for name in email_handlers))
        ),
    )


__all__ = ["memory_figures"]
