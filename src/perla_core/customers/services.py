"""Use cases of the customer section of a client record: the account (title, group, manager,
addresses, contacts, last contact) and the titles and customer-group catalogues.

A client's customer account is created by its first write (the client must exist: it is read
through ``uow.clients``). Every save of the record by a person applies the account-manager
rules for a client record (:mod:`perla_core.managers.assignment`): a record without a manager
gets the manager who saved it. Giving a manager directly skips the rules; an inactive one is
refused (:class:`PreconditionFailed`, field ``manager_id``) and nothing is saved.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol, TypeVar
from uuid import UUID

import attrs

from perla_core.access.model import Actor, Permission
from perla_core.customers.commands import (
    AddAddress,
    AddContact,
    CreateCustomerGroup,
    CreateTitle,
    DeleteCustomerGroup,
    DeleteTitle,
    RecordContact,
    RemoveAddress,
    RemoveContact,
    SaveCustomerAccount,
    UpdateAddress,
    UpdateContact,
    UpdateCustomerGroup,
    UpdateTitle,
)
from perla_core.customers.events import CustomerAccountOpened
from perla_core.customers.model import (
    DEFAULT_GROUP_ID,
    Address,
    ContactAccount,
    CustomerAccount,
    CustomerGroup,
    Title,
)
from perla_core.customers.ports import CustomerUnitOfWork
from perla_core.kernel.errors import InvalidValue, StaleVersion
from perla_core.kernel.ports import Clock, IdGenerator
from perla_core.managers.assignment import AssignmentDecision, Saving
from perla_core.managers.services import apply_assignment_rules, require_active_manager
from perla_core.onboarding.model import Client

DIRECT = "direct"
"""The reason recorded when a person assigns a manager by hand."""


@attrs.frozen
class AccountSaved:
    """A customer account after a write: its version (0 when nothing needed storing), its
    manager, the assignment rules' decision (``None`` when the manager was given directly or
    the write does not apply them) and, for an address or contact added, its id."""

    client_id: UUID
    version: int
    manager_id: UUID | None
    assignment: AssignmentDecision | None = None
    item_id: UUID | None = None


@attrs.frozen
class GroupMembers:
    """A customer group and how many leads and clients it has."""

    group: CustomerGroup
    members: int


# --- the account ----------------------------------------------------------------------------------


def get_customer_account(
    client_id: UUID, uow: CustomerUnitOfWork, clock: Clock, actor: Actor
) -> CustomerAccount:
    """The client's customer section (the defaults, version 0, while it has none stored);
    raises :class:`NotFound` when the client does not exist."""
    actor.require(Permission.READ)
    with uow:
        uow.clients.get(client_id)
        account = uow.customer_accounts.get(client_id)
        return account or CustomerAccount.blank(client_id, clock.now())


def save_customer_account(
    command: SaveCustomerAccount, uow: CustomerUnitOfWork, clock: Clock, actor: Actor
) -> AccountSaved:
    """Save the client's title, customer group and manager. A title must be active, a group
    must exist; a manager given directly must be active and is kept as given (``None``
    leaves the client without one). Without a manager given, the client-record rules apply:
    a client without a manager gets the manager who saves."""
    actor.require(Permission.WRITE_COMMERCIAL)
    changes = command.changes()
    now = clock.now()
    with uow:
        account, _ = _open(uow, command.client_id, command.expected_version, now, actor)
        title_id = changes.get("title_id")
        if title_id is not None and title_id != account.title_id:
            _require_title(uow, title_id)
        group_id = changes.get("group_id")
        if group_id is not None and group_id != account.group_id:
            _require_group(uow, group_id)
        account.change(
            {k: v for k, v in changes.items() if k in ("title_id", "group_id")},
            now=now,
            actor=actor.name,
        )
        if "manager_id" not in changes:
            return _store(uow, account, now, actor)
        manager_id = changes["manager_id"]
        if manager_id is not None and manager_id != account.manager_id:
            require_active_manager(uow.managers, manager_id)
        account.assign_manager(manager_id, reason=DIRECT, now=now, actor=actor.name)
        return _store(uow, account, now, actor, rules=False)


def add_address(
    command: AddAddress, uow: CustomerUnitOfWork, clock: Clock, ids: IdGenerator, actor: Actor
) -> AccountSaved:
    """Add an address to the client's record; returns its id as ``item_id``. A default billing
    or shipping address replaces the previous default."""
    actor.require(Permission.WRITE_COMMERCIAL)
    address = Address.parse(command.address, address_id=ids.new_id())
    now = clock.now()
    with uow:
        account, _ = _open(uow, command.client_id, command.expected_version, now, actor)
        account.add_address(address, now=now, actor=actor.name)
        return attrs.evolve(_store(uow, account, now, actor), item_id=address.id)


def update_address(
    command: UpdateAddress, uow: CustomerUnitOfWork, clock: Clock, actor: Actor
) -> AccountSaved:
    """Change an address; making it a default clears the previous default, and clearing a
    default flag leaves no default of that kind."""
    actor.require(Permission.WRITE_COMMERCIAL)
    now = clock.now()
    with uow:
        account, _ = _open(uow, command.client_id, command.expected_version, now, actor)
        current = account.address(command.address_id)
        merged = {**attrs.asdict(current, recurse=False), **command.changes()}
        address = Address.parse(merged, address_id=current.id)
        account.replace_address(address, now=now, actor=actor.name)
        return attrs.evolve(_store(uow, account, now, actor), item_id=address.id)


def remove_address(
    command: RemoveAddress, uow: CustomerUnitOfWork, clock: Clock, actor: Actor
) -> AccountSaved:
    """Remove an address; removing a default one leaves no default of its kind."""
    actor.require(Permission.WRITE_COMMERCIAL)
    now = clock.now()
    with uow:
        account, _ = _open(uow, command.client_id, command.expected_version, now, actor)
        account.remove_address(command.address_id, now=now, actor=actor.name)
        return attrs.evolve(_store(uow, account, now, actor), item_id=command.address_id)


def add_contact(
    command: AddContact, uow: CustomerUnitOfWork, clock: Clock, ids: IdGenerator, actor: Actor
) -> AccountSaved:
    """Add a contact account (a role, a name, an e-mail and/or a phone, optionally a title);
    returns its id as ``item_id``."""
    actor.require(Permission.WRITE_COMMERCIAL)
    now = clock.now()
    with uow:
        account, client = _open(uow, command.client_id, command.expected_version, now, actor)
        title_id = command.contact.title_id
        if title_id is not None:
            _require_title(uow, title_id, field="contact.title_id")
        contact = ContactAccount.parse(
            command.contact, contact_id=ids.new_id(), region=client.country, title_id=title_id
        )
        account.add_contact(contact, now=now, actor=actor.name)
        return attrs.evolve(_store(uow, account, now, actor), item_id=contact.id)


def update_contact(
    command: UpdateContact, uow: CustomerUnitOfWork, clock: Clock, actor: Actor
) -> AccountSaved:
    """Change a contact account; it keeps needing an e-mail or a phone."""
    actor.require(Permission.WRITE_COMMERCIAL)
    changes = command.changes()
    now = clock.now()
    with uow:
        account, client = _open(uow, command.client_id, command.expected_version, now, actor)
        current = account.contact(command.contact_id)
        merged = {**attrs.asdict(current, recurse=False), **changes}
        title_id = merged["title_id"]
        if title_id is not None and title_id != current.title_id:
            _require_title(uow, title_id, field="contact.title_id")
        contact = ContactAccount.parse(
            merged, contact_id=current.id, region=client.country, title_id=title_id
        )
        account.replace_contact(contact, now=now, actor=actor.name)
        return attrs.evolve(_store(uow, account, now, actor), item_id=contact.id)


def remove_contact(
    command: RemoveContact, uow: CustomerUnitOfWork, clock: Clock, actor: Actor
) -> AccountSaved:
    actor.require(Permission.WRITE_COMMERCIAL)
    now = clock.now()
    with uow:
        account, _ = _open(uow, command.client_id, command.expected_version, now, actor)
        account.remove_contact(command.contact_id, now=now, actor=actor.name)
        return attrs.evolve(_store(uow, account, now, actor), item_id=command.contact_id)


def record_contact(
    command: RecordContact, uow: CustomerUnitOfWork, clock: Clock, actor: Actor
) -> AccountSaved:
    """The client was in touch (for the "last contact" KPI); an earlier time than the one
    recorded changes nothing. Not a save of the record: the assignment rules do not run."""
    actor.require(Permission.WRITE_COMMERCIAL)
    now = clock.now()
    at = command.at or now
    if at.tzinfo is None:
        raise InvalidValue("must be timezone-aware", field="at")
    with uow:
        account, _ = _open(uow, command.client_id, None, now, actor)
        if not account.record_contact(at):
            return AccountSaved(account.client_id, account.version, account.manager_id)
        if account.is_stored:
            uow.customer_accounts.save(account)
        else:
            uow.customer_accounts.add(account)
        uow.commit()
        return AccountSaved(account.client_id, account.version, account.manager_id)


def _open(
    uow: CustomerUnitOfWork,
    client_id: UUID,
    expected_version: int | None,
    now: datetime,
    actor: Actor,
) -> tuple[CustomerAccount, Client]:
    """The client's account, opened (not yet stored) when it has none; the client itself."""
    client = uow.clients.get(client_id)
    account = uow.customer_accounts.get(client_id)
    if account is None:
        account = CustomerAccount.open(client_id=client_id, now=now, actor=actor.name)
    if expected_version is not None and expected_version != account.version:
        raise StaleVersion("customer account", client_id, expected_version, account.version)
    return account, client


