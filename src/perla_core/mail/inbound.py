"""Incoming e-mail, as perla reads it: the :class:`InboundEmail` value.

An adapter (:mod:`perla_adapters.mail.inbound`) turns raw MIME bytes — an ``.eml`` file, a
mail server's pipe, an inbound-mail webhook — into this value; the core never parses MIME.
The threading headers are what replies are matched by: ``in_reply_to`` and ``references``
hold Message-IDs in their angle brackets (``<kind.id@domain>``), oldest reference first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

import attrs

MAX_INBOUND_BYTES: Final = 10 * 1024 * 1024  # a larger message is refused, not truncated


@attrs.frozen(kw_only=True)
class InboundAttachment:
    filename: str | None
    content_type: str
    size: int


@attrs.frozen(kw_only=True)
class InboundEmail:
    """One received e-mail.

    ``message_id`` is the sender's Message-ID (an adapter makes a stable one from the content
    when the message has none, so the same message handed twice is recognised); ``sender`` is
    the bare address, ``sender_name`` its display name; ``to`` and ``cc`` bare addresses;
    ``text`` the plain-text body (from the HTML part when there is no plain one), with quoted
    earlier messages kept; ``received_at`` when the server got it (its Date otherwise).
    """

    message_id: str
    sender: str
    sender_name: str | None
    to: tuple[str, ...]
    cc: tuple[str, ...] = ()
    subject: str
    text: str
    received_at: datetime
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    attachments: tuple[InboundAttachment, ...] = ()
    auto_submitted: bool = False  # an auto-reply/bounce (RFC 3834), never a guest's answer

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """Every Message-ID this one answers, nearest first (In-Reply-To, then References
        newest to oldest), each once."""
        ids = [self.in_reply_to] if self.in_reply_to else []
        ids.extend(reversed(self.references))
        return tuple(dict.fromkeys(ids))
