"""A local Zenvia: ``create_zenvia_simulator()`` speaks Zenvia's API v2 for WhatsApp.

It serves ``POST /v2/channels/whatsapp/messages`` (a 200 echoing the message with an ``id`` and
``direction: OUT``) and the subscriptions CRUD under ``/v2/subscriptions``, checks the
``X-API-TOKEN`` header (401 ``AUTHENTICATION_ERROR``) and refuses what Zenvia's schema refuses
with Zenvia's error body: ``400 {"code": "VALIDATION_ERROR", "message": "Validation error",
"details": [{"code", "path", "message"}]}``. It passes every case of Zenvia's own contract folder
(``tests/contract/test_zenvia_contract_folder.py``). Run it with ``perla simulate zenvia``.

Test routes (no token; bind to loopback):

- ``POST /_sim/faults`` queues a fault for the next ``count`` API requests (``path_prefix``
  default ``/v2/``, ``method`` optional): ``{"status": 500}``, ``{"status": 429,
  "retry_after": 2}``, ``{"delay_ms": 300}`` (then answer normally), ``{"garbage": true}``
  (a 200 HTML page), ``{"body": {...}}`` (this JSON with ``status`` or 200).
  ``DELETE /_sim/faults`` drops them; ``POST /_sim/reset`` forgets everything.
- ``GET /_sim/state``: ``messages`` accepted, ``subscriptions``, ``requests`` seen (method,
  path, status, body), ``webhook``, ``emitted`` events and ``pending_faults``.
- ``POST /_sim/webhook`` ``{"url": ..., "headers": {...}}`` sets where events go and the static
  headers sent with each (as Zenvia's ``webhook.headers``). Without it, events go to the active
  subscriptions of their type.
- ``POST /_sim/emit`` ``{"events": [...]}`` posts events there, each built from a spec:
  ``{"type": "MESSAGE_STATUS", "messageId": <the id it answered>, "code": "READ",
  "causes": [...], "form": "both" | "nested" | "top_level"}`` (default ``both``: the current
  ``message`` object and the deprecated top-level ``messageId``/``contentIndex``);
  ``{"type": "MESSAGE", "from": ..., "to": ..., "text": ..., "payload": ..., "idRef": ...,
  "visitorName": ..., "contents": [...]}``; or ``{"raw": {...}}`` sent as given. Timestamps
  rotate through the ISO 8601 forms Zenvia has been seen to use. The answer lists each event
  with the webhook's HTTP status (or the error reaching it).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Final

import attrs
import httpx
from litestar import Litestar, Request, Response, delete, get, patch, post
from litestar.exceptions import HTTPException
from litestar.params import FromPath, JSONBody

from perla_adapters.http_support import problem_fields, wire_converter
from perla_core.messaging import messages as limits

DEFAULT_API_KEY: Final = "simulator-key"
API_PREFIX: Final = "/v2/"
MAX_KEPT: Final = 10_000

CONTENT_TYPES: Final = frozenset(
    {
        "text", "file", "template", "contacts", "location", "button", "list", "product",
        "product_list", "flow", "contact_request", "order_details", "order_status",
    }
)  # fmt: skip
SEND_MEMBERS: Final = frozenset(
    {"from", "to", "contents", "externalId", "idRef", "contentRef", "conversation"}
)
EVENT_TYPES: Final = frozenset(
    {
        "MESSAGE", "MESSAGE_STATUS", "CONVERSATION_MESSAGE", "CONVERSATION_STATUS",
        "SUPPORT_EXPERT_AGENT", "CONTACT",
    }
)  # fmt: skip
STATUS_DESCRIPTIONS: Final = {
    "SENT": "The message has been forwarded to the provider",
    "DELIVERED": "The message has been delivered by the provider",
    "READ": "The message has been read by the recipient",
    "REJECTED": "The message was rejected by the provider",
    "NOT_DELIVERED": "The provider was unable to deliver the message",
}
ERRORS: Final = {
    400: ("VALIDATION_ERROR", "Validation error"),
    401: ("AUTHENTICATION_ERROR", "No authorization token was found"),
    404: ("NOT_FOUND", "Not found"),
    405: ("METHOD_NOT_ALLOWED", "Method not allowed"),
    409: ("DUPLICATED", "Entity already exists"),
    429: ("TOO_MANY_REQUESTS", "Too many requests"),
    500: ("INTERNAL_ERROR", "Internal error"),
}


def error_body(status: int, details: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """Zenvia's error body for ``status`` (``ZENVIA.md`` §2.3)."""
    code, message = ERRORS.get(status, ("INTERNAL_ERROR", "Internal error"))
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    return body


