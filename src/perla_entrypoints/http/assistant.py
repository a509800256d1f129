"""``/api/v1/assistant``: PerlaHub staff's conversations with the assistant (issue 10).

A conversation belongs to the API key that started it (its name is the owner; its role is
what the assistant may do): another key's conversation is *not found*. ``POST
.../messages`` runs one turn (:func:`perla_core.assistant.engine.send_message`): reads run at
once, a write comes back as ``pending`` (a proposal) and is applied only when the next
message confirms it ("sí"; "no" cancels it), answering with ``applied``. The reply may hold a
new credential's secret, shown this once and never stored, hence ``Cache-Control: no-store``.

The chat page (``/assistant``, ``http/assistant_page.py``) shows the same answers through
its own routes, authenticated by the staff session cookie instead of a key.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Final
from uuid import UUID

from litestar import Controller, Response, Router, get, post
from litestar.di import Provide
from litestar.params import FromPath, JSONBody, QueryParameter, SkipValidation
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from msgspec import Meta, Struct

from perla_core.assistant import services
from perla_core.assistant.engine import AssistantDeps, TurnResult, send_message
from perla_core.assistant.model import (
    MAX_MESSAGE_CHARS,
    MAX_TITLE_CHARS,
    AssistantConversation,
    Entry,
    proposal_data,
)
from perla_core.kernel.pagination import MAX_LIMIT, MAX_OFFSET, Page, PageRequest
from perla_entrypoints.container import Container
from perla_entrypoints.http.dependencies import ActorDep, ClockDep, IdsDep, NewUow
from perla_entrypoints.http.openapi import LOCATION, NO_STORE, doc, responses
from perla_entrypoints.http.schemas import StrictBody

ASSISTANT: Final = "/api/v1/assistant/conversations"

Limit = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT, description="Page size")]
Offset = Annotated[int, QueryParameter(ge=0, le=MAX_OFFSET, description="Rows to skip")]
AssistantDepsFactory = SkipValidation[Callable[[], AssistantDeps]]
"""Gives what a turn needs (a fresh unit of work each call)."""

# --- requests -------------------------------------------------------------------------------


class NewAssistantConversationIn(StrictBody):
    """An optional title (default: the first message, shortened)."""

    title: Annotated[str, Meta(max_length=MAX_TITLE_CHARS)] = ""


class AssistantMessageIn(StrictBody):
    """What the person writes, in plain Spanish ("sí" confirms a pending proposal, "no"
    cancels it)."""

    text: Annotated[str, Meta(max_length=MAX_MESSAGE_CHARS)]


# --- answers --------------------------------------------------------------------------------


class AssistantEntryOut(Struct, kw_only=True):
    kind: Annotated[
        str,
        Meta(description="user, assistant, tool_call, tool_result, proposal, decision or notice"),
    ]
    at: datetime
    text: Annotated[str, Meta(description="What a person reads (empty for structured entries)")]
    data: Annotated[
        dict[str, Any],
        Meta(description="The structured part: tool input and results, the proposal, ..."),
    ]

    @classmethod
    def of(cls, entry: Entry) -> AssistantEntryOut:
        return cls(kind=entry.kind.value, at=entry.at, text=entry.text, data=dict(entry.data))


class AssistantConversationSummaryOut(Struct, kw_only=True):
    id: UUID
    title: str
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, c: AssistantConversation) -> AssistantConversationSummaryOut:
        return cls(
            id=c.id,
            title=c.title,
            created_at=c.created_at,
            updated_at=c.updated_at,
            version=c.version,
        )


class AssistantConversationPage(Struct, kw_only=True):
    items: list[AssistantConversationSummaryOut]
    total: int
    limit: int
    offset: int

    @classmethod
    def of(cls, page: Page[AssistantConversation]) -> AssistantConversationPage:
        return cls(
            items=[AssistantConversationSummaryOut.of(c) for c in page.items],
            total=page.total,
            limit=page.limit,
            offset=page.offset,
        )


class AssistantConversationOut(Struct, kw_only=True):
    id: UUID
    title: str
    owner: Annotated[str, Meta(description="The name of the key (or login) that started it")]
    role: Annotated[str, Meta(description="The owner's role: what the assistant may do")]
    created_at: datetime
    updated_at: datetime
    version: int
    entries: list[AssistantEntryOut]
    pending: Annotated[
        dict[str, Any] | None,
        Meta(description="The proposed change waiting for confirmation, if any"),
    ]

    @classmethod
    def of(cls, c: AssistantConversation) -> AssistantConversationOut:
        pending = c.pending
        return cls(
            id=c.id,
            title=c.title,
            owner=c.owner,
            role=c.role,
            created_at=c.created_at,
            updated_at=c.updated_at,
            version=c.version,
            entries=[AssistantEntryOut.of(e) for e in c.entries],
            pending=None if pending is None else proposal_data(pending),
        )


class AssistantTurnOut(Struct, kw_only=True):
    conversation_id: UUID
    reply: Annotated[
        str,
        Meta(description="The assistant's answer; a new credential's secret is shown here once"),
    ]
    pending: Annotated[
        dict[str, Any] | None,
        Meta(description="The proposal now waiting for confirmation (answer sí or no)"),
    ]
    applied: Annotated[
        dict[str, Any] | None, Meta(description="The proposal this turn applied, if any")
    ]
    entries: Annotated[list[AssistantEntryOut], Meta(description="The entries this turn stored")]
    version: int

    @classmethod
    def of(cls, turn: TurnResult) -> AssistantTurnOut:
        return cls(
            conversation_id=turn.conversation_id,
            reply=turn.reply,
            pending=None if turn.pending is None else proposal_data(turn.pending),
            applied=None if turn.applied is None else proposal_data(turn.applied),
            entries=[AssistantEntryOut.of(e) for e in turn.entries],
            version=turn.version,
        )


def turn_response(turn: TurnResult) -> Response[AssistantTurnOut]:
    """A turn's answer, never cached (its reply may hold a secret shown this once)."""
    return Response(AssistantTurnOut.of(turn), headers={"Cache-Control": "no-store"})


