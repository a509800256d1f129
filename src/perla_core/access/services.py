"""Use cases for API keys."""

from __future__ import annotations

from uuid import UUID

import attrs

from perla_core.access.model import KEY_PREFIX, Actor, ApiKey, Permission, Role, split_key
from perla_core.kernel.errors import Unauthenticated
from perla_core.kernel.ports import Clock, IdGenerator, SecretGenerator
from perla_core.uow import UnitOfWork


@attrs.frozen
class IssuedKey:
    """The only moment the full key exists outside the caller's hands."""

    id: UUID
    name: str
    role: Role
    key: str = attrs.field(repr=False)


def create_api_key(
    name: str,
    role: Role,
    uow: UnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    secrets: SecretGenerator,
    actor: Actor | None = None,
) -> IssuedKey:
    """Create an API key with a role; the returned key is shown once and stored hashed."""
    if actor is not None:
        actor.require(Permission.ADMINISTER)
    key_id = ids.new_id()
    prefix = ids.new_id().hex[-12:]
    secret = secrets.new_secret(32)
    with uow:
        key = ApiKey.issue(
            key_id=key_id, name=name, role=role, prefix=prefix, secret=secret, now=clock.now()
        )
        uow.api_keys.add(key)
        uow.commit()
    return IssuedKey(key.id, key.name, key.role, f"{KEY_PREFIX}_{prefix}_{secret}")


def authenticate(token: str, uow: UnitOfWork) -> Actor:
    """The actor behind an API key; raises :class:`Unauthenticated` for any bad key."""
    prefix, secret = split_key(token)
    with uow:
        key = uow.api_keys.by_prefix(prefix)
    if key is None or not key.active or not key.matches(secret):
        raise Unauthenticated("the API key is unknown or revoked")
    return key.actor()


def revoke_api_key(key_id: UUID, uow: UnitOfWork, clock: Clock, actor: Actor) -> None:
    actor.require(Permission.ADMINISTER)
    with uow:
        key = uow.api_keys.get(key_id)
        key.revoke(clock.now())
        uow.api_keys.save(key)
        uow.commit()
