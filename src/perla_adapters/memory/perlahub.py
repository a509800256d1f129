"""An in-memory PerlaHub: the first-class fake of :class:`PerlaHubGateway`.

It keeps agencies, benchmark logins, credentials and policy snapshots, applies PerlaHub's
documented rules (``docs/contracts/perlahub.md``), honours idempotency keys and revisions,
and runs connection tests against the credentials it holds. The PerlaHub simulator serves this
same object over HTTP. Knobs: :meth:`fail_next`, ``calls``, ``agencies``, ``credentials``,
``benchmark_accesses``, ``policies``, ``connection_latency_ms`` and ``connection_results``.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from datetime import timedelta

import attrs

from perla_adapters.memory.dome import (
    COUNTRY,
    CURRENCY,
    E164,
    EMAIL,
    SLUG,
    FakeGateway,
    FieldErrors,
)
from perla_core.gateways.errors import ExternalConflict, ExternalNotFound
from perla_core.gateways.perlahub import (
    BenchmarkAccess,
    BenchmarkAccessRequest,
    ConnectionTestOutcome,
    CredentialStatus,
    CredentialUpsert,
    Environment,
    MarginKind,
    PerlaHubAgency,
    PerlaHubAgencyRequest,
    PerlaHubCredential,
    PerlaHubPolicy,
    PolicyRule,
)
from perla_core.kernel.ports import Clock

SYSTEM = "perlahub"
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
MAX_BENCHMARK_DAYS = 90
TAX_ID = re.compile(r"^[A-Z0-9]{4,20}$")


def _check_codes(errors: FieldErrors, request: CredentialUpsert | BenchmarkAccessRequest) -> None:
    if not request.products:
        errors.add("products", "give at least one product")
    errors.each("products", request.products, SLUG, "a lower-case product code such as hotels")
    errors.each("markets", request.markets, COUNTRY, "an ISO 3166-1 alpha-2 code")


def validate_agency(request: PerlaHubAgencyRequest) -> None:
    """PerlaHub's rules for a new agency; :class:`ExternalRejected` naming every bad field."""
    errors = FieldErrors(SYSTEM)
    errors.text("external_ref", request.external_ref, limit=64)
    errors.text("dome_customer_code", request.dome_customer_code, limit=32)
    errors.text("legal_name", request.legal_name)
    errors.text("trade_name", request.trade_name)
    errors.match("tax_id", request.tax_id, TAX_ID, "4 to 20 upper-case letters and digits")
    errors.match("country", request.country, COUNTRY, "an ISO 3166-1 alpha-2 code")
    errors.match("email", request.email, EMAIL, "an e-mail address")
    errors.match("phone", request.phone, E164, "an E.164 phone number", required=False)
    errors.text("business_type", request.business_type, limit=50)
    errors.each("markets", request.markets, COUNTRY, "an ISO 3166-1 alpha-2 code")
    if not request.currencies:
        errors.add("currencies", "give at least one currency")
    errors.each("currencies", request.currencies, CURRENCY, "an ISO 4217 code")
    errors.raise_if_any("agency")


def validate_credential(request: CredentialUpsert) -> None:
    """PerlaHub's rules for a credential's state; :class:`ExternalRejected` naming the fields."""
    errors = FieldErrors(SYSTEM)
    errors.text("credential_id", request.credential_id, limit=64)
    errors.text("agency_id", request.agency_id, limit=32)
    errors.match("username", request.username, USERNAME, "3 to 64 of a-z, 0-9, '.', '_', '-'")
    if request.revision < 1:
        errors.add("revision", "must be 1 or more")
    _check_codes(errors, request)
    if not request.currencies:
        errors.add("currencies", "give at least one currency")
    errors.each("currencies", request.currencies, CURRENCY, "an ISO 4217 code")
    for i, entry in enumerate(request.ip_allowlist):
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            errors.add(f"ip_allowlist[{i}]", "must be an IP address or a CIDR network")
    errors.between("rate_limit_per_minute", request.rate_limit_per_minute, 1, 10_000)
    errors.raise_if_any("credential")


