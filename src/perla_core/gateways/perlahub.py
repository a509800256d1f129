"""The PerlaHub port: the B2B booking platform's agencies, credentials, policies and tests.

perla owns the commercial truth (the client record, its credentials, its commercial policy)
and pushes it to PerlaHub, which enforces it when agencies search and book. Pushes carry the
whole state and a ``revision`` (the aggregate's version), so a late or repeated push can never
undo a newer one: PerlaHub keeps the highest revision and answers with what it holds. The wire
contract is ``docs/contracts/perlahub.md``.

Secrets never travel in clear. A credential's secret is random (at least 128 bits), shown once
to the client and stored by perla only as a digest; PerlaHub, which authenticates the agency's
API calls, gets the same digest (``sha256:<hex>``, see :func:`digest_secret`) and compares the
SHA-256 of the secret presented to it. A high-entropy secret makes a plain SHA-256 a safe
verifier, and it is all PerlaHub ever sees.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

import attrs

from perla_core.kernel.errors import InvalidValue

_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


class Environment(StrEnum):
    TEST = "test"
    LIVE = "live"


class CredentialStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"


class MarginKind(StrEnum):
    PERCENT = "percent"
    FIXED = "fixed"


def digest_secret(secret: str) -> str:
    """The verifier PerlaHub stores for a credential secret: ``sha256:<64 hex digits>``."""
    return "sha256:" + hashlib.sha256(secret.encode()).hexdigest()


def _digest_only(_: object, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    if value is not None and not _DIGEST.match(value):
        raise InvalidValue(
            "must be a digest (sha256:<64 hex digits>), never the secret itself",
            field=attribute.name,
        )


@attrs.frozen
class PerlaHubAgencyRequest:
    """Open the agency of a client registered in Dome (one agency per Dome customer).

    ``external_ref`` is perla's client id; ``markets`` are ISO 3166-1 alpha-2 countries the
    agency sells to, ``currencies`` ISO 4217 codes it may be priced in.
    """

    external_ref: str
    dome_customer_code: str
    legal_name: str
    trade_name: str
    tax_id: str
    country: str
    email: str
    business_type: str
    phone: str | None = None
    markets: tuple[str, ...] = ()
    currencies: tuple[str, ...] = ("EUR",)


@attrs.frozen
class PerlaHubAgency:
    """An agency as PerlaHub holds it; ``agency_id`` is PerlaHub's id (``AG000123``)."""

    agency_id: str
    external_ref: str
    dome_customer_code: str
    legal_name: str
    trade_name: str
    country: str
    email: str
    markets: tuple[str, ...]
    currencies: tuple[str, ...]
    status: str
    created_at: datetime


@attrs.frozen
class BenchmarkAccessRequest:
    """A limited, expiring, search-only login for a lead to compare prices (benchmark).

    PerlaHub e-mails the login's activation link to ``email``; perla never sees a password.
    ``expires_at`` is at most 90 days ahead; ``daily_search_limit`` caps searches per day.
    """

    external_ref: str
    agency_name: str
    contact_name: str
    email: str
    expires_at: datetime
    products: tuple[str, ...]
    markets: tuple[str, ...] = ()
    daily_search_limit: int = 500


@attrs.frozen
class BenchmarkAccess:
    """A benchmark login; ``status`` is ``active``, ``expired`` or ``revoked``."""

    access_id: str
    external_ref: str
    login: str
    email: str
    expires_at: datetime
    products: tuple[str, ...]
    markets: tuple[str, ...]
    daily_search_limit: int
    status: str
    created_at: datetime


@attrs.frozen
class CredentialUpsert:
    """The whole state of one credential of an agency, as perla holds it at ``revision``.

    ``credential_id`` is perla's id for the credential; ``username`` is unique in PerlaHub.
    ``secret_digest`` is required the first time and on rotation, and may be left out
    otherwise (PerlaHub keeps the one it has); it is refused unless it looks like a digest.
    ``rate_limit_per_minute`` caps the agency's API calls with this credential.
    """

    credential_id: str
    agency_id: str
    username: str
    environment: Environment
    status: CredentialStatus
    revision: int
    products: tuple[str, ...]
    markets: tuple[str, ...] = ()
    currencies: tuple[str, ...] = ("EUR",)
    ip_allowlist: tuple[str, ...] = ()
    rate_limit_per_minute: int = 60
    secret_digest: str | None = attrs.field(default=None, validator=_digest_only, repr=False)