class ZenviaError(Exception):
    def __init__(self, status: int, details: list[dict[str, str]] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.details = details


@attrs.frozen
class FaultSpec:
    """The body of ``POST /_sim/faults``."""

    count: int = attrs.field(default=1, validator=attrs.validators.in_(range(1, 10_001)))
    status: int | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.in_(range(200, 600)))
    )
    retry_after: int | None = None
    delay_ms: int = attrs.field(default=0, validator=attrs.validators.in_(range(60_001)))
    garbage: bool = False
    body: Any = None
    path_prefix: str = API_PREFIX
    method: str | None = None


@attrs.frozen
class WebhookConfig:
    """The body of ``POST /_sim/webhook``."""

    url: str
    headers: dict[str, str] = attrs.field(factory=dict)


# --- validation of a send ---------------------------------------------------------------------


class _Check:
    def __init__(self) -> None:
        self.details: list[dict[str, str]] = []

    def fail(self, path: str, message: str, code: str = "INVALID") -> None:
        self.details.append({"code": code, "path": path, "message": message})

    def text(
        self, data: dict[str, Any], name: str, path: str, high: int, *, required: bool = True
    ) -> None:
        where = f"{path}.{name}" if path else name
        if name not in data:
            if required:
                self.fail(where, "is required", "REQUIRED")
            return
        value = data[name]
        if not isinstance(value, str):
            self.fail(where, "must be a string", "TYPE")
        elif not 1 <= len(value) <= high:
            self.fail(where, f"must have 1 to {high} characters", "LENGTH")

    def obj(self, data: dict[str, Any], name: str, path: str, *, required: bool = True) -> Any:
        where = f"{path}.{name}"
        if name not in data:
            if required:
                self.fail(where, "is required", "REQUIRED")
            return None
        if not isinstance(data[name], dict):
            self.fail(where, "must be an object", "TYPE")
            return None
        return data[name]

    def items(self, data: dict[str, Any], name: str, path: str, low: int, high: int) -> list[Any]:
        where = f"{path}.{name}"
        value = data.get(name)
        if not isinstance(value, list):
            self.fail(where, "must be a list" if name in data else "is required", "TYPE")
            return []
        if not low <= len(value) <= high:
            self.fail(where, f"must have {low} to {high} items", "LENGTH")
        return value

    def number(self, data: dict[str, Any], name: str, path: str) -> None:
        if type(data.get(name)) not in (int, float):
            self.fail(f"{path}.{name}", "must be a number", "TYPE")


def _check_content(check: _Check, content: Any, path: str) -> None:
    if not isinstance(content, dict):
        check.fail(path, "must be an object", "TYPE")
        return
    kind = content.get("type")
    if kind not in CONTENT_TYPES:
        check.fail(
            f"{path}.type", f'Discriminator property "type" as "{kind}" did not map to a schema'
        )
        return
    if kind == "text":
        check.text(content, "text", path, limits.TEXT_MAX)
    elif kind == "file":
        check.text(content, "fileUrl", path, 2048)
        for name in ("fileMimeType", "fileName", "fileCaption"):
            check.text(content, name, path, limits.CAPTION_MAX, required=False)
    elif kind == "template":
        check.text(content, "templateId", path, 200)
        check.obj(content, "fields", path, required=False)
    elif kind == "button":
        _check_button(check, content, path)
    elif kind == "list":
        _check_list(check, content, path)
    elif kind == "contacts":
        _check_contacts(check, content, path)
    elif kind == "location":
        check.number(content, "latitude", path)
        check.number(content, "longitude", path)


