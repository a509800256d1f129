"""The operational figures read from storage at each metrics scrape (``GET /metrics``):
the outbox by status and its oldest waiting message, perla's WhatsApp messages by delivery
status and the e-mails sent and failed. Adapters compute them; the entrypoint reports them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Final

import attrs

from perla_core.outbox import OutboxStatus

WHATSAPP_STATUSES: Final = ("queued", "accepted", "sent", "delivered", "read", "failed")
WAITING: Final = (OutboxStatus.PENDING.value, OutboxStatus.DISPATCHED.value)


@attrs.frozen
class StoredFigures:
    """The figures read from the database at one scrape."""

    outbox: Mapping[str, int]
    oldest_waiting_at: datetime | None
    whatsapp: Mapping[str, int]
    emails_sent: int
    emails_failed: int


def whatsapp_counts(counts: Mapping[str, int]) -> dict[str, int]:
    """Every WhatsApp status, 0 where none was counted."""
    return {status: counts.get(status, 0) for status in WHATSAPP_STATUSES}


__all__ = ["WAITING", "WHATSAPP_STATUSES", "StoredFigures", "whatsapp_counts"]
