"""What happens to a credential, in the past tense.

The outbox pushes these events to PerlaHub, so each carries what PerlaHub needs to mirror the
credential (ids, environment, username, status and configuration). None carries the secret or
its digest: the PerlaHub handler reads what it needs from the repository by id.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID

import attrs

from perla_core.kernel.events import domain_event


@domain_event("credentials.credential_issued")
@attrs.frozen
class CredentialIssued:
    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    client_id: UUID
    environment: str
    username: str
    status: str
    products: tuple[str, ...]
    markets: tuple[str, ...]
    currencies: tuple[str, ...]
    ip_allowlist: tuple[str, ...]
    rate_limit_per_minute: int
    policy_revision: int | None
    label: str | None


@domain_event("credentials.credential_edited")
@attrs.frozen
class CredentialEdited:
    """``changed`` names the fields that changed; the rest is the configuration after the edit,
    which PerlaHub applies as a whole (so a redelivered event is harmless)."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    client_id: UUID
    environment: str
    username: str
    changed: tuple[str, ...]
    products: tuple[str, ...]
    markets: tuple[str, ...]
    currencies: tuple[str, ...]
    ip_allowlist: tuple[str, ...]
    rate_limit_per_minute: int
    policy_revision: int | None
    label: str | None


@domain_event("credentials.credential_suspended")
@attrs.frozen
class CredentialSuspended:
    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    client_id: UUID
    environment: str
    username: str
    reason: str | None = None


@domain_event("credentials.credential_reactivated")
@attrs.frozen
class CredentialReactivated:
    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    client_id: UUID
    environment: str
    username: str


@domain_event("credentials.credential_revoked")
@attrs.frozen
class CredentialRevoked:
    """Final: PerlaHub refuses the username from now on."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    client_id: UUID
    environment: str
    username: str
    reason: str | None = None


@domain_event("credentials.credential_secret_rotated")
@attrs.frozen
class CredentialSecretRotated:
    """A new secret replaced the old one, which no longer matches."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    client_id: UUID
    environment: str
    username: str


@domain_event("credentials.connection_tested")
@attrs.frozen
class ConnectionTested:
    """PerlaHub ran a test availability search with the credential."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    client_id: UUID
    environment: str
    username: str
    ok: bool
    latency_ms: int
    message: str
