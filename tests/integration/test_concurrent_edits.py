"""Two people writing the same thing at the same moment: one wins, the other is told."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine
from tests.contract.builders import LIMITS, a_credential, a_policy, a_validated_client

from perla_adapters.memory import FixedClock, SequentialIds
from perla_adapters.sql import SqlAlchemyUnitOfWork
from perla_core.kernel.errors import AlreadyExists, StaleVersion
from perla_core.kernel.values import Email, TaxId
from perla_core.onboarding.model import Client


@pytest.mark.postgres
@pytest.mark.parametrize("empty_database_url", ["postgres"], indirect=True)
def test_a_save_waiting_on_a_concurrent_save_of_the_same_client_is_stale_not_lost(
    migrated_engine: Engine,
) -> None:
    clock, ids = FixedClock(), SequentialIds()
    lead = Client.register_lead(
        client_id=ids.new_id(), trade_name="Viajes Ñandú", country="ES", now=clock.now(),
        actor="ana", email=Email.parse("hola@nandu.es"),
    )  # fmt: skip
    with SqlAlchemyUnitOfWork(migrated_engine, clock, ids) as uow:
        uow.clients.add(lead)
        uow.commit()

    both_loaded, first_saved = threading.Barrier(2), threading.Event()

    def edit(notes: str, *, goes_first: bool) -> str:
        with SqlAlchemyUnitOfWork(migrated_engine, clock, ids) as uow:
            client = uow.clients.get(lead.id)
            both_loaded.wait(timeout=5)
            client.change_details({"notes": notes}, now=clock.now(), actor=notes)
            if not goes_first:
                first_saved.wait(timeout=5)
            try:
                uow.clients.save(client)
            except StaleVersion:
                return "stale"
            if goes_first:
                first_saved.set()
                threading.Event().wait(0.2)  # the other save now waits on this row's lock
            uow.commit()
            return "saved"

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(edit, "first", goes_first=True)
        second = pool.submit(edit, "second", goes_first=False)
        outcomes = (first.result(timeout=10), second.result(timeout=10))

    assert outcomes == ("saved", "stale")
    with SqlAlchemyUnitOfWork(migrated_engine, clock, ids) as uow:
        stored = uow.clients.get(lead.id)
    assert (stored.notes, stored.version) == ("first", 2)


def test_two_parties_registered_at_once_with_one_tax_id_leave_one_and_the_other_is_told(
    migrated_engine: Engine,
) -> None:
    clock, ids = FixedClock(), SequentialIds()
    first_added = threading.Event()

    def register(name: str, *, goes_first: bool) -> str:
        party = Client.register_lead(
            client_id=ids.new_id(), trade_name=name, country="ES", now=clock.now(), actor="ana",
            email=Email.parse("hola@nandu.es"), tax_id=TaxId.parse("B58378431", "ES"),
        )  # fmt: skip
        with SqlAlchemyUnitOfWork(migrated_engine, clock, ids) as uow:
            if not goes_first:
                first_added.wait(timeout=5)
            try:
                uow.clients.add(party)  # its check cannot see the other's uncommitted row
            except AlreadyExists as taken:
                return f"already exists: {taken.field}"
            if goes_first:
                first_added.set()
                threading.Event().wait(0.2)  # the other insert now waits on this one
            uow.commit()
            return "registered"

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(register, "Primero", goes_first=True)
        second = pool.submit(register, "Segundo", goes_first=False)
        outcomes = (first.result(timeout=10), second.result(timeout=10))

    assert outcomes == ("registered", "already exists: tax_id")
    with SqlAlchemyUnitOfWork(migrated_engine, clock, ids) as uow:
        stored = uow.clients.by_tax_id(TaxId.parse("B58378431", "ES"))
    assert stored is not None
    assert stored.trade_name == "Primero"


def test_two_credentials_issued_at_once_with_one_username_leave_one_and_the_other_is_told(
    migrated_engine: Engine,
) -> None:
    clock, ids = FixedClock(), SequentialIds()
    client = a_validated_client(clock, ids)
    with SqlAlchemyUnitOfWork(migrated_engine, clock, ids) as uow:
        uow.clients.add(client)
        uow.commit()
    first_added = threading.Event()

    def issue(label: str, *, goes_first: bool) -> str:
        credential = a_credential(clock, ids, client, username="nandu-live")
        credential.label = label
        with SqlAlchemyUnitOfWork(migrated_engine, clock, ids) as uow:
            if not goes_first:
                first_added.wait(timeout=5)
            try:
                uow.credentials.add(credential)  # its check cannot see the other's row
            except AlreadyExists as taken:
                return f"already exists: {taken.field}"
            if goes_first:
                first_added.set()
                threading.Event().wait(0.2)  # the other insert now waits on this one
            uow.commit()
            return "issued"

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(issue, "primera", goes_first=True)
        second = pool.submit(issue, "segunda", goes_first=False)
        outcomes = (first.result(timeout=10), second.result(timeout=10))

    assert outcomes == ("issued", "already exists: username")
    with SqlAlchemyUnitOfWork(migrated_engine, clock, ids) as uow:
        stored = uow.credentials.by_username("nandu-live")
    assert stored is not None
    assert stored.label == "primera"


@pytest.mark.postgres
@pytest.mark.parametrize("empty_database_url", ["postgres"], indirect=True)
def test_two_agents_changing_one_policy_at_once_leave_one_revision_in_the_audit_trail(
    migrated_engine: Engine,
) -> None:
    clock, ids = FixedClock(), SequentialIds()
    client = a_validated_client(clock, ids)
    policy = a_policy(clock, ids, client)
    with SqlAlchemyUnitOfWork(migrated_engine, clock, ids) as uow:
        uow.clients.add(client)
        uow.policies.add(policy)
        uow.commit()
    both_loaded, first_saved = threading.Barrier(2), threading.Event()

    def change(currency: str, *, goes_first: bool) -> str:
        with SqlAlchemyUnitOfWork(migrated_engine, clock, ids) as uow:
            loaded = uow.policies.get_for_client(client.id)
            assert loaded is not None
            both_loaded.wait(timeout=5)
            loaded.set_priced(
                currencies=[currency], global_rules=LIMITS, actor=currency, now=clock.now(),
                reason=currency,
            )  # fmt: skip
            if not goes_first:
                first_saved.wait(timeout=5)
            try:
                uow.policies.save(loaded)
            except StaleVersion:
                return "stale"
            if goes_first:
                first_saved.set()
                threading.Event().wait(0.2)  # the other save now waits on this row's lock
            uow.commit()
            return "saved"

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(change, "ARS", goes_first=True)
        second = pool.submit(change, "USD", goes_first=False)
        outcomes = (first.result(timeout=10), second.result(timeout=10))

    assert outcomes == ("saved", "stale")
    with SqlAlchemyUnitOfWork(migrated_engine, clock, ids) as uow:
        stored = uow.policies.get_for_client(client.id)
    assert stored is not None
    assert (stored.version, stored.revision, stored.currencies) == (2, 7, frozenset({"ARS"}))
    assert [e.revision for e in stored.audit] == list(range(1, 8))
    assert stored.audit[-1].reason == "ARS"
