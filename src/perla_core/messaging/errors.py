"""The messaging area's own typed errors (remote failures use :mod:`perla_core.gateways.errors`)."""

from __future__ import annotations

from datetime import datetime

from perla_core.kernel.errors import PerlaError


class OutsideWindow(PerlaError):
    """A free-form message to a contact whose 24-hour customer service window is closed.

    WhatsApp delivers only approved templates outside the window, so the send is refused before
    it leaves perla; ``last_inbound_at`` is the contact's last inbound message (None: never).
    """

    code = "outside_window"
    title = "WhatsApp customer service window closed"

    def __init__(self, kind: str, last_inbound_at: datetime | None) -> None:
        when = (
            "never wrote"
            if last_inbound_at is None
            else f"last wrote at {last_inbound_at:%Y-%m-%dT%H:%M:%S%z}"
        )
        super().__init__(
            f"a {kind} message needs an open 24-hour window, but the contact {when}: "
            "send an approved template instead",
            field="last_inbound_at",
            kind=kind,
            last_inbound_at=None if last_inbound_at is None else last_inbound_at.isoformat(),
        )
        self.last_inbound_at = last_inbound_at


class InvalidWebhookEvent(PerlaError):
    """A webhook body that is not an event perla can read (malformed JSON shape, bad values)."""

    code = "invalid_webhook_event"
    title = "Invalid webhook event"


class UnknownEventType(InvalidWebhookEvent):
    """A well-formed event of a type perla does not handle (``event_type`` names it)."""

    code = "unknown_event_type"
    title = "Unknown webhook event type"

    def __init__(self, event_type: str) -> None:
        super().__init__(
            f"events of type {event_type!r} are not handled (only MESSAGE and MESSAGE_STATUS)",
            field="type",
            event_type=event_type,
        )
        self.event_type = event_type
