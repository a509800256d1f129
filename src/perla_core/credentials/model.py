"""The Credential aggregate: how a client's systems connect to PerlaHub.

A credential gives one client access to PerlaHub's B2B API in the test or the live
environment: a public username and a secret, the products it may sell, the markets and
currencies it works in, the IP networks it may call from and its rate limit. Only a client
with a validated record ("ficha validada") gets one: never a lead, nor a client still in its
administrative registration ("alta administrativa").

Its configuration must satisfy PerlaHub's technical rules (:class:`TechnicalRules`) and be
covered by the client's commercial policy (:class:`PolicyCoverage`); a refusal lists every
problem at once (:class:`CredentialRefused`). The secret comes from the ``SecretGenerator``
port, is shown once (:class:`IssuedSecret`) and kept only as a SHA-256 digest compared in
constant time, as API keys are (:mod:`perla_core.access.model`).
"""

from __future__ import annotations

import hmac
import ipaddress
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Protocol, TypeAlias, TypedDict, TypeVar
from uuid import UUID

import attrs

from perla_core.access.model import digest
from perla_core.credentials.events import (
    ConnectionTested,
    CredentialEdited,
    CredentialIssued,
    CredentialReactivated,
    CredentialRevoked,
    CredentialSecretRotated,
    CredentialSuspended,
)
from perla_core.kernel.errors import (
    IllegalTransition,
    InvalidInput,
    InvalidValue,
    PreconditionFailed,
)
from perla_core.kernel.money import MINOR_UNITS
from perla_core.kernel.values import country_code
from perla_core.onboarding.model import Client, ClientStatus

T = TypeVar("T")
IPNetwork: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network


class Environment(StrEnum):
    TEST = "test"
    LIVE = "live"


class CredentialStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"


class Product(StrEnum):
    """What a credential may sell through PerlaHub."""

    HOTELS = "hotels"
    TRANSFERS = "transfers"
    ACTIVITIES = "activities"
    PACKAGES = "packages"
    CAR_RENTAL = "car_rental"


# Clients whose record an agent has validated. Dormant clients keep theirs: fixing the
# integration of a client being won back should not wait for its reactivation. Churned clients
# get no new access until they are reactivated.
VALIDATED_RECORD_STATUSES: frozenset[ClientStatus] = frozenset(
    {ClientStatus.VALIDATED, ClientStatus.ONBOARDING, ClientStatus.LIVE, ClientStatus.DORMANT}
)

# What the administrative registration still lacks, by client status.
_STEPS_TO_VALIDATION: dict[ClientStatus, tuple[str, ...]] = {
    ClientStatus.PENDING_REGISTRATION: (
        "registered_in_dome",
        "registered_in_perlahub",
        "validated_record",
    ),
    ClientStatus.REGISTERED_IN_DOME: ("registered_in_perlahub", "validated_record"),
    ClientStatus.REGISTERED: ("validated_record",),
}
_STEP_LABELS: dict[str, str] = {
    "registered_in_dome": "registration in Dome",
    "registered_in_perlahub": "registration in PerlaHub",
    "validated_record": "validation of the record",
}


def require_validated_record(client: Client) -> None:
    """Refuse, saying why, unless the client may hold credentials ("ficha validada")."""
    name = f"{client.trade_name} ({client.id})"
    if client.is_lead:
        raise PreconditionFailed(
            f"{name} is a lead ({client.status}): credentials are only for clients with a "
            "validated record; convert it, register it in Dome and PerlaHub and validate its "
            "record first",
            missing=[
                "converted_to_client",
                *_STEPS_TO_VALIDATION[ClientStatus.PENDING_REGISTRATION],
            ],
            field="client_id",
        )
    status = client.client_status
    if status in _STEPS_TO_VALIDATION:
        steps = _STEPS_TO_VALIDATION[status]
        raise PreconditionFailed(
            f"{name} has no validated record yet (status {status}): credentials wait for "
            + ", ".join(_STEP_LABELS[s] for s in steps),
            missing=steps,
            field="client_id",
        )
    if status not in VALIDATED_RECORD_STATUSES:
        raise PreconditionFailed(
            f"{name} is {status}: reactivate the client before giving it access",
            missing=["active_client"],
            field="client_id",
        )


# --- configuration values ------------------------------------------------------------------

