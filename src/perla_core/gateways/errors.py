"""What can go wrong talking to another system (Dome, PerlaHub, later Zenvia), as typed errors.

Every adapter of a gateway port raises these and nothing else for remote failures, so a use
case (or the outbox relay) decides by type alone:

- :class:`ExternalUnavailable` — the system did not answer usefully *this time* (5xx, 429, a
  timeout, a refused connection). ``retryable``; ``retry_after`` is the wait the system asked
  for, when it said one. Nothing is known to have happened remotely: retry with the same
  idempotency key.
- :class:`ExternalRejected` — the system refused the request as invalid (4xx). Retrying the
  same request gives the same answer; ``errors`` names the remote fields it refused.
  :class:`ExternalAuthenticationFailed` is the special case of perla's own key being refused.
- :class:`ExternalConflict` — the request clashes with what the system already holds: an
  idempotency key reused with a different body, a duplicate (``existing_id`` names the record
  that already exists), a stale revision, a taken username.
- :class:`ExternalNotFound` — the record asked for does not exist there.
- :class:`ExternalProtocolError` — the answer broke the contract (not JSON, wrong shape, an
  unexpected status). Someone has to look; retrying rarely helps.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

import attrs

from perla_core.kernel.errors import PerlaError


@attrs.frozen
class RemoteFieldError:
    """One field the remote system refused, in its own (documented) field names."""

    field: str | None
    message: str


class ExternalError(PerlaError):
    """Base of every failure of another system; ``system`` is ``dome``, ``perlahub`` ..."""

    code = "external_error"
    title = "External system error"
    retryable: ClassVar[bool] = False

    def __init__(
        self,
        system: str,
        message: str,
        *,
        field: str | None = None,
        remote_status: int | None = None,
        **details: Any,
    ) -> None:
        super().__init__(
            message, field=field, system=system, remote_status=remote_status, **details
        )
        self.system = system
        self.remote_status = remote_status


class ExternalUnavailable(ExternalError):
    """The system is down, overloaded, slow or unreachable; try again later."""

    code = "external_unavailable"
    title = "External system unavailable"
    retryable = True

    def __init__(
        self,
        system: str,
        message: str,
        *,
        remote_status: int | None = None,
        retry_after: float | None = None,
        attempts: int = 1,
    ) -> None:
        super().__init__(
            system, message, remote_status=remote_status, retry_after=retry_after, attempts=attempts
        )
        self.retry_after = retry_after
        self.attempts = attempts


class ExternalRejected(ExternalError):
    """The system refused the request as invalid; ``errors`` lists the fields it named."""

    code = "external_rejected"
    title = "Refused by the external system"

    def __init__(
        self,
        system: str,
        message: str,
        *,
        errors: Iterable[RemoteFieldError] = (),
        remote_status: int | None = 400,
        remote_code: str | None = None,
    ) -> None:
        self.errors = tuple(errors)
        first = next((e.field for e in self.errors if e.field), None)
        super().__init__(
            system,
            message,
            field=first,
            remote_status=remote_status,
            remote_code=remote_code,
            remote_errors=[{"field": e.field, "message": e.message} for e in self.errors],
        )
        self.remote_code = remote_code

    @property
    def fields(self) -> list[str]:
        """The refused field names, in the order the system gave them."""
        return [e.field for e in self.errors if e.field]


class ExternalAuthenticationFailed(ExternalRejected):
    """The system refused perla's API key: a configuration problem, not the user's input."""

    code = "external_authentication_failed"
    title = "External system refused perla's credentials"


class ExternalConflict(ExternalError):
    """The request clashes with the system's state; ``reason`` is the system's stable code.

    Reasons in the contracts: ``idempotency_key_reused`` (same key, different body),
    ``duplicate_customer`` / ``duplicate_supplier`` / ``duplicate_agency`` (``existing_id``
    names the existing record), ``revision_conflict``, ``username_taken``.
    """

    code = "external_conflict"
    title = "Conflict in the external system"

    def __init__(
        self,
        system: str,
        message: str,
        *,
        reason: str,
        existing_id: str | None = None,
        remote_status: int | None = 409,
    ) -> None:
        super().__init__(
            system, message, remote_status=remote_status, reason=reason, existing_id=existing_id
        )
        self.reason = reason
        self.existing_id = existing_id


class ExternalNotFound(ExternalError):
    """The record asked for (``kind`` ``ident``) does not exist in the system."""

    code = "external_not_found"
    title = "Not found in the external system"

    def __init__(
        self, system: str, kind: str, ident: str, *, remote_status: int | None = 404
    ) -> None:
        super().__init__(
            system,
            f"{system} has no {kind} {ident}",
            remote_status=remote_status,
            kind=kind,
            id=ident,
        )
        self.kind = kind
        self.ident = ident


class ExternalProtocolError(ExternalError):
    """The answer does not follow the contract: not JSON, a wrong shape, an unexpected status."""

    code = "external_protocol_error"
    title = "External system broke its contract"
