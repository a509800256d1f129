"""The activity summary page ("Resumen de actividad", issue 9 item 6): ``GET /dashboard``.

Staff log in at ``/dashboard/login`` with an API key of any role; the answer sets a signed,
HttpOnly, SameSite=Strict session cookie (:class:`SessionSigner`: HMAC with
``dashboard_session_secret``, or a random secret kept in ``<data_dir>/dashboard-session-secret``)
that carries the key's id and an expiry, never the key. Every page load checks the cookie and
that the key is still active; without a valid session ``/dashboard`` redirects to the login.
A wrong key gets the form again with a 401. The key is never logged or echoed.

The HTML is built with :func:`html.escape` (no template engine): every value from storage is
escaped; the charts' series travel as JSON in a ``<script type="application/json">`` block
that ``static/dashboard/dashboard.js`` hands to the vendored Chart.js (no inline script, no
CDN: the Content-Security-Policy allows only perla's own scripts). The Spanish is neutral
(the page serves PerlaHub's staff in Spain and MICROCOM's in Argentina); numbers use ``.``
for thousands and ``,`` for decimals. None of these routes is in the OpenAPI schema.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from html import escape
from pathlib import Path
from typing import Annotated, Any, Final
from uuid import UUID

from litestar import HttpMethod, MediaType, Request, Response, Router, get, post, route
from litestar.datastructures import CacheControlHeader
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect
from litestar.static_files import create_static_files_router
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_303_SEE_OTHER,
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
)
from litestar.types import ControllerRouterHandler

from perla_adapters.documents.links import load_or_create_secret
from perla_core.access.model import Actor
from perla_core.campaigns.services import dashboard_funnels
from perla_core.dashboard import (
    ActivitySummary,
    CampaignFunnel,
    activity_summary,
    handoff_label,
    pipeline_label,
    session_actor,
    sign_in,
)
from perla_core.inquiries.model import STAGE_LABELS
from perla_core.kernel.errors import PermissionDenied, Unauthenticated
from perla_core.kernel.money import Money
from perla_core.kernel.ports import Clock
from perla_entrypoints.container import Container, settings_of, uow_factory
from perla_entrypoints.settings import Settings

STATIC: Final = "/dashboard/static"
CONTENT_SECURITY_POLICY: Final = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
NO_CAMPAIGNS: Final = "Sin campañas todavía."


def number(value: int) -> str:
    """``12345`` -> ``12.345``."""
    return f"{value:,}".replace(",", ".")


def decimal_text(value: Decimal) -> str:
    """``1234.5`` -> ``1.234,5`` (as many decimals as it has)."""
    sign = "-" if value < 0 else ""
    whole, _, fraction = format(abs(value).normalize(), "f").partition(".")
    text = number(int(whole))
    return f"{sign}{text},{fraction}" if fraction else f"{sign}{text}"


def percent_text(value: Decimal) -> str:
    """``33.3`` -> ``33,3 %`` (the decimals it has, kept)."""
    return format(value, "f").replace(".", ",") + " %"


def money(value: Money) -> str:
    amount = value.rounded().amount
    whole, _, fraction = format(abs(amount), "f").partition(".")
    sign = "-" if amount < 0 else ""
    text = f"{sign}{number(int(whole))}"
    return f"{text},{fraction} {value.currency}" if fraction else f"{text} {value.currency}"


def moment(at: datetime) -> str:
    return at.strftime("%d/%m/%Y %H:%M UTC")


def _page(title: str, body: str, *, scripts: Iterable[str] = ()) -> str:
    tags = "".join(f'<script src="{STATIC}/{escape(s)}" defer></script>' for s in scripts)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="es"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title>"
        f'<link rel="stylesheet" href="{STATIC}/dashboard.css">{tags}</head>'
        f"<body>{body}</body></html>\n"
    )


LOGIN_TARGETS: Final = {
    "/dashboard": ("Resumen de actividad", "Ingrese su clave de API de perla para ver el resumen."),
    "/assistant": (
        "Asistente de perla",
        "Introduce tu clave de API de perla para abrir el asistente.",
    ),
}
"""The pages behind this login (``next``), with the heading and lead text of their form."""


def login_target(value: object) -> str:
    """Where to go after logging in: one of :data:`LOGIN_TARGETS` (never an open redirect)."""
    return value if isinstance(value, str) and value in LOGIN_TARGETS else SESSION_PATH


def login_page(error: str | None = None, target: str = "/dashboard") -> str:
    """The login form: an API key, posted to ``/dashboard/login`` (with ``next`` for a page
    other than the summary)."""
    title, lead = LOGIN_TARGETS[login_target(target)]
    alert = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    hidden = (
        f'<input type="hidden" name="next" value="{escape(target)}">'
        if target != SESSION_PATH
        else ""
    )
    body = (
        f'<main class="login"><h1>{escape(title)}</h1>'
        f"<p>{escape(lead)}</p>"
        f"{alert}"
        '<form method="post" action="/dashboard/login" autocomplete="off">'
        f"{hidden}"
        '<label for="api_key">Clave de API</label>'
        '<input id="api_key" name="api_key" type="password" required autofocus>'
        '<button type="submit">Entrar</button></form></main>'
    )
    return _page(f"Entrar · {title}", body)


def _figure(name: str, label: str, shown: str, value: str, note: str = "") -> str:
    extra = f'<span class="note">{escape(note)}</span>' if note else ""
    return (
        f'<div class="figure" data-figure="{escape(name)}" data-value="{escape(value)}">'
        f'<span class="value">{escape(shown)}</span>'
        f'<span class="label">{escape(label)}</span>{extra}</div>'
    )


def _figures(summary: ActivitySummary) -> str:
    f = summary.figures
    days = len(summary.days)
    period = f"últimos {days} días"
    revenue = " · ".join(money(r.total) for r in f.revenue_month) or "—"
    revenue_value = ";".join(
        f"{r.total.currency}:{r.total.rounded().amount}" for r in f.revenue_month
    )
    p50 = f.bot_response_p50
    cells = [
        _figure("leads", "Leads abiertos", number(f.leads), str(f.leads)),
        _figure("live_clients", "Clientes activos", number(f.live_clients), str(f.live_clients)),
        _figure(
            "open_inquiries", "Consultas abiertas", number(f.open_inquiries), str(f.open_inquiries)
        ),
        _figure("orders_month", "Pedidos del mes", number(f.orders_month), str(f.orders_month)),
        _figure("revenue_month", "Facturación del mes", revenue, revenue_value, "sin IVA"),
        _figure(
            "messages_in", "Mensajes recibidos", number(f.messages_in), str(f.messages_in), period
        ),
        _figure(
            "messages_out", "Mensajes enviados", number(f.messages_out), str(f.messages_out), period
        ),
        _figure(
            "handoffs", "Derivaciones a ejecutivos", number(f.handoffs), str(f.handoffs), period
        ),
        _figure(
            "bot_response_p50",
            "Respuesta del bot (mediana)",
            "—" if p50 is None else f"{decimal_text(p50)} s",
            "" if p50 is None else format(p50.normalize(), "f"),
            period,
        ),
        _figure(
            "seen_unanswered",
            "Vistos sin respuesta",
            number(f.seen_unanswered),
            str(f.seen_unanswered),
            period,
        ),
        _figure("opt_outs", "Bajas de WhatsApp", number(f.opt_outs), str(f.opt_outs), period),
        _figure(
            "survey_completion",
            "Encuestas completadas",
            "—" if f.survey_completion is None else percent_text(f.survey_completion),
            "" if f.survey_completion is None else format(f.survey_completion, "f"),
            "de las enviadas, " + period,
        ),
    ]
    return f'<section class="figures" aria-label="Cifras clave">{"".join(cells)}</section>'


def _series(summary: ActivitySummary) -> str:
    rows = summary.metrics.days
    data = {
        "labels": [day.strftime("%d/%m") for day in summary.days],
        "messages_in": [r.messages_in for r in rows],
        "messages_out": [r.messages_out for r in rows],
        "handoffs": [r.handoffs_total for r in rows],
        "orders": [d.count for d in summary.orders_per_day],
    }
    text = json.dumps(data, separators=(",", ":")).replace("<", "\\u003c")
    return f'<script type="application/json" id="dashboard-data">{text}</script>'


def _chart(name: str, title: str) -> str:
    return (
        f'<figure class="chart"><figcaption>{escape(title)}</figcaption>'
        f'<div class="canvas"><canvas id="chart-{escape(name)}" role="img" '
        f'aria-label="{escape(title)}"></canvas></div></figure>'
    )


def _bars(rows: list[tuple[str, int]], empty: str, table: str) -> str:
    if not rows:
        return f'<p class="empty">{escape(empty)}</p>'
    top = max((n for _, n in rows), default=0) or 1
    lines = "".join(
        f'<tr><th scope="row">{escape(label)}</th><td>{number(n)}</td>'
        f'<td class="bar"><span data-width="{n * 100 // top}"></span></td></tr>'
        for label, n in rows
    )
    return f'<table class="counts" data-table="{escape(table)}"><tbody>{lines}</tbody></table>'


def _funnel(funnel: CampaignFunnel) -> str:
    rows = [(step.label, step.count) for step in funnel.steps]
    return f"<h3>{escape(funnel.name)}</h3>{_bars(rows, 'Sin datos.', 'campaign')}"


SURVEY_COLUMNS: Final = (
    ("sent", "Enviadas"),
    ("answered", "Respondieron"),
    ("completed", "Completaron"),
    ("survey_completion", "% completadas"),
    ("opted_out", "Bajas"),
    ("recovered", "Recuperados"),
)


def _surveys(summary: ActivitySummary) -> str:
    """Each campaign run's survey figures over the period (``data-run``, ``data-survey``)."""
    report = summary.campaign_figures
    if report is None or not report.runs:
        return ""
    head = "".join(f'<th scope="col">{escape(label)}</th>' for _, label in SURVEY_COLUMNS)
    rows = []
    for run in report.runs:
        t = run.total
        rate = t.completion_rate
        values = {
            "sent": (number(t.sent), str(t.sent)),
            "answered": (number(t.answered), str(t.answered)),
            "completed": (number(t.completed), str(t.completed)),
            "survey_completion": (
                "—" if rate is None else percent_text(rate),
                "" if rate is None else format(rate, "f"),
            ),
            "opted_out": (number(t.opted_out), str(t.opted_out)),
            "recovered": (number(t.recovered), str(t.recovered)),
        }
        cells = "".join(
            f'<td data-survey="{name}" data-value="{escape(values[name][1])}">'
            f"{escape(values[name][0])}</td>"
            for name, _ in SURVEY_COLUMNS
        )
        created = "" if t.run_created_at is None else f" · {t.run_created_at:%d/%m/%Y}"
        rows.append(
            f'<tr data-run="{run.run_id}"><th scope="row">{escape(t.campaign + created)}</th>'
            f"{cells}</tr>"
        )
    return (
        f"<h3>Encuestas del período</h3>"
        f'<table class="surveys" data-table="surveys"><thead><tr><th scope="col">Campaña</th>'
        f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _handoff_reasons(summary: ActivitySummary) -> str:
    reasons = sorted(summary.metrics.total.handoffs.items(), key=lambda kv: (-kv[1], kv[0]))
    return _bars(
        [(handoff_label(reason), n) for reason, n in reasons],
        "Sin derivaciones en el período.",
        "handoffs",
    )


def _recent(summary: ActivitySummary) -> str:
    if not summary.recent:
        return '<p class="empty">Todavía no hay actividad.</p>'
    items = "".join(
        f'<li><time datetime="{e.at.isoformat()}">{escape(moment(e.at))}</time> '
        f'<span class="what">{escape(e.text)}</span> '
        f'<span class="ref">#{escape(str(e.aggregate_id)[-8:])}</span></li>'
        for e in summary.recent
    )
    return f'<ol class="feed">{items}</ol>'


def dashboard_page(summary: ActivitySummary, who: str) -> str:
    """The activity summary for ``who`` (the API key's name)."""
    pipeline = [(pipeline_label(p.phase, p.status), p.count) for p in summary.pipeline]
    stages = [(STAGE_LABELS[s.stage], s.total) for s in summary.inquiries]
    campaigns = (
        "".join(_funnel(f) for f in summary.campaigns)
        if summary.campaigns
        else f'<p class="empty">{NO_CAMPAIGNS}</p>'
    ) + _surveys(summary)
    first, last = summary.days[0], summary.days[-1]
    body = (
        "<header><h1>Resumen de actividad</h1>"
        f'<p class="as-of">Datos al {escape(moment(summary.as_of))} · período del '
        f"{first:%d/%m/%Y} al {last:%d/%m/%Y} · {escape(who)}</p>"
        '<form method="post" action="/dashboard/logout"><button type="submit">Salir</button>'
        "</form></header><main>"
        f"{_figures(summary)}"
        '<section class="charts" aria-label="Evolución">'
        f"{_chart('messages', 'Mensajes de WhatsApp por día')}"
        f"{_chart('handoffs', 'Derivaciones a ejecutivos por día')}"
        f"{_chart('orders', 'Pedidos por día')}</section>"
        '<section class="panels">'
        '<div class="panel"><h2>Alta de clientes</h2>'
        f"{_bars(pipeline, 'Todavía no hay leads ni clientes.', 'pipeline')}</div>"
        '<div class="panel"><h2>Consultas por etapa</h2>'
        f"{_bars(stages, 'Sin consultas.', 'inquiries')}</div>"
        '<div class="panel"><h2>Motivos de derivación</h2>'
        f"{_handoff_reasons(summary)}</div>"
        f'<div class="panel" id="campaigns"><h2>Campañas</h2>{campaigns}</div>'
        f'<div class="panel wide"><h2>Actividad reciente</h2>{_recent(summary)}</div>'
        "</section></main>"
        f"{_series(summary)}"
    )
    return _page("Resumen de actividad", body, scripts=("chart.umd.min.js", "dashboard.js"))


# --- the session cookie --------------------------------------------------------------------------

SESSION_COOKIE: Final = "perla_dashboard"
SESSION_PATH: Final = "/dashboard"


class SessionSigner:
    """Signs and checks the page's session cookie: ``<key id>.<expires>.<signature>``, the
    signature HMAC-SHA256 over the API key's id and the expiry (Unix time) with a secret
    only perla knows. The cookie never holds the key itself."""

    def __init__(self, secret: str, clock: Clock, ttl: timedelta) -> None:
        if not secret:
            raise ValueError("a session secret is required")
        self._secret = secret.encode()
        self._clock = clock
        self.ttl = ttl

    def __repr__(self) -> str:
        return f"SessionSigner(ttl={self.ttl!r})"  # never the secret

    def _signature(self, key_id: str, expires: str) -> str:
        message = f"dashboard\n{key_id}\n{expires}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def issue(self, key_id: UUID) -> str:
        expires = str(int((self._clock.now() + self.ttl).timestamp()))
        return f"{key_id.hex}.{expires}.{self._signature(key_id.hex, expires)}"

    def key_id(self, cookie: str | None) -> UUID | None:
        """The API key id of a genuine, unexpired cookie; ``None`` for anything else."""
        parts = (cookie or "").split(".")
        if len(parts) != 3 or len(cookie or "") > 200:
            return None
        key_id, expires, signature = parts
        if not expires.isdigit() or len(expires) > 12:
            return None
        expected = self._signature(key_id, expires)
        genuine = hmac.compare_digest(expected.encode(), signature.encode())
        if not genuine or int(expires) <= self._clock.now().timestamp():
            return None
        try:
            return UUID(hex=key_id)
        except ValueError:
            return None


def make_session_signer(settings: Settings, clock: Clock) -> SessionSigner:
    """The configured secret (``dashboard_session_secret``), or one kept in the data folder."""
    secret = settings.dashboard_session_secret or load_or_create_secret(
        settings.data_dir / "dashboard-session-secret"
    )
    return SessionSigner(secret, clock, timedelta(hours=settings.dashboard_session_hours))


# --- the routes ----------------------------------------------------------------------------------

_HEADERS: Final = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
_STATIC_FOLDER: Final = Path(__file__).resolve().parent.parent / "static" / "dashboard"
LoginForm = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _html(content: str, status: int = HTTP_200_OK) -> Response[str]:
    return Response(content, status_code=status, media_type=MediaType.HTML, headers=_HEADERS)


def _to_login() -> Redirect:
    return Redirect("/dashboard/login", status_code=HTTP_303_SEE_OTHER, headers=_HEADERS)


class StaffSessions:
    """The staff pages' login session (``/dashboard``, ``/assistant``): the signed cookie
    of :class:`SessionSigner`, one per page path (SameSite=Strict, HttpOnly), checked against
    the API key on every use. The signer is built on first use (creating the app reads no
    file)."""

    def __init__(self, container: Container) -> None:
        self._container = container
        self._new_uow = uow_factory(container)
        self._secure = settings_of(container).public_base_url.startswith("https://")
        self._signer: list[SessionSigner] = []

    def signer(self) -> SessionSigner:
        if not self._signer:
            settings = settings_of(self._container)
            self._signer.append(make_session_signer(settings, self._container.clock()))
        return self._signer[0]

    def actor(self, request: Request[Any, Any, Any]) -> Actor | None:
        """The person of the request's session cookie; None without a valid one (or when the
        key was revoked since)."""
        key_id = self.signer().key_id(request.cookies.get(SESSION_COOKIE))
        if key_id is None:
            return None
        try:
            return session_actor(key_id, self._new_uow())
        except (Unauthenticated, PermissionDenied):
            return None

    def open(self, response: Response[Any], cookie: str, paths: Iterable[str]) -> None:
        """Set the session ``cookie`` (as :meth:`SessionSigner.issue` gave it) for ``paths``."""
        signer = self.signer()
        for path in paths:
            response.set_cookie(
                SESSION_COOKIE,
                cookie,
                max_age=int(signer.ttl.total_seconds()),
                path=path,
                httponly=True,
                samesite="strict",
                secure=self._secure,
            )

    @staticmethod
    def close(response: Response[Any]) -> None:
        """Delete the session cookie of every page (logging out of one logs out of all)."""
        for path in LOGIN_TARGETS:
            response.delete_cookie(SESSION_COOKIE, path=path)


def dashboard_routes(
    container: Container, sessions: StaffSessions | None = None
) -> list[ControllerRouterHandler]:
    """``/dashboard`` (the page), ``/dashboard/login``, ``/dashboard/logout`` and the page's
    static files, all outside the OpenAPI schema (HTML for people, not the API) and outside
    the API-key guard (the session cookie is the permission).

    ``/dashboard/login?next=/assistant`` is the assistant's login: it sets the session for
    both pages and goes on to the assistant (a valid summary session is carried over)."""
    new_uow = uow_factory(container)
    staff = sessions or StaffSessions(container)

    @get("/", name="dashboard", sync_to_thread=True, include_in_schema=False)
    def page(request: Request[Any, Any, Any]) -> Response[str] | Redirect:
        actor = staff.actor(request)
        if actor is None:
            return _to_login()
        summary = activity_summary(new_uow(), container.clock(), actor, campaigns=dashboard_funnels)
        return _html(dashboard_page(summary, actor.name))

    @get("/login", sync_to_thread=True, include_in_schema=False)
    def login_form(request: Request[Any, Any, Any]) -> Response[str] | Redirect:
        target = login_target(request.query_params.get("next"))
        if staff.actor(request) is not None:
            redirect = Redirect(target, status_code=HTTP_303_SEE_OTHER, headers=_HEADERS)
            if target != SESSION_PATH:
                staff.open(redirect, request.cookies[SESSION_COOKIE], (target,))
            return redirect
        return _html(login_page(target=target))

    @post("/login", sync_to_thread=True, include_in_schema=False)
    def login(data: LoginForm) -> Response[str] | Redirect:
        token = (data.get("api_key") or "").strip()
        target = login_target(data.get("next"))
        try:
            signed = sign_in(token, new_uow())
        except Unauthenticated:
            error = "La clave no es válida o fue revocada."
            return _html(login_page(error, target), HTTP_401_UNAUTHORIZED)
        except PermissionDenied:
            return _html(
                login_page("Esta clave no puede ver el resumen.", target), HTTP_403_FORBIDDEN
            )
        redirect = Redirect(target, status_code=HTTP_303_SEE_OTHER, headers=_HEADERS)
        paths = (SESSION_PATH,) if target == SESSION_PATH else (SESSION_PATH, target)
        staff.open(redirect, staff.signer().issue(signed.key_id), paths)
        return redirect

    @route("/logout", http_method=[HttpMethod.GET, HttpMethod.POST], include_in_schema=False)
    async def logout() -> Redirect:
        redirect = _to_login()
        staff.close(redirect)
        return redirect

    static = create_static_files_router(
        path=f"{SESSION_PATH}/static",
        directories=[_STATIC_FOLDER],
        include_in_schema=False,
        cache_control=CacheControlHeader(max_age=3600),
        name="dashboard-static",
    )
    router = Router(
        path=SESSION_PATH,
        route_handlers=[page, login_form, login, logout],
        include_in_schema=False,
    )
    return [router, static]
