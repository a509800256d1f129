"""WhatsApp's 24-hour customer service window, as pure functions.

Free-form (session) messages reach a contact only within 24 hours of the contact's last
inbound message; outside it, or to start a conversation, only an approved template does
(``ZENVIA.md`` §5.1). Each inbound message restarts the window; perla's own messages do not.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from perla_core.kernel.errors import InvalidValue
from perla_core.messaging.errors import OutsideWindow
from perla_core.messaging.messages import OutgoingMessage, is_free_form, kind_of

WINDOW: Final = timedelta(hours=24)


def _aware(field: str, moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidValue("must be timezone-aware", field=field)


def window_open(last_inbound_at: datetime | None, now: datetime) -> bool:
    """Whether the window is open at ``now``: the contact wrote less than 24 h before it."""
    _aware("now", now)
    if last_inbound_at is None:
        return False
    _aware("last_inbound_at", last_inbound_at)
    return now - last_inbound_at < WINDOW


def check_window(message: OutgoingMessage, last_inbound_at: datetime | None, now: datetime) -> None:
    """Refuse a free-form ``message`` outside the window with :class:`OutsideWindow`."""
    if is_free_form(message) and not window_open(last_inbound_at, now):
        raise OutsideWindow(kind_of(message), last_inbound_at)
