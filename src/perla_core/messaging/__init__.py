"""Messaging: outgoing WhatsApp messages, the 24-hour window, delivery statuses, the port.

Values (:mod:`.messages`) are checked against WhatsApp's limits when built; the window
(:mod:`.window`) and the status order (:mod:`.status`) are pure functions; the provider's
webhooks arrive as :mod:`.events`; :class:`Messenger` (:mod:`.ports`) sends.
"""

from perla_core.messaging.addresses import check_external_id, normalise_address
from perla_core.messaging.errors import InvalidWebhookEvent, OutsideWindow, UnknownEventType
from perla_core.messaging.events import (
    InboundContent,
    InboundFile,
    InboundLocation,
    InboundMessageEvent,
    InboundText,
    InboundUnsupported,
    MessagingEvent,
    StatusCause,
    StatusEvent,
)
from perla_core.messaging.messages import (
    Button,
    ButtonsMessage,
    FileHeader,
    FileMessage,
    ListMessage,
    ListRow,
    ListSection,
    OutgoingMessage,
    TemplateMessage,
    TextHeader,
    TextMessage,
    is_free_form,
    kind_of,
)
from perla_core.messaging.ports import Messenger, SentMessage
from perla_core.messaging.status import MessageStatus, advance
from perla_core.messaging.window import WINDOW, check_window, window_open

__all__ = [
    "WINDOW",
    "Button",
    "ButtonsMessage",
    "FileHeader",
    "FileMessage",
    "InboundContent",
    "InboundFile",
    "InboundLocation",
    "InboundMessageEvent",
    "InboundText",
    "InboundUnsupported",
    "InvalidWebhookEvent",
    "ListMessage",
    "ListRow",
    "ListSection",
    "MessageStatus",
    "MessagingEvent",
    "Messenger",
    "OutgoingMessage",
    "OutsideWindow",
    "SentMessage",
    "StatusCause",
    "StatusEvent",
    "TemplateMessage",
    "TextHeader",
    "TextMessage",
    "UnknownEventType",
    "advance",
    "check_external_id",
    "check_window",
    "is_free_form",
    "kind_of",
    "normalise_address",
    "window_open",
]