def _check_contacts(check: _Check, content: dict[str, Any], path: str) -> None:
    for i, contact in enumerate(check.items(content, "contacts", path, 1, 1000)):
        where = f"{path}.contacts.{i}"
        if not isinstance(contact, dict):
            check.fail(where, "must be an object", "TYPE")
            continue
        name = check.obj(contact, "name", where)
        if name is not None:
            check.text(name, "formattedName", f"{where}.name", 1000)
            check.text(name, "firstName", f"{where}.name", 1000)


def _check_button(check: _Check, content: dict[str, Any], path: str) -> None:
    check.text(content, "body", path, limits.INTERACTIVE_BODY_MAX)
    check.text(content, "footer", path, limits.FOOTER_MAX, required=False)
    header = check.obj(content, "header", path, required=False)
    if header is not None:
        if header.get("type") == "text":
            check.text(header, "text", f"{path}.header", limits.HEADER_MAX)
        elif header.get("type") == "file":
            check.text(header, "fileUrl", f"{path}.header", 2048)
        else:
            check.fail(f"{path}.header.type", "must be text or file")
    # Zenvia's schema allows 10 buttons (Meta shows 3; perla's values send at most 3).
    for i, button in enumerate(check.items(content, "buttons", path, 1, 10)):
        where = f"{path}.buttons.{i}"
        if not isinstance(button, dict):
            check.fail(where, "must be an object", "TYPE")
            continue
        check.text(button, "id", where, limits.BUTTON_ID_MAX)
        check.text(button, "title", where, limits.BUTTON_TITLE_MAX)


def _check_list(check: _Check, content: dict[str, Any], path: str) -> None:
    check.text(content, "body", path, limits.INTERACTIVE_BODY_MAX)
    check.text(content, "button", path, limits.LIST_BUTTON_MAX)
    check.text(content, "header", path, limits.HEADER_MAX, required=False)
    check.text(content, "footer", path, limits.FOOTER_MAX, required=False)
    rows = 0
    sections = check.items(content, "sections", path, 1, limits.SECTIONS_MAX)
    for i, section in enumerate(sections):
        where = f"{path}.sections.{i}"
        if not isinstance(section, dict):
            check.fail(where, "must be an object", "TYPE")
            continue
        check.text(section, "title", where, limits.SECTION_TITLE_MAX)
        for j, row in enumerate(check.items(section, "rows", where, 1, limits.ROWS_MAX)):
            rows += 1
            if not isinstance(row, dict):
                check.fail(f"{where}.rows.{j}", "must be an object", "TYPE")
                continue
            check.text(row, "id", f"{where}.rows.{j}", limits.ROW_ID_MAX)
            check.text(row, "title", f"{where}.rows.{j}", limits.ROW_TITLE_MAX)
            check.text(
                row, "description", f"{where}.rows.{j}", limits.ROW_DESCRIPTION_MAX, required=False
            )
    if rows > limits.ROWS_MAX:
        check.fail(f"{path}.sections", f"must have at most {limits.ROWS_MAX} rows in all", "LENGTH")


def check_send(data: Any) -> list[dict[str, str]]:
    """What Zenvia would refuse in a send body, as its ``details`` (empty: accepted)."""
    check = _Check()
    if not isinstance(data, dict):
        check.fail("", "the body must be a JSON object", "TYPE")
        return check.details
    for name in sorted(set(data) - SEND_MEMBERS):
        check.fail(name, "is not allowed", "ADDITIONAL_PROPERTY")
    check.text(data, "from", "", 64)
    check.text(data, "to", "", 64)
    check.text(data, "externalId", "", 200, required=False)
    check.text(data, "idRef", "", 200, required=False)
    for i, content in enumerate(check.items(data, "contents", "", 1, 100)):
        _check_content(check, content, f"contents.{i}")
    for detail in check.details:
        detail["path"] = detail["path"].lstrip(".")
    return check.details


