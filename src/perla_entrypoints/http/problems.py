"""Errors as RFC 9457 problem details: one table maps every exception to a status.

Bodies are ``application/problem+json`` with ``type`` ``urn:perla:problem:<code>``, the
request path as ``instance``, the stable ``code`` and ``errors`` naming each bad field. An
unexpected exception is logged and answered with a generic 500 that reveals nothing inside.
"""

from __future__ import annotations

import math
import re
import traceback
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import structlog
from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    MethodNotAllowedException,
    NotFoundException,
    ValidationException,
)
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_405_METHOD_NOT_ALLOWED,
    HTTP_409_CONFLICT,
    HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    HTTP_415_UNSUPPORTED_MEDIA_TYPE,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_502_BAD_GATEWAY,
    HTTP_503_SERVICE_UNAVAILABLE,
)
from litestar.types import ExceptionHandler, ExceptionHandlersMap
from sqlalchemy import exc as sa_exc

from perla_core.credentials.golive import GoLiveRefused
from perla_core.credentials.model import CredentialRefused
from perla_core.gateways.errors import (
    ExternalAuthenticationFailed,
    ExternalConflict,
    ExternalError,
    ExternalNotFound,
    ExternalProtocolError,
    ExternalRejected,
    ExternalUnavailable,
)
from perla_core.kernel.errors import (
    AlreadyExists,
    IllegalTransition,
    InvalidInput,
    InvalidValue,
    NotFound,
    PerlaError,
    PermissionDenied,
    PreconditionFailed,
    StaleVersion,
    Unauthenticated,
)
from perla_core.messaging import InvalidWebhookEvent
from perla_core.policies.model import PolicyConflict
from perla_entrypoints.http.ratelimit import RateLimited, too_many_requests

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:perla:problem:"

log = structlog.get_logger("perla.http")

HTTP_CODES: dict[int, tuple[str, str]] = {
    HTTP_400_BAD_REQUEST: ("invalid_request", "Invalid request"),
    HTTP_401_UNAUTHORIZED: ("unauthenticated", "Unauthenticated"),
    HTTP_403_FORBIDDEN: ("permission_denied", "Permission denied"),
    HTTP_404_NOT_FOUND: ("not_found", "Not found"),
    HTTP_405_METHOD_NOT_ALLOWED: ("method_not_allowed", "Method not allowed"),
    HTTP_413_REQUEST_ENTITY_TOO_LARGE: ("payload_too_large", "Payload too large"),
    HTTP_415_UNSUPPORTED_MEDIA_TYPE: ("unsupported_media_type", "Unsupported media type"),
    HTTP_500_INTERNAL_SERVER_ERROR: ("internal_error", "Internal server error"),
    HTTP_503_SERVICE_UNAVAILABLE: ("unavailable", "Service unavailable"),
}

# msgspec's "Object contains unknown field `x` - at `$.data.y`" and friends
_MSGSPEC_PATH = re.compile(r" - at `\$(?P<path>[^`]*)`$")
_UNKNOWN_FIELD = re.compile(r"unknown field `(?P<name>[^`]+)`")
_MISSING_FIELD = re.compile(r"missing required field `(?P<name>[^`]+)`")
_MISSING_PARAMETER = re.compile(r"^Missing required \w+ parameter '(?P<name>[^']+)'")
_NUMBER_FOR_TEXT = re.compile(r"^Expected `str( \| null)?`, got `(float|int)`$")


def problem(
    request: Request[Any, Any, Any],
    status: int,
    code: str,
    title: str,
    detail: str,
    *,
    errors: Sequence[Mapping[str, str | None]] = (),
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Response[dict[str, Any]]:
    """A problem-details response; ``extra`` adds members beside the standard ones."""
    body: dict[str, Any] = {
        "type": f"{TYPE_PREFIX}{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "code": code,
        "errors": [{"field": e.get("field"), "message": e.get("message")} for e in errors],
    }
    for key, value in (extra or {}).items():
        body.setdefault(key, _jsonable(value))
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=dict(headers or {}))


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return str(value)


