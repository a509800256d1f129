"""The credential repository's promises, kept by every adapter (memory, SQLite, PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.contract.builders import (
    AGENT,
    NewUow,
    a_credential,
    a_validated_client,
    fields_of,
    stored_clients,
)

from perla_adapters.memory import FixedClock, SequentialIds
from perla_core.credentials.model import Credential, Environment
from perla_core.kernel.errors import AlreadyExists, NotFound, StaleVersion


def _add(new_uow: NewUow, *credentials: Credential) -> None:
    with new_uow() as uow:
        for credential in credentials:
            uow.credentials.add(credential)
        uow.commit()


class TestCredentialRepositoryContract:
    def test_a_fully_populated_credential_comes_back_equal_field_by_field(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        client = a_validated_client(clock, ids)
        stored_clients(new_uow, client)
        credential = a_credential(clock, ids, client)
        _add(new_uow, credential)
        assert credential.version == 1

        with new_uow() as uow:
            got = uow.credentials.get(credential.id)
            by_username = uow.credentials.by_username(credential.username)
            [listed] = uow.credentials.for_client(client.id)

        for loaded in (got, by_username, listed):
            assert loaded is not None
            assert fields_of(loaded) == fields_of(credential)
            assert loaded.events == []
            assert loaded.matches("s3cret")
            assert loaded.last_connection_test is not None
            for moment in (loaded.created_at, loaded.secret_rotated_at,
                           loaded.last_connection_test.at):  # fmt: skip
                assert moment.utcoffset() is not None

    def test_each_save_increments_the_version_and_keeps_the_changes(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        client = a_validated_client(clock, ids)
        stored_clients(new_uow, client)
        credential = a_credential(clock, ids, client)
        _add(new_uow, credential)

        with new_uow() as uow:
            loaded = uow.credentials.get(credential.id)
            loaded.revoke(now=clock.now(), actor=AGENT, reason="fin del contrato")
            uow.credentials.save(loaded)
            assert loaded.version == 2
            uow.commit()

        with new_uow() as uow:
            stored = uow.credentials.get(credential.id)
        assert (stored.version, stored.status.value, stored.status_reason, stored.revoked_at) == (
            2, "revoked", "fin del contrato", clock.now(),
        )  # fmt: skip

    def test_a_stale_save_raises_and_leaves_the_stored_credential_unchanged(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        client = a_validated_client(clock, ids)
        stored_clients(new_uow, client)
        credential = a_credential(clock, ids, client)
        _add(new_uow, credential)
        with new_uow() as uow:
            fresh = uow.credentials.get(credential.id)
            stale = uow.credentials.get(credential.id)
            fresh.revoke(now=clock.now(), actor=AGENT, reason="fresh")
            uow.credentials.save(fresh)
            uow.commit()

        with new_uow() as uow:
            stale.revoke(now=clock.now(), actor=AGENT, reason="stale")
            with pytest.raises(StaleVersion) as raised:
                uow.credentials.save(stale)
            uow.commit()

        assert raised.value.details == {"expected": 1, "actual": 2}
        assert stale.version == 1
        with new_uow() as uow:
            stored = uow.credentials.get(credential.id)
        assert (stored.version, stored.status_reason) == (2, "fresh")

    def test_a_client_s_credentials_are_listed_oldest_first_revoked_ones_included(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        client, other = a_validated_client(clock, ids, 1), a_validated_client(clock, ids, 2)
        stored_clients(new_uow, client, other)
        first = a_credential(clock, ids, client, environment=Environment.TEST)
        first.revoke(now=clock.now(), actor=AGENT)
        clock.advance(timedelta(minutes=1))
        second = a_credential(clock, ids, client)
        twin = a_credential(clock, ids, client)  # the same instant: the id breaks the tie
        _add(new_uow, twin, second, first, a_credential(clock, ids, other))

        with new_uow() as uow:
            listed = uow.credentials.for_client(client.id)
            assert uow.credentials.for_client(ids.new_id()) == []

        assert [c.id for c in listed] == [first.id, second.id, twin.id]
        assert listed[0].status.value == "revoked"

    def test_a_username_belongs_to_one_credential_only(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        client = a_validated_client(clock, ids)
        stored_clients(new_uow, client)
        _add(new_uow, a_credential(clock, ids, client, username="nandu-live"))

        with new_uow() as uow:
            with pytest.raises(AlreadyExists) as committed:
                uow.credentials.add(a_credential(clock, ids, client, username="nandu-live"))
            uow.credentials.add(a_credential(clock, ids, client, username="nandu-test"))
            with pytest.raises(AlreadyExists) as staged:
                uow.credentials.add(a_credential(clock, ids, client, username="nandu-test"))

        assert committed.value.field == staged.value.field == "username"
        with new_uow() as uow:
            assert uow.credentials.by_username("nandu-test") is None

    def test_adding_the_same_credential_twice_already_exists(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        client = a_validated_client(clock, ids)
        stored_clients(new_uow, client)
        credential = a_credential(clock, ids, client)
        _add(new_uow, credential)

        with new_uow() as uow, pytest.raises(AlreadyExists) as raised:
            uow.credentials.add(credential)
        assert raised.value.field == "id"

    def test_unknown_credentials_and_clients_are_not_found(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        never_stored = a_validated_client(clock, ids)
        credential = a_credential(clock, ids, never_stored)
        with new_uow() as uow:
            with pytest.raises(NotFound):
                uow.credentials.get(credential.id)
            with pytest.raises(NotFound):
                uow.credentials.save(credential)
            assert uow.credentials.by_username(credential.username) is None
            with pytest.raises(NotFound) as no_client:
                uow.credentials.add(credential)
        assert (no_client.value.kind, no_client.value.ident) == ("client", never_stored.id)

    def test_a_credential_of_a_client_added_in_the_same_unit_of_work_can_be_added(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        client = a_validated_client(clock, ids)
        credential = a_credential(clock, ids, client)
        with new_uow() as uow:
            uow.clients.add(client)
            uow.credentials.add(credential)
            uow.commit()

        with new_uow() as uow:
            assert uow.credentials.get(credential.id).client_id == client.id

    def test_added_saved_and_loaded_credentials_are_seen_by_the_unit_of_work(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        client = a_validated_client(clock, ids)
        stored_clients(new_uow, client)
        stored = a_credential(clock, ids, client)
        _add(new_uow, stored)
        new = a_credential(clock, ids, client)

        with new_uow() as uow:
            uow.credentials.add(new)
            loaded = uow.credentials.get(stored.id)
            uow.credentials.save(loaded)
            uow.credentials.for_client(client.id)
            uow.credentials.by_username(new.username)
            assert [c.id for c in uow.credentials.seen] == [new.id, stored.id]
            assert uow.credentials.seen[1] is loaded
