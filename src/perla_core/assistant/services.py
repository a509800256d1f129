"""The assistant's use cases: start, list and read one's conversations; send a message.

A conversation belongs to the person who started it: nobody else can read or continue it
(another person's conversation is *not found*). Sending a message is
:func:`perla_core.assistant.engine.send_message`.
"""

from __future__ import annotations

from uuid import UUID

from perla_core.access.model import Actor, Permission
from perla_core.assistant.engine import own, send_message
from perla_core.assistant.model import AssistantConversation
from perla_core.kernel.pagination import Page, PageRequest
from perla_core.kernel.ports import Clock, IdGenerator
from perla_core.uow import UnitOfWork


def start_conversation(
    uow: UnitOfWork, clock: Clock, ids: IdGenerator, actor: Actor, *, title: str = ""
) -> UUID:
    """A new, empty conversation of the actor's; returns its id."""
    actor.require(Permission.READ)
    with uow:
        conversation = AssistantConversation.start(
            conversation_id=ids.new_id(),
            owner=actor.name,
            role=actor.role.value,
            now=clock.now(),
            title=title,
        )
        uow.assistant_conversations.add(conversation)
        uow.commit()
    return conversation.id


def list_conversations(
    uow: UnitOfWork, actor: Actor, page: PageRequest | None = None
) -> Page[AssistantConversation]:
    """The actor's conversations, most recent first (without their entries)."""
    actor.require(Permission.READ)
    with uow:
        return uow.assistant_conversations.for_owner(actor.name, page or PageRequest())


def get_conversation(conversation_id: UUID, uow: UnitOfWork, actor: Actor) -> AssistantConversation:
    """One of the actor's conversations with every entry."""
    actor.require(Permission.READ)
    with uow:
        return own(uow.assistant_conversations.get(conversation_id), actor)


__all__ = ["get_conversation", "list_conversations", "send_message", "start_conversation"]
