"""Keeping PerlaHub in step with perla: credentials and commercial policies.

Outbox handlers: each pushes the whole current state (not a delta), stamped with a revision,
so a redelivered or late message can never roll PerlaHub back: PerlaHub ignores a revision
older than the one it holds. A client not yet registered in PerlaHub has nothing to push to;
its state is pushed once the agency exists (the registration event triggers a push too).
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from perla_core.credentials.model import Environment as CredentialEnvironment
from perla_core.credentials.model import PolicyCoverage
from perla_core.credentials.ports import ConnectionTestOutcome
from perla_core.gateways import PerlaHubGateway, idempotency_key
from perla_core.gateways.perlahub import (
    CredentialStatus,
    CredentialUpsert,
    Environment,
    MarginKind,
    PolicyRule,
)
from perla_core.policies.model import MarginRule
from perla_core.uow import UnitOfWork


def push_credential(credential_id: UUID, uow: UnitOfWork, perlahub: PerlaHubGateway) -> None:
    """Send one credential's whole state (and its secret's digest, never the secret)."""
    with uow:
        credential = uow.credentials.get(credential_id)
        client = uow.clients.get(credential.client_id)
    if client.perlahub_agency_id is None:
        return
    request = CredentialUpsert(
        credential_id=str(credential.id),
        agency_id=client.perlahub_agency_id,
        username=credential.username,
        environment=Environment(credential.environment.value),
        status=CredentialStatus(credential.status.value),
        revision=credential.version,
        products=tuple(p.value for p in credential.products),
        markets=credential.markets,
        currencies=credential.currencies,
        ip_allowlist=tuple(str(n) for n in credential.ip_allowlist),
        rate_limit_per_minute=credential.rate_limit_per_minute,
        secret_digest=f"sha256:{credential.secret_digest}",
    )
    perlahub.upsert_credential(
        request,
        idempotency_key("perlahub.credential", credential.id, credential.version),
    )


def push_credentials_of(client_id: UUID, uow: UnitOfWork, perlahub: PerlaHubGateway) -> None:
    with uow:
        ids = [c.id for c in uow.credentials.for_client(client_id)]
    for credential_id in ids:
        push_credential(credential_id, uow, perlahub)


def push_policy(client_id: UUID, uow: UnitOfWork, perlahub: PerlaHubGateway) -> None:
    """Send the client's current margin rules at the policy's revision."""
    with uow:
        client = uow.clients.get(client_id)
        policy = uow.policies.get_for_client(client_id)
    if client.perlahub_agency_id is None or policy is None:
        return
    perlahub.push_policy(
        client.perlahub_agency_id,
        [wire_rule(rule) for rule in policy.rules],
        policy.revision,
        idempotency_key("perlahub.policy", client_id, policy.revision),
    )


def wire_rule(rule: MarginRule) -> PolicyRule:
    return PolicyRule(
        rule_id=str(rule.id),
        name=rule.name,
        priority=rule.priority,
        active=rule.active,
        kind=MarginKind(rule.kind.value),
        value=rule.value,
        currency=rule.currency,
        booking_from=rule.booking_period.start,
        booking_to=rule.booking_period.end,
        stay_from=rule.stay_period.start if rule.stay_period else None,
        stay_to=rule.stay_period.end if rule.stay_period else None,
        hotels=tuple(sorted(rule.hotels)),
        channels=tuple(sorted(rule.channels)),
        suppliers=tuple(sorted(rule.suppliers)),
    )


class PerlaHubConnectionTester:
    """The credentials area's connection test, made by PerlaHub for the credential's agency."""

    def __init__(self, uow: Callable[[], UnitOfWork], perlahub: PerlaHubGateway) -> None:
        self._uow = uow
        self._perlahub = perlahub

    def test(
        self, credential_username: str, environment: CredentialEnvironment
    ) -> ConnectionTestOutcome:
        with self._uow() as uow:
            credential = uow.credentials.by_username(credential_username)
            client = uow.clients.get(credential.client_id) if credential else None
        if credential is None or client is None or client.perlahub_agency_id is None:
            return ConnectionTestOutcome(False, 0, "the client has no PerlaHub agency yet")
        outcome = self._perlahub.test_connection(
            client.perlahub_agency_id, credential_username, Environment(environment.value)
        )
        return ConnectionTestOutcome(outcome.ok, outcome.latency_ms, outcome.message)


def policy_lookup(uow: Callable[[], UnitOfWork]) -> Callable[[UUID], PolicyCoverage | None]:
    """The credentials area's view of a client's commercial policy."""

    def policy_for(client_id: UUID) -> PolicyCoverage | None:
        with uow() as opened:
            return opened.policies.get_for_client(client_id)

    return policy_for