# --- routes ---------------------------------------------------------------------------------


class AssistantController(Controller):
    path = ASSISTANT
    tags = ["assistant"]

    @post(
        "/",
        operation_id="startAssistantConversation",
        summary="Start a conversation with the assistant",
        description=doc(services.start_conversation),
        sync_to_thread=True,
        status_code=HTTP_201_CREATED,
        response_headers=[LOCATION],
        responses=responses(400, 401, 403, 413, 422),
    )
    def start(
        self,
        uows: NewUow,
        clock: ClockDep,
        ids: IdsDep,
        actor: ActorDep,
        data: JSONBody[NewAssistantConversationIn | None] = None,
    ) -> Response[AssistantConversationSummaryOut]:
        title = "" if data is None else data.title
        conversation_id = services.start_conversation(uows(), clock, ids, actor, title=title)
        started = services.get_conversation(conversation_id, uows(), actor)
        return Response(
            AssistantConversationSummaryOut.of(started),
            status_code=HTTP_201_CREATED,
            headers={"Location": f"{ASSISTANT}/{conversation_id}"},
        )

    @get(
        "/",
        operation_id="listAssistantConversations",
        summary="The caller's conversations with the assistant, most recent first",
        description=doc(services.list_conversations),
        sync_to_thread=True,
        responses=responses(400, 401),
    )
    def list_own(
        self, uows: NewUow, actor: ActorDep, limit: Limit = 50, offset: Offset = 0
    ) -> AssistantConversationPage:
        page = services.list_conversations(uows(), actor, PageRequest(limit=limit, offset=offset))
        return AssistantConversationPage.of(page)

    @get(
        "/{conversation_id:uuid}",
        operation_id="getAssistantConversation",
        summary="One of the caller's conversations, every entry and the pending proposal",
        description=doc(services.get_conversation)
        + "\n\nAnother key's conversation is not found (404).",
        sync_to_thread=True,
        responses=responses(401, 404),
    )
    def get_one(
        self, conversation_id: FromPath[UUID], uows: NewUow, actor: ActorDep
    ) -> AssistantConversationOut:
        found = services.get_conversation(conversation_id, uows(), actor)
        return AssistantConversationOut.of(found)

    @post(
        "/{conversation_id:uuid}/messages",
        operation_id="sendAssistantMessage",
        summary="Send the assistant a message: one turn (reads, a proposal, a confirmation)",
        description=doc(send_message)
        + "\n\nThe message is stored first; a write tool the model calls becomes `pending` "
        "and is applied only when the next message confirms it (`sí`; `no` cancels it), "
        "audited with the key's name as the actor and the assistant as the channel. A model "
        "outage answers 200 with an apology and the message kept. A turn racing another of "
        "the same conversation is refused (409).",
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        response_headers=[NO_STORE],
        responses=responses(400, 401, 403, 404, 409, 413, 422),
    )
    def message(
        self,
        conversation_id: FromPath[UUID],
        data: JSONBody[AssistantMessageIn],
        assistant: AssistantDepsFactory,
        actor: ActorDep,
    ) -> Response[AssistantTurnOut]:
        turn = send_message(conversation_id, data.text, actor, assistant())
        return turn_response(turn)


def assistant_factory(container: Container) -> Callable[[], AssistantDeps]:
    """A fresh :class:`AssistantDeps` per call (overrides made later stay effective)."""

    def make() -> AssistantDeps:
        deps: AssistantDeps = container.assistant()
        return deps

    return make


def assistant_routes(container: Container) -> Router:
    """The controller, with the container's assistant (model, tools, a fresh unit of work)."""
    factory = assistant_factory(container)

    def provide_assistant() -> Callable[[], AssistantDeps]:
        return factory

    return Router(
        path="/",
        route_handlers=[AssistantController],
        dependencies={"assistant": Provide(provide_assistant, sync_to_thread=False)},
    )


__all__ = [
    "ASSISTANT",
    "AssistantConversationOut",
    "AssistantConversationPage",
    "AssistantConversationSummaryOut",
    "AssistantTurnOut",
    "assistant_factory",
    "assistant_routes",
    "turn_response",
]