def validate_policy(rules: Sequence[PolicyRule], revision: int) -> None:
    """PerlaHub's rules for a policy snapshot; :class:`ExternalRejected` naming the fields."""
    errors = FieldErrors(SYSTEM)
    if revision < 1:
        errors.add("revision", "must be 1 or more")
    seen: set[str] = set()
    for i, rule in enumerate(rules):
        at = f"rules[{i}]"
        errors.text(f"{at}.rule_id", rule.rule_id, limit=64)
        errors.text(f"{at}.name", rule.name, required=False, limit=100)
        if rule.rule_id in seen:
            errors.add(f"{at}.rule_id", f"{rule.rule_id!r} appears twice")
        seen.add(rule.rule_id)
        if rule.priority < 0:
            errors.add(f"{at}.priority", "must be 0 or more")
        if not rule.value.is_finite():
            errors.add(f"{at}.value", "must be a number")
        elif rule.kind is MarginKind.PERCENT and not -100 < rule.value <= 1000:
            errors.add(f"{at}.value", "a percentage must be above -100 and at most 1000")
        if rule.kind is MarginKind.FIXED:
            errors.match(f"{at}.currency", rule.currency, CURRENCY, "an ISO 4217 code")
        else:
            errors.match(
                f"{at}.currency", rule.currency, CURRENCY, "an ISO 4217 code", required=False
            )
        for start, end in (("booking_from", "booking_to"), ("stay_from", "stay_to")):
            low, high = getattr(rule, start), getattr(rule, end)
            if low is not None and high is not None and high < low:
                errors.add(f"{at}.{end}", f"ends before {start}")
    errors.raise_if_any("policy")


@attrs.frozen
class _StoredCredential:
    state: CredentialUpsert
    view: PerlaHubCredential


