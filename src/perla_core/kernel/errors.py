"""Typed domain errors with stable codes.

Every error perla raises on purpose derives from :class:`PerlaError`. ``code`` is stable and
machine-readable (entrypoints map it to HTTP statuses and problem-details ``type``s);
``field`` names the offending input where there is one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar


class PerlaError(Exception):
    """Base of every deliberate perla error."""

    code: ClassVar[str] = "perla_error"
    title: ClassVar[str] = "perla error"

    def __init__(self, message: str, *, field: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details: dict[str, Any] = details

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class InvalidValue(PerlaError):
    """A single value is malformed or out of range (a tax id, an e-mail, a phone ...)."""

    code = "invalid_value"
    title = "Invalid value"


class InvalidInput(PerlaError):
    """Several fields are invalid at once; ``errors`` holds one :class:`InvalidValue` each."""

    code = "invalid_input"
    title = "Invalid input"

    def __init__(self, errors: Iterable[InvalidValue]) -> None:
        self.errors = list(errors)
        summary = "; ".join(str(e) for e in self.errors) or "invalid input"
        first = self.errors[0].field if self.errors else None
        super().__init__(summary, field=first)

    def __str__(self) -> str:
        return self.message


class NotFound(PerlaError):
    """The aggregate asked for does not exist."""

    code = "not_found"
    title = "Not found"

    def __init__(self, kind: str, ident: object) -> None:
        super().__init__(f"{kind} {ident} does not exist", kind=kind, id=str(ident))
        self.kind = kind
        self.ident = ident


class AlreadyExists(PerlaError):
    """A unique business key is already taken (a tax id registered twice ...)."""

    code = "already_exists"
    title = "Already exists"


class IllegalTransition(PerlaError):
    """The aggregate's lifecycle does not allow this step from its current state."""

    code = "illegal_transition"
    title = "Illegal state transition"

    def __init__(self, kind: str, current: str, action: str, allowed: Iterable[str] = ()) -> None:
        allowed_list = sorted(allowed)
        hint = f" (allowed from here: {', '.join(allowed_list)})" if allowed_list else ""
        super().__init__(
            f"cannot {action} a {kind} that is {current}{hint}",
            field="status",
            kind=kind,
            current=current,
            action=action,
            allowed=allowed_list,
        )


class PreconditionFailed(PerlaError):
    """A business rule refuses the step; ``missing`` lists what would make it pass."""

    code = "precondition_failed"
    title = "Business rule not met"

    def __init__(self, message: str, *, missing: Iterable[str] = (), field: str | None = None):
        self.missing = list(missing)
        super().__init__(message, field=field or (self.missing[0] if self.missing else None))
        self.details["missing"] = self.missing


class StaleVersion(PerlaError):
    """Optimistic concurrency: someone else saved the aggregate since it was read."""

    code = "stale_version"
    title = "Stale version"

    def __init__(self, kind: str, ident: object, expected: int, actual: int | None) -> None:
        super().__init__(
            f"{kind} {ident} is at version {actual}, not {expected}: reload it and retry",
            field="version",
            expected=expected,
            actual=actual,
        )


class PermissionDenied(PerlaError):
    """The acting principal's role does not allow the action."""

    code = "permission_denied"
    title = "Permission denied"


class Unauthenticated(PerlaError):
    """No valid credentials were presented."""

    code = "unauthenticated"
    title = "Unauthenticated"


def invalid(errors: Mapping[str, str]) -> InvalidInput:
    """Build an :class:`InvalidInput` from ``{field: message}``."""
    return InvalidInput(InvalidValue(msg, field=f) for f, msg in errors.items())