def _store(
    uow: CustomerUnitOfWork,
    account: CustomerAccount,
    now: datetime,
    actor: Actor,
    *,
    rules: bool = True,
) -> AccountSaved:
    """Apply the client-record assignment rules (unless the manager was given directly), then
    store and commit the account if anything changed."""
    decision = None
    if rules:
        decision = apply_assignment_rules(
            uow,
            saving=Saving.CLIENT_RECORD,
            client_manager_id=account.manager_id,
            order_manager_id=None,
            editor=actor,
        )
        if decision.client_changed:
            account.assign_manager(
                decision.client_manager_id,
                reason=decision.reason.value,
                now=now,
                actor=actor.name,
            )
    changed = any(not isinstance(e, CustomerAccountOpened) for e in account.events)
    if changed:
        if account.is_stored:
            uow.customer_accounts.save(account)
        else:
            uow.customer_accounts.add(account)
        uow.commit()
    return AccountSaved(account.client_id, account.version, account.manager_id, decision)


def _require_title(uow: CustomerUnitOfWork, title_id: UUID, field: str = "title_id") -> Title:
    title = uow.titles.find(title_id)
    if title is None:
        raise InvalidValue(f"there is no title {title_id}", field=field)
    if not title.active:
        raise InvalidValue(f"title {title.label} is inactive", field=field)
    return title


