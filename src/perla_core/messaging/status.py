"""A sent message's delivery status, and the rule that it never moves backwards.

Status webhooks can arrive out of order (Zenvia queues retries apart from first deliveries),
so a READ may come before its DELIVERED. :func:`advance` keeps the furthest status:
ACCEPTED < SENT < DELIVERED < READ. FAILED ends a message that was not yet delivered; once
delivered (or read) a late failure is ignored, and once failed nothing moves it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class MessageStatus(StrEnum):
    ACCEPTED = "accepted"
    """The provider took the message (the send's 200); nothing more is known yet."""
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"


_RANK: Final = {
    MessageStatus.ACCEPTED: 0,
    MessageStatus.SENT: 1,
    MessageStatus.DELIVERED: 2,
    MessageStatus.READ: 3,
}


def advance(current: MessageStatus | None, new: MessageStatus) -> MessageStatus:
    """The status after ``new`` arrives on a message that is at ``current`` (None: unknown)."""
    if current is None:
        return new
    if current is MessageStatus.FAILED:
        return current
    if new is MessageStatus.FAILED:
        return new if _RANK[current] < _RANK[MessageStatus.DELIVERED] else current
    return new if _RANK[new] > _RANK[current] else current
