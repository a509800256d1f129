"""Use cases of the credentials area. Each opens one unit of work and returns primitives, a
frozen result or the aggregate it read; none builds an adapter.

Every write takes the acting :class:`Actor` and checks its role first. ``policy_for`` gives the
client's current commercial policy (``None`` when it has none, which refuses the credential);
``rules`` are PerlaHub's technical rules, PerlaHub's defaults unless configured.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from uuid import UUID

import attrs

from perla_core.access.model import Actor, Permission
from perla_core.credentials.commands import (
    EditCredential,
    IssueCredential,
    ReactivateCredential,
    RecordConnectionTest,
    RevokeCredential,
    RotateCredentialSecret,
    SuspendCredential,
    parse_issue,
    parse_settings,
)
from perla_core.credentials.golive import DEFAULT_MAX_TEST_AGE, Checklist, golive_checklist
from perla_core.credentials.model import (
    DEFAULT_RULES,
    ConnectionTest,
    Credential,
    IssuedSecret,
    TechnicalRules,
    default_username,
)
from perla_core.credentials.ports import ConnectionTester, CredentialUnitOfWork, PolicyLookup
from perla_core.kernel.errors import AlreadyExists, StaleVersion
from perla_core.kernel.ports import Clock, IdGenerator, SecretGenerator

SECRET_BYTES = 32


def issue_credential(
    command: IssueCredential,
    uow: CredentialUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    secrets: SecretGenerator,
    policy_for: PolicyLookup,
    actor: Actor,
    *,
    rules: TechnicalRules = DEFAULT_RULES,
) -> IssuedSecret:
    """Give a client with a validated record a new credential; returns its id, username and
    secret, which is shown this once and stored only as a digest."""
    actor.require(Permission.WRITE_COMMERCIAL)
    environment, settings, username = parse_issue(command)
    with uow:
        client = uow.clients.get(command.client_id)
        credential_id = ids.new_id()
        username = username or default_username(credential_id, environment)
        if uow.credentials.by_username(username) is not None:
            raise AlreadyExists(f"username {username!r} is taken", field="username")
        secret = secrets.new_secret(SECRET_BYTES)
        credential = Credential.issue(
            credential_id=credential_id,
            client=client,
            environment=environment,
            username=username,
            secret=secret,
            settings=settings,
            rules=rules,
            coverage=policy_for(client.id),
            others=uow.credentials.for_client(client.id),
            now=clock.now(),
            actor=actor.name,
        )
        uow.credentials.add(credential)
        uow.commit()
    return IssuedSecret(credential.id, credential.username, credential.version, secret)


def edit_credential(
    command: EditCredential,
    uow: CredentialUnitOfWork,
    clock: Clock,
    policy_for: PolicyLookup,
    actor: Actor,
    *,
    rules: TechnicalRules = DEFAULT_RULES,
) -> int:
    """Change an active credential's configuration, checked against PerlaHub's rules and the
    client's commercial policy; returns the version (unchanged when nothing changed)."""
    actor.require(Permission.WRITE_COMMERCIAL)
    changes = parse_settings(command.changes())
    with uow:
        credential = _load(uow, command.credential_id, command.expected_version)
        settings = attrs.evolve(credential.settings, **changes)
        changed = credential.edit(
            settings,
            client=uow.clients.get(credential.client_id),
            rules=rules,
            coverage=policy_for(credential.client_id),
            now=clock.now(),
            actor=actor.name,
        )
        if changed:
            uow.credentials.save(credential)
            uow.commit()
        return credential.version


def suspend_credential(
    command: SuspendCredential, uow: CredentialUnitOfWork, clock: Clock, actor: Actor
) -> int:
    """Stop a credential's access for now; returns the new version."""
    actor.require(Permission.WRITE_COMMERCIAL)
    with uow:
        credential = _load(uow, command.credential_id, command.expected_version)
        credential.suspend(now=clock.now(), actor=actor.name, reason=command.reason)
        uow.credentials.save(credential)
        uow.commit()
        return credential.version


def reactivate_credential(
    command: ReactivateCredential,
    uow: CredentialUnitOfWork,
    clock: Clock,
    policy_for: PolicyLookup,
    actor: Actor,
    *,
    rules: TechnicalRules = DEFAULT_RULES,
) -> int:
    """Give a suspended credential its access back, its configuration checked again; returns
    the new version."""
    actor.require(Permission.WRITE_COMMERCIAL)
    with uow:
        credential = _load(uow, command.credential_id, command.expected_version)
        credential.reactivate(
            client=uow.clients.get(credential.client_id),
            rules=rules,
            coverage=policy_for(credential.client_id),
            others=uow.credentials.for_client(credential.client_id),
            now=clock.now(),
            actor=actor.name,
        )
        uow.credentials.save(credential)
        uow.commit()
        return credential.version


