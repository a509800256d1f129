"""The API key repository's promises, kept by every adapter."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import attrs
import pytest

from perla_adapters.memory import FixedClock, SequentialIds
from perla_core.access.model import ApiKey, Role
from perla_core.kernel.errors import AlreadyExists, NotFound, StaleVersion
from perla_core.uow import UnitOfWork

NewUow = Callable[[], UnitOfWork]


def _key(clock: FixedClock, ids: SequentialIds, prefix: str, role: Role = Role.AGENT) -> ApiKey:
    return ApiKey.issue(
        key_id=ids.new_id(), name=f"key {prefix}", role=role, prefix=prefix,
        secret=f"secret-of-{prefix}", now=clock.now(),
    )  # fmt: skip


def _fields(key: ApiKey) -> dict[str, object]:
    return {f.name: getattr(key, f.name) for f in attrs.fields(ApiKey) if f.name != "events"}


def _add(new_uow: NewUow, *keys: ApiKey) -> None:
    with new_uow() as uow:
        for key in keys:
            uow.api_keys.add(key)
        uow.commit()


class TestApiKeyRepositoryContract:
    def test_an_added_key_is_found_by_id_and_prefix_and_matches_its_secret(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        key = _key(clock, ids, "abc123", Role.ADMIN)
        _add(new_uow, key)
        assert key.version == 1

        with new_uow() as uow:
            by_id = uow.api_keys.get(key.id)
            by_prefix = uow.api_keys.by_prefix("abc123")

        assert by_prefix is not None
        assert _fields(by_id) == _fields(by_prefix) == _fields(key)
        assert by_id.matches("secret-of-abc123")
        assert not by_id.matches("secret-of-someone-else")

    def test_a_revoked_key_is_saved_with_the_next_version(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        key = _key(clock, ids, "abc123")
        _add(new_uow, key)
        clock.advance(timedelta(days=3))

        with new_uow() as uow:
            loaded = uow.api_keys.get(key.id)
            loaded.revoke(clock.now())
            uow.api_keys.save(loaded)
            uow.commit()

        with new_uow() as uow:
            stored = uow.api_keys.get(key.id)
        assert (stored.version, stored.revoked_at, stored.active) == (2, clock.now(), False)

    def test_a_stale_save_raises_and_keeps_the_stored_key(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        key = _key(clock, ids, "abc123")
        _add(new_uow, key)
        with new_uow() as uow:
            first = uow.api_keys.get(key.id)
            stale = uow.api_keys.get(key.id)
            first.revoke(clock.now())
            uow.api_keys.save(first)
            uow.commit()

            stale.revoke(clock.now() + timedelta(hours=1))
            with pytest.raises(StaleVersion):
                uow.api_keys.save(stale)

        with new_uow() as uow:
            assert uow.api_keys.get(key.id).revoked_at == clock.now()

    def test_a_second_key_with_a_taken_prefix_already_exists(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        _add(new_uow, _key(clock, ids, "abc123"))

        with new_uow() as uow, pytest.raises(AlreadyExists) as raised:
            uow.api_keys.add(_key(clock, ids, "abc123"))
        assert raised.value.field == "prefix"

    def test_an_unknown_key_is_not_found(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        with new_uow() as uow:
            with pytest.raises(NotFound):
                uow.api_keys.get(ids.new_id())
            with pytest.raises(NotFound):
                uow.api_keys.save(_key(clock, ids, "ghost"))
            assert uow.api_keys.by_prefix("ghost") is None

    def test_keys_are_listed_oldest_first(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        older = _key(clock, ids, "older")
        clock.advance(timedelta(minutes=1))
        newer = _key(clock, ids, "newer")
        _add(new_uow, newer, older)

        with new_uow() as uow:
            assert [k.prefix for k in uow.api_keys.list()] == ["older", "newer"]
