"""Account managers and the distribution settings, and the promises the memory repositories
of this area keep (rollback unless committed, optimistic saves, unique keys)."""

from __future__ import annotations

from uuid import UUID

import pytest
from tests.unit.customers.builders import ADMIN, AGENT, READER, World

from perla_adapters.memory import InMemoryUnitOfWork
from perla_core.customers.model import DEFAULT_TITLES, CustomerAccount
from perla_core.customers.ports import CustomerUnitOfWork
from perla_core.kernel.errors import (
    AlreadyExists,
    InvalidValue,
    NotFound,
    PermissionDenied,
    StaleVersion,
)
from perla_core.kernel.values import Email
from perla_core.managers.commands import CreateManager, SetDistributionRule, UpdateManager
from perla_core.managers.model import DistributionRule
from perla_core.managers.ports import ManagerUnitOfWork
from perla_core.managers.services import (
    activate_manager,
    create_manager,
    deactivate_manager,
    get_assignment_settings,
    list_managers,
    set_distribution_rule,
    update_manager,
)
from perla_core.uow import UnitOfWork


@pytest.fixture
def world() -> World:
    return World()


def test_a_manager_is_created_active_and_recognised_by_email(world: World) -> None:
    manager_id = world.manager("Lucía Pérez")

    manager = world.store.managers[manager_id]
    assert (manager.name, manager.active) == ("Lucía Pérez", True)
    assert manager.is_actor("LUCIA@perlatours.com ")
    assert not manager.is_actor("lucia")
    assert world.outbox("managers.")[0].topic == "managers.manager_created"


def test_a_managers_email_is_unique_whatever_its_case(world: World) -> None:
    world.manager("Lucía Pérez")

    with pytest.raises(AlreadyExists) as taken:
        create_manager(
            CreateManager("Otra Lucía", "Lucia@PerlaTours.com"),
            world.uow,
            world.clock,
            world.ids,
            ADMIN,
        )

    assert taken.value.field == "email"


def test_a_manager_needs_a_name_and_an_email(world: World) -> None:
    with pytest.raises(InvalidValue) as no_name:
        create_manager(CreateManager(" ", "a@b.es"), world.uow, world.clock, world.ids, ADMIN)
    with pytest.raises(InvalidValue) as bad_email:
        create_manager(CreateManager("Ana", "ana"), world.uow, world.clock, world.ids, ADMIN)

    assert (no_name.value.field, bad_email.value.field) == ("name", "email")
    assert world.store.managers == {}


def test_deactivating_and_activating_are_idempotent(world: World) -> None:
    manager_id = world.manager("Ana Sanz")

    assert deactivate_manager(manager_id, world.uow, world.clock, ADMIN) == 2
    assert deactivate_manager(manager_id, world.uow, world.clock, ADMIN) == 2
    assert [m.id for m in list_managers(world.uow, READER, active=False)] == [manager_id]
    assert activate_manager(manager_id, world.uow, world.clock, ADMIN) == 3
    topics = [m.topic for m in world.outbox("managers.")]
    assert topics == [
        "managers.manager_created",
        "managers.manager_deactivated",
        "managers.manager_activated",
    ]


def test_a_manager_is_renamed_and_its_email_changed(world: World) -> None:
    ana, bea = world.manager("Ana Sanz"), world.manager("Bea Ruiz")

    update_manager(
        UpdateManager(ana, name="Ana Sanz Gil", email="asanz@perlatours.com"),
        world.uow,
        world.clock,
        ADMIN,
    )
    with pytest.raises(AlreadyExists):
        update_manager(
            UpdateManager(bea, email="ASANZ@perlatours.com"), world.uow, world.clock, ADMIN
        )

    manager = world.store.managers[ana]
    assert (manager.name, manager.email) == ("Ana Sanz Gil", Email("asanz@perlatours.com"))


def test_only_an_administrator_manages_managers(world: World) -> None:
    with pytest.raises(PermissionDenied):
        create_manager(CreateManager("Ana", "a@b.es"), world.uow, world.clock, world.ids, AGENT)
    with pytest.raises(PermissionDenied):
        set_distribution_rule(SetDistributionRule("least_loaded"), world.uow, AGENT)


def test_the_distribution_rule_is_round_robin_until_changed(world: World) -> None:
    assert get_assignment_settings(world.uow, READER).rule is DistributionRule.ROUND_ROBIN

    state = set_distribution_rule(SetDistributionRule("LEAST_LOADED"), world.uow, ADMIN)

    assert state.rule is DistributionRule.LEAST_LOADED
    assert get_assignment_settings(world.uow, READER) == state
    with pytest.raises(InvalidValue) as refused:
        set_distribution_rule(SetDistributionRule("random"), world.uow, ADMIN)
    assert refused.value.field == "rule"


# --- the memory repositories ----------------------------------------------------------------------


def test_nothing_is_kept_without_a_commit(world: World) -> None:
    client = world.client()
    with world.uow as uow:
        uow.customer_accounts.add(
            CustomerAccount.open(client_id=client, now=world.clock.now(), actor="t")
        )

    assert world.account(client) is None


def test_a_second_writer_of_the_same_account_is_refused_as_stale(world: World) -> None:
    client = world.client()
    with world.uow as uow:
        uow.customer_accounts.add(
            CustomerAccount.open(client_id=client, now=world.clock.now(), actor="t")
        )
        uow.commit()
    other = InMemoryUnitOfWork(world.store, world.clock, world.ids)

    with world.uow as first, other as second:
        mine = first.customer_accounts.get(client)
        theirs = second.customer_accounts.get(client)
        assert mine is not None
        assert theirs is not None
        mine.record_contact(world.clock.now())
        theirs.record_contact(world.clock.now())
        first.customer_accounts.save(mine)
        first.commit()
        with pytest.raises(StaleVersion):
            second.customer_accounts.save(theirs)


def test_an_account_needs_an_existing_client(world: World) -> None:
    with world.uow as uow, pytest.raises(NotFound):
        uow.customer_accounts.add(
            CustomerAccount.open(client_id=UUID(int=404), now=world.clock.now(), actor="t")
        )


def test_the_store_starts_with_the_default_titles_and_reads_are_copies(world: World) -> None:
    with world.uow as uow:
        title = uow.titles.get(DEFAULT_TITLES[0].id)
        title.label = "cambiado"

    assert world.store.titles[DEFAULT_TITLES[0].id].label == "Sr."
    assert DEFAULT_TITLES[0].label == "Sr."


def as_customer_unit_of_work(uow: UnitOfWork) -> CustomerUnitOfWork:
    """mypy checks that the one unit of work is the customers' too."""
    return uow


def as_manager_unit_of_work(uow: UnitOfWork) -> ManagerUnitOfWork:
    return uow


def test_the_memory_unit_of_work_serves_the_customer_use_cases(world: World) -> None:
    uow = as_customer_unit_of_work(world.uow)

    assert as_manager_unit_of_work(world.uow).managers is world.uow.managers
    with uow:
        assert uow.assignment_state.get().version == 0
        assert len(uow.customer_groups.list()) == 3
