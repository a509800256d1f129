"""Seed 003 through the use cases: saving an order or a client record assigns account managers,
on the memory adapters, with what reaches the outbox and what a refusal leaves (nothing)."""

from __future__ import annotations

from collections import Counter
from uuid import UUID

import pytest
from tests.unit.customers.builders import ADMIN, AGENT, BOT, World

from perla_core.customers.commands import AddAddress, AddressInput, SaveCustomerAccount
from perla_core.customers.services import add_address, save_customer_account
from perla_core.kernel.errors import InvalidValue, PreconditionFailed
from perla_core.managers.assignment import AssignmentReason
from perla_core.managers.model import DistributionRule
from perla_core.orders.commands import CancelOrder, SaveOrder
from perla_core.orders.services import cancel_order, save_order

R = AssignmentReason


@pytest.fixture
def world() -> World:
    return World()


def give_client_manager(world: World, client_id: UUID, manager_id: UUID) -> None:
    command = SaveCustomerAccount(client_id, manager_id=manager_id)
    save_customer_account(command, world.uow, world.clock, ADMIN)


# --- one test per rule ----------------------------------------------------------------------------


def test_the_clients_manager_is_set_on_each_new_order(world: World) -> None:
    client = world.client()
    bea = world.manager("Bea Ruiz")
    other = world.manager("Carla Gil")
    give_client_manager(world, client, bea)

    first = world.order(client, BOT)
    second = world.order(client, world.editor(other))

    assert first.assignment.reason is R.CLIENT_MANAGER
    assert world.stored_order(first.order_id).manager_id == bea
    assert world.stored_order(second.order_id).manager_id == bea
    assert world.client_manager(client) == bea
    assigned = [m.event for m in world.outbox("orders.order_manager_assigned")]
    assert [(e.manager_id, e.reason) for e in assigned] == [(bea, "client_manager")] * 2


@pytest.mark.parametrize("rule", ["round_robin", "least_loaded"])
def test_an_inactive_manager_is_skipped_and_the_distributed_one_is_linked_to_the_client(
    world: World, rule: str
) -> None:
    ana, bea = world.manager("Ana Sanz"), world.manager("Bea Ruiz")
    ivan = world.manager("Iván Mora")
    world.rule(rule)
    busy = world.client("Agencia Ocupada")
    world.order(busy, world.editor(ana))  # Ana now has one open order
    world.order(busy, world.editor(ana))
    client = world.client()
    give_client_manager(world, client, ivan)
    world.deactivate(ivan)

    saved = world.order(client, world.editor(ana))

    # Ana's two orders came from the editor rule, which spends no turn: the round robin
    # starts with her (name order); least loaded avoids her two open orders and picks Bea.
    expected = ana if rule == "round_robin" else bea
    assert saved.assignment.reason is R.INACTIVE_CLIENT_MANAGER
    assert saved.assignment.distribution is DistributionRule(rule)
    assert world.stored_order(saved.order_id).manager_id == expected
    assert world.client_manager(client) == expected
    linked = world.outbox("customers.customer_manager_assigned")[-1].event
    assert (linked.manager_id, linked.previous_manager_id) == (expected, ivan)
    assert (linked.reason, linked.order_id) == ("inactive_client_manager", saved.order_id)


def test_an_orders_manager_is_given_to_a_client_without_one(world: World) -> None:
    client = world.client()
    carla = world.manager("Carla Gil")

    saved = world.order(client, AGENT, manager_id=carla)

    assert saved.assignment.reason is R.ORDER_MANAGER
    assert world.stored_order(saved.order_id).manager_id == carla
    assert world.client_manager(client) == carla


def test_with_neither_the_manager_who_saves_the_order_is_assigned_to_both(world: World) -> None:
    client = world.client()
    world.manager("Ana Sanz")
    lucia = world.manager("Lucía Pérez")

    saved = world.order(client, world.editor(lucia))

    assert saved.assignment.reason is R.EDITOR
    assert world.stored_order(saved.order_id).manager_id == lucia
    assert world.client_manager(client) == lucia
    assert world.state().cursor is None  # no turn of the round robin spent


def test_an_editor_who_is_not_a_manager_falls_back_to_the_distribution_rule(
    world: World,
) -> None:
    client = world.client()
    ana = world.manager("Ana Sanz")
    world.manager("Bea Ruiz")

    saved = world.order(client, BOT)

    assert saved.assignment.reason is R.EDITOR_NOT_A_MANAGER
    assert saved.assignment.distribution is DistributionRule.ROUND_ROBIN
    assert world.stored_order(saved.order_id).manager_id == ana
    assert world.client_manager(client) == ana
    assert world.state().cursor == ana


# --- the combinations, through the use cases ------------------------------------------------------


def test_an_order_keeps_the_manager_chosen_for_it_and_the_client_keeps_its_own(
    world: World,
) -> None:
    client = world.client()
    bea, carla = world.manager("Bea Ruiz"), world.manager("Carla Gil")
    give_client_manager(world, client, bea)

    saved = world.order(client, AGENT, manager_id=carla)

    assert saved.assignment.reason is R.KEPT
    assert world.stored_order(saved.order_id).manager_id == carla
    assert world.client_manager(client) == bea


def test_an_order_with_a_manager_replaces_the_clients_inactive_manager(world: World) -> None:
    client = world.client()
    ivan, carla = world.manager("Iván Mora"), world.manager("Carla Gil")
    give_client_manager(world, client, ivan)
    world.deactivate(ivan)

    saved = world.order(client, AGENT, manager_id=carla)

    assert saved.assignment.reason is R.ORDER_MANAGER
    assert world.client_manager(client) == carla


