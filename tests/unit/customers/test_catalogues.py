"""The managed catalogues of the customer section (seed 002): titles (Sr., Sra., Srta., Dr. ...)
and customer groups (Visitante, Invitado, Cliente and custom groups with a discount)."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

import pytest
from tests.unit.customers.builders import ADMIN, AGENT, World

from perla_core.customers.commands import (
    KEEP,
    AddContact,
    ContactInput,
    CreateCustomerGroup,
    CreateTitle,
    DeleteCustomerGroup,
    DeleteTitle,
    Keep,
    SaveCustomerAccount,
    UpdateCustomerGroup,
    UpdateTitle,
)
from perla_core.customers.model import (
    CUSTOMER_GROUP_ID,
    DEFAULT_TITLES,
    GUEST_GROUP_ID,
    VISITOR_GROUP_ID,
)
from perla_core.customers.services import (
    add_contact,
    create_customer_group,
    create_title,
    delete_customer_group,
    delete_title,
    list_customer_groups,
    list_titles,
    save_customer_account,
    update_customer_group,
    update_title,
)
from perla_core.kernel.errors import (
    AlreadyExists,
    InvalidValue,
    PermissionDenied,
    PreconditionFailed,
)


@pytest.fixture
def world() -> World:
    return World()


def a_title(world: World, code: str = "ing", label: str = "Ing.") -> UUID:
    return create_title(CreateTitle(code, label), world.uow, world.clock, world.ids, ADMIN)


def a_group(world: World, code: str = "vip", name: str = "Agencias VIP", pct: str = "7.5") -> UUID:
    command = CreateCustomerGroup(code, name, pct)
    return create_customer_group(command, world.uow, world.clock, world.ids, ADMIN)


def give(
    world: World, client: UUID, *, title_id: UUID | Keep = KEEP, group_id: UUID | Keep = KEEP
) -> None:
    command = SaveCustomerAccount(client, title_id=title_id, group_id=group_id)
    save_customer_account(command, world.uow, world.clock, AGENT)


# --- titles --------------------------------------------------------------------------------------


def test_the_catalogue_starts_with_the_default_titles(world: World) -> None:
    labels = {t.label for t in list_titles(world.uow, AGENT)}

    assert labels == {"Sr.", "Sra.", "Srta.", "Dr.", "Dra."}
    assert {t.code for t in DEFAULT_TITLES} == {"sr", "sra", "srta", "dr", "dra"}


def test_a_title_is_created_renamed_and_deleted_when_unused(world: World) -> None:
    title = a_title(world)

    version = update_title(UpdateTitle(title, label="Ingº"), world.uow, world.clock, ADMIN)
    assert version == 2
    assert world.store.titles[title].label == "Ingº"

    delete_title(DeleteTitle(title), world.uow, world.clock, ADMIN)
    assert title not in world.store.titles
    topics = [m.topic for m in world.outbox("customers.title")]
    assert topics == [
        "customers.title_created",
        "customers.title_changed",
        "customers.title_deleted",
    ]


def test_a_title_code_is_unique(world: World) -> None:
    with pytest.raises(AlreadyExists) as taken:
        a_title(world, code="SR", label="Señor")

    assert taken.value.field == "code"


def test_deleting_a_title_in_use_is_refused_with_the_count_and_nothing_is_lost(
    world: World,
) -> None:
    title = a_title(world)
    first, second = world.client("Uno"), world.client("Dos")
    give(world, first, title_id=title)
    add_contact(
        AddContact(second, ContactInput("sales", "Ana", email="a@dos.es", title_id=title)),
        world.uow,
        world.clock,
        world.ids,
        AGENT,
    )

    with pytest.raises(PreconditionFailed) as refused:
        delete_title(DeleteTitle(title), world.uow, world.clock, ADMIN)

    assert refused.value.field == "title_id"
    assert refused.value.details["in_use"] == 2
    assert (refused.value.details["accounts"], refused.value.details["contacts"]) == (1, 1)
    assert title in world.store.titles
    account = world.account(first)
    assert account is not None
    assert account.title_id == title


def test_an_inactive_title_stays_where_it_is_but_cannot_be_given_anew(world: World) -> None:
    title = a_title(world)
    first, second = world.client("Uno"), world.client("Dos")
    give(world, first, title_id=title)

    update_title(UpdateTitle(title, active=False), world.uow, world.clock, ADMIN)

    with pytest.raises(InvalidValue) as refused:
        give(world, second, title_id=title)
    assert refused.value.field == "title_id"
    give(world, first, group_id=GUEST_GROUP_ID)  # its own inactive title does not block it
    account = world.account(first)
    assert account is not None
    assert (account.title_id, account.group_id) == (title, GUEST_GROUP_ID)
    assert [t.id for t in list_titles(world.uow, AGENT, active=False)] == [title]


def test_only_an_administrator_manages_the_catalogues(world: World) -> None:
    with pytest.raises(PermissionDenied):
        create_title(CreateTitle("ing", "Ing."), world.uow, world.clock, world.ids, AGENT)
    with pytest.raises(PermissionDenied):
        create_customer_group(
            CreateCustomerGroup("vip", "VIP", "5"), world.uow, world.clock, world.ids, AGENT
        )


# --- customer groups ------------------------------------------------------------------------------


def test_the_three_default_groups_come_first_with_no_discount(world: World) -> None:
    a_group(world, "aaa", "Aaa primero")

    groups = list_customer_groups(world.uow, AGENT)

    assert [g.group.id for g in groups[:3]] == [VISITOR_GROUP_ID, GUEST_GROUP_ID, CUSTOMER_GROUP_ID]
    assert [g.group.code for g in groups] == ["visitor", "guest", "customer", "aaa"]
    assert all(g.group.system and g.group.discount_pct == 0 for g in groups[:3])


def test_member_counts_place_clients_without_an_account_in_the_customer_group(
    world: World,
) -> None:
    vip = a_group(world)
    clients = [world.client(f"Agencia {n}") for n in range(4)]
    give(world, clients[0], group_id=vip)
    give(world, clients[1], group_id=vip)
    give(world, clients[2], group_id=GUEST_GROUP_ID)

    members = {g.group.code: g.members for g in list_customer_groups(world.uow, AGENT)}

    assert members == {"visitor": 0, "guest": 1, "customer": 1, "vip": 2}


def test_a_custom_group_has_a_discount_that_can_change(world: World) -> None:
    vip = a_group(world, pct="7,5")
    assert world.store.customer_groups[vip].discount_pct == Decimal("7.50")

    update_customer_group(
        UpdateCustomerGroup(vip, discount_pct="12", name="VIP"), world.uow, world.clock, ADMIN
    )

    group = world.store.customer_groups[vip]
    assert (group.name, group.discount_pct, group.system) == ("VIP", Decimal("12.00"), False)


@pytest.mark.parametrize("pct", ["101", "-1", "abc", "1.234", 5.5])
def test_a_discount_is_a_percentage_from_0_to_100(world: World, pct: object) -> None:
    with pytest.raises(InvalidValue) as refused:
        create_customer_group(
            CreateCustomerGroup("vip", "VIP", pct),  # type: ignore[arg-type]
            world.uow,
            world.clock,
            world.ids,
            ADMIN,
        )

    assert refused.value.field == "discount_pct"
    assert len(world.store.customer_groups) == 3


def test_deleting_a_group_with_members_is_refused_and_nothing_is_lost(world: World) -> None:
    vip = a_group(world)
    client = world.client()
    give(world, client, group_id=vip)

    with pytest.raises(PreconditionFailed) as refused:
        delete_customer_group(DeleteCustomerGroup(vip), world.uow, world.clock, ADMIN)

    assert refused.value.field == "group_id"
    assert refused.value.details["members"] == 1
    assert vip in world.store.customer_groups


def test_an_empty_custom_group_can_be_deleted(world: World) -> None:
    vip = a_group(world)

    delete_customer_group(DeleteCustomerGroup(vip), world.uow, world.clock, ADMIN)

    assert vip not in world.store.customer_groups


def test_a_default_group_cannot_be_deleted_even_empty(world: World) -> None:
    with pytest.raises(PreconditionFailed) as refused:
        delete_customer_group(DeleteCustomerGroup(VISITOR_GROUP_ID), world.uow, world.clock, ADMIN)

    assert refused.value.field == "group_id"
    assert VISITOR_GROUP_ID in world.store.customer_groups
