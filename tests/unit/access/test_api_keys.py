"""API keys: the secret is shown once and only its digest is stored; roles bound every actor."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import attrs
import pytest

from perla_adapters.memory import (
    FixedClock,
    InMemoryStore,
    InMemoryUnitOfWork,
    SequentialIds,
    StaticSecrets,
)
from perla_core.access.model import (
    SYSTEM,
    Actor,
    ApiKey,
    Permission,
    Role,
    digest,
    parse_role,
    split_key,
)
from perla_core.access.services import authenticate, create_api_key, revoke_api_key
from perla_core.kernel.errors import InvalidValue, NotFound, PermissionDenied, Unauthenticated


@pytest.mark.parametrize(
    ("role", "read", "write", "administer"),
    [
        (Role.ADMIN, True, True, True),
        (Role.AGENT, True, True, False),
        (Role.READONLY, True, False, False),
    ],
)
def test_each_role_grants_its_permissions(
    role: Role, read: bool, write: bool, administer: bool
) -> None:
    actor = Actor("someone", role)
    assert actor.can(Permission.READ) is read
    assert actor.can(Permission.WRITE_COMMERCIAL) is write
    assert actor.can(Permission.ADMINISTER) is administer


def test_the_system_actor_is_an_administrator() -> None:
    SYSTEM.require(Permission.ADMINISTER)
    assert SYSTEM.channel == "system"


def test_a_role_is_parsed_from_its_name_or_refused() -> None:
    assert parse_role("agent") is Role.AGENT
    with pytest.raises(InvalidValue) as raised:
        parse_role("superuser")
    assert raised.value.field == "role"


@pytest.mark.parametrize(
    "token",
    [
        "",
        "garbage",
        "perla_abc",
        "perla__secret",
        "perla_abc_",
        "other_abc_secret",
        "Bearer perla_abc_secret",
    ],
)
def test_a_malformed_key_is_unauthenticated(token: str) -> None:
    with pytest.raises(Unauthenticated):
        split_key(token)


def test_a_key_splits_into_its_prefix_and_its_secret_which_may_hold_underscores() -> None:
    assert split_key(" perla_0a1b2c_se_cr_et ") == ("0a1b2c", "se_cr_et")


def test_a_key_needs_a_name_of_one_to_a_hundred_characters(clock: FixedClock) -> None:
    for name in ("   ", "x" * 101):
        with pytest.raises(InvalidValue) as raised:
            ApiKey.issue(
                key_id=UUID(int=1),
                name=name,
                role=Role.AGENT,
                prefix="p",
                secret="s",
                now=clock.now(),
            )
        assert raised.value.field == "name"


def test_an_admin_creates_a_key_whose_secret_is_shown_once_and_stored_only_as_a_digest(
    uow: InMemoryUnitOfWork,
    store: InMemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
    secrets: StaticSecrets,
    admin: Actor,
) -> None:
    issued = create_api_key("booking-engine", Role.AGENT, uow, clock, ids, secrets, admin)
    prefix, secret = split_key(issued.key)
    assert secret == "secret1x32"
    assert issued.key == f"perla_{prefix}_{secret}"
    assert secret not in repr(issued)

    (stored,) = store.api_keys.values()
    assert stored.id == issued.id
    assert (stored.name, stored.role, stored.prefix) == ("booking-engine", Role.AGENT, prefix)
    assert stored.secret_digest == digest(secret)
    for field in attrs.fields(ApiKey):
        assert secret not in str(getattr(stored, field.name)), field.name
    assert secret not in repr(stored)
    assert stored.active
    assert stored.matches(secret)
    assert not stored.matches("secret2x32")


def test_keys_get_distinct_prefixes(
    uow: InMemoryUnitOfWork,
    store: InMemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
    secrets: StaticSecrets,
    admin: Actor,
) -> None:
    first = create_api_key("one", Role.AGENT, uow, clock, ids, secrets, admin)
    second = create_api_key("two", Role.READONLY, uow, clock, ids, secrets, admin)
    assert split_key(first.key)[0] != split_key(second.key)[0]
    assert len(store.api_keys) == 2


@pytest.mark.parametrize("role", [Role.AGENT, Role.READONLY])
def test_only_an_admin_may_create_a_key(
    uow: InMemoryUnitOfWork,
    store: InMemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
    secrets: StaticSecrets,
    role: Role,
) -> None:
    with pytest.raises(PermissionDenied):
        create_api_key("mine", Role.ADMIN, uow, clock, ids, secrets, Actor("someone", role))
    assert store.api_keys == {}


def test_the_first_key_is_created_without_an_actor_at_installation(
    uow: InMemoryUnitOfWork,
    store: InMemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
    secrets: StaticSecrets,
) -> None:
    issued = create_api_key("bootstrap", Role.ADMIN, uow, clock, ids, secrets)
    assert store.api_keys[issued.id].role is Role.ADMIN


def test_a_valid_key_authenticates_as_its_named_role(
    uow: InMemoryUnitOfWork,
    clock: FixedClock,
    ids: SequentialIds,
    secrets: StaticSecrets,
    admin: Actor,
) -> None:
    issued = create_api_key("booking-engine", Role.AGENT, uow, clock, ids, secrets, admin)
    assert authenticate(issued.key, uow) == Actor("booking-engine", Role.AGENT)


def test_a_key_with_the_wrong_secret_is_unauthenticated(
    uow: InMemoryUnitOfWork,
    clock: FixedClock,
    ids: SequentialIds,
    secrets: StaticSecrets,
    admin: Actor,
) -> None:
    issued = create_api_key("booking-engine", Role.AGENT, uow, clock, ids, secrets, admin)
    prefix, secret = split_key(issued.key)
    with pytest.raises(Unauthenticated):
        authenticate(f"perla_{prefix}_{secret}x", uow)
    with pytest.raises(Unauthenticated):
        authenticate(f"perla_{prefix}_{digest(secret)}", uow)


def test_a_key_with_an_unknown_prefix_is_unauthenticated(
    uow: InMemoryUnitOfWork,
    clock: FixedClock,
    ids: SequentialIds,
    secrets: StaticSecrets,
    admin: Actor,
) -> None:
    issued = create_api_key("booking-engine", Role.AGENT, uow, clock, ids, secrets, admin)
    _, secret = split_key(issued.key)
    with pytest.raises(Unauthenticated):
        authenticate(f"perla_000000000000_{secret}", uow)


@pytest.mark.parametrize("token", ["garbage", "perla_only-prefix", "perla__nosecretprefix"])
def test_a_malformed_key_does_not_authenticate(uow: InMemoryUnitOfWork, token: str) -> None:
    with pytest.raises(Unauthenticated):
        authenticate(token, uow)


def test_a_revoked_key_no_longer_authenticates(
    uow: InMemoryUnitOfWork,
    store: InMemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
    secrets: StaticSecrets,
    admin: Actor,
) -> None:
    issued = create_api_key("booking-engine", Role.AGENT, uow, clock, ids, secrets, admin)
    clock.advance(timedelta(days=3))
    revoke_api_key(issued.id, uow, clock, admin)
    stored = store.api_keys[issued.id]
    assert stored.revoked_at == clock.now()
    assert not stored.active
    with pytest.raises(Unauthenticated):
        authenticate(issued.key, uow)


def test_revoking_twice_keeps_the_first_revocation_time(
    uow: InMemoryUnitOfWork,
    store: InMemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
    secrets: StaticSecrets,
    admin: Actor,
) -> None:
    issued = create_api_key("booking-engine", Role.AGENT, uow, clock, ids, secrets, admin)
    revoke_api_key(issued.id, uow, clock, admin)
    first = clock.now()
    clock.advance(timedelta(days=1))
    revoke_api_key(issued.id, uow, clock, admin)
    assert store.api_keys[issued.id].revoked_at == first


def test_only_an_admin_may_revoke_a_key(
    uow: InMemoryUnitOfWork,
    store: InMemoryStore,
    clock: FixedClock,
    ids: SequentialIds,
    secrets: StaticSecrets,
    admin: Actor,
    agent: Actor,
) -> None:
    issued = create_api_key("booking-engine", Role.AGENT, uow, clock, ids, secrets, admin)
    with pytest.raises(PermissionDenied):
        revoke_api_key(issued.id, uow, clock, agent)
    assert store.api_keys[issued.id].active
    assert authenticate(issued.key, uow).role is Role.AGENT


def test_revoking_an_unknown_key_is_not_found(
    uow: InMemoryUnitOfWork, clock: FixedClock, admin: Actor
) -> None:
    with pytest.raises(NotFound):
        revoke_api_key(UUID(int=404), uow, clock, admin)