def test_clearing_an_orders_manager_lets_the_rules_fill_it_again(world: World) -> None:
    client = world.client()
    bea, carla = world.manager("Bea Ruiz"), world.manager("Carla Gil")
    give_client_manager(world, client, bea)
    saved = world.order(client, AGENT, manager_id=carla)

    command = SaveOrder(order_id=saved.order_id, manager_id=None)
    again = save_order(command, world.uow, world.clock, world.ids, AGENT)

    assert again.assignment.reason is R.CLIENT_MANAGER
    assert world.stored_order(saved.order_id).manager_id == bea


def test_without_active_managers_an_order_is_saved_unassigned(world: World) -> None:
    client = world.client()

    saved = world.order(client, BOT)

    assert saved.assignment.reason is R.NO_ACTIVE_MANAGER
    assert world.stored_order(saved.order_id).manager_id is None
    assert world.account(client) is None


def test_a_manager_who_saves_a_client_record_without_one_becomes_its_manager(
    world: World,
) -> None:
    client = world.client()
    lucia = world.manager("Lucía Pérez")
    address = AddressInput("Oficina", "Calle Mayor 1", "Madrid", "ES", "28013")

    saved = add_address(
        AddAddress(client, address), world.uow, world.clock, world.ids, world.editor(lucia)
    )

    assert saved.assignment is not None
    assert saved.assignment.reason is R.EDITOR
    assert world.client_manager(client) == lucia


def test_someone_else_saving_a_client_record_assigns_nobody(world: World) -> None:
    client = world.client()
    world.manager("Lucía Pérez")
    address = AddressInput("Oficina", "Calle Mayor 1", "Madrid", "ES", "28013")

    saved = add_address(AddAddress(client, address), world.uow, world.clock, world.ids, AGENT)

    assert saved.assignment is not None
    assert saved.assignment.reason is R.KEPT
    assert world.client_manager(client) is None
    assert world.state().cursor is None


def test_a_manager_given_directly_to_the_record_is_kept_as_given(world: World) -> None:
    client = world.client()
    lucia, bea = world.manager("Lucía Pérez"), world.manager("Bea Ruiz")

    saved = save_customer_account(
        SaveCustomerAccount(client, manager_id=bea), world.uow, world.clock, world.editor(lucia)
    )

    assert saved.assignment is None
    assert saved.manager_id == bea
    event = world.outbox("customers.customer_manager_assigned")[-1].event
    assert (event.manager_id, event.reason) == (bea, "direct")


# --- refusals -------------------------------------------------------------------------------------


def test_assigning_an_inactive_manager_to_a_client_is_refused_and_nothing_is_saved(
    world: World,
) -> None:
    client = world.client()
    bea, ivan = world.manager("Bea Ruiz"), world.manager("Iván Mora")
    give_client_manager(world, client, bea)
    world.deactivate(ivan)
    before = world.account(client)
    assert before is not None
    outbox = len(world.store.outbox)

    with pytest.raises(PreconditionFailed) as refused:
        save_customer_account(
            SaveCustomerAccount(client, manager_id=ivan), world.uow, world.clock, ADMIN
        )

    assert refused.value.field == "manager_id"
    assert "inactive" in refused.value.message
    after = world.account(client)
    assert after is not None
    assert (after.manager_id, after.version) == (bea, before.version)
    assert len(world.store.outbox) == outbox


def test_assigning_an_inactive_manager_to_an_order_is_refused_and_nothing_is_saved(
    world: World,
) -> None:
    client = world.client()
    ivan = world.manager("Iván Mora", active=False)

    with pytest.raises(PreconditionFailed) as refused:
        world.order(client, AGENT, manager_id=ivan)

    assert refused.value.field == "manager_id"
    assert world.store.orders == {}
    assert world.account(client) is None


def test_assigning_an_unknown_manager_is_refused(world: World) -> None:
    client = world.client()

    with pytest.raises(InvalidValue) as refused:
        world.order(client, AGENT, manager_id=UUID(int=404))

    assert refused.value.field == "manager_id"


def test_an_inactive_manager_already_on_the_record_does_not_block_other_changes(
    world: World,
) -> None:
    client = world.client()
    ivan = world.manager("Iván Mora")
    give_client_manager(world, client, ivan)
    world.deactivate(ivan)
    address = AddressInput("Oficina", "Calle Mayor 1", "Madrid", "ES", "28013")

    add_address(AddAddress(client, address), world.uow, world.clock, world.ids, AGENT)

    account = world.account(client)
    assert account is not None
    assert account.manager_id == ivan
    assert len(account.addresses) == 1


# --- the distribution over time -------------------------------------------------------------------


def test_round_robin_is_fair_over_n_orders_and_its_turn_survives_a_restart(world: World) -> None:
    team = [world.manager(n) for n in ("Ana Sanz", "Bea Ruiz", "Carla Gil")]
    picks: list[UUID | None] = []
    for n in range(9):
        if n == 4:
            world.restart()
        saved = world.order(world.client(f"Agencia {n}"), BOT)
        picks.append(saved.manager_id)

    assert picks[:4] == [team[0], team[1], team[2], team[0]]
    assert Counter(picks) == dict.fromkeys(team, 3)


def test_least_loaded_counts_only_open_orders(world: World) -> None:
    ana, bea = world.manager("Ana Sanz"), world.manager("Bea Ruiz")
    world.rule("least_loaded")
    first = world.order(world.client("Uno"), world.editor(ana))
    world.order(world.client("Dos"), world.editor(bea))
    world.order(world.client("Tres"), world.editor(bea))
    cancel_order(CancelOrder(first.order_id), world.uow, world.clock, AGENT)

    saved = world.order(world.client("Cuatro"), BOT)

    assert saved.manager_id == ana
    assert world.state().rule is DistributionRule.LEAST_LOADED
