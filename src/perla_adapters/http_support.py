"""What every HTTP gateway adapter shares: strict JSON at the wire and a careful httpx client.

:func:`wire_converter` turns the gateways' frozen values into the JSON of the contracts and
back, strictly: a string must be a string (no ``5`` for ``"5"``), a list a list, a datetime
an ISO 8601 string with its offset, a decimal a string (``"12.50"``, never a float). Answers
are read tolerantly (unknown members are ignored, so a system may add fields) but anything
missing or mistyped is :class:`ExternalProtocolError`. Simulators read requests with
``forbid_extra_keys=True`` and name each bad field.

:class:`JsonHttpClient` sends one JSON request and maps what comes back:

- retries with exponential backoff and jitter on timeouts, connection errors, 408, 429 and
  5xx (but not 501), *only* for idempotent calls: GET/PUT/DELETE, and POSTs that carry an
  ``Idempotency-Key``. Other 4xx are never retried;
- honours ``Retry-After`` (seconds or an HTTP date); a wait longer than ``max_retry_after``
  is not slept inline but reported at once as :class:`ExternalUnavailable` with
  ``retry_after``, for the outbox to schedule;
- maps failures to :mod:`perla_core.gateways.errors`, reading RFC 9457 problem bodies
  (``code``, ``detail``, ``errors[{field, message}]``, ``existing_id``);
- sends the API key as ``Authorization: Bearer …`` and never logs it, nor puts it in errors.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Collection, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from enum import Enum, IntEnum, StrEnum
from typing import Any, TypeVar, get_args, get_origin

import attrs
import cattrs
import httpx
import structlog
from cattrs.cols import homogenous_tuple_structure_factory
from cattrs.gen import make_dict_structure_fn

from perla_core.gateways.errors import (
    ExternalAuthenticationFailed,
    ExternalConflict,
    ExternalNotFound,
    ExternalProtocolError,
    ExternalRejected,
    ExternalUnavailable,
    RemoteFieldError,
)
from perla_core.gateways.idempotency import check_idempotency_key

T = TypeVar("T")

log = structlog.get_logger("perla.http")

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
JSON_TYPES = ("application/json", "application/problem+json")
USER_AGENT = "perla/0.1 (+https://perlatours.com)"


# --- JSON at the wire -----------------------------------------------------------------------


def _strict(kind: type[T], what: str) -> Callable[[Any, Any], T]:
    def structure(value: Any, _: Any) -> T:
        if type(value) is not kind:
            raise ValueError(f"must be {what}")
        return value

    return structure


def _decimal(value: Any, _: Any) -> Decimal:
    if not isinstance(value, str):
        raise ValueError('must be a decimal number written as a string, e.g. "12.50"')
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a decimal number") from None
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a decimal number")
    return number


def _datetime(value: Any, _: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 date-time string")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        raise ValueError(f"{value!r} needs a UTC offset (e.g. Z or +01:00)")
    return moment


def _date(value: Any, _: Any) -> date:
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 date string (YYYY-MM-DD)")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO 8601 date (YYYY-MM-DD)") from None


def _enum(value: Any, kind: type[Enum]) -> Enum:
    for member in kind:
        if type(value) is type(member.value) and member.value == value:
            return member
    raise ValueError("must be one of " + ", ".join(str(m.value) for m in kind))


def _is_homogeneous_tuple(kind: Any) -> bool:
    args = get_args(kind)
    return get_origin(kind) is tuple and len(args) == 2 and args[1] is Ellipsis


def wire_converter(*, forbid_extra_keys: bool = False) -> cattrs.Converter:
    """The strict JSON converter of the gateway contracts (see the module docstring)."""
    converter = cattrs.Converter(forbid_extra_keys=forbid_extra_keys)
    converter.register_structure_hook(str, _strict(str, "a string"))
    converter.register_structure_hook(int, _strict(int, "an integer"))
    converter.register_structure_hook(bool, _strict(bool, "true or false"))
    converter.register_structure_hook(Decimal, _decimal)
    converter.register_structure_hook(datetime, _datetime)
    converter.register_structure_hook(date, _date)
    converter.register_unstructure_hook(Decimal, str)
    converter.register_unstructure_hook(datetime, _iso_datetime)
    converter.register_unstructure_hook(date, date.isoformat)
    # StrEnum/IntEnum come before str/int in their MRO, so these win cattrs' dispatch.
    for base in (StrEnum, IntEnum, Enum):
        converter.register_structure_hook(base, _enum)

    def tuple_factory(kind: Any) -> Callable[[Any, Any], Any]:
        base = homogenous_tuple_structure_factory(kind, converter)

        def structure(value: Any, target: Any) -> Any:
            if not isinstance(value, list):
                raise ValueError("must be a list")
            return base(value, target)

        return structure

    converter.register_structure_hook_factory(_is_homogeneous_tuple, tuple_factory)

    def attrs_factory(kind: type[Any]) -> Callable[[Any, Any], Any]:
        base = make_dict_structure_fn(kind, converter)

        def structure(value: Any, target: Any) -> Any:
            if not isinstance(value, dict):
                raise ValueError("must be a JSON object")
            return base(value, target)

        return structure

    converter.register_structure_hook_factory(attrs.has, attrs_factory)
    return converter


def _iso_datetime(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def problem_fields(error: BaseException) -> list[RemoteFieldError]:
    """A cattrs structuring error as field errors: ``billing_address.city``, ``tags[1]``."""
    messages = cattrs.transform_error(error, path="$", format_exception=_describe)
    fields: list[RemoteFieldError] = []
    for line in messages:
        message, _, path = line.rpartition(" @ ")
        field = path.removeprefix("$").lstrip(".") or None
        if message.startswith("unknown:"):
            for name in message.removeprefix("unknown:").split(","):
                fields.append(
                    RemoteFieldError(f"{field}.{name}" if field else name, "is not a known field")
                )
        else:
            fields.append(RemoteFieldError(field, message))
    return fields


def _describe(error: BaseException, _: Any) -> str:
    if isinstance(error, KeyError):
        return "is required"
    if isinstance(error, cattrs.ForbiddenExtraKeysError):
        return "unknown:" + ",".join(sorted(error.extra_fields))
    if isinstance(error, ValueError):
        return str(error)
    return "has the wrong type"


# --- the client -----------------------------------------------------------------------------


@attrs.frozen
class RetryPolicy:
    """How many times to retry an idempotent call, and how long to wait in between.

    The n-th wait (from 0) is ``min(max_backoff, backoff * 2**n)``, half of it fixed and half
    random ("equal jitter"), unless the system sent ``Retry-After``.
    """

    retries: int = attrs.field(default=3, validator=attrs.validators.ge(0))
    backoff: float = attrs.field(default=0.25, validator=attrs.validators.ge(0))
    max_backoff: float = attrs.field(default=8.0, validator=attrs.validators.ge(0))
    max_retry_after: float = attrs.field(default=30.0, validator=attrs.validators.ge(0))

    def delay(self, attempt: int, rng: random.Random) -> float:
        ceiling = min(self.max_backoff, self.backoff * 2.0**attempt)
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds from now: delta-seconds or an HTTP date; None if unreadable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class JsonHttpClient:
    """One JSON-over-HTTP system (``system`` names it in errors), with retries and mapping.

    Thread-safe: one pooled :class:`httpx.Client` is shared by every call. ``sleep`` and
    ``rng`` are there for tests, which want tiny or recorded waits.
    """

    def __init__(
        self,
        system: str,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        if not api_key:
            raise ValueError(f"an API key for {system} is required")
        self.system = system
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout),
            transport=transport,
            headers={
                "Authorization": f"Bearer {api_key}",
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
            },
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.system!r}, {str(self._http.base_url)!r})"

    def close(self) -> None:
        self._http.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        idempotency_key: str | None = None,
        ok: Collection[int] = (200, 201),
        resource: tuple[str, str] | None = None,
    ) -> Any:
        """The decoded JSON answer of ``method path`` (``body`` already unstructured).

        Raises the errors of :mod:`perla_core.gateways.errors` (see the module docstring);
        ``resource`` (kind, id) names what a 404 did not find, unless the problem body says.
        """
        headers: dict[str, str] = {}
        content: bytes | None = None
        if idempotency_key is not None:
            headers["Idempotency-Key"] = check_idempotency_key(idempotency_key)
        if body is not None:
            headers["Content-Type"] = "application/json"
            content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        retryable = method.upper() in IDEMPOTENT_METHODS or idempotency_key is not None
        attempts = 1 + (self.retry.retries if retryable else 0)
        for attempt in range(attempts):
            outcome = self._attempt(method, path, content, headers, ok, resource)
            if not isinstance(outcome, _Transient):
                return outcome
            failure = outcome
            last = attempt + 1 == attempts
            too_long = (
                failure.retry_after is not None and failure.retry_after > self.retry.max_retry_after
            )
            if last or too_long:
                raise ExternalUnavailable(
                    self.system,
                    f"{failure.message} ({method} {path}, {attempt + 1} "
                    f"attempt{'s' if attempt else ''})",
                    remote_status=failure.status,
                    retry_after=failure.retry_after,
                    attempts=attempt + 1,
                )
            wait = (
                failure.retry_after
                if failure.retry_after is not None
                else self.retry.delay(attempt, self._rng)
            )
            log.warning(
                "external_call_retry",
                system=self.system,
                method=method,
                path=path,
                status=failure.status,
                problem=failure.message,
                attempt=attempt + 1,
                wait_seconds=round(wait, 3),
            )
            self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _attempt(
        self,
        method: str,
        path: str,
        content: bytes | None,
        headers: Mapping[str, str],
        ok: Collection[int],
        resource: tuple[str, str] | None,
    ) -> Any:
        try:
            response = self._http.request(method, path, content=content, headers=headers)
        except httpx.TimeoutException as exc:
            return _Transient(
                f"{self.system} did not answer within {self.timeout:g}s ({_kind(exc)})"
            )
        except httpx.TransportError as exc:
            return _Transient(f"could not reach {self.system} ({_kind(exc)})")
        if response.status_code in ok:
            return self._json(response, method, path)
        return self._failure(response, method, path, resource)

    def _json(self, response: httpx.Response, method: str, path: str) -> Any:
        media = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if media not in JSON_TYPES:
            raise ExternalProtocolError(
                self.system,
                f"{self.system} answered {method} {path} with {media or 'no content type'}, "
                "not JSON",
                remote_status=response.status_code,
            )
        try:
            return json.loads(response.content)
        except (ValueError, UnicodeDecodeError):
            raise ExternalProtocolError(
                self.system,
                f"{self.system} answered {method} {path} with a body that is not valid JSON",
                remote_status=response.status_code,
            ) from None

    def _failure(
        self,
        response: httpx.Response,
        method: str,
        path: str,
        resource: tuple[str, str] | None,
    ) -> _Transient:
        status = response.status_code
        problem = _problem(response)
        detail = str(problem.get("detail") or problem.get("title") or response.reason_phrase)
        what = f"{self.system} answered {status} to {method} {path}: {detail}"
        if status in RETRYABLE_STATUSES:
            return _Transient(
                what, status, retry_after_seconds(response.headers.get("retry-after"))
            )
        remote_code = problem.get("code") if isinstance(problem.get("code"), str) else None
        if status in (401, 403):
            raise ExternalAuthenticationFailed(
                self.system,
                f"{self.system} refused perla's API key ({status}): check the configured key",
                remote_status=status,
                remote_code=remote_code,
            )
        if status == 404:
            kind, ident = resource or ("resource", path)
            named_kind, named_id = problem.get("kind"), problem.get("id")
            raise ExternalNotFound(
                self.system,
                named_kind if isinstance(named_kind, str) else kind,
                named_id if isinstance(named_id, str) else ident,
                remote_status=status,
            )
        if status == 409:
            existing = problem.get("existing_id")
            raise ExternalConflict(
                self.system,
                what,
                reason=remote_code or "conflict",
                existing_id=existing if isinstance(existing, str) else None,
                remote_status=status,
            )
        if 400 <= status < 500:
            raise ExternalRejected(
                self.system,
                what,
                errors=_field_errors(problem),
                remote_status=status,
                remote_code=remote_code,
            )
        raise ExternalProtocolError(self.system, f"unexpected answer: {what}", remote_status=status)


@attrs.frozen
class _Transient:
    message: str
    status: int | None = None
    retry_after: float | None = None


def _kind(exc: Exception) -> str:
    return type(exc).__name__


def _problem(response: httpx.Response) -> dict[str, Any]:
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


def _field_errors(problem: Mapping[str, Any]) -> list[RemoteFieldError]:
    raw = problem.get("errors")
    if not isinstance(raw, list):
        return []
    out = []
    for item in raw:
        if isinstance(item, dict):
            field = item.get("field")
            out.append(
                RemoteFieldError(
                    field if isinstance(field, str) else None, str(item.get("message", ""))
                )
            )
    return out


def decode(converter: cattrs.Converter, system: str, data: Any, kind: type[T], what: str) -> T:
    """Structure an answer into ``kind``; a wrong shape is :class:`ExternalProtocolError`."""
    try:
        return converter.structure(data, kind)
    except Exception as exc:  # noqa: BLE001 - every structuring failure means "wrong shape"
        problems = "; ".join(
            f"{e.field or '(body)'} {e.message}" for e in problem_fields(exc)
        ) or str(exc)
        raise ExternalProtocolError(
            system, f"{system} answered a {what} that breaks the contract: {problems}"
        ) from None


__all__ = [
    "JsonHttpClient",
    "RetryPolicy",
    "decode",
    "problem_fields",
    "retry_after_seconds",
    "wire_converter",
]