# --- state ------------------------------------------------------------------------------------


_OFFSET_BRT: Final = timezone(timedelta(hours=-3))


def _stamp(moment: datetime, form: int) -> str:
    """One of the ISO 8601 forms seen from Zenvia (``ZENVIA.md`` §6)."""
    if form % 4 == 0:
        return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if form % 4 == 1:
        return moment.astimezone(_OFFSET_BRT).isoformat(timespec="seconds")
    if form % 4 == 2:
        return moment.astimezone(UTC).isoformat(timespec="seconds")
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class ZenviaSimState:
    """Everything the double holds, behind one lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: dict[str, dict[str, Any]] = {}
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.requests: deque[dict[str, Any]] = deque(maxlen=MAX_KEPT)
        self.emitted: deque[dict[str, Any]] = deque(maxlen=MAX_KEPT)
        self.faults: list[list[Any]] = []
        self.webhook: WebhookConfig | None = None
        self.forms = itertools.count()

    def reset(self) -> None:
        with self.lock:
            self.messages.clear()
            self.subscriptions.clear()
            self.requests.clear()
            self.emitted.clear()
            self.faults.clear()
            self.webhook = None

    def take_fault(self, method: str, path: str) -> FaultSpec | None:
        with self.lock:
            for entry in self.faults:
                spec: FaultSpec = entry[0]
                if path.startswith(spec.path_prefix) and spec.method in (None, method):
                    entry[1] -= 1
                    self.faults = [f for f in self.faults if f[1] > 0]
                    return spec
            return None

    def pending_faults(self) -> int:
        with self.lock:
            return sum(int(f[1]) for f in self.faults)

    def stamp(self, moment: datetime) -> str:
        return _stamp(moment, next(self.forms))


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --- the app ----------------------------------------------------------------------------------


def json_response(
    body: Any, status: int = 200, headers: dict[str, str] | None = None
) -> Response[Any]:
    return Response(body, status_code=status, media_type="application/json", headers=headers or {})


def create_zenvia_simulator(
    *,
    api_key: str = DEFAULT_API_KEY,
    state: ZenviaSimState | None = None,
    emit_transport: httpx.AsyncBaseTransport | None = None,
) -> Litestar:
    """A Litestar app speaking Zenvia's API v2 for WhatsApp (see the module docstring)."""
    sim = state if state is not None else ZenviaSimState()

    def on_http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
        if request.url.path.startswith(API_PREFIX):
            status = exc.status_code
            return json_response(error_body(status), status)
        return json_response({"detail": exc.detail, "status": exc.status_code}, exc.status_code)

    return Litestar(
        route_handlers=[*_api_routes(sim, api_key), *_test_routes(sim, emit_transport)],
        exception_handlers={HTTPException: on_http},
        openapi_config=None,
        logging_config=None,
    )


async def _gated(
    sim: ZenviaSimState,
    api_key: str,
    request: Request[Any, Any, Any],
    work: Callable[[Any], Awaitable[Response[Any]]],
) -> Response[Any]:
    raw = await request.body()
    try:
        data = json.loads(raw) if raw else None
        readable = True
    except (ValueError, UnicodeDecodeError):
        data, readable = raw.decode("utf-8", "replace"), False
    seen: dict[str, Any] = {
        "method": request.method,
        "path": request.url.path,
        "body": data,
        "status": None,
    }
    with sim.lock:
        sim.requests.append(seen)
    response = await _answer(sim, api_key, request, data, readable, work)
    seen["status"] = response.status_code
    return response