def domain_error(status: int) -> ExceptionHandler[PerlaError]:
    """A handler answering a :class:`PerlaError` with ``status``, naming its fields."""

    def handle(request: Request[Any, Any, Any], exc: PerlaError) -> Response[dict[str, Any]]:
        if isinstance(exc, InvalidInput):
            errors = [{"field": e.field, "message": e.message} for e in exc.errors]
        elif exc.field is not None:
            errors = [{"field": exc.field, "message": exc.message}]
        else:
            errors = []
        headers = {"WWW-Authenticate": "Bearer"} if status == HTTP_401_UNAUTHORIZED else None
        return problem(
            request,
            status,
            exc.code,
            exc.title,
            exc.message,
            errors=errors,
            headers=headers,
            extra=exc.details,
        )

    return handle


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    """Litestar's own refusals: unreadable bodies, bad parameters, unknown routes, size."""
    status = exc.status_code
    if status >= HTTP_500_INTERNAL_SERVER_ERROR:
        return internal_error(request, exc)
    code, title = HTTP_CODES.get(status, ("http_error", "HTTP error"))
    allow = next((v for k, v in (exc.headers or {}).items() if k.lower() == "allow"), None)
    errors = [{**e, "field": _sent_name(request, e["field"])} for e in _field_errors(exc)]
    detail = exc.detail
    if isinstance(exc, NotFoundException):
        detail = f"nothing at {request.url.path}"
    elif status == HTTP_405_METHOD_NOT_ALLOWED and allow:
        detail = f"{request.method} is not allowed here (allowed: {allow})"
    elif status == HTTP_413_REQUEST_ENTITY_TOO_LARGE:
        detail = f"the request body is larger than {request.app.request_max_body_size} bytes"
    elif errors:
        detail = "; ".join(
            f"{e['field']}: {e['message']}" if e["field"] else str(e["message"]) for e in errors
        )
    headers = {"Allow": allow} if allow else None
    return problem(request, status, code, title, detail, errors=errors, headers=headers)


def _field_errors(exc: HTTPException) -> list[dict[str, str | None]]:
    """Litestar's ``extra`` (``[{"key", "message", "source"}]``) or a msgspec message, as
    ``[{"field", "message"}]``; body paths become ``addresses[0].city``."""
    if isinstance(exc.extra, list) and exc.extra:
        out: list[dict[str, str | None]] = []
        for item in exc.extra:
            if isinstance(item, Mapping):
                out.append(_from_message(str(item.get("message", "")), item.get("key")))
        return out
    if exc.status_code == HTTP_400_BAD_REQUEST and exc.detail:
        if (missing := _MISSING_PARAMETER.match(exc.detail)) is not None:
            return [{"field": missing.group("name"), "message": "is required"}]
        return [_from_message(exc.detail, None)]
    return []


def _sent_name(request: Request[Any, Any, Any], field: str | None) -> str | None:
    """A parameter's name as the client sent it (``from``), not the handler's
    (``from_revision``)."""
    if field is None:
        return None
    handler = request.scope.get("route_handler")
    parameters = getattr(getattr(handler, "parsed_fn_signature", None), "parameters", {})
    parameter = parameters.get(field)
    alias = getattr(getattr(parameter, "kwarg_definition", None), "name", None)
    return alias if isinstance(alias, str) and alias else field


def _from_message(message: str, key: object) -> dict[str, str | None]:
    field = str(key) if key not in (None, "") else None
    if field == "data":
        field = None
    if (match := _MSGSPEC_PATH.search(message)) is not None:
        message = message[: match.start()]
        path = match.group("path").removeprefix(".data")
        path = re.sub(r"\.?\[(\d+)\]", r"[\1]", path).lstrip(".")
        field = path or field
    if (unknown := _UNKNOWN_FIELD.search(message)) is not None:
        field = f"{field}.{unknown.group('name')}" if field else unknown.group("name")
        message = "is not a known field"
    elif (missing := _MISSING_FIELD.search(message)) is not None:
        field = f"{field}.{missing.group('name')}" if field else missing.group("name")
        message = "is required"
    elif message == "'data'" and field is None:
        message = "a JSON body is required"
    elif _NUMBER_FOR_TEXT.match(message):
        message = 'must be text (amounts are written as strings such as "1250.00", not numbers)'
    return {"field": field, "message": message}


@contextmanager
def fields_renamed(names: Mapping[str, str]) -> Iterator[None]:
    """Report the core's field names as this API names them (``from_revision`` -> ``from``).

    For the few places where a command's field is not the JSON field the client sent.
    """
    try:
        yield
    except InvalidInput as exc:
        for error in exc.errors:
            error.field = names.get(error.field or "", error.field)
        exc.field = names.get(exc.field or "", exc.field)
        raise
    except PerlaError as exc:
        exc.field = names.get(exc.field or "", exc.field)
        raise


class NotReady(Exception):
    """A dependency (database, broker) does not answer; ``states`` says which."""

    def __init__(self, **states: str) -> None:
        super().__init__(", ".join(f"{k}: {v}" for k, v in states.items()))
        self.states = states


RETRY_AFTER_SECONDS = 5


def external_unavailable(
    request: Request[Any, Any, Any], exc: ExternalUnavailable
) -> Response[dict[str, Any]]:
    """Another system did not answer this time: 503, retry after what it asked (or 5 s)."""
    wait = exc.retry_after if exc.retry_after and exc.retry_after > 0 else RETRY_AFTER_SECONDS
    response = domain_error(HTTP_503_SERVICE_UNAVAILABLE)(request, exc)
    response.headers["Retry-After"] = str(math.ceil(wait))
    return response


def not_ready(request: Request[Any, Any, Any], exc: NotReady) -> Response[dict[str, Any]]:
    down = ", ".join(name for name, state in exc.states.items() if state != "ok")
    return problem(
        request,
        HTTP_503_SERVICE_UNAVAILABLE,
        "unavailable",
        "Service unavailable",
        f"not ready: {down} unavailable",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        extra=exc.states,
    )