def revoke_credential(
    command: RevokeCredential, uow: CredentialUnitOfWork, clock: Clock, actor: Actor
) -> int:
    """End a credential's access for good; returns the new version."""
    actor.require(Permission.WRITE_COMMERCIAL)
    with uow:
        credential = _load(uow, command.credential_id, command.expected_version)
        credential.revoke(now=clock.now(), actor=actor.name, reason=command.reason)
        uow.credentials.save(credential)
        uow.commit()
        return credential.version


def rotate_credential_secret(
    command: RotateCredentialSecret,
    uow: CredentialUnitOfWork,
    clock: Clock,
    secrets: SecretGenerator,
    actor: Actor,
) -> IssuedSecret:
    """Replace a credential's secret; returns the new one, shown this once. The old secret stops
    matching."""
    actor.require(Permission.WRITE_COMMERCIAL)
    with uow:
        credential = _load(uow, command.credential_id, command.expected_version)
        secret = secrets.new_secret(SECRET_BYTES)
        credential.rotate_secret(
            secret,
            client=uow.clients.get(credential.client_id),
            now=clock.now(),
            actor=actor.name,
        )
        uow.credentials.save(credential)
        uow.commit()
    return IssuedSecret(credential.id, credential.username, credential.version, secret)


def record_connection_test(
    command: RecordConnectionTest,
    uow: CredentialUnitOfWork,
    clock: Clock,
    tester: ConnectionTester,
    actor: Actor,
) -> ConnectionTest:
    """Run PerlaHub's test availability search with an active credential and keep the outcome.

    The call to PerlaHub happens between two units of work, so no transaction waits on the
    network; the outcome is recorded on the credential as it is then (refused if it was
    suspended or revoked meanwhile).
    """
    actor.require(Permission.WRITE_COMMERCIAL)
    with uow:
        credential = uow.credentials.get(command.credential_id)
        credential.require("test_connection")
    outcome = tester.test(credential.username, credential.environment)
    with uow:
        credential = uow.credentials.get(command.credential_id)
        test = credential.record_connection_test(
            ok=outcome.ok,
            latency_ms=outcome.latency_ms,
            message=outcome.message,
            now=clock.now(),
            actor=actor.name,
        )
        uow.credentials.save(credential)
        uow.commit()
    return test


def list_credentials(client_id: UUID, uow: CredentialUnitOfWork, actor: Actor) -> list[Credential]:
    """Every credential of a client, revoked ones included, oldest first; raises
    :class:`NotFound` for an unknown client."""
    actor.require(Permission.READ)
    with uow:
        uow.clients.get(client_id)
        return uow.credentials.for_client(client_id)


def get_credential(credential_id: UUID, uow: CredentialUnitOfWork, actor: Actor) -> Credential:
    """One credential by id (never its secret); raises :class:`NotFound`."""
    actor.require(Permission.READ)
    with uow:
        return uow.credentials.get(credential_id)


def golive_readiness(
    client_id: UUID,
    uow: CredentialUnitOfWork,
    clock: Clock,
    actor: Actor,
    *,
    dome_customer_id: str | None,
    perlahub_agency_id: str | None,
    technical_validations: Mapping[str, bool],
    max_test_age: timedelta = DEFAULT_MAX_TEST_AGE,
) -> Checklist:
    """The go-live checklist of a client as stored now; ``checklist.require_ready()`` refuses
    go-live with what is missing."""
    actor.require(Permission.READ)
    with uow:
        client = uow.clients.get(client_id)
        credentials = uow.credentials.for_client(client_id)
    return golive_checklist(
        client,
        credentials,
        technical_validations,
        dome_customer_id=dome_customer_id,
        perlahub_agency_id=perlahub_agency_id,
        now=clock.now(),
        max_test_age=max_test_age,
    )


def _load(
    uow: CredentialUnitOfWork, credential_id: UUID, expected_version: int | None
) -> Credential:
    credential = uow.credentials.get(credential_id)
    if expected_version is not None and expected_version != credential.version:
        raise StaleVersion("credential", credential_id, expected_version, credential.version)
    return credential