async def _answer(
    sim: ZenviaSimState,
    api_key: str,
    request: Request[Any, Any, Any],
    data: Any,
    readable: bool,
    work: Callable[[Any], Awaitable[Response[Any]]],
) -> Response[Any]:
    fault = sim.take_fault(request.method, request.url.path)
    if fault is not None and fault.delay_ms:
        await asyncio.sleep(fault.delay_ms / 1000)
    if fault is not None and (fault.status is not None or fault.garbage or fault.body is not None):
        status = fault.status or 200
        headers = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
        if fault.garbage:
            return Response(
                b"<html><body>Bad gateway (not JSON)</body></html>",
                status_code=status,
                media_type="text/html",
                headers=headers,
            )
        body = fault.body if fault.body is not None else error_body(status)
        return json_response(body, status, headers)
    if request.headers.get("x-api-token") != api_key:
        return json_response(error_body(401), 401)
    if not readable:
        return json_response(
            error_body(400, [{"code": "JSON", "path": "", "message": "the body is not JSON"}]),
            400,
        )
    try:
        return await work(data)
    except ZenviaError as exc:
        return json_response(error_body(exc.status, exc.details), exc.status)


def _api_routes(sim: ZenviaSimState, api_key: str) -> list[Any]:
    """Zenvia's own routes, behind the token check, the faults and the request log."""

    async def api(
        request: Request[Any, Any, Any], work: Callable[[Any], Awaitable[Response[Any]]]
    ) -> Response[Any]:
        return await _gated(sim, api_key, request, work)

    @post("/v2/channels/whatsapp/messages", status_code=200)
    async def send_message(request: Request[Any, Any, Any]) -> Response[Any]:
        async def work(data: Any) -> Response[Any]:
            details = check_send(data)
            if details:
                raise ZenviaError(400, details)
            message_id = str(uuid.uuid4())
            answer = {"id": message_id, "direction": "OUT", **data}
            with sim.lock:
                sim.messages[message_id] = {**answer, "acceptedAt": _iso(_now())}
            return json_response(answer)

        return await api(request, work)

    @post("/v2/subscriptions", status_code=200)
    async def create_subscription(request: Request[Any, Any, Any]) -> Response[Any]:
        async def work(data: Any) -> Response[Any]:
            _check_subscription(data)
            now = _iso(_now())
            subscription = {
                "id": str(uuid.uuid4()),
                "status": "ACTIVE",
                "version": "v2",
                **data,
                "createdAt": now,
                "updatedAt": now,
            }
            with sim.lock:
                sim.subscriptions[subscription["id"]] = subscription
            return json_response(subscription)

        return await api(request, work)

    @get("/v2/subscriptions")
    async def list_subscriptions(request: Request[Any, Any, Any]) -> Response[Any]:
        async def work(_: Any) -> Response[Any]:
            with sim.lock:
                return json_response(list(sim.subscriptions.values()))

        return await api(request, work)

    def held(ident: str) -> dict[str, Any]:
        with sim.lock:
            found = sim.subscriptions.get(ident)
        if found is None:
            raise ZenviaError(404)
        return found

    @get("/v2/subscriptions/{ident:str}")
    async def get_subscription(
        request: Request[Any, Any, Any], ident: FromPath[str]
    ) -> Response[Any]:
        async def work(_: Any) -> Response[Any]:
            return json_response(held(ident))

        return await api(request, work)

    @patch("/v2/subscriptions/{ident:str}")
    async def update_subscription(
        request: Request[Any, Any, Any], ident: FromPath[str]
    ) -> Response[Any]:
        async def work(data: Any) -> Response[Any]:
            subscription = held(ident)
            _check_update(data)
            with sim.lock:
                subscription.update(data)
                subscription["updatedAt"] = _iso(_now())
            return json_response(subscription)

        return await api(request, work)

    @delete("/v2/subscriptions/{ident:str}", status_code=200)
    async def delete_subscription(
        request: Request[Any, Any, Any], ident: FromPath[str]
    ) -> Response[Any]:
        async def work(_: Any) -> Response[Any]:
            held(ident)
            with sim.lock:
                sim.subscriptions.pop(ident, None)
            return Response(None, status_code=204)

        return await api(request, work)

    return [
        send_message,
        create_subscription,
        list_subscriptions,
        get_subscription,
        update_subscription,
        delete_subscription,
    ]