def database_unavailable(
    request: Request[Any, Any, Any], exc: Exception
) -> Response[dict[str, Any]]:
    """The database did not answer: 503 ``database_unavailable`` with ``Retry-After``.

    What a database that is down, restarting or out of connections raises: SQLAlchemy's
    ``OperationalError`` / ``InterfaceError`` (the server closed or refused the connection)
    and ``TimeoutError`` (the pool waited in vain).

    Logged as a warning with the error's class only (its text may carry the connection's
    address); the body says nothing of the driver. Nothing was committed by this request
    unless the connection broke during the commit itself, so the client retries.
    """
    log.warning(
        "database_unavailable",
        method=request.method,
        path=request.url.path,
        error_type=type(exc).__name__,
    )
    return problem(
        request,
        HTTP_503_SERVICE_UNAVAILABLE,
        "database_unavailable",
        "Service unavailable",
        "the database is not answering right now; try again in a few seconds",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def invalid_value(request: Request[Any, Any, Any], exc: InvalidValue) -> Response[dict[str, Any]]:
    """422, but 413 for a message refused for its size (``reason`` ``oversize``)."""
    if exc.details.get("reason") == "oversize":
        errors = [{"field": exc.field, "message": exc.message}]
        code, title = HTTP_CODES[HTTP_413_REQUEST_ENTITY_TOO_LARGE]
        status = HTTP_413_REQUEST_ENTITY_TOO_LARGE
        return problem(request, status, code, title, exc.message, errors=errors)
    return domain_error(HTTP_422_UNPROCESSABLE_ENTITY)(request, exc)


def internal_error(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    log.error(
        "unhandled_error",
        method=request.method,
        path=request.url.path,
        error_type=type(exc).__name__,
        # a plain traceback: renderers that print frames' locals would show the API key
        traceback="".join(traceback.format_exception(exc)),
    )
    return problem(
        request,
        HTTP_500_INTERNAL_SERVER_ERROR,
        "internal_error",
        "Internal server error",
        "something went wrong on our side; it has been logged",
    )


# The one table: Litestar picks the entry of the exception's nearest class.
EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    CredentialRefused: domain_error(HTTP_422_UNPROCESSABLE_ENTITY),  # one error per field
    InvalidInput: domain_error(HTTP_422_UNPROCESSABLE_ENTITY),
    InvalidValue: invalid_value,  # 422; 413 for a received e-mail over its size limit
    GoLiveRefused: domain_error(HTTP_422_UNPROCESSABLE_ENTITY),  # missing, blocking
    PreconditionFailed: domain_error(HTTP_422_UNPROCESSABLE_ENTITY),
    NotFound: domain_error(HTTP_404_NOT_FOUND),
    AlreadyExists: domain_error(HTTP_409_CONFLICT),
    IllegalTransition: domain_error(HTTP_409_CONFLICT),
    StaleVersion: domain_error(HTTP_409_CONFLICT),
    PolicyConflict: domain_error(HTTP_409_CONFLICT),  # both rules and the overlap
    PermissionDenied: domain_error(HTTP_403_FORBIDDEN),
    Unauthenticated: domain_error(HTTP_401_UNAUTHORIZED),
    # another system (Dome, PerlaHub) failed while serving the request
    ExternalUnavailable: external_unavailable,  # 503 with Retry-After
    ExternalAuthenticationFailed: domain_error(HTTP_502_BAD_GATEWAY),  # perla's key refused
    ExternalRejected: domain_error(HTTP_422_UNPROCESSABLE_ENTITY),
    ExternalConflict: domain_error(HTTP_409_CONFLICT),
    ExternalNotFound: domain_error(HTTP_502_BAD_GATEWAY),  # it should have had it
    ExternalProtocolError: domain_error(HTTP_502_BAD_GATEWAY),
    ExternalError: domain_error(HTTP_502_BAD_GATEWAY),
    RateLimited: too_many_requests,  # 429 with Retry-After
    InvalidWebhookEvent: domain_error(HTTP_400_BAD_REQUEST),  # a webhook body perla cannot read
    PerlaError: domain_error(HTTP_422_UNPROCESSABLE_ENTITY),
    ValidationException: http_error,  # 400: unreadable JSON, wrong types, unknown keys
    NotFoundException: http_error,  # 404: no such route, or a path id that is not a UUID
    MethodNotAllowedException: http_error,  # 405
    HTTPException: http_error,  # 413 over max_body_bytes, other client errors
    NotReady: not_ready,  # 503 with Retry-After
    # the database down or restarting, or the pool exhausted: 503 with Retry-After
    sa_exc.OperationalError: database_unavailable,
    sa_exc.InterfaceError: database_unavailable,
    sa_exc.TimeoutError: database_unavailable,
    Exception: internal_error,  # 500, logged, nothing of it shown
}
