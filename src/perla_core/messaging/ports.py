"""The ``Messenger`` port: sending WhatsApp messages through a provider (Zenvia).

The wire contract is ``docs/contracts/zenvia.md``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

import attrs

from perla_core.messaging.messages import OutgoingMessage


@attrs.frozen
class SentMessage:
    """A message the provider accepted: ``provider_id`` is its id there, which status events
    name; ``external_id`` is perla's own id, echoed in status events too."""

    provider_id: str
    external_id: str
    to: str
    from_: str
    accepted_at: datetime


class Messenger(Protocol):
    """Sends one WhatsApp message and returns once the provider accepted it.

    Acceptance is not delivery: the outcome arrives later as status events (and a message
    refused by WhatsApp after acceptance fails there, not here).

    Refused before anything leaves: a free-form message (anything but a template) when the
    contact's 24-hour window is closed at the adapter's clock (``last_inbound_at`` None means
    the contact never wrote) → :class:`~perla_core.messaging.errors.OutsideWindow`; a blank or
    over-long ``to``/``from_``/``external_id`` → :class:`~perla_core.kernel.errors.InvalidValue`.

    Remote failures are the errors of :mod:`perla_core.gateways.errors` with
    ``system="zenvia"``: :class:`ExternalUnavailable` (timeouts, 429, 5xx, after the retries;
    the message may or may not have gone out on a timeout), :class:`ExternalRejected` (a 4xx
    naming the refused fields), :class:`ExternalAuthenticationFailed` (perla's token refused),
    :class:`ExternalConflict`, :class:`ExternalNotFound`, :class:`ExternalProtocolError`.
    """

    def send(
        self,
        message: OutgoingMessage,
        *,
        to: str,
        from_: str,
        external_id: str,
        last_inbound_at: datetime | None = None,
    ) -> SentMessage: ...
