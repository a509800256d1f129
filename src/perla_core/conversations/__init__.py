"""The WhatsApp conversation engine (issue 6): one conversation per contact, bot turns over
the flow engine, handoffs to operators, and the webhook events that feed it.

``docs/conversations.md`` describes the flow of one message and this interface:
:mod:`.model` (the aggregate), :mod:`.events`, :mod:`.ports`, :mod:`.bot` (one bot turn),
:mod:`.services` (the use cases) and :mod:`.delivery` (the outbox handlers).
"""

from perla_core.conversations.bot import BotDeps, Hook, HookResult
from perla_core.conversations.delivery import (
    NOTIFY_HANDLER,
    NOTIFY_TOPIC,
    SEND_HANDLER,
    SEND_TOPIC,
    notify_operators,
    send_queued_message,
    with_conversation_handlers,
)
from perla_core.conversations.events import (
    ConversationHandedBack,
    ConversationTakenOver,
    HandoffRequested,
    MessageQueued,
)
from perla_core.conversations.model import (
    Conversation,
    ConversationMessage,
    Direction,
    HandoffRecord,
    Owner,
)
from perla_core.conversations.ports import (
    ConversationQuery,
    ConversationRepository,
    ConversationUnitOfWork,
    ReceivedEvent,
    ReceivedEventRepository,
)
from perla_core.conversations.services import (
    AcceptedEvent,
    accept_event,
    contact_key,
    get_conversation,
    hand_back,
    list_conversations,
    operator_reply,
    pending_contacts,
    process_contact,
    take_over,
)

__all__ = [
    "NOTIFY_HANDLER",
    "NOTIFY_TOPIC",
    "SEND_HANDLER",
    "SEND_TOPIC",
    "AcceptedEvent",
    "BotDeps",
    "Conversation",
    "ConversationHandedBack",
    "ConversationMessage",
    "ConversationQuery",
    "ConversationRepository",
    "ConversationTakenOver",
    "ConversationUnitOfWork",
    "Direction",
    "HandoffRecord",
    "HandoffRequested",
    "Hook",
    "HookResult",
    "MessageQueued",
    "Owner",
    "ReceivedEvent",
    "ReceivedEventRepository",
    "accept_event",
    "contact_key",
    "get_conversation",
    "hand_back",
    "list_conversations",
    "notify_operators",
    "operator_reply",
    "pending_contacts",
    "process_contact",
    "send_queued_message",
    "take_over",
    "with_conversation_handlers",
]