def _test_routes(sim: ZenviaSimState, emit_transport: httpx.AsyncBaseTransport | None) -> list[Any]:
    """The ``/_sim/*`` routes of the module docstring."""
    wire = wire_converter(forbid_extra_keys=True)

    def structure(data: Any, kind: type[Any]) -> Any:
        try:
            return wire.structure(data, kind)
        except Exception as exc:  # noqa: BLE001 - every structuring failure is the caller's
            fields = "; ".join(f"{e.field or '(body)'} {e.message}" for e in problem_fields(exc))
            raise HTTPException(status_code=400, detail=f"invalid test request: {fields}") from None

    @post("/_sim/faults", status_code=201)
    async def add_fault(data: JSONBody[dict[str, Any]]) -> dict[str, int]:
        spec = structure(data, FaultSpec)
        with sim.lock:
            sim.faults.append([spec, spec.count])
        return {"pending_faults": sim.pending_faults()}

    @delete("/_sim/faults", status_code=200)
    async def clear_faults() -> dict[str, int]:
        with sim.lock:
            sim.faults.clear()
        return {"pending_faults": 0}

    @post("/_sim/reset", status_code=200)
    async def reset() -> dict[str, str]:
        sim.reset()
        return {"status": "reset"}

    @get("/_sim/state")
    async def show_state() -> dict[str, Any]:
        with sim.lock:
            return {
                "system": "zenvia",
                "messages": list(sim.messages.values()),
                "subscriptions": list(sim.subscriptions.values()),
                "requests": list(sim.requests),
                "webhook": None if sim.webhook is None else attrs.asdict(sim.webhook),
                "emitted": list(sim.emitted),
                "pending_faults": sum(int(f[1]) for f in sim.faults),
            }

    @post("/_sim/webhook", status_code=200)
    async def set_webhook(data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
        config = structure(data, WebhookConfig)
        with sim.lock:
            sim.webhook = config
        return attrs.asdict(config)

    @post("/_sim/emit", status_code=200)
    async def emit(data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
        specs = data.get("events", [data])
        if not isinstance(specs, list) or not all(isinstance(s, dict) for s in specs):
            raise HTTPException(status_code=400, detail="events must be a list of objects")
        events = [_build_event(sim, spec) for spec in specs]
        delivered = []
        async with httpx.AsyncClient(transport=emit_transport, timeout=5.0) as client:
            for event in events:
                for url, headers in _targets(sim, event["type"]):
                    outcome: dict[str, Any] = {"event": event, "url": url}
                    try:
                        answer = await client.post(url, json=event, headers=headers)
                        outcome |= {"status": answer.status_code, "error": None}
                    except httpx.HTTPError as exc:
                        outcome |= {"status": None, "error": type(exc).__name__}
                    with sim.lock:
                        sim.emitted.append(outcome)
                    delivered.append(outcome)
        return {"delivered": delivered}

    return [add_fault, clear_faults, reset, show_state, set_webhook, emit]


def _check_update(data: Any) -> None:
    check = _Check()
    if not isinstance(data, dict):
        raise ZenviaError(400, [{"code": "TYPE", "path": "", "message": "must be an object"}])
    for name in sorted(set(data) - {"webhook", "status"}):
        check.fail(name, "is not allowed", "ADDITIONAL_PROPERTY")
    if "webhook" in data:
        webhook = check.obj(data, "webhook", "")
        if webhook is not None:
            check.text(webhook, "url", "webhook", 2048)
    if "status" in data and data["status"] not in ("ACTIVE", "INACTIVE"):
        check.fail("status", "must be ACTIVE or INACTIVE")
    if check.details:
        raise ZenviaError(400, [{**d, "path": d["path"].lstrip(".")} for d in check.details])


def _check_subscription(data: Any) -> None:
    check = _Check()
    if not isinstance(data, dict):
        raise ZenviaError(400, [{"code": "TYPE", "path": "", "message": "must be an object"}])
    if data.get("eventType") not in EVENT_TYPES:
        check.fail("eventType", "must be one of " + ", ".join(sorted(EVENT_TYPES)))
    webhook = check.obj(data, "webhook", "")
    if webhook is not None:
        check.text(webhook, "url", "webhook", 2048)
        if "headers" in webhook and not isinstance(webhook["headers"], dict):
            check.fail("webhook.headers", "must be an object", "TYPE")
    if data.get("eventType") in ("MESSAGE", "MESSAGE_STATUS"):
        criteria = check.obj(data, "criteria", "")
        if criteria is not None:
            check.text(criteria, "channel", "criteria", 64)
    if data.get("status", "ACTIVE") not in ("ACTIVE", "INACTIVE"):
        check.fail("status", "must be ACTIVE or INACTIVE")
    if check.details:
        raise ZenviaError(400, [{**d, "path": d["path"].lstrip(".")} for d in check.details])


def _targets(sim: ZenviaSimState, event_type: str) -> list[tuple[str, dict[str, str]]]:
    with sim.lock:
        if sim.webhook is not None:
            return [(sim.webhook.url, dict(sim.webhook.headers))]
        return [
            (s["webhook"]["url"], dict(s["webhook"].get("headers") or {}))
            for s in sim.subscriptions.values()
            if s.get("eventType") == event_type and s.get("status") == "ACTIVE"
        ]


def _build_event(sim: ZenviaSimState, spec: dict[str, Any]) -> dict[str, Any]:
    if "raw" in spec:
        raw = spec["raw"]
        if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
            raise HTTPException(status_code=400, detail="raw must be an event object with a type")
        return raw
    now = _now()
    base = {
        "id": str(uuid.uuid4()),
        "timestamp": sim.stamp(now),
        "subscriptionId": str(spec.get("subscriptionId", uuid.uuid4())),
        "channel": "whatsapp",
    }
    if spec.get("type") == "MESSAGE_STATUS":
        return _status_event(sim, spec, base, now)
    if spec.get("type") == "MESSAGE":
        return _message_event(sim, spec, base, now)
    raise HTTPException(
        status_code=400, detail="type must be MESSAGE or MESSAGE_STATUS (or give raw)"
    )


def _status_event(
    sim: ZenviaSimState, spec: dict[str, Any], base: dict[str, Any], now: datetime
) -> dict[str, Any]:
    with sim.lock:
        sent = sim.messages.get(str(spec.get("messageId")))
    if sent is None:
        raise HTTPException(
            status_code=400, detail="messageId names no message this double accepted"
        )
    code = str(spec.get("code", "SENT"))
    status: dict[str, Any] = {"timestamp": sim.stamp(now), "code": code}
    if code in STATUS_DESCRIPTIONS:
        status["description"] = STATUS_DESCRIPTIONS[code]
    if spec.get("causes"):
        status["causes"] = spec["causes"]
    message: dict[str, Any] = {
        "id": sent["id"],
        "contentIndex": 0,
        "direction": "OUT",
        "from": sent["from"],
        "to": sent["to"],
    }
    if "externalId" in sent:
        message["externalId"] = sent["externalId"]
    form = spec.get("form", "both")
    event = {**base, "type": "MESSAGE_STATUS", "messageStatus": status}
    if form in ("both", "top_level"):
        event |= {"messageId": sent["id"], "contentIndex": 0}
    if form in ("both", "nested"):
        event["message"] = message
    return event


def _message_event(
    sim: ZenviaSimState, spec: dict[str, Any], base: dict[str, Any], now: datetime
) -> dict[str, Any]:
    contents = spec.get("contents")
    if contents is None:
        text: dict[str, Any] = {"type": "text", "text": str(spec.get("text", ""))}
        if spec.get("payload") is not None:
            text["payload"] = spec["payload"]
        contents = [text]
    message: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "from": spec.get("from"),
        "to": spec.get("to"),
        "direction": "IN",
        "channel": "whatsapp",
        "timestamp": sim.stamp(now),
        "contents": contents,
    }
    if spec.get("visitorName"):
        message["visitor"] = {"name": spec["visitorName"]}
    if spec.get("idRef"):
        message["idRef"] = spec["idRef"]
    return {**base, "type": "MESSAGE", "direction": "IN", "message": message}
