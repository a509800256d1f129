"""Local simulators of Dome and PerlaHub: small Litestar apps speaking their documented contracts.

Each simulator serves an in-memory gateway (``InMemoryDome``, ``InMemoryPerlaHub``) over the
HTTP contract of ``docs/contracts/``: JSON bodies read strictly (unknown or mistyped members are
a 400 naming the field), RFC 9457 problem bodies for errors, ``Authorization: Bearer <key>``
required, ``Idempotency-Key`` honoured. They are what ``perla simulate dome|perlahub`` runs,
what the HTTP adapters' tests talk to over a loopback socket, and what anyone can try perla
against without the real systems.

For tests they expose, without authentication (bind them to loopback):

- ``POST /_sim/faults`` queues a fault for the next ``count`` matching requests::

      {"status": 500, "count": 2}                 answer 500 (nothing done)
      {"status": 500, "after_processing": true}   do the work, then answer 500
      {"status": 429, "retry_after": 1}           answer 429 with Retry-After: 1
      {"delay_ms": 500}                           wait, then do the work and answer
      {"garbage": true}                           answer 200 with an HTML page
      {"body": {"unexpected": 1}}                 answer 200 with this JSON instead

  ``path_prefix`` (default ``/api/``) and ``method`` narrow which requests a fault hits.
- ``DELETE /_sim/faults`` drops queued faults; ``POST /_sim/reset`` forgets everything.
- ``GET /_sim/state`` shows the records held, the API requests seen (method, path, status,
  idempotency key, body; the last 10,000) and the faults still queued.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Final, TypeAlias, TypeVar

import attrs
import cattrs
from litestar import Litestar, Request, Response, delete, get, post
from litestar.exceptions import HTTPException
from litestar.middleware import DefineMiddleware

from perla_adapters.http_support import problem_fields, wire_converter
from perla_core.gateways.errors import (
    ExternalConflict,
    ExternalError,
    ExternalNotFound,
    ExternalRejected,
    RemoteFieldError,
)
from perla_core.kernel.errors import InvalidValue

T = TypeVar("T")

# Litestar's ASGI TypedDicts are stricter than this raw middleware needs.
Message: TypeAlias = dict[str, Any]
Send: TypeAlias = Callable[[Message], Awaitable[None]]
Receive: TypeAlias = Callable[[], Awaitable[Message]]
ASGIApp: TypeAlias = Callable[[Any, Receive, Send], Awaitable[None]]

DEFAULT_API_KEY: Final = "simulator-key"
DEFAULT_PORTS: Final = {"dome": 8101, "perlahub": 8102, "zenvia": 8103}
PROBLEM_JSON: Final = "application/problem+json"
API_PREFIX: Final = "/api/"
MAX_REQUESTS_KEPT: Final = 10_000
GARBAGE: Final = b"<html><body><h1>Welcome to nginx!</h1>(this is not JSON)</body></html>"

_STATUS_CODES: Final = {
    400: "validation_failed",
    401: "unauthenticated",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    409: "conflict",
    429: "rate_limited",
    500: "internal_error",
    502: "bad_gateway",
    503: "unavailable",
    504: "gateway_timeout",
}


@attrs.frozen
class FaultSpec:
    """The body of ``POST /_sim/faults``."""

    count: int = attrs.field(default=1, validator=attrs.validators.in_(range(1, 10_001)))
    status: int | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.in_(range(200, 600)))
    )
    delay_ms: int = attrs.field(default=0, validator=attrs.validators.in_(range(60_001)))
    garbage: bool = False
    body: Any = None
    retry_after: int | None = None
    after_processing: bool = False
    path_prefix: str = API_PREFIX
    method: str | None = None


@attrs.define
class SeenRequest:
    method: str
    path: str
    idempotency_key: str | None
    body: Any
    status: int | None = None


class SimulatorState:
    """Queued faults and the requests seen, shared by the middleware and the admin routes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.faults: list[tuple[FaultSpec, list[int]]] = []
        self.requests: deque[SeenRequest] = deque(maxlen=MAX_REQUESTS_KEPT)

    def add_fault(self, spec: FaultSpec) -> None:
        with self._lock:
            self.faults.append((spec, [spec.count]))

    def take_fault(self, method: str, path: str) -> FaultSpec | None:
        with self._lock:
            for spec, remaining in self.faults:
                if path.startswith(spec.path_prefix) and spec.method in (None, method):
                    remaining[0] -= 1
                    if remaining[0] <= 0:
                        self.faults = [f for f in self.faults if f[1][0] > 0]
                    return spec
            return None

    def seen(self, request: SeenRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def seen_requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return [attrs.asdict(r) for r in self.requests]

    def pending_faults(self) -> int:
        with self._lock:
            return sum(r[0] for _, r in self.faults)

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def reset(self) -> None:
        with self._lock:
            self.faults.clear()
            self.requests.clear()


# --- raw ASGI plumbing ----------------------------------------------------------------------


async def _send_body(
    send: Send,
    status: int,
    body: bytes,
    media_type: str,
    headers: Mapping[str, str] | None = None,
) -> None:
    raw_headers = [
        (b"content-type", media_type.encode()),
        (b"content-length", str(len(body)).encode()),
        *((k.lower().encode(), v.encode()) for k, v in (headers or {}).items()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


def problem_body(
    status: int,
    detail: str,
    *,
    code: str | None = None,
    errors: Sequence[RemoteFieldError] = (),
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A problem-details body as the contracts define it."""
    code = code or _STATUS_CODES.get(status, "error")
    return {
        **(extra or {}),
        "type": f"urn:problem:{code}",
        "title": code.replace("_", " ").capitalize(),
        "status": status,
        "detail": detail,
        "code": code,
        "errors": [{"field": e.field, "message": e.message} for e in errors],
    }


class SimulatorMiddleware:
    """Records API requests, applies queued faults, then checks the API key."""

    def __init__(self, app: ASGIApp, *, state: SimulatorState, api_key: str) -> None:
        self.app = app
        self.state = state
        self.expected = f"Bearer {api_key}".encode()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        headers = dict(scope["headers"])
        key = headers.get(b"idempotency-key")
        seen = SeenRequest(
            scope["method"], scope["path"], key.decode() if key else None, _json_or_text(body)
        )
        self.state.seen(seen)
        fault = self.state.take_fault(scope["method"], scope["path"])

        async def replay() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        async def recording(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen.status = message["status"]
            await send(message)

        if fault is not None and fault.delay_ms:
            await asyncio.sleep(fault.delay_ms / 1000)
        answers = fault is not None and (
            fault.status is not None or fault.garbage or fault.body is not None
        )
        if fault is not None and answers and not fault.after_processing:
            await _fault_response(fault, recording)
            return
        if headers.get(b"authorization") != self.expected:
            await _send_body(
                recording,
                401,
                json.dumps(
                    problem_body(401, "send Authorization: Bearer <the simulator's API key>")
                ).encode(),
                PROBLEM_JSON,
                {"WWW-Authenticate": "Bearer"},
            )
            return
        if fault is not None and answers:
            await self.app(scope, replay, _discard)
            await _fault_response(fault, recording)
            return
        await self.app(scope, replay, recording)


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _discard(_: Message) -> None:
    return None


def _json_or_text(body: bytes) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return body.decode("utf-8", "replace")


async def _fault_response(fault: FaultSpec, send: Send) -> None:
    status = fault.status or 200
    headers = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
    if fault.garbage:
        await _send_body(send, status, GARBAGE, "text/html", headers)
    elif fault.body is not None:
        await _send_body(send, status, json.dumps(fault.body).encode(), "application/json", headers)
    else:
        body = problem_body(status, f"simulated fault: {status}")
        await _send_body(send, status, json.dumps(body).encode(), PROBLEM_JSON, headers)


# --- the Litestar side ----------------------------------------------------------------------


class BadRequest(Exception):
    """An unreadable request: bad JSON, a missing header, members of the wrong type."""

    def __init__(self, detail: str, errors: Sequence[RemoteFieldError] = ()) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = tuple(errors)


def _problem(
    status: int, body: dict[str, Any], headers: Mapping[str, str] | None = None
) -> Response[Any]:
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=dict(headers or {}))


def _on_bad_request(_: Request[Any, Any, Any], exc: BadRequest) -> Response[Any]:
    return _problem(400, problem_body(400, exc.detail, errors=exc.errors))


def _on_invalid_value(_: Request[Any, Any, Any], exc: InvalidValue) -> Response[Any]:
    field = "Idempotency-Key" if exc.field == "idempotency_key" else exc.field
    return _problem(
        400, problem_body(400, exc.message, errors=[RemoteFieldError(field, exc.message)])
    )


def _on_external(_: Request[Any, Any, Any], exc: ExternalError) -> Response[Any]:
    if isinstance(exc, ExternalRejected):
        return _problem(400, problem_body(400, exc.message, errors=exc.errors))
    if isinstance(exc, ExternalConflict):
        extra = {"existing_id": exc.existing_id} if exc.existing_id else {}
        return _problem(409, problem_body(409, exc.message, code=exc.reason, extra=extra))
    if isinstance(exc, ExternalNotFound):
        extra = {"kind": exc.kind, "id": exc.ident}
        return _problem(404, problem_body(404, exc.message, extra=extra))
    return _problem(503, problem_body(503, exc.message))


def _on_http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    detail = f"nothing at {request.url.path}" if status == 404 else str(exc.detail)
    return _problem(status, problem_body(status, detail))


def _on_unexpected(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    return _problem(500, problem_body(500, f"simulator error: {type(exc).__name__}"))


class SimulatorKit:
    """What both simulators share: strict reading, answers, admin routes, the app itself."""

    def __init__(
        self,
        system: str,
        api_key: str,
        *,
        records: Callable[[], Mapping[str, Sequence[object]]],
        forget: Callable[[], None],
    ) -> None:
        self.system = system
        self.api_key = api_key
        self.wire: cattrs.Converter = wire_converter(forbid_extra_keys=True)
        self.state = SimulatorState()
        self._records = records
        self._forget = forget

    async def read(self, request: Request[Any, Any, Any], kind: type[T]) -> T:
        """The body as ``kind``, or a 400 naming every bad member."""
        raw = await request.body()
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise BadRequest("the body is not valid JSON") from None
        if not isinstance(data, dict):
            raise BadRequest("the body must be a JSON object")
        try:
            return self.wire.structure(data, kind)
        except Exception as exc:  # noqa: BLE001 - every structuring failure is the client's
            errors = problem_fields(exc)
            fields = ", ".join(e.field or "(body)" for e in errors)
            raise BadRequest(
                f"the {self.system} request has invalid members: {fields}", errors
            ) from None

    @staticmethod
    def idempotency_key(request: Request[Any, Any, Any]) -> str:
        key = request.headers.get("idempotency-key")
        if key is None:
            raise BadRequest(
                "this call needs an Idempotency-Key header",
                [RemoteFieldError("Idempotency-Key", "is required")],
            )
        return key

    def answer(self, value: object, *, status: int = 200, replayed: bool = False) -> Response[Any]:
        headers = {"Idempotent-Replayed": "true"} if replayed else {}
        return Response(
            self.wire.unstructure(value),
            status_code=status,
            media_type="application/json",
            headers=headers,
        )

    def app(self, handlers: Sequence[Any]) -> Litestar:
        state = self.state
        kit = self

        @post("/_sim/faults", status_code=201)
        async def add_fault(request: Request[Any, Any, Any]) -> dict[str, int]:
            spec = await kit.read(request, FaultSpec)
            state.add_fault(spec)
            return {"pending_faults": state.pending_faults()}

        @delete("/_sim/faults", status_code=200)
        async def clear_faults() -> dict[str, int]:
            state.clear_faults()
            return {"pending_faults": 0}

        @post("/_sim/reset", status_code=200)
        async def reset() -> dict[str, str]:
            state.reset()
            kit._forget()
            return {"status": "reset"}

        @get("/_sim/state")
        async def show_state() -> dict[str, Any]:
            return {
                "system": kit.system,
                "records": {k: kit.wire.unstructure(list(v)) for k, v in kit._records().items()},
                "requests": state.seen_requests(),
                "pending_faults": state.pending_faults(),
            }

        return Litestar(
            route_handlers=[*handlers, add_fault, clear_faults, reset, show_state],
            middleware=[DefineMiddleware(SimulatorMiddleware, state=state, api_key=self.api_key)],
            exception_handlers={
                BadRequest: _on_bad_request,
                InvalidValue: _on_invalid_value,
                ExternalError: _on_external,
                HTTPException: _on_http,
                Exception: _on_unexpected,
            },
            openapi_config=None,
            logging_config=None,
        )


def create_simulator(name: str, *, api_key: str = DEFAULT_API_KEY) -> Litestar:
    """The simulator of ``dome``, ``perlahub`` or ``zenvia``."""
    if name == "dome":
        from perla_adapters.dome.simulator import create_dome_simulator  # noqa: PLC0415

        return create_dome_simulator(api_key=api_key)
    if name == "perlahub":
        from perla_adapters.perlahub.simulator import create_perlahub_simulator  # noqa: PLC0415

        return create_perlahub_simulator(api_key=api_key)
    if name == "zenvia":
        from perla_adapters.zenvia.simulator import create_zenvia_simulator  # noqa: PLC0415

        return create_zenvia_simulator(api_key=api_key)
    raise ValueError(f"no simulator called {name!r}: choose dome, perlahub or zenvia")


def serve_simulator(
    name: str,
    host: str = "127.0.0.1",
    port: int | None = None,
    *,
    api_key: str = DEFAULT_API_KEY,
    log_level: str = "info",
) -> None:
    """Serve the ``dome`` (port 8101), ``perlahub`` (8102) or ``zenvia`` (8103) simulator
    until interrupted."""
    import uvicorn  # noqa: PLC0415 - the server extra, loaded only to serve

    app = create_simulator(name, api_key=api_key)
    uvicorn.run(
        app,
        host=host,
        port=port if port is not None else DEFAULT_PORTS[name],
        log_level=log_level.lower(),
        ws="none",
        lifespan="off",
    )
