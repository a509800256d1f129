"""The assistant's chat page for PerlaHub staff: ``GET /assistant`` (issue 10 item 5).

Behind the same login as the activity page (``/dashboard/login?next=/assistant``, see
:class:`~perla_entrypoints.http.dashboard.StaffSessions`): without a valid session the page
redirects there. The page lists the person's conversations, opens one, shows its messages
and sends new ones with ``fetch`` to ``/assistant/api/...``: the same answers as
``/api/v1/assistant`` (``http/assistant.py``), authenticated by the session cookie instead of
an API key. The cookie is SameSite=Strict and HttpOnly; as a second defence against
cross-site requests every POST must carry ``X-Perla-Page: 1`` (a header a plain form or a
cross-origin page without CORS cannot send) and, when the browser sends ``Origin``, come
from this host. A pending proposal shows «Confirmar» / «Cancelar», which send "sí" / "no".

The HTML is a skeleton built with :func:`html.escape`; ``static/assistant/assistant.js``
fills it using ``textContent`` only (no HTML from the model or from stored data is ever
interpreted). No inline script, no CDN; the Content-Security-Policy is the activity page's
plus ``connect-src 'self'`` for the fetches. None of these routes is in the OpenAPI schema.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit
from uuid import UUID

from litestar import MediaType, Request, Response, Router, get, post
from litestar.datastructures import CacheControlHeader
from litestar.params import FromPath, JSONBody
from litestar.response import Redirect
from litestar.static_files import create_static_files_router
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_303_SEE_OTHER
from litestar.types import ControllerRouterHandler

from perla_core.access.model import Actor, Role
from perla_core.assistant import services
from perla_core.assistant.engine import send_message
from perla_core.kernel.errors import PermissionDenied, Unauthenticated
from perla_core.kernel.pagination import PageRequest
from perla_entrypoints.container import Container, uow_factory
from perla_entrypoints.http.assistant import (
    AssistantConversationOut,
    AssistantConversationPage,
    AssistantConversationSummaryOut,
    AssistantMessageIn,
    AssistantTurnOut,
    NewAssistantConversationIn,
    assistant_factory,
    turn_response,
)
from perla_entrypoints.http.dashboard import CONTENT_SECURITY_POLICY, StaffSessions

PAGE_PATH: Final = "/assistant"
STATIC: Final = f"{PAGE_PATH}/static"
LOGIN: Final = f"/dashboard/login?next={PAGE_PATH}"
PAGE_HEADER: Final = "X-Perla-Page"
"""The header every POST of the page must carry (value ``1``): the CSRF defence."""
PAGE_CSP: Final = f"{CONTENT_SECURITY_POLICY}; connect-src 'self'"
ROLE_LABELS: Final = {
    Role.ADMIN: "administración",
    Role.AGENT: "comercial",
    Role.READONLY: "solo lectura",
}
_HEADERS: Final = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": PAGE_CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
_STATIC_FOLDER: Final = Path(__file__).resolve().parent.parent / "static" / "assistant"


def chat_page(actor: Actor) -> str:
    """The page's skeleton for ``actor`` (the script fills in conversations and messages)."""
    who = f"{actor.name} · {ROLE_LABELS.get(actor.role, actor.role.value)}"
    body = (
        "<header><h1>Asistente de perla</h1>"
        f'<p class="who" id="who">{escape(who)}</p>'
        '<form method="post" action="/assistant/logout"><button type="submit">Salir</button>'
        "</form></header>"
        '<main class="assistant">'
        '<aside class="sidebar" aria-label="Conversaciones">'
        '<button type="button" id="new-conversation">Nueva conversación</button>'
        "<h2>Tus conversaciones</h2>"
        '<ul id="conversations"></ul>'
        '<p class="empty" id="no-conversations" hidden>Todavía no tienes conversaciones.</p>'
        "</aside>"
        '<section class="chat" aria-label="Conversación">'
        '<h2 id="conversation-title">Nueva conversación</h2>'
        '<ol id="messages" aria-live="polite"></ol>'
        '<section id="proposal" class="proposal" hidden aria-label="Cambio propuesto">'
        "<h3>Cambio propuesto</h3>"
        '<p class="summary" id="proposal-summary"></p>'
        '<table class="changes"><thead><tr><th scope="col">Registro</th>'
        '<th scope="col">Campo</th><th scope="col">Antes</th><th scope="col">Después</th>'
        '</tr></thead><tbody id="proposal-changes"></tbody></table>'
        '<ul class="checks" id="proposal-checks"></ul>'
        '<div class="actions"><button type="button" id="confirm">Confirmar</button>'
        '<button type="button" id="cancel">Cancelar</button></div></section>'
        '<form id="composer" autocomplete="off">'
        '<label for="message">Tu mensaje</label>'
        '<textarea id="message" name="message" rows="3" maxlength="4000" required '
        'placeholder="Por ejemplo: registra un lead: Viajes Sol, España, '
        'correo ventas@viajessol.es"></textarea>'
        '<button type="submit" id="send">Enviar</button></form>'
        '<p id="status" class="status" role="status"></p>'
        "</section></main>"
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="es"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Asistente de perla</title>"
        '<link rel="icon" href="data:,">'
        f'<link rel="stylesheet" href="{STATIC}/assistant.css">'
        f'<script src="{STATIC}/assistant.js" defer></script></head>'
        f'<body data-state="loading">{body}</body></html>\n'
    )