class InMemoryPerlaHub(FakeGateway):
    """PerlaHub's agencies, logins, credentials and policies in memory (see module docstring)."""

    system = SYSTEM

    def __init__(
        self,
        clock: Clock | None = None,
        *,
        connection_latency_ms: int = 42,
        connection_results: int = 25,
    ) -> None:
        super().__init__(clock)
        self.connection_latency_ms = connection_latency_ms
        self.connection_results = connection_results
        self._agencies: dict[str, PerlaHubAgency] = {}
        self._agency_by_dome: dict[str, str] = {}
        self._accesses: dict[str, BenchmarkAccess] = {}
        self._credentials: dict[tuple[str, str], _StoredCredential] = {}
        self._usernames: dict[str, tuple[str, str]] = {}
        self._policies: dict[str, PerlaHubPolicy] = {}

    # --- what PerlaHub holds ---------------------------------------------------------------

    @property
    def agencies(self) -> list[PerlaHubAgency]:
        with self._lock:
            return list(self._agencies.values())

    @property
    def benchmark_accesses(self) -> list[BenchmarkAccess]:
        with self._lock:
            return [self._current(a) for a in self._accesses.values()]

    @property
    def credentials(self) -> list[PerlaHubCredential]:
        with self._lock:
            return [c.view for c in self._credentials.values()]

    @property
    def policies(self) -> list[PerlaHubPolicy]:
        with self._lock:
            return list(self._policies.values())

    def secret_digest(self, agency_id: str, credential_id: str) -> str | None:
        """The digest PerlaHub would verify the credential's secret against."""
        with self._lock:
            stored = self._credentials.get((agency_id, credential_id))
            return None if stored is None else stored.state.secret_digest

    def reset(self) -> None:
        """Forget everything: records, keys, calls and queued failures."""
        with self._lock:
            for table in (
                self._agencies,
                self._agency_by_dome,
                self._accesses,
                self._credentials,
                self._usernames,
                self._policies,
            ):
                table.clear()
            self.ledger.clear()
            self.calls.clear()
            self.reset_failures()

    # --- agencies ------------------------------------------------------------------------

    def create_agency(self, request: PerlaHubAgencyRequest, idempotency_key: str) -> PerlaHubAgency:
        def effect() -> PerlaHubAgency:
            validate_agency(request)
            if (existing := self._agency_by_dome.get(request.dome_customer_code)) is not None:
                raise ExternalConflict(
                    SYSTEM,
                    f"PerlaHub already has agency {existing} for Dome customer "
                    f"{request.dome_customer_code}",
                    reason="duplicate_agency",
                    existing_id=existing,
                )
            agency = PerlaHubAgency(
                agency_id=f"AG{len(self._agencies) + 1:06d}",
                external_ref=request.external_ref,
                dome_customer_code=request.dome_customer_code,
                legal_name=request.legal_name,
                trade_name=request.trade_name,
                country=request.country,
                email=request.email,
                markets=request.markets,
                currencies=request.currencies,
                status="active",
                created_at=self._now(),
            )
            self._agencies[agency.agency_id] = agency
            self._agency_by_dome[request.dome_customer_code] = agency.agency_id
            return agency

        return self._call("agencies.create", effect, key=idempotency_key, request=request)

    def get_agency(self, agency_id: str) -> PerlaHubAgency:
        return self._call("agencies.get", lambda: self._agency(agency_id), target=agency_id)

    def _agency(self, agency_id: str) -> PerlaHubAgency:
        try:
            return self._agencies[agency_id]
        except KeyError:
            raise ExternalNotFound(SYSTEM, "agency", agency_id) from None

    # --- benchmark access ----------------------------------------------------------------

    def grant_benchmark_access(
        self, request: BenchmarkAccessRequest, idempotency_key: str
    ) -> BenchmarkAccess:
        def effect() -> BenchmarkAccess:
            now = self._now()
            errors = FieldErrors(SYSTEM)
            errors.text("external_ref", request.external_ref, limit=64)
            errors.text("agency_name", request.agency_name)
            errors.text("contact_name", request.contact_name)
            errors.match("email", request.email, EMAIL, "an e-mail address")
            if request.expires_at.tzinfo is None:
                errors.add("expires_at", "needs a time zone")
            elif request.expires_at <= now:
                errors.add("expires_at", "must be in the future")
            elif request.expires_at > now + timedelta(days=MAX_BENCHMARK_DAYS):
                errors.add("expires_at", f"is at most {MAX_BENCHMARK_DAYS} days ahead")
            _check_codes(errors, request)
            errors.between("daily_search_limit", request.daily_search_limit, 1, 10_000)
            errors.raise_if_any("benchmark access")
            n = len(self._accesses) + 1
            access = BenchmarkAccess(
                access_id=f"BA{n:06d}",
                external_ref=request.external_ref,
                login=f"bench-{n:06d}",
                email=request.email,
                expires_at=request.expires_at,
                products=request.products,
                markets=request.markets,
                daily_search_limit=request.daily_search_limit,
                status="active",
                created_at=now,
            )
            self._accesses[access.access_id] = access
            return access

        return self._call("benchmark.grant", effect, key=idempotency_key, request=request)

    def revoke_benchmark_access(self, access_id: str) -> BenchmarkAccess:
        def effect() -> BenchmarkAccess:
            try:
                access = self._accesses[access_id]
            except KeyError:
                raise ExternalNotFound(SYSTEM, "benchmark access", access_id) from None
            revoked = attrs.evolve(access, status="revoked")
            self._accesses[access_id] = revoked
            return revoked

        return self._call("benchmark.revoke", effect, target=access_id)

    def _current(self, access: BenchmarkAccess) -> BenchmarkAccess:
        if access.status == "active" and access.expires_at <= self._now():
            return attrs.evolve(access, status="expired")
        return access

    # --- credentials ---------------------------------------------------------------------

    def upsert_credential(
        self, request: CredentialUpsert, idempotency_key: str
    ) -> PerlaHubCredential:
        def effect() -> PerlaHubCredential:
            validate_credential(request)
            self._agency(request.agency_id)
            ident = (request.agency_id, request.credential_id)
            stored = self._credentials.get(ident)
            if stored is not None:
                return self._update(stored, request)
            if request.secret_digest is None:
                errors = FieldErrors(SYSTEM)
                errors.add("secret_digest", "is required for a new credential")
                errors.raise_if_any("credential")
            return self._store(request, request.secret_digest)

        return self._call(
            "credentials.upsert",
            effect,
            key=idempotency_key,
            request=request,
            target=request.credential_id,
        )

    def _update(self, stored: _StoredCredential, request: CredentialUpsert) -> PerlaHubCredential:
        current = stored.state
        if request.revision < current.revision:
            return stored.view
        digest = request.secret_digest or current.secret_digest
        candidate = attrs.evolve(request, secret_digest=digest)
        if request.revision == current.revision:
            if candidate == current:
                return stored.view
            raise ExternalConflict(
                SYSTEM,
                f"credential {request.credential_id} already has a different revision "
                f"{request.revision}",
                reason="revision_conflict",
            )
        if current.status is CredentialStatus.REVOKED:
            errors = FieldErrors(SYSTEM)
            errors.add("status", "a revoked credential cannot change any more")
            errors.raise_if_any("credential")
        return self._store(request, digest)

    def _store(self, request: CredentialUpsert, digest: str | None) -> PerlaHubCredential:
        ident = (request.agency_id, request.credential_id)
        owner = self._usernames.get(request.username)
        if owner is not None and owner != ident:
            raise ExternalConflict(
                SYSTEM,
                f"the username {request.username} belongs to another credential",
                reason="username_taken",
            )
        previous = self._credentials.get(ident)
        if previous is not None and previous.state.username != request.username:
            del self._usernames[previous.state.username]
        view = PerlaHubCredential(
            credential_id=request.credential_id,
            agency_id=request.agency_id,
            username=request.username,
            environment=request.environment,
            status=request.status,
            revision=request.revision,
            products=request.products,
            markets=request.markets,
            currencies=request.currencies,
            ip_allowlist=request.ip_allowlist,
            rate_limit_per_minute=request.rate_limit_per_minute,
            has_secret=digest is not None,
            updated_at=self._now(),
        )
        self._credentials[ident] = _StoredCredential(
            attrs.evolve(request, secret_digest=digest), view
        )
        self._usernames[request.username] = ident
        return view

    def get_credential(self, agency_id: str, credential_id: str) -> PerlaHubCredential:
        def effect() -> PerlaHubCredential:
            self._agency(agency_id)
            stored = self._credentials.get((agency_id, credential_id))
            if stored is None:
                raise ExternalNotFound(SYSTEM, "credential", credential_id)
            return stored.view

        return self._call("credentials.get", effect, target=credential_id)

    # --- policies ------------------------------------------------------------------------

    def push_policy(
        self, agency_id: str, rules: Sequence[PolicyRule], revision: int, idempotency_key: str
    ) -> PerlaHubPolicy:
        snapshot = tuple(rules)

        def effect() -> PerlaHubPolicy:
            validate_policy(snapshot, revision)
            self._agency(agency_id)
            current = self._policies.get(agency_id)
            if current is not None and revision < current.revision:
                return current
            if current is not None and revision == current.revision:
                if current.rules == snapshot:
                    return current
                raise ExternalConflict(
                    SYSTEM,
                    f"agency {agency_id} already has a different policy revision {revision}",
                    reason="revision_conflict",
                )
            policy = PerlaHubPolicy(agency_id, revision, snapshot, self._now())
            self._policies[agency_id] = policy
            return policy

        return self._call(
            "policies.push",
            effect,
            key=idempotency_key,
            request=(agency_id, revision, snapshot),
            target=agency_id,
        )

    def get_policy(self, agency_id: str) -> PerlaHubPolicy:
        def effect() -> PerlaHubPolicy:
            self._agency(agency_id)
            policy = self._policies.get(agency_id)
            if policy is None:
                raise ExternalNotFound(SYSTEM, "policy of agency", agency_id)
            return policy

        return self._call("policies.get", effect, target=agency_id)

    # --- connection test -----------------------------------------------------------------

    def test_connection(
        self, agency_id: str, credential_username: str, environment: Environment
    ) -> ConnectionTestOutcome:
        def effect() -> ConnectionTestOutcome:
            self._agency(agency_id)
            owner = self._usernames.get(credential_username)
            stored = None if owner is None else self._credentials[owner]
            if stored is None or owner is None or owner[0] != agency_id:
                return self._failed(f"agency {agency_id} has no credential {credential_username}")
            if stored.state.environment is not environment:
                return self._failed(
                    f"credential {credential_username} is for {stored.state.environment}, "
                    f"not {environment}"
                )
            if stored.state.status is not CredentialStatus.ACTIVE:
                return self._failed(f"credential {credential_username} is {stored.state.status}")
            return ConnectionTestOutcome(
                ok=True,
                latency_ms=self.connection_latency_ms,
                message=f"test availability search answered {self.connection_results} hotels",
                results=self.connection_results,
            )

        return self._call("connection.test", effect, target=credential_username)

    @staticmethod
    def _failed(message: str) -> ConnectionTestOutcome:
        return ConnectionTestOutcome(ok=False, latency_ms=0, message=message, results=0)
