"""The promises of the customer accounts, titles, customer groups, managers, distribution
state, orders and carts repositories, kept by every adapter (memory, SQLite, PostgreSQL); what
only a database enforces (foreign keys); and the assignment rules through the use cases on SQL.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from datetime import timedelta
from decimal import Decimal
from uuid import UUID

import attrs
import pytest
from sqlalchemy import Engine, update
from tests.contract.builders import AGENT, NewUow, a_validated_client, fields_of, stored_clients
from tests.unit.customers.builders import ADMIN, BOT, World
from tests.unit.orders.builders import a_shelf

from perla_adapters.memory import FixedClock, SequentialIds
from perla_adapters.sql import SqlAlchemyUnitOfWork
from perla_adapters.sql.tables import orders as orders_table
from perla_core.customers.commands import SaveCustomerAccount
from perla_core.customers.model import (
    CUSTOMER_GROUP_ID,
    DEFAULT_GROUP_ID,
    DEFAULT_GROUPS,
    DEFAULT_TITLES,
    GUEST_GROUP_ID,
    VISITOR_GROUP_ID,
    Address,
    ContactAccount,
    ContactRole,
    CustomerAccount,
    CustomerGroup,
    Title,
)
from perla_core.customers.services import save_customer_account
from perla_core.kernel.errors import AlreadyExists, NotFound, PreconditionFailed, StaleVersion
from perla_core.kernel.money import Money
from perla_core.kernel.pagination import PageRequest
from perla_core.kernel.values import Email, Phone
from perla_core.managers.assignment import AssignmentReason
from perla_core.managers.model import AssignmentState, DistributionRule, Manager
from perla_core.orders import sales
from perla_core.orders.model import (
    Cart,
    CartStatus,
    ChosenFinancing,
    DocumentRef,
    Order,
    OrderChannel,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentChannel,
    PricedSku,
)
from perla_core.orders.ports import CartCounts, CartQuery, OrderQuery, OrderTotals
from perla_core.outbox import OutboxMessage

SR = DEFAULT_TITLES[0]
DR = DEFAULT_TITLES[3]


def _clients(new_uow: NewUow, clock: FixedClock, ids: SequentialIds, n: int = 1) -> list[UUID]:
    clients = [a_validated_client(clock, ids, i) for i in range(1, n + 1)]
    stored_clients(new_uow, *clients)
    return [c.id for c in clients]


def _manager(ids: SequentialIds, clock: FixedClock, name: str, *, active: bool = True) -> Manager:
    first = unicodedata.normalize("NFKD", name.split(maxsplit=1)[0].lower()).encode(
        "ascii", "ignore"
    )
    email = Email.parse(f"{first.decode()}@perlatours.com")
    return Manager.create(
        manager_id=ids.new_id(), name=name, email=email, now=clock.now(), actor=AGENT, active=active
    )


def _stored_managers(new_uow: NewUow, *managers: Manager) -> None:
    with new_uow() as uow:
        for manager in managers:
            uow.managers.add(manager)
        uow.commit()


def _full_account(ids: SequentialIds, clock: FixedClock, client_id: UUID) -> CustomerAccount:
    account = CustomerAccount.open(client_id=client_id, now=clock.now(), actor=AGENT)
    account.group_id = GUEST_GROUP_ID
    account.title_id = SR.id
    account.addresses = (
        Address(ids.new_id(), "Oficina central", "Gran Vía 1", "Madrid", "ES", "28013",
                "Planta 3", default_billing=True),
        Address(ids.new_id(), "Almacén", "Calle Mayor 2", "Getafe", "ES", "28901",
                default_shipping=True),
    )  # fmt: skip
    account.contacts = (
        ContactAccount(ids.new_id(), ContactRole.ADMINISTRATION, "Marta Gil",
                       Email.parse("marta@viajes.es"), Phone("+34600111222"), DR.id),
        ContactAccount(ids.new_id(), ContactRole.MANAGER, "Luis Mora", None,
                       Phone("+34600333444"), SR.id),
        ContactAccount(ids.new_id(), ContactRole.SALES, "Pia", Email.parse("pia@viajes.es")),
    )  # fmt: skip
    account.last_contact_at = clock.now() - timedelta(days=2)
    return account


LINES = (
    OrderLine("Cámara IP 4K", 3, Money.of("33.333", "EUR"), Decimal("10.00"), "CAM-4K"),
    OrderLine("Instalación", 1, Money.of("80.00", "EUR")),
)


def _order(
    ids: SequentialIds,
    clock: FixedClock,
    client_id: UUID,
    number: int,
    *,
    currency: str = "EUR",
    lines: Sequence[OrderLine] = LINES,
    manager_id: UUID | None = None,
) -> Order:
    if currency != "EUR":
        lines = [OrderLine(x.description, x.quantity, Money(x.unit_price.amount, currency))
                 for x in lines]  # fmt: skip
    order = Order.create(
        order_id=ids.new_id(),
        number=number,
        client_id=client_id,
        currency=currency,
        channel=OrderChannel.WHATSAPP,
        lines=lines,
        now=clock.now(),
        actor=AGENT,
    )
    order.manager_id = manager_id
    return order


def _cart(ids: SequentialIds, clock: FixedClock, client_id: UUID, currency: str = "EUR") -> Cart:
    lines = [OrderLine("Cámara", 2, Money.of("10.005", currency))]
    return Cart.open(
        cart_id=ids.new_id(),
        client_id=client_id,
        currency=currency,
        lines=lines,
        now=clock.now(),
        actor=AGENT,
    )


# --- customer accounts ----------------------------------------------------------------------------


class TestCustomerAccountRepositoryContract:
    def test_an_account_comes_back_equal_and_saves_are_optimistic(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        [client] = _clients(new_uow, clock, ids)
        manager = _manager(ids, clock, "Bea Ruiz")
        _stored_managers(new_uow, manager)
        account = _full_account(ids, clock, client)
        account.manager_id = manager.id
        with new_uow() as uow:
            assert uow.customer_accounts.get(client) is None
            uow.customer_accounts.add(account)
            uow.commit()
        assert account.version == 1

        with new_uow() as uow:
            got = uow.customer_accounts.get(client)
            many = uow.customer_accounts.get_many([client, ids.new_id()])
            assert uow.customer_accounts.seen == [got]
        assert got is not None
        assert fields_of(got) == fields_of(account)
        assert got.events == []
        assert list(many) == [client]
        assert fields_of(many[client]) == fields_of(account)

        with new_uow() as uow:
            first = uow.customer_accounts.get(client)
            assert first is not None
            first.contacts = first.contacts[:1]
            uow.customer_accounts.save(first)
            uow.commit()
        assert first.version == 2
        account.title_id = None
        with new_uow() as uow, pytest.raises(StaleVersion):
            uow.customer_accounts.save(account)
        with new_uow() as uow:
            again = uow.customer_accounts.get(client)
        assert again is not None
        assert again.contacts == first.contacts
        assert again.version == 2

    def test_an_account_needs_its_client_and_is_one_per_client(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        [client] = _clients(new_uow, clock, ids)
        with new_uow() as uow:
            uow.customer_accounts.add(CustomerAccount.blank(client, clock.now()))
            uow.commit()

        with new_uow() as uow:
            with pytest.raises(AlreadyExists):
                uow.customer_accounts.add(CustomerAccount.blank(client, clock.now()))
            unknown = ids.new_id()
            with pytest.raises(NotFound):
                uow.customer_accounts.add(CustomerAccount.blank(unknown, clock.now()))
            assert uow.customer_accounts.get_many([]) == {}

    def test_members_title_usage_and_latest_contact_are_counted(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        first, second, third, _ = _clients(new_uow, clock, ids, 4)
        with new_uow() as uow:
            assert uow.customer_accounts.latest_contact() is None
            assert uow.customer_accounts.title_usage(SR.id).total == 0
            uow.customer_accounts.add(_full_account(ids, clock, first))  # guest, Sr., 1 Sr. 1 Dr.
            clock.advance(timedelta(days=5))
            other = _full_account(ids, clock, second)  # guest, Dr., 1 Sr. 1 Dr.
            other.title_id = DR.id
            uow.customer_accounts.add(other)
            plain = CustomerAccount.blank(third, clock.now())
            plain.group_id = VISITOR_GROUP_ID
            uow.customer_accounts.add(plain)
            uow.commit()

        with new_uow() as uow:
            members = uow.customer_accounts.members_by_group(DEFAULT_GROUP_ID)
            sr = uow.customer_accounts.title_usage(SR.id)
            dr = uow.customer_accounts.title_usage(DR.id)
            unused = uow.customer_accounts.title_usage(DEFAULT_TITLES[2].id)
            latest = uow.customer_accounts.latest_contact()
        assert dict(members) == {GUEST_GROUP_ID: 2, VISITOR_GROUP_ID: 1, CUSTOMER_GROUP_ID: 1}
        assert (sr.accounts, sr.contacts) == (1, 2)
        assert (dr.accounts, dr.contacts) == (1, 2)
        assert unused.total == 0
        assert latest == clock.now() - timedelta(days=2)


# --- titles and groups ----------------------------------------------------------------------------


class TestCatalogueRepositoriesContract:
    def test_the_default_titles_and_groups_are_there(self, new_uow: NewUow) -> None:
        with new_uow() as uow:
            stored_titles = uow.titles.list()
            groups = uow.customer_groups.list()
        assert sorted(t.id for t in stored_titles) == sorted(t.id for t in DEFAULT_TITLES)
        assert [fields_of(g) for g in groups] == [fields_of(g) for g in DEFAULT_GROUPS]

    def test_titles_have_unique_codes_sort_by_label_and_filter_by_active(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        lic = Title.create(title_id=ids.new_id(), code="lic", label="Lic.", now=clock.now(),
                           actor=AGENT)  # fmt: skip
        abogado = Title.create(title_id=ids.new_id(), code="abg", label="Abogado",
                               now=clock.now(), actor=AGENT)  # fmt: skip
        with new_uow() as uow:
            uow.titles.add(lic)
            uow.titles.add(abogado)
            uow.commit()
        with new_uow() as uow:
            twin = Title.create(title_id=ids.new_id(), code="lic", label="Otro", now=clock.now(),
                                actor=AGENT)  # fmt: skip
            with pytest.raises(AlreadyExists) as taken:
                uow.titles.add(twin)
            assert taken.value.field == "code"
            got = uow.titles.get(lic.id)
            got.change({"active": False}, now=clock.now(), actor=AGENT)
            uow.titles.save(got)
            uow.commit()
        with new_uow() as uow:
            labels = [t.label for t in uow.titles.list()]
            inactive = uow.titles.list(active=False)
            active = uow.titles.list(active=True)
            renamed = uow.titles.get(abogado.id)
            renamed.code = "sr"
            with pytest.raises(AlreadyExists):
                uow.titles.save(renamed)
            assert uow.titles.find(ids.new_id()) is None
            with pytest.raises(NotFound):
                uow.titles.get(ids.new_id())
        assert labels == ["Abogado", "Dr.", "Dra.", "Lic.", "Sr.", "Sra.", "Srta."]
        assert [t.id for t in inactive] == [lic.id]
        assert lic.id not in {t.id for t in active}
        assert len(active) == 6

    def test_removing_is_optimistic(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        group = CustomerGroup.create(group_id=ids.new_id(), code="vip", name="VIP",
                                     discount_pct="12.5", now=clock.now(), actor=AGENT)  # fmt: skip
        with new_uow() as uow:
            uow.customer_groups.add(group)
            uow.commit()
        stale = CustomerGroup(group.id, "vip", "VIP", Decimal("12.5"), version=1)
        with new_uow() as uow:
            got = uow.customer_groups.get(group.id)
            assert got.discount_pct == Decimal("12.50")
            got.change({"name": "Agencias VIP"}, now=clock.now(), actor=AGENT)
            uow.customer_groups.save(got)
            uow.commit()
        with new_uow() as uow, pytest.raises(StaleVersion):
            uow.customer_groups.remove(stale)
        with new_uow() as uow:
            uow.customer_groups.remove(got)
            uow.commit()
        with new_uow() as uow:
            assert uow.customer_groups.find(group.id) is None

    def test_groups_list_the_defaults_first_then_by_name_and_codes_are_unique(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        def group(code: str, name: str) -> CustomerGroup:
            return CustomerGroup.create(group_id=ids.new_id(), code=code, name=name,
                                        discount_pct=0, now=clock.now(), actor=AGENT)  # fmt: skip

        with new_uow() as uow:
            uow.customer_groups.add(group("zz", "Agencias"))
            uow.customer_groups.add(group("aa", "Mayoristas"))
            with pytest.raises(AlreadyExists) as taken:
                uow.customer_groups.add(group("guest", "Otra"))
            assert taken.value.field == "code"
            uow.commit()
        with new_uow() as uow:
            names = [g.name for g in uow.customer_groups.list()]
        assert names == ["Visitor", "Guest", "Customer", "Agencias", "Mayoristas"]

    def test_the_events_of_what_was_added_or_removed_reach_the_outbox(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        title = Title.create(title_id=ids.new_id(), code="ing", label="Ing.", now=clock.now(),
                             actor=AGENT)  # fmt: skip
        with new_uow() as uow:
            uow.titles.add(title)
            uow.commit()
        with new_uow() as uow:
            got = uow.titles.get(title.id)
            got.delete(accounts=0, contacts=0, now=clock.now(), actor=AGENT)
            uow.titles.remove(got)
            uow.commit()
        with new_uow() as uow:
            topics = [m.topic for m in uow.outbox.for_aggregate(title.id)]
        assert topics == ["customers.title_created", "customers.title_deleted"]


# --- managers and the distribution state ---------------------------------------------------------


class TestManagerRepositoryContract:
    def test_managers_round_trip_with_unique_case_insensitive_e_mails(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        ivan = _manager(ids, clock, "Iván Mora", active=False)
        ana = _manager(ids, clock, "ana Sanz")
        bea = _manager(ids, clock, "Bea Ruiz")
        _stored_managers(new_uow, ivan, bea, ana)

        with new_uow() as uow:
            got = uow.managers.get(ivan.id)
            by_email = uow.managers.by_email(Email.parse("IVAN@PerlaTours.com"))
            everyone = [m.name for m in uow.managers.list()]
            active = [m.name for m in uow.managers.list(active=True)]
            inactive = [m.name for m in uow.managers.list(active=False)]
            twin = _manager(ids, clock, "Ana Otra")
            twin.email = Email.parse("ANA@perlatours.com")
            with pytest.raises(AlreadyExists) as taken:
                uow.managers.add(twin)
            assert taken.value.field == "email"
            assert uow.managers.find(ids.new_id()) is None
            with pytest.raises(NotFound):
                uow.managers.get(ids.new_id())
        assert fields_of(got) == fields_of(ivan)
        assert by_email is not None
        assert by_email.id == ivan.id
        assert everyone == ["ana Sanz", "Bea Ruiz", "Iván Mora"]
        assert active == ["ana Sanz", "Bea Ruiz"]
        assert inactive == ["Iván Mora"]

        with new_uow() as uow:
            first = uow.managers.get(bea.id)
            first.activate(now=clock.now(), actor=AGENT)
            first.update(name="Beatriz Ruiz", email=None, now=clock.now(), actor=AGENT)
            uow.managers.save(first)
            uow.commit()
        with new_uow() as uow, pytest.raises(StaleVersion):
            uow.managers.save(bea)
        with new_uow() as uow:
            assert uow.managers.get(bea.id).name == "Beatriz Ruiz"

    def test_the_distribution_state_is_the_default_until_saved_then_optimistic(
        self, new_uow: NewUow
    ) -> None:
        cursor = UUID(int=7)
        with new_uow() as uow:
            assert uow.assignment_state.get() == AssignmentState()
            stored = uow.assignment_state.save(
                AssignmentState(DistributionRule.LEAST_LOADED, cursor)
            )
            uow.commit()
        assert stored == AssignmentState(DistributionRule.LEAST_LOADED, cursor, 1)
        with new_uow() as uow:
            assert uow.assignment_state.get() == stored
            with pytest.raises(StaleVersion):
                uow.assignment_state.save(AssignmentState())
        with new_uow() as uow:
            again = uow.assignment_state.save(AssignmentState(version=1))
            uow.commit()
        with new_uow() as uow:
            assert uow.assignment_state.get() == again == AssignmentState(version=2)


# --- orders ---------------------------------------------------------------------------------------


class TestOrderRepositoryContract:
    def test_an_order_comes_back_equal_with_unique_numbers_and_an_existing_client(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        [client] = _clients(new_uow, clock, ids)
        manager = _manager(ids, clock, "Bea Ruiz")
        _stored_managers(new_uow, manager)
        with new_uow() as uow:
            first, second = uow.orders.next_number(), uow.orders.next_number()
            order = _order(ids, clock, client, first, manager_id=manager.id)
            order.place(now=clock.now(), actor=AGENT)
            uow.orders.add(order)
            uow.commit()
        assert second > first
        with new_uow() as uow:
            assert uow.orders.next_number() > second
            got = uow.orders.get(order.id)
            assert uow.orders.seen == [got]
            with pytest.raises(AlreadyExists) as taken:
                uow.orders.add(_order(ids, clock, client, first))
            assert taken.value.field == "number"
            with pytest.raises(NotFound):
                uow.orders.add(_order(ids, clock, ids.new_id(), 999))
            with pytest.raises(NotFound):
                uow.orders.get(ids.new_id())
        assert fields_of(got) == fields_of(order)
        assert got.total == Money.of("170.00", "EUR")
        assert got.events == []

        with new_uow() as uow:
            loaded = uow.orders.get(order.id)
            loaded.complete(now=clock.now(), actor=AGENT)
            uow.orders.save(loaded)
            uow.commit()
        with new_uow() as uow, pytest.raises(StaleVersion):
            uow.orders.save(order)

    def test_orders_list_newest_first_and_the_kpis_are_grouped(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        one, two = _clients(new_uow, clock, ids, 2)
        bea, ana = _manager(ids, clock, "Bea Ruiz"), _manager(ids, clock, "Ana Sanz")
        _stored_managers(new_uow, bea, ana)
        made: list[Order] = []
        plan = [  # client, currency, manager, what happens
            (one, "EUR", bea, "place"), (one, "EUR", bea, "complete"), (one, "USD", ana, "place"),
            (one, "EUR", ana, "cancel"), (two, "EUR", bea, "draft"), (two, "EUR", None, "place"),
        ]  # fmt: skip
        with new_uow() as uow:
            for client, currency, manager, step in plan:
                clock.advance(timedelta(hours=1))
                order = _order(ids, clock, client, uow.orders.next_number(), currency=currency,
                               manager_id=None if manager is None else manager.id)  # fmt: skip
                if step in ("place", "complete"):
                    order.place(now=clock.now(), actor=AGENT)
                if step == "complete":
                    order.complete(now=clock.now(), actor=AGENT)
                if step == "cancel":
                    order.cancel(now=clock.now(), actor=AGENT)
                uow.orders.add(order)
                made.append(order)
            uow.commit()

        with new_uow() as uow:
            newest = uow.orders.list(OrderQuery())
            page = uow.orders.list(OrderQuery(client_id=one, page=PageRequest(limit=2, offset=1)))
            placed = uow.orders.list(OrderQuery(status=OrderStatus.PLACED, manager_id=bea.id))
            loads = uow.orders.open_orders_by_manager()
            everyone = uow.orders.totals()
            of_two = uow.orders.totals(two)
            by_client = uow.orders.totals_by_client([one, two, ids.new_id()])
            assert uow.orders.totals_by_client([]) == {}
        assert [o.id for o in newest.items] == [o.id for o in reversed(made)]
        assert newest.total == 6
        assert ([o.id for o in page.items], page.total) == ([made[2].id, made[1].id], 4)
        assert [o.id for o in placed.items] == [made[0].id]
        assert dict(loads) == {bea.id: 2, ana.id: 1}
        eur, usd = Decimal("170.00"), Decimal("180.00")  # the USD lines have no discount
        assert everyone == [
            OrderTotals("EUR", 3, eur * 3, made[5].placed_at),
            OrderTotals("USD", 1, usd, made[2].placed_at),
        ]
        assert of_two == [OrderTotals("EUR", 1, eur, made[5].placed_at)]
        assert dict(by_client) == {
            one: [
                OrderTotals("EUR", 2, eur * 2, made[1].placed_at),
                OrderTotals("USD", 1, usd, made[2].placed_at),
            ],
            two: [OrderTotals("EUR", 1, eur, made[5].placed_at)],
        }


# --- carts ----------------------------------------------------------------------------------------


class TestCartRepositoryContract:
    def test_a_cart_comes_back_equal_and_saves_are_optimistic(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        [client] = _clients(new_uow, clock, ids)
        cart = _cart(ids, clock, client)
        with new_uow() as uow:
            uow.carts.add(cart)
            with pytest.raises(NotFound):
                uow.carts.add(_cart(ids, clock, ids.new_id()))
            uow.commit()
        with new_uow() as uow:
            got = uow.carts.get(cart.id)
            with pytest.raises(AlreadyExists):
                uow.carts.add(attrs.evolve(cart, version=0))
        assert fields_of(got) == fields_of(cart)
        assert got.value == Money.of("20.01", "EUR")
        with new_uow() as uow:
            loaded = uow.carts.get(cart.id)
            loaded.mark_converted(ids.new_id(), now=clock.now(), actor=AGENT)
            uow.carts.save(loaded)
            uow.commit()
        with new_uow() as uow, pytest.raises(StaleVersion):
            uow.carts.save(cart)
        with new_uow() as uow:
            assert fields_of(uow.carts.get(cart.id)) == fields_of(loaded)

    def test_carts_list_idle_and_count_by_effective_status(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        one, two = _clients(new_uow, clock, ids, 2)
        start = clock.now()
        with new_uow() as uow:
            old = _cart(ids, clock, one)  # idle since start: abandoned by then
            uow.carts.add(old)
            clock.advance(timedelta(hours=1))
            marked = _cart(ids, clock, one, "USD")
            marked.status, marked.abandoned_at = CartStatus.ABANDONED, clock.now()
            uow.carts.add(marked)
            clock.advance(timedelta(hours=1))
            converted = _cart(ids, clock, two)
            converted.mark_converted(ids.new_id(), now=clock.now(), actor=AGENT)
            uow.carts.add(converted)
            clock.advance(timedelta(hours=1))
            fresh_eur, fresh_usd = _cart(ids, clock, two), _cart(ids, clock, one, "USD")
            uow.carts.add(fresh_eur)
            uow.carts.add(fresh_usd)
            uow.commit()
        cutoff = start + timedelta(minutes=30)

        with new_uow() as uow:
            everything = uow.carts.list(CartQuery())
            open_now = uow.carts.list(CartQuery(status=CartStatus.OPEN, abandoned_before=cutoff))
            abandoned = uow.carts.list(
                CartQuery(status=CartStatus.ABANDONED, abandoned_before=cutoff)
            )
            stored_open = uow.carts.list(CartQuery(status=CartStatus.OPEN, client_id=one))
            idle = uow.carts.idle_open(clock.now() + timedelta(minutes=1), 2)
            seen = list(uow.carts.seen)
            counts = uow.carts.counts(cutoff)
            of_one = uow.carts.counts(cutoff, client_id=one, created_since=start)
            recent = uow.carts.counts(cutoff, created_since=start + timedelta(hours=2))
        eur, usd = Money.of("20.01", "EUR"), Money.of("20.01", "USD")
        assert everything.total == 5
        assert everything.items[-1].id == old.id
        assert {c.id for c in everything.items[:2]} == {fresh_eur.id, fresh_usd.id}
        assert {c.id for c in open_now.items} == {fresh_eur.id, fresh_usd.id}
        assert [c.id for c in abandoned.items] == [marked.id, old.id]
        assert {c.id for c in stored_open.items} == {old.id, fresh_usd.id}
        assert [c.id for c in idle] == [old.id, fresh_eur.id]  # ties by id
        assert seen == idle
        assert counts == CartCounts(2, 2, 1, (eur, usd))
        assert of_one == CartCounts(1, 2, 0, (usd,))
        assert recent == CartCounts(2, 0, 1, (eur, usd))


# --- what only a database enforces ---------------------------------------------------------------


def test_a_title_or_group_taken_meanwhile_cannot_be_deleted(
    sql_engine: Engine, clock: FixedClock, ids: SequentialIds
) -> None:
    def new_uow() -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(sql_engine, clock, ids)

    [client] = _clients(new_uow, clock, ids)
    title = Title.create(title_id=ids.new_id(), code="ing", label="Ing.", now=clock.now(),
                         actor=AGENT)  # fmt: skip
    group = CustomerGroup.create(group_id=ids.new_id(), code="vip", name="VIP",
                                 discount_pct=5, now=clock.now(), actor=AGENT)  # fmt: skip
    with new_uow() as uow:
        uow.titles.add(title)
        uow.customer_groups.add(group)
        account = CustomerAccount.blank(client, clock.now())
        account.group_id = group.id
        account.contacts = (
            ContactAccount(ids.new_id(), ContactRole.OTHER, "Eva", Email.parse("eva@v.es"),
                           title_id=title.id),
        )  # fmt: skip
        uow.customer_accounts.add(account)
        uow.commit()

    with new_uow() as uow, pytest.raises(PreconditionFailed) as refused:
        uow.titles.remove(uow.titles.get(title.id))
    assert refused.value.field == "title_id"
    with new_uow() as uow, pytest.raises(PreconditionFailed) as refused:
        uow.customer_groups.remove(uow.customer_groups.get(group.id))
    assert refused.value.field == "group_id"
    with new_uow() as uow:
        assert uow.titles.find(title.id) is not None
        assert uow.customer_groups.find(group.id) is not None


# --- the assignment rules on SQL ------------------------------------------------------------------


R = AssignmentReason


class SqlWorld(World):
    """:class:`World` on a SQL database: what is stored is read through a new unit of work."""

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.uow = SqlAlchemyUnitOfWork(engine, self.clock, self.ids)  # type: ignore[assignment]
        self._engine = engine

    def _reader(self) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(self._engine, self.clock, self.ids)

    def restart(self) -> None:
        self.uow = self._reader()  # type: ignore[assignment]

    def email_of(self, manager_id: UUID) -> str:
        with self._reader() as uow:
            return uow.managers.get(manager_id).email.value

    def account(self, client_id: UUID) -> CustomerAccount | None:
        with self._reader() as uow:
            return uow.customer_accounts.get(client_id)

    def stored_order(self, order_id: UUID) -> Order:
        with self._reader() as uow:
            return uow.orders.get(order_id)

    def state(self) -> AssignmentState:
        with self._reader() as uow:
            return uow.assignment_state.get()

    def outbox(self, topic_prefix: str = "") -> list[OutboxMessage]:
        raise NotImplementedError("read the outbox by aggregate on SQL")


@pytest.fixture
def sql_world(sql_engine: Engine) -> SqlWorld:
    return SqlWorld(sql_engine)


def test_on_sql_the_clients_manager_is_set_on_each_new_order(sql_world: SqlWorld) -> None:
    world = sql_world
    client = world.client()
    bea = world.manager("Bea Ruiz")
    other = world.manager("Carla Gil")
    save_customer_account(
        SaveCustomerAccount(client, manager_id=bea), world.uow, world.clock, ADMIN
    )

    first = world.order(client, BOT)
    second = world.order(client, world.editor(other))

    assert first.assignment.reason is R.CLIENT_MANAGER
    assert world.stored_order(first.order_id).manager_id == bea
    assert world.stored_order(second.order_id).manager_id == bea
    assert world.client_manager(client) == bea


def test_on_sql_an_inactive_manager_is_replaced_by_the_round_robin_and_linked_to_the_client(
    sql_world: SqlWorld,
) -> None:
    world = sql_world
    ana, bea = world.manager("Ana Sanz"), world.manager("Bea Ruiz")
    ivan = world.manager("Iván Mora")
    client = world.client()
    save_customer_account(
        SaveCustomerAccount(client, manager_id=ivan), world.uow, world.clock, ADMIN
    )
    world.deactivate(ivan)

    saved = world.order(client, world.editor(bea))

    assert saved.assignment.reason is R.INACTIVE_CLIENT_MANAGER
    assert saved.assignment.distribution is DistributionRule.ROUND_ROBIN
    assert world.stored_order(saved.order_id).manager_id == ana
    assert world.client_manager(client) == ana
    assert world.state().cursor == ana


def test_on_sql_the_round_robin_turn_survives_a_restart(sql_world: SqlWorld) -> None:
    world = sql_world
    ana, bea = world.manager("Ana Sanz"), world.manager("Bea Ruiz")
    picks = []
    for n in range(3):
        client = world.client(f"Agencia {n}")
        picks.append(world.stored_order(world.order(client, BOT).order_id).manager_id)
        world.restart()

    assert picks == [ana, bea, ana]
    assert world.state().cursor == ana
    assert world.state().version == 3


# --- the purchase lifecycle and payments (issue 8) ------------------------------------------------


def _whatsapp_order(ids: SequentialIds, clock: FixedClock, client_id: UUID, number: int) -> Order:
    lines = (
        OrderLine("Cámara domo", 2, Money.of("10000.00", "ARS"), sku="CAM-1"),
        OrderLine("Disco 2 TB", 1, Money.of("50000.00", "ARS"), Decimal("5.00"), "DISK-2",
                  Decimal("10.50")),
    )  # fmt: skip
    return Order.create(
        order_id=ids.new_id(),
        number=number,
        client_id=client_id,
        currency="ARS",
        channel=OrderChannel.WHATSAPP,
        lines=lines,
        now=clock.now(),
        actor=AGENT,
    )


PRICES = {
    "CAM-1": PricedSku("CAM-1", "Cámara domo", Money.of("10000.00", "ARS"), Decimal("21.00"), 9),
    "DISK-2": PricedSku("DISK-2", "Disco 2 TB", Money.of("50000.00", "ARS"), Decimal("10.50"), 9),
}
"""The catalogue as the lines of :func:`_whatsapp_order` price it: nothing changed."""


def _payment(order_id: UUID, payment_id: str, amount: str, clock: FixedClock) -> Payment:
    return Payment(
        payment_id, order_id, Money.of(amount, "ARS"), "transfer", clock.now(), clock.now(),
        "system", PaymentChannel.WEBHOOK,
    )  # fmt: skip


class TestOrderLifecycleContract:
    def test_an_order_through_the_whole_purchase_comes_back_equal_at_every_step(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        [client] = _clients(new_uow, clock, ids)
        order = _whatsapp_order(ids, clock, client, 1)
        plan = ChosenFinancing(
            3, Money.of("30000.00", "ARS"), Money.of("90000.00", "ARS"), Decimal("60.00"),
            Decimal("79.59"), Decimal("85.10"), Decimal("101.20"), "rule-1",
        )  # fmt: skip
        steps: list[Callable[[Order], object]] = [
            lambda o: o.send_summary(now=clock.now(), actor=AGENT),
            lambda o: o.choose_financing(plan, now=clock.now(), actor=AGENT),
            lambda o: o.confirm(o.summary_version, PRICES, now=clock.now(), actor=AGENT),
            lambda o: o.mark_pre_invoiced(
                DocumentRef("doc-1", "PF-0001", 12, clock.now()), now=clock.now(), actor=AGENT
            ),
            lambda o: o.register_payment(
                "mp-1", Money.of("1000.01", "ARS"), now=clock.now(), actor=AGENT
            ),
            lambda o: o.mark_recorded("PV000001", now=clock.now(), actor=AGENT),
            lambda o: o.register_payment("mp-2", o.balance, now=clock.now(), actor=AGENT),
            lambda o: o.mark_invoiced(
                DocumentRef("doc-2", "FA-0001", 3, clock.now()), now=clock.now(), actor=AGENT
            ),
        ]
        with new_uow() as uow:
            uow.orders.add(order)
            uow.commit()
        for step in steps:
            clock.advance(timedelta(minutes=1))
            with new_uow() as uow:
                loaded = uow.orders.get(order.id)
                step(loaded)
                uow.orders.save(loaded)
                uow.commit()
            with new_uow() as uow:
                got = uow.orders.get(order.id)
            assert fields_of(got) == fields_of(loaded)

        assert got.status is OrderStatus.INVOICED
        assert got.financing == plan
        assert got.total_with_vat == Money.of("76687.50", "ARS")
        assert got.paid == got.total_with_vat
        assert [x.vat_rate for x in got.lines] == [Decimal("21.00"), Decimal("10.50")]

    def test_idle_finds_the_orders_waiting_on_the_client_least_recently_changed_first(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        [client] = _clients(new_uow, clock, ids)
        cart_ = _whatsapp_order(ids, clock, client, 1)
        clock.advance(timedelta(minutes=1))
        awaiting = _whatsapp_order(ids, clock, client, 2)
        awaiting.channel = OrderChannel.BACKOFFICE
        awaiting.send_summary(now=clock.now(), actor=AGENT)
        backoffice = _order(ids, clock, client, 3)
        backoffice.channel = OrderChannel.BACKOFFICE
        confirmed = _whatsapp_order(ids, clock, client, 4)
        confirmed.send_summary(now=clock.now(), actor=AGENT)
        assert confirmed.confirm(1, PRICES, now=clock.now(), actor=AGENT).confirmed
        clock.advance(timedelta(minutes=1))
        recent = _whatsapp_order(ids, clock, client, 5)
        with new_uow() as uow:
            for o in (cart_, awaiting, backoffice, confirmed, recent):
                uow.orders.add(o)
            uow.commit()

        with new_uow() as uow:
            found = uow.orders.idle(clock.now(), 10)
            assert [o.id for o in found] == [cart_.id, awaiting.id]
            assert [o.id for o in uow.orders.seen] == [cart_.id, awaiting.id]
            assert [o.id for o in uow.orders.idle(clock.now(), 1)] == [cart_.id]
            assert uow.orders.by_number(5).id == recent.id
            with pytest.raises(NotFound):
                uow.orders.by_number(99)

    def test_the_paid_amount_and_documents_of_another_order_stay_apart(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        [client] = _clients(new_uow, clock, ids)
        first, second = (_whatsapp_order(ids, clock, client, n) for n in (1, 2))
        with new_uow() as uow:
            uow.orders.add(first)
            uow.orders.add(second)
            uow.commit()

        with new_uow() as uow:
            assert uow.orders.get(second.id).pre_invoice is None
            assert uow.orders.get(second.id).paid_amount == 0


class TestPaymentRepositoryContract:
    def test_a_payment_comes_back_equal_once_per_id_for_an_existing_order(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        [client] = _clients(new_uow, clock, ids)
        order = _whatsapp_order(ids, clock, client, 1)
        later = _payment(order.id, "mp-2", "10.50", clock)
        clock.advance(timedelta(minutes=-5))
        earlier = _payment(order.id, "mp-1", "1000.00", clock)
        with new_uow() as uow:
            uow.orders.add(order)
            uow.payments.add(later)
            uow.payments.add(earlier)
            uow.commit()

        with new_uow() as uow:
            assert uow.payments.find("mp-1") == earlier
            assert uow.payments.find("nope") is None
            assert uow.payments.for_order(order.id) == [earlier, later]
            assert uow.payments.for_order(ids.new_id()) == []
            with pytest.raises(AlreadyExists) as taken:
                uow.payments.add(_payment(order.id, "mp-1", "5.00", clock))
            assert taken.value.field == "payment_id"
            with pytest.raises(NotFound):
                uow.payments.add(_payment(ids.new_id(), "mp-3", "5.00", clock))

    def test_the_same_payment_id_committed_by_another_unit_of_work_first_is_refused(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        [client] = _clients(new_uow, clock, ids)
        order = _whatsapp_order(ids, clock, client, 1)
        with new_uow() as uow:
            uow.orders.add(order)
            uow.commit()
        late = new_uow()
        with new_uow() as first, late:
            first.payments.add(_payment(order.id, "mp-1", "10.00", clock))
            first.commit()
            with pytest.raises(AlreadyExists):
                late.payments.add(_payment(order.id, "mp-1", "10.00", clock))

        with new_uow() as uow:
            assert len(uow.payments.for_order(order.id)) == 1


def test_on_sql_lines_stored_before_vat_existed_read_as_21_percent(sql_engine: Engine) -> None:
    clock, ids = FixedClock(), SequentialIds()

    def new_uow() -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(sql_engine, clock, ids)

    [client] = _clients(new_uow, clock, ids)
    order = _whatsapp_order(ids, clock, client, 1)
    with new_uow() as uow:
        uow.orders.add(order)
        uow.commit()
    old_lines = [
        {"description": "Cámara", "quantity": 1, "unit_price": {"amount": "100.00",
         "currency": "ARS"}, "discount_pct": "0.00", "sku": "CAM-1", "total": "100.00"}
    ]  # fmt: skip
    with sql_engine.begin() as conn:
        conn.execute(update(orders_table).values(lines=old_lines))

    with new_uow() as uow:
        got = uow.orders.get(order.id)

    assert got.lines[0].vat_rate == Decimal("21.00")
    assert got.total_with_vat == Money.of("121.00", "ARS")


def test_on_sql_the_purchase_use_cases_count_a_payment_once(sql_world: SqlWorld) -> None:
    shelf = a_shelf()
    client = sql_world.client()
    uow, clock = sql_world.uow, sql_world.clock
    started = sales.start_order_for_client(uow, clock, sql_world.ids, BOT, client_id=client)
    sales.add_item(uow, shelf, clock, BOT, order_id=started.order_id, sku="CAM-1", quantity=1)
    sent = sales.send_summary(uow, clock, BOT, order_id=started.order_id)
    sales.confirm_order(uow, shelf, clock, BOT, order_id=started.order_id,
                        summary_version=sent.summary_version)  # fmt: skip

    for _ in range(2):
        result = sales.record_payment(uow, clock, BOT, payment_id="mp-1", amount="12100.00",
                                      currency="ARS", order_number=started.number)  # fmt: skip

    assert result.duplicate
    order = sql_world.stored_order(started.order_id)
    assert order.paid == Money.of("12100.00", "ARS")
    assert order.is_fully_paid
    assert order.status is OrderStatus.CONFIRMED  # paid; becomes PAID once pre-invoiced+recorded


def test_on_sql_idle_orders_expire_once(sql_world: SqlWorld) -> None:
    shelf = a_shelf()
    uow, clock = sql_world.uow, sql_world.clock
    started = sales.start_order_for_client(uow, clock, sql_world.ids, BOT,
                                           client_id=sql_world.client())  # fmt: skip
    sales.add_item(uow, shelf, clock, BOT, order_id=started.order_id, sku="CAM-1", quantity=1)
    clock.advance(timedelta(hours=3))

    assert sales.expire_idle_orders(uow, clock.now(), timedelta(hours=2)) == 1
    assert sales.expire_idle_orders(uow, clock.now(), timedelta(hours=2)) == 0
    assert sql_world.stored_order(started.order_id).cancellation_reason == "expired"