MAX_IP_ALLOWLIST = 50
MAX_LIST = 250
MIN_RATE_LIMIT = 1
MAX_RATE_LIMIT = 10_000
DEFAULT_RATE_LIMIT = 60
MAX_LABEL = 100
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")


def _entries(values: object, field: str, max_len: int) -> list[object]:
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise InvalidValue("must be a list", field=field)
    items = list(values)
    if len(items) > max_len:
        raise InvalidValue(
            f"holds {len(items)} entries, at most {max_len} are allowed", field=field
        )
    return items


def _each(values: object, field: str, parse: Callable[[object], T], max_len: int) -> list[T]:
    """Parse every entry; raises :class:`InvalidInput` naming each bad one (``field[i]``)."""
    parsed: list[T] = []
    errors: list[InvalidValue] = []
    for i, value in enumerate(_entries(values, field, max_len)):
        try:
            parsed.append(parse(value))
        except InvalidValue as exc:
            errors.append(InvalidValue(exc.message, field=f"{field}[{i}]"))
    if errors:
        raise InvalidInput(errors)
    return parsed


def _product(value: object) -> Product:
    try:
        return Product(str(value).strip().lower())
    except ValueError:
        allowed = ", ".join(p.value for p in Product)
        raise InvalidValue(f"{value!r} is not a product (one of: {allowed})") from None


def _currency(value: object) -> str:
    code = str(value).strip().upper()
    if code not in MINOR_UNITS:
        raise InvalidValue(f"{value!r} is not an ISO 4217 currency code")
    return code


def _network(value: object) -> IPNetwork:
    if isinstance(value, ipaddress.IPv4Network | ipaddress.IPv6Network):
        return value
    text = str(value).strip()
    try:
        return ipaddress.ip_network(text)
    except ValueError:
        try:
            network = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise InvalidValue(f"{value!r} is not an IP address or network") from None
        raise InvalidValue(f"{value!r} has host bits set: did you mean {network}?") from None


def parse_products(values: object) -> tuple[Product, ...]:
    """Known products, without repetitions, in :class:`Product` order."""
    chosen = set(_each(values, "products", _product, MAX_LIST))
    return tuple(p for p in Product if p in chosen)


def parse_markets(values: object) -> tuple[str, ...]:
    """ISO 3166-1 alpha-2 country codes, sorted; empty means every market."""
    return tuple(sorted(set(_each(values, "markets", country_code, MAX_LIST))))


def parse_currencies(values: object) -> tuple[str, ...]:
    """ISO 4217 currency codes, sorted."""
    return tuple(sorted(set(_each(values, "currencies", _currency, MAX_LIST))))


def parse_ip_allowlist(values: object) -> tuple[IPNetwork, ...]:
    """IPv4/IPv6 networks (a bare address is a /32 or /128), sorted, at most 50."""
    networks = set(_each(values, "ip_allowlist", _network, MAX_IP_ALLOWLIST))
    return tuple(sorted(networks, key=lambda n: (n.version, n.network_address, n.prefixlen)))


