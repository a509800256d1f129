"""``ZenviaMessenger``: the :class:`~perla_core.messaging.Messenger` port over Zenvia's API v2.

One send is ``POST {base_url}/channels/whatsapp/messages`` with the ``X-API-TOKEN`` header
(``docs/contracts/zenvia.md``). A free-form message outside the 24-hour window, or a blank
address, is refused before anything leaves.

Retries: timeouts, connection errors, 408, 429 and 5xx (but not 501) are retried with
exponential backoff and jitter (:class:`~perla_adapters.http_support.RetryPolicy`), honouring
``Retry-After``; a ``Retry-After`` longer than ``max_retry_after`` is not slept but raised at
once as :class:`ExternalUnavailable` with ``retry_after``. A 4xx is never retried. Zenvia has no
idempotency key, so a retried *timeout* may deliver the message twice; the ``externalId`` in
the status events tells the copies apart.

Error mapping (Zenvia's ``{code, message, details[{code, path, message}]}``): 400 →
:class:`ExternalRejected` (fields are the ``details[].path``), 401/403 →
:class:`ExternalAuthenticationFailed`, 404 → :class:`ExternalNotFound`, 409 →
:class:`ExternalConflict` (``reason`` is Zenvia's code, ``DUPLICATED``), other 4xx →
:class:`ExternalRejected`, an answer that is not the documented JSON →
:class:`ExternalProtocolError`.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

import attrs
import httpx
import structlog

from perla_adapters.http_support import (
    RETRYABLE_STATUSES,
    USER_AGENT,
    RetryPolicy,
    retry_after_seconds,
)
from perla_adapters.zenvia.wire import SEND_PATH, error_details, request_body
from perla_core.gateways.errors import (
    ExternalAuthenticationFailed,
    ExternalConflict,
    ExternalNotFound,
    ExternalProtocolError,
    ExternalRejected,
    ExternalUnavailable,
)
from perla_core.kernel.ports import Clock
from perla_core.messaging import (
    OutgoingMessage,
    SentMessage,
    check_external_id,
    check_window,
    normalise_address,
)

SYSTEM: Final = "zenvia"
DEFAULT_BASE_URL: Final = "https://api.zenvia.com/v2"

log = structlog.get_logger("perla.zenvia")


@attrs.frozen
class _Transient:
    message: str
    status: int | None = None
    retry_after: float | None = None


class ZenviaMessenger:
    """WhatsApp sends through Zenvia (see the module docstring).

    ``clock`` decides the 24-hour window; ``timeout`` is per attempt, in seconds; ``retries``
    is how many times a transient failure is retried; ``sleep`` is there for tests.
    """

    def __init__(
        self,
        api_token: str,
        clock: Clock,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 10.0,
        retries: int = 3,
        backoff: float = 0.25,
        max_backoff: float = 8.0,
        max_retry_after: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        if not api_token:
            raise ValueError("a Zenvia API token is required")
        self.clock = clock
        self.timeout = timeout
        self.retry = RetryPolicy(retries, backoff, max_backoff, max_retry_after)
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout),
            transport=transport,
            headers={
                "X-API-TOKEN": api_token,
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
            },
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"ZenviaMessenger({str(self._http.base_url)!r})"

    def close(self) -> None:
        self._http.close()

    def send(
        self,
        message: OutgoingMessage,
        *,
        to: str,
        from_: str,
        external_id: str,
        last_inbound_at: datetime | None = None,
    ) -> SentMessage:
        recipient = normalise_address("to", to)
        sender = normalise_address("from_", from_)
        check_external_id(external_id)
        now = self.clock.now()
        check_window(message, last_inbound_at, now)
        body = request_body(message, to=recipient, from_=sender, external_id=external_id)
        answer = self._post(SEND_PATH, body)
        provider_id = answer.get("id") if isinstance(answer, dict) else None
        if not isinstance(provider_id, str) or not provider_id:
            raise ExternalProtocolError(
                SYSTEM, "zenvia accepted the message but its answer has no message id"
            )
        return SentMessage(provider_id, external_id, recipient, sender, now)

    def _post(self, path: str, body: dict[str, Any]) -> Any:
        content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        attempts = 1 + self.retry.retries
        for attempt in range(attempts):
            outcome = self._attempt(path, content)
            if not isinstance(outcome, _Transient):
                return outcome
            last = attempt + 1 == attempts
            too_long = (
                outcome.retry_after is not None and outcome.retry_after > self.retry.max_retry_after
            )
            if last or too_long:
                raise ExternalUnavailable(
                    SYSTEM,
                    f"{outcome.message} (POST {path}, {attempt + 1} "
                    f"attempt{'s' if attempt else ''})",
                    remote_status=outcome.status,
                    retry_after=outcome.retry_after,
                    attempts=attempt + 1,
                )
            wait = (
                outcome.retry_after
                if outcome.retry_after is not None
                else self.retry.delay(attempt, self._rng)
            )
            log.warning(
                "external_call_retry",
                system=SYSTEM,
                path=path,
                status=outcome.status,
                problem=outcome.message,
                attempt=attempt + 1,
                wait_seconds=round(wait, 3),
            )
            self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _attempt(self, path: str, content: bytes) -> Any:
        try:
            response = self._http.post(
                path, content=content, headers={"Content-Type": "application/json"}
            )
        except httpx.TimeoutException as exc:
            return _Transient(
                f"zenvia did not answer within {self.timeout:g}s ({type(exc).__name__})"
            )
        except httpx.TransportError as exc:
            return _Transient(f"could not reach zenvia ({type(exc).__name__})")
        status = response.status_code
        if status == 200:
            return _json(response)
        code, text, fields = error_details(_json_or_none(response))
        what = f"zenvia answered {status} to POST {path}: {text or response.reason_phrase}"
        if status in RETRYABLE_STATUSES:
            return _Transient(
                what, status, retry_after_seconds(response.headers.get("retry-after"))
            )
        if status in (401, 403):
            raise ExternalAuthenticationFailed(
                SYSTEM,
                f"zenvia refused perla's API token ({status}): check the configured token",
                remote_status=status,
                remote_code=code,
            )
        if status == 404:
            raise ExternalNotFound(SYSTEM, "resource", path, remote_status=status)
        if status == 409:
            raise ExternalConflict(SYSTEM, what, reason=code or "conflict", remote_status=status)
        if 400 <= status < 500:
            raise ExternalRejected(
                SYSTEM, what, errors=fields, remote_status=status, remote_code=code
            )
        raise ExternalProtocolError(SYSTEM, f"unexpected answer: {what}", remote_status=status)


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return None


def _json(response: httpx.Response) -> Any:
    media = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json":
        raise ExternalProtocolError(
            SYSTEM,
            f"zenvia answered with {media or 'no content type'}, not JSON",
            remote_status=response.status_code,
        )
    data = _json_or_none(response)
    if not isinstance(data, dict):
        raise ExternalProtocolError(
            SYSTEM,
            "zenvia answered with a body that is not a JSON object",
            remote_status=response.status_code,
        )
    return data
