"""What route handlers receive: the container's providers, handed over through ``Provide``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dramatiq import Broker
from litestar import Request
from litestar.di import Provide
from litestar.params import SkipValidation

from perla_core.access.model import Actor
from perla_core.credentials.ports import ConnectionTester, PolicyLookup
from perla_core.kernel.ports import Clock, IdGenerator, SecretGenerator
from perla_core.onboarding.sync import PerlaHubConnectionTester, policy_lookup
from perla_core.policies.pricing import PolicyIndexCache
from perla_core.uow import UnitOfWork
from perla_entrypoints.container import Container, Storage, uow_factory
from perla_entrypoints.http.auth import ActorCache, actor_of

# Handed over as they are: Litestar does not validate what the container provides.
NewUow = SkipValidation[Callable[[], UnitOfWork]]
"""Gives a fresh unit of work: one per use case a route calls."""
ClockDep = SkipValidation[Clock]
IdsDep = SkipValidation[IdGenerator]
SecretsDep = SkipValidation[SecretGenerator]
ActorDep = SkipValidation[Actor]
AuthCacheDep = SkipValidation[ActorCache]
StorageProbe = SkipValidation[Callable[[], Storage]]
"""Returns the storage, building it on first use (a probe catches a failure to build it)."""
BrokerProbe = SkipValidation[Callable[[], Broker]]
PolicyForDep = SkipValidation[PolicyLookup]
"""The client's current commercial policy, as credentials see it."""
TesterDep = SkipValidation[ConnectionTester]
"""PerlaHub's connection test (a test availability search with a credential)."""
PolicyCacheDep = SkipValidation[PolicyIndexCache]
"""The app's indexes of policies, rebuilt only when a policy's version changes."""


def dependencies(
    container: Container, cache: ActorCache, policy_cache: PolicyIndexCache
) -> dict[str, Provide]:
    new_uow = uow_factory(container)
    policy_for = policy_lookup(new_uow)

    def provide_uows() -> Callable[[], UnitOfWork]:
        return new_uow

    def provide_clock() -> Clock:
        clock: Clock = container.clock()
        return clock

    def provide_ids() -> IdGenerator:
        ids: IdGenerator = container.ids()
        return ids

    def provide_secrets() -> SecretGenerator:
        secrets: SecretGenerator = container.secrets()
        return secrets

    def provide_actor(request: Request[Any, Any, Any]) -> Actor:
        return actor_of(request)

    def provide_auth_cache() -> ActorCache:
        return cache

    def provide_storage() -> Callable[[], Storage]:
        provider: Callable[[], Storage] = container.storage
        return provider

    def provide_broker() -> Callable[[], Broker]:
        provider: Callable[[], Broker] = container.broker
        return provider

    def provide_policy_for() -> PolicyLookup:
        return policy_for

    def provide_tester() -> ConnectionTester:
        return PerlaHubConnectionTester(new_uow, container.perlahub())

    def provide_policy_cache() -> PolicyIndexCache:
        return policy_cache

    return {
        "uows": Provide(provide_uows, sync_to_thread=False),
        "clock": Provide(provide_clock, sync_to_thread=False),
        "ids": Provide(provide_ids, sync_to_thread=False),
        "secrets": Provide(provide_secrets, sync_to_thread=False),
        "actor": Provide(provide_actor, sync_to_thread=False),
        "auth_cache": Provide(provide_auth_cache, sync_to_thread=False),
        "storage": Provide(provide_storage, sync_to_thread=False),
        "broker": Provide(provide_broker, sync_to_thread=False),
        "policy_for": Provide(provide_policy_for, sync_to_thread=False),
        "tester": Provide(provide_tester, sync_to_thread=False),
        "policy_cache": Provide(provide_policy_cache, sync_to_thread=False),
    }
