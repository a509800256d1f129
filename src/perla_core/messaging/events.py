"""What the messaging provider tells perla through its webhooks, as frozen values.

An adapter parses the provider's bodies into these (``perla_adapters.zenvia.wire``); anything
it cannot read is :class:`~perla_core.messaging.errors.InvalidWebhookEvent`. ``event_id`` is
the provider's id of the *delivery*: retries of the same event repeat it, so deduplicate on it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TypeAlias

import attrs

from perla_core.messaging.status import MessageStatus


@attrs.frozen
class InboundText:
    """Text the contact wrote; ``payload`` is the id of the button or row they tapped, if any."""

    text: str
    payload: str | None = None


@attrs.frozen
class InboundFile:
    """A file the contact sent (image, audio, document ...)."""

    url: str
    mime_type: str | None = None
    file_name: str | None = None
    caption: str | None = None


@attrs.frozen
class InboundLocation:
    latitude: float
    longitude: float
    name: str | None = None
    address: str | None = None


@attrs.frozen
class InboundUnsupported:
    """A content perla does not read yet (contacts, orders ...); ``kind`` is the provider's type."""

    kind: str


InboundContent: TypeAlias = InboundText | InboundFile | InboundLocation | InboundUnsupported


@attrs.frozen
class InboundMessageEvent:
    """A message a contact sent: ``from_`` is the contact, ``to`` perla's sender id.

    ``reply_to`` is the provider id of the message it quotes (the one that carried the buttons,
    for a button reply); ``visitor_name`` is the contact's WhatsApp profile name.
    """

    event_id: str
    occurred_at: datetime
    provider_message_id: str
    from_: str
    to: str
    contents: tuple[InboundContent, ...]
    sent_at: datetime | None = None
    visitor_name: str | None = None
    reply_to: str | None = None


@attrs.frozen
class StatusCause:
    """Why a message failed, in the provider's (and the channel's) words."""

    reason: str | None = None
    channel_error_code: str | None = None
    details: str | None = None


@attrs.frozen
class StatusEvent:
    """A sent message moved on: ``status`` is None for provider codes that are not a delivery
    step (CLICKED, DELETED, VERIFIED ...), which ``code`` keeps as the provider said it.

    ``external_id`` is perla's own id given at send time, when the provider echoes it.
    """

    event_id: str
    occurred_at: datetime
    provider_message_id: str
    code: str
    status: MessageStatus | None
    status_at: datetime
    external_id: str | None = None
    description: str | None = None
    causes: tuple[StatusCause, ...] = ()


MessagingEvent: TypeAlias = InboundMessageEvent | StatusEvent