def check_rate_limit(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue("must be a whole number of requests", field="rate_limit_per_minute")
    if not MIN_RATE_LIMIT <= value <= MAX_RATE_LIMIT:
        raise InvalidValue(
            f"must be between {MIN_RATE_LIMIT} and {MAX_RATE_LIMIT:_} requests per minute",
            field="rate_limit_per_minute",
        )
    return value


def check_policy_revision(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidValue("must be a policy revision number (1 or more)", field="policy_revision")
    return value


def clean_label(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidValue("must be text", field="label")
    text = value.strip()
    if len(text) > MAX_LABEL:
        raise InvalidValue(f"is longer than {MAX_LABEL} characters", field="label")
    return text or None


def check_username(value: object) -> str:
    """3 to 64 characters: lower-case letters, digits, ``.``, ``_`` and ``-``."""
    text = str(value).strip().lower()
    if not _USERNAME.match(text):
        raise InvalidValue(
            f"{value!r} is not a username: use 3 to 64 lower-case letters, digits, '.', '_' or "
            "'-', starting with a letter or digit",
            field="username",
        )
    return text


def default_username(credential_id: UUID, environment: Environment) -> str:
    """The public client key PerlaHub shows when the agent does not choose one."""
    return f"ph-{environment.value}-{credential_id.hex}"


@attrs.frozen
class CredentialSettings:
    """A credential's access and product configuration, each field validated and normalised.

    Empty ``markets`` means every market; ``policy_revision`` ``None`` follows the client's
    current commercial policy, a number pins the revision the credential sells with.
    """

    products: tuple[Product, ...] = attrs.field(converter=parse_products)
    currencies: tuple[str, ...] = attrs.field(converter=parse_currencies)
    markets: tuple[str, ...] = attrs.field(default=(), converter=parse_markets)
    ip_allowlist: tuple[IPNetwork, ...] = attrs.field(default=(), converter=parse_ip_allowlist)
    rate_limit_per_minute: int = attrs.field(
        default=DEFAULT_RATE_LIMIT, validator=lambda _i, _a, v: check_rate_limit(v)
    )
    policy_revision: int | None = attrs.field(
        default=None, validator=lambda _i, _a, v: check_policy_revision(v)
    )
    label: str | None = attrs.field(default=None, converter=clean_label)


SETTINGS_FIELDS: tuple[str, ...] = tuple(f.name for f in attrs.fields(CredentialSettings))


# --- PerlaHub's technical rules and the commercial policy ------------------------------------


@attrs.frozen
class Problem:
    """One reason a configuration is refused, naming the field it is about."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class CredentialRefused(InvalidInput):
    """The configuration breaks PerlaHub's technical rules or is not covered by the client's
    commercial policy; ``problems`` (and ``errors``) name every one of them."""

    code = "credential_refused"
    title = "Credential refused"

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(InvalidValue(p.message, field=p.field) for p in self.problems)
        self.message = "the credential was refused: " + "; ".join(str(p) for p in self.problems)


class PolicyCoverage(Protocol):
    """What a credential needs from the client's commercial policy.

    ``coverage_problems`` returns one human-readable problem per product without an active
    margin rule and per currency the policy does not price ("product 'transfers' has no active
    margin rule", "currency 'USD' is not priced by the policy"); none when everything is
    covered. Products and currencies are judged independently, so an empty set yields none.
    """

    def coverage_problems(
        self, products: frozenset[str], currencies: frozenset[str]
    ) -> list[str]: ...


def policy_problems(coverage: PolicyCoverage | None, settings: CredentialSettings) -> list[Problem]:
    """The policy's objections, each under the field it is about."""
    if coverage is None:
        return [Problem("commercial_policy", "the client has no commercial policy")]
    products = frozenset(p.value for p in settings.products)
    currencies = frozenset(settings.currencies)
    by_product = coverage.coverage_problems(products, frozenset()) if products else []
    by_currency = coverage.coverage_problems(frozenset(), currencies) if currencies else []
    return [Problem("products", m) for m in by_product] + [
        Problem("currencies", m) for m in by_currency if m not in by_product
    ]


def _all_products() -> frozenset[Product]:
    return frozenset(Product)


@attrs.frozen
class TechnicalRules:
    """PerlaHub's technical rules for credentials; the defaults are PerlaHub's, each settable.

    A live credential must name the networks it calls from (public ones only), no network may
    be broader than ``/min_ipv4_prefix`` (``/min_ipv6_prefix``), the rate limit has a ceiling
    per environment, each environment offers its own products, and a client holds at most
    ``max_active_per_environment`` active credentials in each environment.
    """

    max_rate_limit_test: int = 600
    max_rate_limit_live: int = MAX_RATE_LIMIT
    products_test: frozenset[Product] = attrs.field(factory=_all_products)
    products_live: frozenset[Product] = attrs.field(factory=_all_products)
    live_requires_ip_allowlist: bool = True
    live_allows_private_networks: bool = False
    min_ipv4_prefix: int = 16
    min_ipv6_prefix: int = 48
    max_active_per_environment: int = 3

    def rate_limit_ceiling(self, environment: Environment) -> int:
        live = environment is Environment.LIVE
        return self.max_rate_limit_live if live else self.max_rate_limit_test

    def products_for(self, environment: Environment) -> frozenset[Product]:
        return self.products_live if environment is Environment.LIVE else self.products_test

    def problems(
        self,
        environment: Environment,
        settings: CredentialSettings,
        *,
        active_others: int | None = None,
    ) -> list[Problem]:
        """Every rule ``settings`` breaks in ``environment``. ``active_others`` (the client's
        other active credentials there) is given when the credential is about to become
        active, to check the ceiling."""
        env = environment.value
        found: list[Problem] = []
        if not settings.products:
            found.append(Problem("products", "enable at least one product"))
        for product in settings.products:
            if product not in self.products_for(environment):
                found.append(Problem("products", f"'{product}' is not offered in {env}"))
        if not settings.currencies:
            found.append(Problem("currencies", "give at least one currency"))
        ceiling = self.rate_limit_ceiling(environment)
        if settings.rate_limit_per_minute > ceiling:
            found.append(
                Problem(
                    "rate_limit_per_minute",
                    f"{settings.rate_limit_per_minute:_} requests per minute is above the {env} "
                    f"ceiling of {ceiling:_}",
                )
            )
        live = environment is Environment.LIVE
        if live and self.live_requires_ip_allowlist and not settings.ip_allowlist:
            found.append(
                Problem("ip_allowlist", "a live credential needs at least one allowed network")
            )
        for network in settings.ip_allowlist:
            widest = self.min_ipv4_prefix if network.version == 4 else self.min_ipv6_prefix
            if network.prefixlen < widest:
                found.append(
                    Problem("ip_allowlist", f"{network} is broader than /{widest}: name narrower")
                )
            if live and not self.live_allows_private_networks and not network.is_global:
                found.append(
                    Problem(
                        "ip_allowlist",
                        f"{network} is not a public network; PerlaHub sees only public addresses",
                    )
                )
        if active_others is not None and active_others >= self.max_active_per_environment:
            found.append(
                Problem(
                    "environment",
                    f"the client already has {active_others} active {env} credentials, "
                    f"the most PerlaHub allows is {self.max_active_per_environment}",
                )
            )
        return found

    def check(self, credential: Credential, *, others: Iterable[Credential] = ()) -> list[str]:
        """Every rule the credential breaks, as ``"field: message"``; with ``others`` (the
        client's other credentials) an active credential also counts against the ceiling."""
        siblings = list(others)
        active_others = (
            count_active(siblings, credential.client_id, credential.environment, credential.id)
            if siblings and credential.is_active
            else None
        )
        problems = self.problems(
            credential.environment, credential.settings, active_others=active_others
        )
        return [str(p) for p in problems]


DEFAULT_RULES = TechnicalRules()


def count_active(
    credentials: Iterable[Credential], client_id: UUID, environment: Environment, exclude: UUID
) -> int:
    """The client's active credentials in ``environment``, other than ``exclude``."""
    return sum(
        1
        for c in credentials
        if c.client_id == client_id
        and c.environment is environment
        and c.is_active
        and c.id != exclude
    )


def _refuse(problems: Sequence[Problem]) -> None:
    if problems:
        raise CredentialRefused(problems)


# --- the aggregate ----------------------------------------------------------------------------


@attrs.frozen
class ConnectionTest:
    """The outcome of the last test availability search PerlaHub ran with the credential."""

    at: datetime
    ok: bool
    latency_ms: int
    message: str

    def passed_since(self, cutoff: datetime) -> bool:
        return self.ok and self.at >= cutoff


@attrs.frozen
class IssuedSecret:
    """A credential's secret, returned once by the use case that generated it; never stored."""

    credential_id: UUID
    username: str
    version: int
    secret: str = attrs.field(repr=False)


class _Configuration(TypedDict):
    """What the events tell PerlaHub about a credential's configuration."""

    products: tuple[str, ...]
    markets: tuple[str, ...]
    currencies: tuple[str, ...]
    ip_allowlist: tuple[str, ...]
    rate_limit_per_minute: int
    policy_revision: int | None
    label: str | None


_S = CredentialStatus

# action -> {from status: to status}
CREDENTIAL_TRANSITIONS: dict[str, dict[CredentialStatus, CredentialStatus]] = {
    "suspend": {_S.ACTIVE: _S.SUSPENDED},
    "reactivate": {_S.SUSPENDED: _S.ACTIVE},
    "revoke": {_S.ACTIVE: _S.REVOKED, _S.SUSPENDED: _S.REVOKED},
}
# actions that keep the status -> the statuses they need
CREDENTIAL_ACTIONS: dict[str, frozenset[CredentialStatus]] = {
    "edit": frozenset({_S.ACTIVE}),
    "rotate_secret": frozenset({_S.ACTIVE, _S.SUSPENDED}),
    "test_connection": frozenset({_S.ACTIVE}),
}

MAX_REASON = 500
MAX_TEST_MESSAGE = 500


def _reason(value: str | None) -> str | None:
    text = (value or "").strip()
    if len(text) > MAX_REASON:
        raise InvalidValue(f"is longer than {MAX_REASON} characters", field="reason")
    return text or None


@attrs.define(eq=False)
class Credential:
    """A client's access to PerlaHub. Identity by ``id``; ``version`` guards edits.

    Active credentials can be edited, suspended and revoked; suspended ones reactivated or
    revoked; revoked is final. Operations that grant access (issue, edit, reactivate, rotate the
    secret) need a client with a validated record; suspending and revoking, which take access
    away, are always possible.
    """

    id: UUID
    client_id: UUID
    environment: Environment
    username: str
    secret_digest: str = attrs.field(repr=False)
    products: tuple[Product, ...]
    currencies: tuple[str, ...]
    markets: tuple[str, ...]
    ip_allowlist: tuple[IPNetwork, ...]
    rate_limit_per_minute: int
    policy_revision: int | None
    label: str | None
    created_at: datetime
    updated_at: datetime
    secret_rotated_at: datetime
    status: CredentialStatus = CredentialStatus.ACTIVE
    status_reason: str | None = None
    revoked_at: datetime | None = None
    last_connection_test: ConnectionTest | None = None
    version: int = 0
    events: list[object] = attrs.field(factory=list, repr=False)

    # --- creation ---------------------------------------------------------------------

    @classmethod
    def issue(
        cls,
        *,
        credential_id: UUID,
        client: Client,
        environment: Environment,
        username: str,
        secret: str,
        settings: CredentialSettings,
        rules: TechnicalRules,
        coverage: PolicyCoverage | None,
        others: Iterable[Credential],
        now: datetime,
        actor: str,
    ) -> Credential:
        """A new active credential; ``others`` are the client's existing credentials."""
        require_validated_record(client)
        active = count_active(others, client.id, environment, credential_id)
        _refuse(
            rules.problems(environment, settings, active_others=active)
            + policy_problems(coverage, settings)
        )
        credential = cls(
            id=credential_id,
            client_id=client.id,
            environment=environment,
            username=check_username(username),
            secret_digest=digest(secret),
            products=settings.products,
            currencies=settings.currencies,
            markets=settings.markets,
            ip_allowlist=settings.ip_allowlist,
            rate_limit_per_minute=settings.rate_limit_per_minute,
            policy_revision=settings.policy_revision,
            label=settings.label,
            created_at=now,
            updated_at=now,
            secret_rotated_at=now,
        )
        credential.events.append(
            CredentialIssued(
                credential.id,
                now,
                actor,
                credential.client_id,
                environment.value,
                credential.username,
                credential.status.value,
                **credential._configuration(),
            )
        )
        return credential

    # --- reading ----------------------------------------------------------------------

    @property
    def is_active(self) -> bool:
        return self.status is CredentialStatus.ACTIVE

    @property
    def settings(self) -> CredentialSettings:
        return CredentialSettings(
            products=self.products,
            currencies=self.currencies,
            markets=self.markets,
            ip_allowlist=self.ip_allowlist,
            rate_limit_per_minute=self.rate_limit_per_minute,
            policy_revision=self.policy_revision,
            label=self.label,
        )

    def matches(self, secret: str) -> bool:
        """Whether ``secret`` is the current one, compared in constant time."""
        return hmac.compare_digest(self.secret_digest, digest(secret))

    def allowed_actions(self) -> list[str]:
        moves = [a for a, t in CREDENTIAL_TRANSITIONS.items() if self.status in t]
        steps = [a for a, needs in CREDENTIAL_ACTIONS.items() if self.status in needs]
        return sorted(moves + steps)

    # --- editing ----------------------------------------------------------------------

    def edit(
        self,
        settings: CredentialSettings,
        *,
        client: Client,
        rules: TechnicalRules,
        coverage: PolicyCoverage | None,
        now: datetime,
        actor: str,
    ) -> tuple[str, ...]:
        """Replace the configuration of an active credential; returns the changed fields.

        The whole new configuration is checked, so an edit also surfaces what a later change of
        the rules or of the policy broke.
        """
        self.require("edit")
        changed = tuple(f for f in SETTINGS_FIELDS if getattr(settings, f) != getattr(self, f))
        if not changed:
            return ()
        require_validated_record(client)
        _refuse(rules.problems(self.environment, settings) + policy_problems(coverage, settings))
        for name in changed:
            setattr(self, name, getattr(settings, name))
        self.updated_at = now
        self.events.append(
            CredentialEdited(
                self.id,
                now,
                actor,
                self.client_id,
                self.environment.value,
                self.username,
                changed,
                **self._configuration(),
            )
        )
        return changed

    # --- lifecycle ----------------------------------------------------------------------

    def suspend(self, *, now: datetime, actor: str, reason: str | None = None) -> None:
        """Stop access for now; it can be reactivated."""
        text = _reason(reason)
        self._move("suspend", now, reason=text)
        self.events.append(
            CredentialSuspended(
                self.id, now, actor, self.client_id, self.environment.value, self.username, text
            )
        )

    def reactivate(
        self,
        *,
        client: Client,
        rules: TechnicalRules,
        coverage: PolicyCoverage | None,
        others: Iterable[Credential],
        now: datetime,
        actor: str,
    ) -> None:
        """Give access back; the configuration is checked again, as rules and the policy may
        have changed while it was suspended."""
        self._target("reactivate")
        require_validated_record(client)
        active = count_active(others, self.client_id, self.environment, self.id)
        settings = self.settings
        _refuse(
            rules.problems(self.environment, settings, active_others=active)
            + policy_problems(coverage, settings)
        )
        self._move("reactivate", now, reason=None)
        self.events.append(
            CredentialReactivated(
                self.id, now, actor, self.client_id, self.environment.value, self.username
            )
        )

    def revoke(self, *, now: datetime, actor: str, reason: str | None = None) -> None:
        """End access for good."""
        text = _reason(reason)
        self._move("revoke", now, reason=text)
        self.revoked_at = now
        self.events.append(
            CredentialRevoked(
                self.id, now, actor, self.client_id, self.environment.value, self.username, text
            )
        )

    def rotate_secret(self, secret: str, *, client: Client, now: datetime, actor: str) -> None:
        """Replace the secret: from now on only the new one matches."""
        self.require("rotate_secret")
        require_validated_record(client)
        if self.matches(secret):
            raise InvalidValue("the new secret must differ from the current one", field="secret")
        self.secret_digest = digest(secret)
        self.secret_rotated_at = now
        self.updated_at = now
        self.events.append(
            CredentialSecretRotated(
                self.id, now, actor, self.client_id, self.environment.value, self.username
            )
        )

    def record_connection_test(
        self, *, ok: bool, latency_ms: int, message: str, now: datetime, actor: str
    ) -> ConnectionTest:
        """Keep the outcome of a test availability search run with this active credential."""
        self.require("test_connection")
        if isinstance(latency_ms, bool) or latency_ms < 0:
            raise InvalidValue("cannot be negative", field="latency_ms")
        text = message.strip()[:MAX_TEST_MESSAGE]
        test = ConnectionTest(at=now, ok=ok, latency_ms=latency_ms, message=text)
        self.last_connection_test = test
        self.updated_at = now
        self.events.append(
            ConnectionTested(
                self.id,
                now,
                actor,
                self.client_id,
                self.environment.value,
                self.username,
                ok,
                latency_ms,
                text,
            )
        )
        return test

    # --- internals ----------------------------------------------------------------------

    def _configuration(self) -> _Configuration:
        return {
            "products": tuple(p.value for p in self.products),
            "markets": self.markets,
            "currencies": self.currencies,
            "ip_allowlist": tuple(str(n) for n in self.ip_allowlist),
            "rate_limit_per_minute": self.rate_limit_per_minute,
            "policy_revision": self.policy_revision,
            "label": self.label,
        }

    def require(self, action: str) -> None:
        """Raise :class:`IllegalTransition` unless ``action`` (a key of
        :data:`CREDENTIAL_ACTIONS`) is possible in the current status."""
        if self.status not in CREDENTIAL_ACTIONS[action]:
            raise IllegalTransition(
                "credential", self.status.value, action, allowed=self.allowed_actions()
            )

    def _target(self, action: str) -> CredentialStatus:
        target = CREDENTIAL_TRANSITIONS[action].get(self.status)
        if target is None:
            raise IllegalTransition(
                "credential", self.status.value, action, allowed=self.allowed_actions()
            )
        return target

    def _move(self, action: str, now: datetime, *, reason: str | None) -> None:
        self.status = self._target(action)
        self.status_reason = reason
        self.updated_at = now
