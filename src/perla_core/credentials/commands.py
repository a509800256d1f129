"""Commands of the credentials area, in primitives.

:func:`parse_settings` validates the raw configuration into the domain's values, reporting
every invalid field (and every invalid entry of a list, as ``ip_allowlist[2]``) at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any
from uuid import UUID

import attrs

from perla_core.credentials.model import (
    DEFAULT_RATE_LIMIT,
    CredentialSettings,
    Environment,
    check_policy_revision,
    check_rate_limit,
    check_username,
    clean_label,
    parse_currencies,
    parse_ip_allowlist,
    parse_markets,
    parse_products,
)
from perla_core.kernel.errors import InvalidInput, InvalidValue
from perla_core.onboarding.commands import KEEP, Keep


@attrs.frozen
class IssueCredential:
    """Give a client with a validated record a new credential; ``username`` is derived from the
    credential's id when not given."""

    client_id: UUID
    environment: str
    products: Sequence[str]
    currencies: Sequence[str]
    markets: Sequence[str] = ()
    ip_allowlist: Sequence[str] = ()
    rate_limit_per_minute: int = DEFAULT_RATE_LIMIT
    policy_revision: int | None = None
    label: str | None = None
    username: str | None = None

    def settings(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in _PARSERS}


@attrs.frozen
class EditCredential:
    """Change an active credential's configuration; fields left as ``KEEP`` stay as they are."""

    credential_id: UUID
    expected_version: int | None = None
    products: Sequence[str] | Keep = KEEP
    currencies: Sequence[str] | Keep = KEEP
    markets: Sequence[str] | Keep = KEEP
    ip_allowlist: Sequence[str] | Keep = KEEP
    rate_limit_per_minute: int | Keep = KEEP
    policy_revision: int | Keep | None = KEEP
    label: str | Keep | None = KEEP

    def changes(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in _PARSERS if getattr(self, f) is not KEEP}


@attrs.frozen
class SuspendCredential:
    """Stop a credential's access for now."""

    credential_id: UUID
    expected_version: int | None = None
    reason: str | None = None


@attrs.frozen
class ReactivateCredential:
    """Give a suspended credential its access back."""

    credential_id: UUID
    expected_version: int | None = None


@attrs.frozen
class RevokeCredential:
    """End a credential's access for good."""

    credential_id: UUID
    expected_version: int | None = None
    reason: str | None = None


@attrs.frozen
class RotateCredentialSecret:
    """Replace a credential's secret; the old one stops working."""

    credential_id: UUID
    expected_version: int | None = None


@attrs.frozen
class RecordConnectionTest:
    """Ask PerlaHub for a test availability search with the credential and keep the outcome."""

    credential_id: UUID


_PARSERS: dict[str, Callable[[Any], Any]] = {
    "products": parse_products,
    "currencies": parse_currencies,
    "markets": parse_markets,
    "ip_allowlist": parse_ip_allowlist,
    "rate_limit_per_minute": check_rate_limit,
    "policy_revision": check_policy_revision,
    "label": clean_label,
}


def parse_settings(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Validate the configuration fields present in ``raw``; every bad one is reported."""
    errors: list[InvalidValue] = []
    out: dict[str, Any] = {}
    for field, parse in _PARSERS.items():
        if field not in raw:
            continue
        try:
            out[field] = parse(raw[field])
        except InvalidInput as exc:
            errors.extend(exc.errors)
        except InvalidValue as exc:
            exc.field = exc.field or field
            errors.append(exc)
    if errors:
        raise InvalidInput(errors)
    return out


def parse_issue(command: IssueCredential) -> tuple[Environment, CredentialSettings, str | None]:
    """The environment, the configuration and the chosen username (if any) of an issue
    command, every bad field reported at once."""
    errors: list[InvalidValue] = []
    environment: Environment | None = None
    settings: CredentialSettings | None = None
    username: str | None = None
    try:
        environment = _environment(command.environment)
    except InvalidValue as exc:
        errors.append(exc)
    if command.username is not None:
        try:
            username = check_username(command.username)
        except InvalidValue as exc:
            errors.append(exc)
    try:
        settings = CredentialSettings(**parse_settings(command.settings()))
    except InvalidInput as exc:
        errors.extend(exc.errors)
    if errors:
        raise InvalidInput(errors)
    assert environment is not None
    assert settings is not None
    return environment, settings, username


def _environment(value: object) -> Environment:
    try:
        return Environment(str(value).strip().lower())
    except ValueError:
        allowed = ", ".join(e.value for e in Environment)
        raise InvalidValue(
            f"{value!r} is not an environment (one of: {allowed})", field="environment"
        ) from None


__all__ = [
    "KEEP",
    "EditCredential",
    "IssueCredential",
    "Keep",
    "ReactivateCredential",
    "RecordConnectionTest",
    "RevokeCredential",
    "RotateCredentialSecret",
    "SuspendCredential",
    "parse_issue",
    "parse_settings",
]
