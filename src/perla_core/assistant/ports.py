"""The assistant's store: conversations, with their entries, pending proposal and form."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from perla_core.assistant.model import AssistantConversation
from perla_core.kernel.pagination import Page, PageRequest


class AssistantConversationRepository(Protocol):
    """Assistant conversations. Joins the unit of work's transaction; never commits.

    ``save`` writes ``UPDATE … WHERE version = :version`` and raises
    :class:`~perla_core.kernel.errors.StaleVersion` when another turn saved first; it appends
    the entries added since the conversation was read (entries are never rewritten) and bumps
    ``version``. ``get`` raises :class:`~perla_core.kernel.errors.NotFound`.
    """

    def add(self, conversation: AssistantConversation) -> None: ...

    def get(self, conversation_id: UUID, *, recent: int | None = None) -> AssistantConversation:
        """The conversation with every entry, or only its last ``recent`` ones (then
        ``first_entry`` says where they start); either can be saved."""
        ...

    def save(self, conversation: AssistantConversation) -> None: ...

    def for_owner(self, owner: str, page: PageRequest) -> Page[AssistantConversation]:
        """The owner's conversations, most recently updated first (entries not loaded:
        ``entries`` is empty, the rest is filled)."""
        ...


__all__ = ["AssistantConversationRepository"]
