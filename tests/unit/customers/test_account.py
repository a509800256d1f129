"""The customer section of a client record (seed 002): created on its first write, addresses
with one default billing and one default shipping, contact accounts by role."""

from __future__ import annotations

from uuid import UUID

import pytest
from tests.unit.customers.builders import AGENT, READER, World

from perla_core.customers.commands import (
    AddAddress,
    AddContact,
    AddressInput,
    ContactInput,
    RecordContact,
    RemoveAddress,
    RemoveContact,
    SaveCustomerAccount,
    UpdateAddress,
    UpdateContact,
)
from perla_core.customers.events import CustomerAccountOpened, CustomerAccountUpdated
from perla_core.customers.model import (
    CUSTOMER_GROUP_ID,
    DEFAULT_TITLES,
    GUEST_GROUP_ID,
    ContactRole,
    CustomerAccount,
)
from perla_core.customers.services import (
    AccountSaved,
    add_address,
    add_contact,
    get_customer_account,
    record_contact,
    remove_address,
    remove_contact,
    save_customer_account,
    update_address,
    update_contact,
)
from perla_core.kernel.errors import (
    InvalidInput,
    InvalidValue,
    NotFound,
    PermissionDenied,
    StaleVersion,
)

SR = DEFAULT_TITLES[0].id


@pytest.fixture
def world() -> World:
    return World()


def address(
    name: str = "Oficina central", *, default_billing: bool = False, default_shipping: bool = False
) -> AddressInput:
    return AddressInput(
        name,
        "Calle de Alcalá 42",
        "Madrid",
        "es",
        "28014",
        default_billing=default_billing,
        default_shipping=default_shipping,
    )


def add(world: World, client: UUID, item: AddressInput) -> AccountSaved:
    return add_address(AddAddress(client, item), world.uow, world.clock, world.ids, AGENT)


def stored(world: World, client: UUID) -> CustomerAccount:
    account = world.account(client)
    assert account is not None
    return account


# --- the account ---------------------------------------------------------------------------------


def test_a_client_without_an_account_reads_as_the_defaults(world: World) -> None:
    client = world.client()

    account = get_customer_account(client, world.uow, world.clock, READER)

    assert (account.version, account.group_id, account.title_id) == (0, CUSTOMER_GROUP_ID, None)
    assert world.account(client) is None


def test_the_account_is_created_by_its_first_write(world: World) -> None:
    client = world.client()

    saved = save_customer_account(
        SaveCustomerAccount(client, title_id=SR, group_id=GUEST_GROUP_ID),
        world.uow,
        world.clock,
        AGENT,
    )

    account = stored(world, client)
    assert saved.version == account.version == 1
    assert (account.title_id, account.group_id) == (SR, GUEST_GROUP_ID)
    events = [m.event for m in world.outbox("customers.")]
    assert isinstance(events[0], CustomerAccountOpened)
    assert isinstance(events[1], CustomerAccountUpdated)
    assert events[1].changed == ("title_id", "group_id")
    assert events[1].aggregate_id == client


def test_a_save_that_changes_nothing_stores_nothing(world: World) -> None:
    client = world.client()

    saved = save_customer_account(SaveCustomerAccount(client), world.uow, world.clock, AGENT)

    assert saved.version == 0
    assert world.account(client) is None


def test_the_client_must_exist(world: World) -> None:
    with pytest.raises(NotFound):
        save_customer_account(
            SaveCustomerAccount(UUID(int=404), title_id=SR), world.uow, world.clock, AGENT
        )


def test_an_unknown_group_or_title_is_refused_by_name(world: World) -> None:
    client = world.client()

    with pytest.raises(InvalidValue) as group:
        save_customer_account(
            SaveCustomerAccount(client, group_id=UUID(int=7)), world.uow, world.clock, AGENT
        )
    with pytest.raises(InvalidValue) as title:
        save_customer_account(
            SaveCustomerAccount(client, title_id=UUID(int=7)), world.uow, world.clock, AGENT
        )

    assert (group.value.field, title.value.field) == ("group_id", "title_id")


def test_an_edit_from_a_stale_version_is_refused(world: World) -> None:
    client = world.client()
    add(world, client, address())

    with pytest.raises(StaleVersion):
        save_customer_account(
            SaveCustomerAccount(client, title_id=SR, expected_version=0),
            world.uow,
            world.clock,
            AGENT,
        )


def test_a_reader_cannot_write(world: World) -> None:
    client = world.client()

    with pytest.raises(PermissionDenied):
        save_customer_account(
            SaveCustomerAccount(client, title_id=SR), world.uow, world.clock, READER
        )


def test_the_last_contact_only_moves_forward(world: World) -> None:
    client = world.client()
    now = world.clock.now()

    record_contact(RecordContact(client), world.uow, world.clock, AGENT)
    record_contact(RecordContact(client, at=now.replace(year=2025)), world.uow, world.clock, AGENT)

    assert stored(world, client).last_contact_at == now


# --- addresses -----------------------------------------------------------------------------------


def test_an_address_is_validated_and_normalised(world: World) -> None:
    client = world.client()

    saved = add(world, client, address())

    assert saved.item_id is not None
    kept = stored(world, client).address(saved.item_id)
    assert (kept.country, kept.postal_code, kept.city) == ("ES", "28014", "Madrid")


def test_every_bad_part_of_an_address_is_reported_by_name(world: World) -> None:
    client = world.client()
    bad = AddressInput(" ", "", "Madrid", "XX", "28014")

    with pytest.raises(InvalidInput) as refused:
        add(world, client, bad)

    fields = {e.field for e in refused.value.errors}
    assert fields == {"address.name", "address.line1", "address.country"}
    assert world.account(client) is None