def same_origin_post(request: Request[Any, Any, Any]) -> None:
    """Refuse (403) a POST without ``X-Perla-Page: 1`` or from another origin."""
    if request.headers.get(PAGE_HEADER) != "1":
        raise PermissionDenied(f"the page's requests carry {PAGE_HEADER}: 1")
    origin = request.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc != request.headers.get("host", ""):
        raise PermissionDenied("a request from another site")


def assistant_page_routes(
    container: Container, sessions: StaffSessions | None = None
) -> list[ControllerRouterHandler]:
    """``/assistant`` (the page), ``/assistant/logout``, ``/assistant/api/...`` (the page's
    JSON, by session cookie) and the page's static files; none in the OpenAPI schema."""
    new_uow = uow_factory(container)
    staff = sessions or StaffSessions(container)
    assistant = assistant_factory(container)

    def person(request: Request[Any, Any, Any]) -> Actor:
        actor = staff.actor(request)
        if actor is None:
            raise Unauthenticated("log in at /dashboard/login?next=/assistant")
        return actor

    @get("/", name="assistant", sync_to_thread=True, include_in_schema=False)
    def page(request: Request[Any, Any, Any]) -> Response[str] | Redirect:
        actor = staff.actor(request)
        if actor is None:
            return Redirect(LOGIN, status_code=HTTP_303_SEE_OTHER, headers=_HEADERS)
        return Response(
            chat_page(actor), status_code=HTTP_200_OK, media_type=MediaType.HTML, headers=_HEADERS
        )

    @post("/logout", include_in_schema=False)
    async def logout() -> Redirect:
        redirect = Redirect(LOGIN, status_code=HTTP_303_SEE_OTHER, headers=_HEADERS)
        staff.close(redirect)
        return redirect

    @get("/api/conversations", sync_to_thread=True, include_in_schema=False)
    def list_own(request: Request[Any, Any, Any]) -> Response[AssistantConversationPage]:
        page = services.list_conversations(new_uow(), person(request), PageRequest(limit=100))
        return Response(AssistantConversationPage.of(page), headers={"Cache-Control": "no-store"})

    @post("/api/conversations", sync_to_thread=True, include_in_schema=False)
    def start(
        request: Request[Any, Any, Any], data: JSONBody[NewAssistantConversationIn | None] = None
    ) -> Response[AssistantConversationSummaryOut]:
        same_origin_post(request)
        actor = person(request)
        title = "" if data is None else data.title
        clock, ids = container.clock(), container.ids()
        conversation_id = services.start_conversation(new_uow(), clock, ids, actor, title=title)
        started = services.get_conversation(conversation_id, new_uow(), actor)
        return Response(
            AssistantConversationSummaryOut.of(started),
            status_code=HTTP_201_CREATED,
            headers={"Cache-Control": "no-store"},
        )

    @get("/api/conversations/{conversation_id:uuid}", sync_to_thread=True, include_in_schema=False)
    def get_one(
        request: Request[Any, Any, Any], conversation_id: FromPath[UUID]
    ) -> Response[AssistantConversationOut]:
        found = services.get_conversation(conversation_id, new_uow(), person(request))
        return Response(AssistantConversationOut.of(found), headers={"Cache-Control": "no-store"})

    @post(
        "/api/conversations/{conversation_id:uuid}/messages",
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        include_in_schema=False,
    )
    def message(
        request: Request[Any, Any, Any],
        conversation_id: FromPath[UUID],
        data: JSONBody[AssistantMessageIn],
    ) -> Response[AssistantTurnOut]:
        same_origin_post(request)
        turn = send_message(conversation_id, data.text, person(request), assistant())
        return turn_response(turn)

    static = create_static_files_router(
        path=STATIC,
        directories=[_STATIC_FOLDER],
        include_in_schema=False,
        cache_control=CacheControlHeader(max_age=3600),
        name="assistant-static",
    )
    router = Router(
        path=PAGE_PATH,
        route_handlers=[page, logout, list_own, start, get_one, message],
        include_in_schema=False,
    )
    return [router, static]


__all__ = ["PAGE_HEADER", "assistant_page_routes", "chat_page", "same_origin_post"]