@attrs.frozen
class PerlaHubCredential:
    """A credential as PerlaHub holds it; ``has_secret`` instead of any form of the secret."""

    credential_id: str
    agency_id: str
    username: str
    environment: Environment
    status: CredentialStatus
    revision: int
    products: tuple[str, ...]
    markets: tuple[str, ...]
    currencies: tuple[str, ...]
    ip_allowlist: tuple[str, ...]
    rate_limit_per_minute: int
    has_secret: bool
    updated_at: datetime


@attrs.frozen
class PolicyRule:
    """One margin rule of a commercial policy snapshot, as PerlaHub applies it.

    ``value`` is a percentage of the net price for ``percent`` (``12.5`` = 12.5 %) or, for
    ``fixed``, an amount in ``currency``. Empty ``hotels``/``channels``/``suppliers`` mean
    all; open dates mean unbounded. Among matching rules PerlaHub applies the most specific,
    then the highest ``priority``, exactly as perla's margin resolution does.
    """

    rule_id: str
    name: str
    priority: int
    active: bool
    kind: MarginKind
    value: Decimal
    currency: str | None = None
    booking_from: date | None = None
    booking_to: date | None = None
    stay_from: date | None = None
    stay_to: date | None = None
    hotels: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    suppliers: tuple[str, ...] = ()


@attrs.frozen
class PerlaHubPolicy:
    """The policy snapshot PerlaHub applies to an agency, at ``revision``."""

    agency_id: str
    revision: int
    rules: tuple[PolicyRule, ...]
    updated_at: datetime


@attrs.frozen
class ConnectionTestOutcome:
    """A test availability search made by PerlaHub with a credential.

    ``ok`` is False with a ``message`` when the search could not run (unknown, suspended or
    secret-less credential, no availability answered); ``latency_ms`` is PerlaHub's own
    measure of the search and ``results`` the hotels it found.
    """

    ok: bool
    latency_ms: int
    message: str
    results: int = 0


class PerlaHubGateway(Protocol):
    """PerlaHub's agencies, benchmark logins, credentials, policies and connection tests.

    Idempotency: ``create_agency`` and ``grant_benchmark_access`` are idempotent by
    ``idempotency_key`` (same key and request: the first answer, nothing created twice; same
    key, other request: :class:`ExternalConflict` ``idempotency_key_reused``). A second agency
    for the same Dome customer is :class:`ExternalConflict` ``duplicate_agency`` with
    ``existing_id``. ``upsert_credential`` and ``push_policy`` replace the whole state and are
    idempotent by content and ``revision`` as well as by key: a lower revision than PerlaHub's
    changes nothing and answers with the newer state; the same revision with a different
    content is :class:`ExternalConflict` ``revision_conflict``. ``revoke_benchmark_access`` is
    idempotent by nature. Reads are idempotent. ``test_connection`` is not retried by adapters
    (it reports what happened now; ask again).

    Failures: :class:`ExternalUnavailable` (retry later, same key), :class:`ExternalRejected`
    naming the fields, :class:`ExternalNotFound` (unknown agency, credential, access),
    :class:`ExternalProtocolError`.
    """

    def create_agency(
        self, request: PerlaHubAgencyRequest, idempotency_key: str
    ) -> PerlaHubAgency: ...

    def get_agency(self, agency_id: str) -> PerlaHubAgency: ...

    def grant_benchmark_access(
        self, request: BenchmarkAccessRequest, idempotency_key: str
    ) -> BenchmarkAccess: ...

    def revoke_benchmark_access(self, access_id: str) -> BenchmarkAccess:
        """The access, now ``revoked``; revoking it again answers the same."""
        ...

    def upsert_credential(
        self, request: CredentialUpsert, idempotency_key: str
    ) -> PerlaHubCredential:
        """The credential as PerlaHub holds it after the push (a newer one if this was stale)."""
        ...

    def get_credential(self, agency_id: str, credential_id: str) -> PerlaHubCredential: ...

    def push_policy(
        self, agency_id: str, rules: Sequence[PolicyRule], revision: int, idempotency_key: str
    ) -> PerlaHubPolicy:
        """Replace the agency's policy with ``rules``; answers the policy PerlaHub now applies."""
        ...

    def get_policy(self, agency_id: str) -> PerlaHubPolicy:
        """The policy PerlaHub applies; :class:`ExternalNotFound` before the first push."""
        ...

    def test_connection(
        self, agency_id: str, credential_username: str, environment: Environment
    ) -> ConnectionTestOutcome: ...
