"""The customer section of a client record (seed 002, "Clientes"), and its catalogues.

``/api/v1/clients/{id}/account`` reads the section (title, group, manager, addresses,
contacts, last contact, the client's KPIs) and saves its title, group and manager (the
account-manager rules of seed 003 apply on save); ``addresses`` and ``contacts`` add, change
and remove items. ``/api/v1/titles`` and ``/api/v1/customer-groups`` manage the catalogues
(a title in use or a group with members cannot be deleted: 409). ``/api/v1/kpis/customers``
gives everyone's figures.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from litestar import Controller, Response, Router, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_409_CONFLICT
from litestar.types import ExceptionHandlersMap
from msgspec import UNSET, Meta, Struct, UnsetType

from perla_core.access.model import Actor
from perla_core.customers import kpis, services
from perla_core.customers.commands import (
    KEEP,
    AddAddress,
    AddContact,
    AddressInput,
    ContactInput,
    CreateCustomerGroup,
    CreateTitle,
    DeleteCustomerGroup,
    DeleteTitle,
    RemoveAddress,
    RemoveContact,
    SaveCustomerAccount,
    UpdateAddress,
    UpdateContact,
    UpdateCustomerGroup,
    UpdateTitle,
)
from perla_core.customers.kpis import CurrencyFigures, CustomerKpis
from perla_core.customers.model import (
    Address,
    ContactAccount,
    ContactRole,
    CustomerAccount,
    CustomerGroup,
    Title,
)
from perla_core.customers.services import AccountSaved, GroupMembers
from perla_core.kernel.errors import PreconditionFailed
from perla_core.kernel.ports import Clock
from perla_core.managers import services as managers
from perla_core.uow import UnitOfWork
from perla_entrypoints.http.auth import CAN_ADMINISTER, CAN_WRITE
from perla_entrypoints.http.customer_service import CustomerServiceController
from perla_entrypoints.http.dependencies import ActorDep, ClockDep, IdsDep, NewUow
from perla_entrypoints.http.leads import CLIENTS
from perla_entrypoints.http.managers import (
    AssignmentOut,
    ManagerAssignmentController,
    ManagerController,
    ManagerOut,
)
from perla_entrypoints.http.openapi import ETAG, LOCATION, doc, responses
from perla_entrypoints.http.orders import CartController, OrderController
from perla_entrypoints.http.problems import domain_error
from perla_entrypoints.http.schemas import CountryCode, MoneyOut, StrictBody, Version, one_of

TITLES = "/api/v1/titles"
CUSTOMER_GROUPS = "/api/v1/customer-groups"
CUSTOMER_KPIS = "/api/v1/kpis/customers"

ContactRoleText = Annotated[
    str, one_of([r.value for r in ContactRole], "Who at the client the contact is for")
]
Percent = Annotated[
    str | int, Meta(description='A discount from 0 to 100, two decimals at most: "7.5"')
]
VersionQuery = FromQuery[int | None]

IN_USE_IS_A_CONFLICT: ExceptionHandlersMap = {PreconditionFailed: domain_error(HTTP_409_CONFLICT)}
"""Deleting a title in use or a group with members conflicts with the data that refers to it."""

# --- bodies ---------------------------------------------------------------------------------


class AccountPatch(StrictBody):
    """The client's title (``null`` clears it), customer group and account manager (``null``
    leaves the client without one). A manager given directly must be active; without one,
    the seed-003 rules apply (a client without a manager gets the manager who saves)."""

    version: Version | None = None
    title_id: UUID | UnsetType | None = UNSET
    group_id: UUID | UnsetType = UNSET
    manager_id: UUID | UnsetType | None = UNSET

    def to_command(self, client_id: UUID) -> SaveCustomerAccount:
        return SaveCustomerAccount(
            client_id=client_id,
            title_id=KEEP if isinstance(self.title_id, UnsetType) else self.title_id,
            group_id=KEEP if isinstance(self.group_id, UnsetType) else self.group_id,
            manager_id=KEEP if isinstance(self.manager_id, UnsetType) else self.manager_id,
            expected_version=self.version,
        )


class CustomerAddressIn(StrictBody):
    """A postal address; ``name`` says whose or which (``Oficina central``)."""

    name: str
    line1: str
    city: str
    country: CountryCode
    postal_code: str
    line2: str | None = None
    default_billing: bool = False
    default_shipping: bool = False
    version: Version | None = None

    def to_input(self) -> AddressInput:
        return AddressInput(
            name=self.name,
            line1=self.line1,
            city=self.city,
            country=self.country,
            postal_code=self.postal_code,
            line2=self.line2,
            default_billing=self.default_billing,
            default_shipping=self.default_shipping,
        )


class CustomerAddressPatch(StrictBody):
    """Changes to an address: an absent key keeps the field."""

    version: Version | None = None
    name: str | UnsetType = UNSET
    line1: str | UnsetType = UNSET
    line2: str | UnsetType | None = UNSET
    city: str | UnsetType = UNSET
    country: str | UnsetType = UNSET
    postal_code: str | UnsetType = UNSET
    default_billing: bool | UnsetType = UNSET
    default_shipping: bool | UnsetType = UNSET

    def to_command(self, client_id: UUID, address_id: UUID) -> UpdateAddress:
        return UpdateAddress(
            client_id=client_id,
            address_id=address_id,
            name=KEEP if isinstance(self.name, UnsetType) else self.name,
            line1=KEEP if isinstance(self.line1, UnsetType) else self.line1,
            line2=KEEP if isinstance(self.line2, UnsetType) else self.line2,
            city=KEEP if isinstance(self.city, UnsetType) else self.city,
            country=KEEP if isinstance(self.country, UnsetType) else self.country,
            postal_code=KEEP if isinstance(self.postal_code, UnsetType) else self.postal_code,
            default_billing=KEEP
            if isinstance(self.default_billing, UnsetType)
            else self.default_billing,
            default_shipping=KEEP
            if isinstance(self.default_shipping, UnsetType)
            else self.default_shipping,
            expected_version=self.version,
        )


class CustomerContactIn(StrictBody):
    """A contact account for one role, reachable by e-mail and/or phone."""

    role: ContactRoleText
    name: str
    email: str | None = None
    phone: str | None = None
    title_id: UUID | None = None
    version: Version | None = None

    def to_input(self) -> ContactInput:
        return ContactInput(
            role=self.role,
            name=self.name,
            email=self.email,
            phone=self.phone,
            title_id=self.title_id,
        )


class CustomerContactPatch(StrictBody):
    version: Version | None = None
    role: str | UnsetType = UNSET
    name: str | UnsetType = UNSET
    email: str | UnsetType | None = UNSET
    phone: str | UnsetType | None = UNSET
    title_id: UUID | UnsetType | None = UNSET

    def to_command(self, client_id: UUID, contact_id: UUID) -> UpdateContact:
        return UpdateContact(
            client_id=client_id,
            contact_id=contact_id,
            role=KEEP if isinstance(self.role, UnsetType) else self.role,
            name=KEEP if isinstance(self.name, UnsetType) else self.name,
            email=KEEP if isinstance(self.email, UnsetType) else self.email,
            phone=KEEP if isinstance(self.phone, UnsetType) else self.phone,
            title_id=KEEP if isinstance(self.title_id, UnsetType) else self.title_id,
            expected_version=self.version,
        )


class TitleIn(StrictBody):
    """``code`` is a stable key (``sr``), ``label`` what is shown (``Sr.``)."""

    code: str
    label: str


class TitlePatch(StrictBody):
    version: Version | None = None
    code: str | UnsetType = UNSET
    label: str | UnsetType = UNSET
    active: bool | UnsetType = UNSET


class CustomerGroupIn(StrictBody):
    code: str
    name: str
    discount_pct: Percent = 0


class CustomerGroupPatch(StrictBody):
    version: Version | None = None
    name: str | UnsetType = UNSET
    discount_pct: Percent | UnsetType = UNSET


# --- responses ------------------------------------------------------------------------------


class TitleOut(Struct, kw_only=True):
    id: UUID
    code: str
    label: str
    active: bool
    version: int

    @classmethod
    def of(cls, t: Title) -> TitleOut:
        return cls(id=t.id, code=t.code, label=t.label, active=t.active, version=t.version)


class TitleList(Struct, kw_only=True):
    items: list[TitleOut]


class CustomerGroupOut(Struct, kw_only=True):
    """A customer group; ``system`` marks the three default groups (Visitor, Guest,
    Customer), which cannot be deleted."""

    id: UUID
    code: str
    name: str
    discount_pct: Decimal
    system: bool
    members: int
    version: int

    @classmethod
    def of(cls, g: CustomerGroup, members: int) -> CustomerGroupOut:
        return cls(
            id=g.id,
            code=g.code,
            name=g.name,
            discount_pct=g.discount_pct,
            system=g.system,
            members=members,
            version=g.version,
        )


class CustomerGroupList(Struct, kw_only=True):
    items: list[CustomerGroupOut]


class CustomerAddressOut(Struct, kw_only=True):
    id: UUID
    name: str
    line1: str
    line2: str | None
    city: str
    country: str
    postal_code: str
    default_billing: bool
    default_shipping: bool

    @classmethod
    def of(cls, a: Address) -> CustomerAddressOut:
        return cls(
            id=a.id,
            name=a.name,
            line1=a.line1,
            line2=a.line2,
            city=a.city,
            country=a.country,
            postal_code=a.postal_code,
            default_billing=a.default_billing,
            default_shipping=a.default_shipping,
        )


class CustomerContactOut(Struct, kw_only=True):
    id: UUID
    role: ContactRoleText
    name: str
    email: str | None
    phone: str | None
    title_id: UUID | None

    @classmethod
    def of(cls, c: ContactAccount) -> CustomerContactOut:
        return cls(
            id=c.id,
            role=c.role.value,
            name=c.name,
            email=None if c.email is None else c.email.value,
            phone=None if c.phone is None else c.phone.e164,
            title_id=c.title_id,
        )


class CurrencyFiguresOut(Struct, kw_only=True):
    currency: str
    orders: int
    revenue: MoneyOut
    average_order_value: MoneyOut
    last_order_at: datetime | None

    @classmethod
    def of(cls, f: CurrencyFigures) -> CurrencyFiguresOut:
        return cls(
            currency=f.currency,
            orders=f.orders,
            revenue=MoneyOut.of(f.revenue),
            average_order_value=MoneyOut.of(f.average_order_value),
            last_order_at=f.last_placed_at,
        )


class CustomerKpisOut(Struct, kw_only=True):
    """Placed and completed orders, revenue and average order value per currency (amounts in
    different currencies are never added), the last order and the last contact."""

    orders: int
    revenue: list[MoneyOut]
    average_order_value: list[MoneyOut]
    by_currency: list[CurrencyFiguresOut]
    last_order_at: datetime | None
    last_contact_at: datetime | None

    @classmethod
    def of(cls, k: CustomerKpis) -> CustomerKpisOut:
        return cls(
            orders=k.orders,
            revenue=[MoneyOut.of(m) for m in k.revenue],
            average_order_value=[MoneyOut.of(m) for m in k.average_order_value],
            by_currency=[CurrencyFiguresOut.of(f) for f in k.by_currency],
            last_order_at=k.last_order_at,
            last_contact_at=k.last_contact_at,
        )


class CustomerAccountOut(Struct, kw_only=True):
    """The customer section of a client: version 0 while nothing has been saved (the
    defaults). After a save, ``assignment`` says which account-manager rule decided, and
    after adding an address or a contact, ``item_id`` is its id."""

    client_id: UUID
    version: int
    title: TitleOut | None
    group: CustomerGroupOut
    manager: ManagerOut | None
    addresses: list[CustomerAddressOut]
    contacts: list[CustomerContactOut]
    last_contact_at: datetime | None
    kpis: CustomerKpisOut
    created_at: datetime
    updated_at: datetime
    assignment: AssignmentOut | None = None
    item_id: UUID | None = None


def read_account(
    client_id: UUID,
    uows: Callable[[], UnitOfWork],
    clock: Clock,
    actor: Actor,
    saved: AccountSaved | None = None,
) -> CustomerAccountOut:
    """The section as stored now, with its title, group and manager spelled out."""
    account: CustomerAccount = services.get_customer_account(client_id, uows(), clock, actor)
    figures = kpis.customer_kpis(client_id, uows(), actor)
    title = None
    if account.title_id is not None:
        titles = services.list_titles(uows(), actor)
        title = next((t for t in titles if t.id == account.title_id), None)
    groups = services.list_customer_groups(uows(), actor)
    group = next(g for g in groups if g.group.id == account.group_id)
    manager = (
        None
        if account.manager_id is None
        else managers.get_manager(account.manager_id, uows(), actor)
    )
    return CustomerAccountOut(
        client_id=account.client_id,
        version=account.version,
        title=None if title is None else TitleOut.of(title),
        group=CustomerGroupOut.of(group.group, group.members),
        manager=None if manager is None else ManagerOut.of(manager),
        addresses=[CustomerAddressOut.of(a) for a in account.addresses],
        contacts=[CustomerContactOut.of(c) for c in account.contacts],
        last_contact_at=account.last_contact_at,
        kpis=CustomerKpisOut.of(figures),
        created_at=account.created_at,
        updated_at=account.updated_at,
        assignment=None
        if saved is None or saved.assignment is None
        else AssignmentOut.of(saved.assignment),
        item_id=None if saved is None else saved.item_id,
    )


def account_response(
    account: CustomerAccountOut, status: int = HTTP_200_OK, location: str | None = None
) -> Response[CustomerAccountOut]:
    headers = {"ETag": f'"{account.version}"'}
    if location is not None:
        headers["Location"] = location
    return Response(account, status_code=status, headers=headers)


WRITE_RESPONSES = responses(400, 401, 403, 404, 409, 413, 422)
ITEM = "/{client_id:uuid}"


class CustomerAccountController(Controller):
    path = CLIENTS
    tags = ["customers"]

    @get(
        f"{ITEM}/account",
        operation_id="getCustomerAccount",
        summary="A client's customer section: title, group, manager, addresses, contacts, KPIs",
        description=doc(services.get_customer_account),
        sync_to_thread=True,
        response_headers=[ETAG],
        responses=responses(401, 404),
    )
    def get_account(
        self, client_id: FromPath[UUID], uows: NewUow, clock: ClockDep, actor: ActorDep
    ) -> Response[CustomerAccountOut]:
        return account_response(read_account(client_id, uows, clock, actor))

    @patch(
        f"{ITEM}/account",
        operation_id="saveCustomerAccount",
        summary="Save a client's title, customer group and account manager",
        description=doc(services.save_customer_account),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        response_headers=[ETAG],
        responses=WRITE_RESPONSES,
    )
    def save_account(
        self,
        client_id: FromPath[UUID],
        data: JSONBody[AccountPatch],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
    ) -> Response[CustomerAccountOut]:
        saved = services.save_customer_account(data.to_command(client_id), uows(), clock, actor)
        return account_response(read_account(client_id, uows, clock, actor, saved))

    @post(
        f"{ITEM}/addresses",
        operation_id="addCustomerAddress",
        summary="Add an address to a client",
        description=doc(services.add_address),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_201_CREATED,
        response_headers=[ETAG, LOCATION],
        responses=WRITE_RESPONSES,
    )
    def add_address(
        self,
        client_id: FromPath[UUID],
        data: JSONBody[CustomerAddressIn],
        uows: NewUow,
        clock: ClockDep,
        ids: IdsDep,
        actor: ActorDep,
    ) -> Response[CustomerAccountOut]:
        command = AddAddress(client_id, data.to_input(), data.version)
        saved = services.add_address(command, uows(), clock, ids, actor)
        account = read_account(client_id, uows, clock, actor, saved)
        location = f"{CLIENTS}/{client_id}/addresses/{saved.item_id}"
        return account_response(account, HTTP_201_CREATED, location)

    @patch(
        f"{ITEM}/addresses/{{address_id:uuid}}",
        operation_id="updateCustomerAddress",
        summary="Change a client's address",
        description=doc(services.update_address),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        response_headers=[ETAG],
        responses=WRITE_RESPONSES,
    )
    def update_address(
        self,
        client_id: FromPath[UUID],
        address_id: FromPath[UUID],
        data: JSONBody[CustomerAddressPatch],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
    ) -> Response[CustomerAccountOut]:
        command = data.to_command(client_id, address_id)
        saved = services.update_address(command, uows(), clock, actor)
        return account_response(read_account(client_id, uows, clock, actor, saved))

    @delete(
        f"{ITEM}/addresses/{{address_id:uuid}}",
        operation_id="removeCustomerAddress",
        summary="Remove a client's address",
        description=doc(services.remove_address),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        response_headers=[ETAG],
        responses=responses(401, 403, 404, 409, 422),
    )
    def remove_address(
        self,
        client_id: FromPath[UUID],
        address_id: FromPath[UUID],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
        version: VersionQuery = None,
    ) -> Response[CustomerAccountOut]:
        command = RemoveAddress(client_id, address_id, version)
        saved = services.remove_address(command, uows(), clock, actor)
        return account_response(read_account(client_id, uows, clock, actor, saved))

    @post(
        f"{ITEM}/contacts",
        operation_id="addCustomerContact",
        summary="Add a contact account to a client",
        description=doc(services.add_contact),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_201_CREATED,
        response_headers=[ETAG, LOCATION],
        responses=WRITE_RESPONSES,
    )
    def add_contact(
        self,
        client_id: FromPath[UUID],
        data: JSONBody[CustomerContactIn],
        uows: NewUow,
        clock: ClockDep,
        ids: IdsDep,
        actor: ActorDep,
    ) -> Response[CustomerAccountOut]:
        command = AddContact(client_id, data.to_input(), data.version)
        saved = services.add_contact(command, uows(), clock, ids, actor)
        account = read_account(client_id, uows, clock, actor, saved)
        location = f"{CLIENTS}/{client_id}/contacts/{saved.item_id}"
        return account_response(account, HTTP_201_CREATED, location)

    @patch(
        f"{ITEM}/contacts/{{contact_id:uuid}}",
        operation_id="updateCustomerContact",
        summary="Change a client's contact account",
        description=doc(services.update_contact),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        response_headers=[ETAG],
        responses=WRITE_RESPONSES,
    )
    def update_contact(
        self,
        client_id: FromPath[UUID],
        contact_id: FromPath[UUID],
        data: JSONBody[CustomerContactPatch],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
    ) -> Response[CustomerAccountOut]:
        command = data.to_command(client_id, contact_id)
        saved = services.update_contact(command, uows(), clock, actor)
        return account_response(read_account(client_id, uows, clock, actor, saved))

    @delete(
        f"{ITEM}/contacts/{{contact_id:uuid}}",
        operation_id="removeCustomerContact",
        summary="Remove a client's contact account",
        description="Remove a contact account from the client's record.",
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        response_headers=[ETAG],
        responses=responses(401, 403, 404, 409, 422),
    )
    def remove_contact(
        self,
        client_id: FromPath[UUID],
        contact_id: FromPath[UUID],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
        version: VersionQuery = None,
    ) -> Response[CustomerAccountOut]:
        command = RemoveContact(client_id, contact_id, version)
        saved = services.remove_contact(command, uows(), clock, actor)
        return account_response(read_account(client_id, uows, clock, actor, saved))


def _title(title_id: UUID, uows: Callable[[], UnitOfWork], actor: Actor) -> Response[TitleOut]:
    title = next(t for t in services.list_titles(uows(), actor) if t.id == title_id)
    return Response(TitleOut.of(title), headers={"ETag": f'"{title.version}"'})


class TitleController(Controller):
    path = TITLES
    tags = ["customers"]

    @get(
        "/",
        operation_id="listTitles",
        summary="The titles catalogue (Sr., Sra., Dr. ...)",
        description=doc(services.list_titles),
        sync_to_thread=True,
        responses=responses(400, 401),
    )
    def list_titles(
        self, uows: NewUow, actor: ActorDep, active: FromQuery[bool | None] = None
    ) -> TitleList:
        found = services.list_titles(uows(), actor, active=active)
        return TitleList(items=[TitleOut.of(t) for t in found])

    @post(
        "/",
        operation_id="createTitle",
        summary="Add a title to the catalogue",
        description=doc(services.create_title),
        guards=[CAN_ADMINISTER],
        sync_to_thread=True,
        status_code=HTTP_201_CREATED,
        response_headers=[ETAG, LOCATION],
        responses=responses(400, 401, 403, 409, 413, 422),
    )
    def create_title(
        self,
        data: JSONBody[TitleIn],
        uows: NewUow,
        clock: ClockDep,
        ids: IdsDep,
        actor: ActorDep,
    ) -> Response[TitleOut]:
        command = CreateTitle(code=data.code, label=data.label)
        title_id = services.create_title(command, uows(), clock, ids, actor)
        response = _title(title_id, uows, actor)
        response.status_code = HTTP_201_CREATED
        response.headers["Location"] = f"{TITLES}/{title_id}"
        return response

    @patch(
        "/{title_id:uuid}",
        operation_id="updateTitle",
        summary="Change a title's code, label or whether it is active",
        description=doc(services.update_title),
        guards=[CAN_ADMINISTER],
        sync_to_thread=True,
        response_headers=[ETAG],
        responses=WRITE_RESPONSES,
    )
    def update_title(
        self,
        title_id: FromPath[UUID],
        data: JSONBody[TitlePatch],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
    ) -> Response[TitleOut]:
        command = UpdateTitle(
            title_id=title_id,
            code=KEEP if isinstance(data.code, UnsetType) else data.code,
            label=KEEP if isinstance(data.label, UnsetType) else data.label,
            active=KEEP if isinstance(data.active, UnsetType) else data.active,
            expected_version=data.version,
        )
        services.update_title(command, uows(), clock, actor)
        return _title(title_id, uows, actor)

    @delete(
        "/{title_id:uuid}",
        operation_id="deleteTitle",
        summary="Delete a title nobody uses",
        description=doc(services.delete_title),
        guards=[CAN_ADMINISTER],
        sync_to_thread=True,
        exception_handlers=IN_USE_IS_A_CONFLICT,
        responses=responses(401, 403, 404, 409, 422),
    )
    def delete_title(
        self,
        title_id: FromPath[UUID],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
        version: VersionQuery = None,
    ) -> None:
        services.delete_title(DeleteTitle(title_id, version), uows(), clock, actor)


def _group(
    group_id: UUID, uows: Callable[[], UnitOfWork], actor: Actor
) -> Response[CustomerGroupOut]:
    found: GroupMembers = next(
        g for g in services.list_customer_groups(uows(), actor) if g.group.id == group_id
    )
    body = CustomerGroupOut.of(found.group, found.members)
    return Response(body, headers={"ETag": f'"{found.group.version}"'})


class CustomerGroupController(Controller):
    path = CUSTOMER_GROUPS
    tags = ["customers"]

    @get(
        "/",
        operation_id="listCustomerGroups",
        summary="The customer groups, with their discounts and member counts",
        description=doc(services.list_customer_groups),
        sync_to_thread=True,
        responses=responses(401),
    )
    def list_groups(self, uows: NewUow, actor: ActorDep) -> CustomerGroupList:
        found = services.list_customer_groups(uows(), actor)
        return CustomerGroupList(items=[CustomerGroupOut.of(g.group, g.members) for g in found])

    @post(
        "/",
        operation_id="createCustomerGroup",
        summary="Add a customer group with a discount",
        description=doc(services.create_customer_group),
        guards=[CAN_ADMINISTER],
        sync_to_thread=True,
        status_code=HTTP_201_CREATED,
        response_headers=[ETAG, LOCATION],
        responses=responses(400, 401, 403, 409, 413, 422),
    )
    def create_group(
        self,
        data: JSONBody[CustomerGroupIn],
        uows: NewUow,
        clock: ClockDep,
        ids: IdsDep,
        actor: ActorDep,
    ) -> Response[CustomerGroupOut]:
        command = CreateCustomerGroup(
            code=data.code, name=data.name, discount_pct=data.discount_pct
        )
        group_id = services.create_customer_group(command, uows(), clock, ids, actor)
        response = _group(group_id, uows, actor)
        response.status_code = HTTP_201_CREATED
        response.headers["Location"] = f"{CUSTOMER_GROUPS}/{group_id}"
        return response

    @patch(
        "/{group_id:uuid}",
        operation_id="updateCustomerGroup",
        summary="Rename a customer group or change its discount",
        description=doc(services.update_customer_group),
        guards=[CAN_ADMINISTER],
        sync_to_thread=True,
        response_headers=[ETAG],
        responses=WRITE_RESPONSES,
    )
    def update_group(
        self,
        group_id: FromPath[UUID],
        data: JSONBody[CustomerGroupPatch],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
    ) -> Response[CustomerGroupOut]:
        command = UpdateCustomerGroup(
            group_id=group_id,
            name=KEEP if isinstance(data.name, UnsetType) else data.name,
            discount_pct=KEEP if isinstance(data.discount_pct, UnsetType) else data.discount_pct,
            expected_version=data.version,
        )
        services.update_customer_group(command, uows(), clock, actor)
        return _group(group_id, uows, actor)

    @delete(
        "/{group_id:uuid}",
        operation_id="deleteCustomerGroup",
        summary="Delete a custom customer group without members",
        description=doc(services.delete_customer_group),
        guards=[CAN_ADMINISTER],
        sync_to_thread=True,
        exception_handlers=IN_USE_IS_A_CONFLICT,
        responses=responses(401, 403, 404, 409, 422),
    )
    def delete_group(
        self,
        group_id: FromPath[UUID],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
        version: VersionQuery = None,
    ) -> None:
        services.delete_customer_group(DeleteCustomerGroup(group_id, version), uows(), clock, actor)


class CustomerKpiController(Controller):
    path = CUSTOMER_KPIS
    tags = ["customers"]

    @get(
        "/",
        operation_id="getCustomerKpis",
        summary="Everyone's orders, revenue per currency, average order value, last contact",
        description=doc(kpis.overall_kpis),
        sync_to_thread=True,
        responses=responses(401),
    )
    def overall(self, uows: NewUow, actor: ActorDep) -> CustomerKpisOut:
        return CustomerKpisOut.of(kpis.overall_kpis(uows(), actor))


def customer_routes() -> Router:
    """The customer section, its catalogues and KPIs, the managers, orders, carts and the
    customer-service inbox."""
    return Router(
        path="/",
        route_handlers=[
            CustomerAccountController,
            TitleController,
            CustomerGroupController,
            CustomerKpiController,
            ManagerController,
            ManagerAssignmentController,
            OrderController,
            CartController,
            CustomerServiceController,
        ],
    )