def _require_group(uow: CustomerUnitOfWork, group_id: UUID) -> CustomerGroup:
    group = uow.customer_groups.find(group_id)
    if group is None:
        raise InvalidValue(f"there is no customer group {group_id}", field="group_id")
    return group


# --- titles ---------------------------------------------------------------------------------------


def list_titles(
    uow: CustomerUnitOfWork, actor: Actor, *, active: bool | None = None
) -> list[Title]:
    """The titles catalogue (or only its active or inactive titles), by label."""
    actor.require(Permission.READ)
    with uow:
        return uow.titles.list(active=active)


def create_title(
    command: CreateTitle, uow: CustomerUnitOfWork, clock: Clock, ids: IdGenerator, actor: Actor
) -> UUID:
    """Add a title to the catalogue; a code already taken is refused (field ``code``)."""
    actor.require(Permission.ADMINISTER)
    title = Title.create(
        title_id=ids.new_id(),
        code=command.code,
        label=command.label,
        now=clock.now(),
        actor=actor.name,
    )
    with uow:
        uow.titles.add(title)
        uow.commit()
    return title.id


def update_title(command: UpdateTitle, uow: CustomerUnitOfWork, clock: Clock, actor: Actor) -> int:
    """Change a title's code, label or whether it is active; returns the version. An inactive
    title stays on whoever has it."""
    actor.require(Permission.ADMINISTER)
    with uow:
        title = _versioned(uow.titles.get, "title", command.title_id, command.expected_version)
        if title.change(command.changes(), now=clock.now(), actor=actor.name):
            uow.titles.save(title)
            uow.commit()
        return title.version