def test_a_spanish_postal_code_has_five_digits(world: World) -> None:
    client = world.client()

    with pytest.raises(InvalidValue) as refused:
        add(world, client, AddressInput("Casa", "Calle 1", "Madrid", "ES", "2801"))

    assert refused.value.field == "address.postal_code"


def test_a_new_default_billing_address_replaces_the_previous_default(world: World) -> None:
    client = world.client()
    first = add(world, client, address("Central", default_billing=True, default_shipping=True))
    second = add(world, client, address("Almacén", default_billing=True))

    account = stored(world, client)
    assert account.default_billing_address is not None
    assert account.default_billing_address.id == second.item_id
    assert account.default_shipping_address is not None
    assert account.default_shipping_address.id == first.item_id


def test_making_an_address_the_default_shipping_one_clears_the_old_default(
    world: World,
) -> None:
    client = world.client()
    first = add(world, client, address("Central", default_shipping=True))
    second = add(world, client, address("Almacén"))
    assert second.item_id is not None

    update_address(
        UpdateAddress(client, second.item_id, default_shipping=True),
        world.uow,
        world.clock,
        AGENT,
    )

    account = stored(world, client)
    assert first.item_id is not None
    assert not account.address(first.item_id).default_shipping
    assert account.address(second.item_id).default_shipping
    assert sum(a.default_shipping for a in account.addresses) == 1


def test_removing_the_default_address_is_allowed_and_leaves_none(world: World) -> None:
    client = world.client()
    first = add(world, client, address("Central", default_billing=True))
    add(world, client, address("Almacén"))
    assert first.item_id is not None

    remove_address(RemoveAddress(client, first.item_id), world.uow, world.clock, AGENT)

    account = stored(world, client)
    assert len(account.addresses) == 1
    assert account.default_billing_address is None


def test_an_address_edit_keeps_what_it_does_not_name(world: World) -> None:
    client = world.client()
    saved = add(world, client, address("Central", default_billing=True))
    assert saved.item_id is not None

    update_address(
        UpdateAddress(client, saved.item_id, city="Alcalá de Henares", postal_code="28801"),
        world.uow,
        world.clock,
        AGENT,
    )

    kept = stored(world, client).address(saved.item_id)
    assert (kept.name, kept.city, kept.postal_code) == ("Central", "Alcalá de Henares", "28801")
    assert kept.default_billing


def test_removing_an_unknown_address_is_not_found(world: World) -> None:
    client = world.client()
    add(world, client, address())

    with pytest.raises(NotFound):
        remove_address(RemoveAddress(client, UUID(int=5)), world.uow, world.clock, AGENT)


# --- contacts ------------------------------------------------------------------------------------


def test_contact_accounts_are_kept_by_role(world: World) -> None:
    client = world.client()
    for contact in (
        ContactInput("customer_service", "Marta Gil", email="atencion@nandu.es"),
        ContactInput("administration", "Íñigo Sáez", phone="943 71 19 52", title_id=SR),
        ContactInput("manager", "Rosa Vidal", email="direccion@nandu.es"),
    ):
        add_contact(AddContact(client, contact), world.uow, world.clock, world.ids, AGENT)

    account = stored(world, client)
    admin = account.contacts_by_role(ContactRole.ADMINISTRATION)
    assert [c.name for c in account.contacts] == ["Marta Gil", "Íñigo Sáez", "Rosa Vidal"]
    assert admin[0].phone is not None
    assert admin[0].phone.e164 == "+34943711952"  # read with the client's country
    assert admin[0].title_id == SR


def test_a_contact_needs_an_email_or_a_phone(world: World) -> None:
    client = world.client()

    with pytest.raises(InvalidValue) as refused:
        add_contact(
            AddContact(client, ContactInput("sales", "Sin Datos")),
            world.uow,
            world.clock,
            world.ids,
            AGENT,
        )

    assert refused.value.field == "contact.email"
    assert world.account(client) is None


def test_a_contacts_role_comes_from_the_closed_list(world: World) -> None:
    client = world.client()

    with pytest.raises(InvalidInput) as refused:
        add_contact(
            AddContact(client, ContactInput("cook", "Chef", email="x@nandu.es")),
            world.uow,
            world.clock,
            world.ids,
            AGENT,
        )

    assert refused.value.errors[0].field == "contact.role"
    assert "customer_service" in refused.value.errors[0].message


def test_a_contact_edit_cannot_leave_it_unreachable(world: World) -> None:
    client = world.client()
    saved = add_contact(
        AddContact(client, ContactInput("sales", "Ana", email="ventas@nandu.es")),
        world.uow,
        world.clock,
        world.ids,
        AGENT,
    )
    assert saved.item_id is not None

    with pytest.raises(InvalidValue):
        update_contact(
            UpdateContact(client, saved.item_id, email=None), world.uow, world.clock, AGENT
        )
    update_contact(
        UpdateContact(client, saved.item_id, phone="+34 600 000 000", email=None),
        world.uow,
        world.clock,
        AGENT,
    )

    contact = stored(world, client).contact(saved.item_id)
    assert contact.email is None
    assert contact.phone is not None


def test_a_contact_can_be_removed(world: World) -> None:
    client = world.client()
    saved = add_contact(
        AddContact(client, ContactInput("other", "Ana", email="a@nandu.es")),
        world.uow,
        world.clock,
        world.ids,
        AGENT,
    )
    assert saved.item_id is not None

    remove_contact(RemoveContact(client, saved.item_id), world.uow, world.clock, AGENT)

    assert stored(world, client).contacts == ()