def delete_title(command: DeleteTitle, uow: CustomerUnitOfWork, clock: Clock, actor: Actor) -> None:
    """Delete a title nobody uses. While customer accounts or contacts use it, the deletion is
    refused (:class:`PreconditionFailed`, field ``title_id``, with ``accounts``, ``contacts``
    and ``in_use`` counts in its details) and nothing changes: deactivate it instead."""
    actor.require(Permission.ADMINISTER)
    with uow:
        title = _versioned(uow.titles.get, "title", command.title_id, command.expected_version)
        usage = uow.customer_accounts.title_usage(title.id)
        title.delete(
            accounts=usage.accounts, contacts=usage.contacts, now=clock.now(), actor=actor.name
        )
        uow.titles.remove(title)
        uow.commit()


# --- customer groups ------------------------------------------------------------------------------


def list_customer_groups(uow: CustomerUnitOfWork, actor: Actor) -> list[GroupMembers]:
    """Every customer group with its member count (two queries, whatever the number of
    groups): the default groups first, then by name."""
    actor.require(Permission.READ)
    with uow:
        groups = uow.customer_groups.list()
        members = uow.customer_accounts.members_by_group(DEFAULT_GROUP_ID)
    return [GroupMembers(g, members.get(g.id, 0)) for g in groups]


def create_customer_group(
    command: CreateCustomerGroup,
    uow: CustomerUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    actor: Actor,
) -> UUID:
    """Add a custom group with a discount (0 to 100 %); a code already taken is refused."""
    actor.require(Permission.ADMINISTER)
    group = CustomerGroup.create(
        group_id=ids.new_id(),
        code=command.code,
        name=command.name,
        discount_pct=command.discount_pct,
        now=clock.now(),
        actor=actor.name,
    )
    with uow:
        uow.customer_groups.add(group)
        uow.commit()
    return group.id


def update_customer_group(
    command: UpdateCustomerGroup, uow: CustomerUnitOfWork, clock: Clock, actor: Actor
) -> int:
    """Rename a group or change its discount (the default groups too); returns the version."""
    actor.require(Permission.ADMINISTER)
    with uow:
        group = _versioned(
            uow.customer_groups.get, "customer group", command.group_id, command.expected_version
        )
        if group.change(command.changes(), now=clock.now(), actor=actor.name):
            uow.customer_groups.save(group)
            uow.commit()
        return group.version


def delete_customer_group(
    command: DeleteCustomerGroup, uow: CustomerUnitOfWork, clock: Clock, actor: Actor
) -> None:
    """Delete a custom group without members. A default group, or one with members, is
    refused (:class:`PreconditionFailed`, field ``group_id``, with ``members`` in its
    details) and nothing changes."""
    actor.require(Permission.ADMINISTER)
    with uow:
        group = _versioned(
            uow.customer_groups.get, "customer group", command.group_id, command.expected_version
        )
        members = uow.customer_accounts.members_by_group(DEFAULT_GROUP_ID).get(group.id, 0)
        group.delete(members=members, now=clock.now(), actor=actor.name)
        uow.customer_groups.remove(group)
        uow.commit()


class _Versioned(Protocol):
    version: int


V = TypeVar("V", bound=_Versioned)


def _versioned(get: Callable[[UUID], V], kind: str, ident: UUID, expected_version: int | None) -> V:
    found = get(ident)
    if expected_version is not None and expected_version != found.version:
        raise StaleVersion(kind, ident, expected_version, found.version)
    return found
