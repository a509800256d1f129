"""Use cases of the managers area, and the step that applies the assignment rules inside the
order and client-record saves (:func:`apply_assignment_rules`)."""

from __future__ import annotations

from uuid import UUID

import attrs

from perla_core.access.model import Actor, Permission
from perla_core.kernel.errors import AlreadyExists, InvalidValue, PreconditionFailed, StaleVersion
from perla_core.kernel.ports import Clock, IdGenerator
from perla_core.kernel.values import Email
from perla_core.managers.assignment import AssignmentDecision, Saving, decide
from perla_core.managers.commands import (
    CreateManager,
    Keep,
    SetDistributionRule,
    UpdateManager,
)
from perla_core.managers.model import AssignmentState, DistributionRule, Manager
from perla_core.managers.ports import AssignmentPorts, ManagerRepository, ManagerUnitOfWork
from perla_core.suppliers.values import choice


def create_manager(
    command: CreateManager, uow: ManagerUnitOfWork, clock: Clock, ids: IdGenerator, actor: Actor
) -> UUID:
    """Add an account manager; returns its id. An e-mail already another manager's is
    refused (field ``email``)."""
    actor.require(Permission.ADMINISTER)
    email = Email.parse(command.email)
    with uow:
        if uow.managers.by_email(email) is not None:
            raise AlreadyExists(f"{email} is already a manager's e-mail", field="email")
        manager = Manager.create(
            manager_id=ids.new_id(),
            name=command.name,
            email=email,
            now=clock.now(),
            actor=actor.name,
            active=command.active,
        )
        uow.managers.add(manager)
        uow.commit()
    return manager.id


def update_manager(
    command: UpdateManager, uow: ManagerUnitOfWork, clock: Clock, actor: Actor
) -> int:
    """Rename a manager or change its e-mail; returns the version."""
    actor.require(Permission.ADMINISTER)
    name = None if isinstance(command.name, Keep) else command.name
    new_email = None if isinstance(command.email, Keep) else Email.parse(command.email)
    with uow:
        manager = _load(uow, command.manager_id, command.expected_version)
        if new_email is not None:
            other = uow.managers.by_email(new_email)
            if other is not None and other.id != manager.id:
                raise AlreadyExists(f"{new_email} is already a manager's e-mail", field="email")
        if manager.update(name=name, email=new_email, now=clock.now(), actor=actor.name):
            uow.managers.save(manager)
            uow.commit()
        return manager.version


def activate_manager(
    manager_id: UUID,
    uow: ManagerUnitOfWork,
    clock: Clock,
    actor: Actor,
    expected_version: int | None = None,
) -> int:
    """Put a manager back in the distribution; returns the version (unchanged if active)."""
    actor.require(Permission.ADMINISTER)
    with uow:
        manager = _load(uow, manager_id, expected_version)
        if manager.activate(now=clock.now(), actor=actor.name):
            uow.managers.save(manager)
            uow.commit()
        return manager.version


def deactivate_manager(
    manager_id: UUID,
    uow: ManagerUnitOfWork,
    clock: Clock,
    actor: Actor,
    expected_version: int | None = None,
) -> int:
    """Take a manager out of the distribution; returns the version. Its clients keep it until
    their next order, which the distribution rule assigns (and links to the client)."""
    actor.require(Permission.ADMINISTER)
    with uow:
        manager = _load(uow, manager_id, expected_version)
        if manager.deactivate(now=clock.now(), actor=actor.name):
            uow.managers.save(manager)
            uow.commit()
        return manager.version


def get_manager(manager_id: UUID, uow: ManagerUnitOfWork, actor: Actor) -> Manager:
    """One manager; raises :class:`NotFound`."""
    actor.require(Permission.READ)
    with uow:
        return uow.managers.get(manager_id)


def list_managers(
    uow: ManagerUnitOfWork, actor: Actor, *, active: bool | None = None
) -> list[Manager]:
    """Every manager (or only the active or the inactive ones), by name."""
    actor.require(Permission.READ)
    with uow:
        return uow.managers.list(active=active)


def get_assignment_settings(uow: ManagerUnitOfWork, actor: Actor) -> AssignmentState:
    """The distribution rule and the round-robin cursor."""
    actor.require(Permission.READ)
    with uow:
        return uow.assignment_state.get()


def set_distribution_rule(
    command: SetDistributionRule, uow: ManagerUnitOfWork, actor: Actor
) -> AssignmentState:
    """Choose how orders are distributed when no rule of the seed names a manager; the
    round-robin cursor is kept, so switching back continues the turn."""
    actor.require(Permission.ADMINISTER)
    rule = choice(command.rule, DistributionRule, "rule")
    with uow:
        state = uow.assignment_state.get()
        if state.rule is rule:
            return state
        stored = uow.assignment_state.save(attrs.evolve(state, rule=rule))
        uow.commit()
        return stored


# --- inside the order and client-record saves -------------------------------------------------


def require_active_manager(managers: ManagerRepository, manager_id: UUID) -> Manager:
    """The manager to assign directly; an unknown id is :class:`InvalidValue` and an inactive
    manager :class:`PreconditionFailed`, both naming ``manager_id``."""
    manager = managers.find(manager_id)
    if manager is None:
        raise InvalidValue(f"there is no manager {manager_id}", field="manager_id")
    if not manager.active:
        raise PreconditionFailed(
            f"{manager.name} is an inactive manager and cannot be assigned; activate them or "
            "choose an active manager",
            field="manager_id",
        )
    return manager


def apply_assignment_rules(
    ports: AssignmentPorts,
    *,
    saving: Saving,
    client_manager_id: UUID | None,
    order_manager_id: UUID | None,
    editor: Actor,
) -> AssignmentDecision:
    """Decide who the order and the client are assigned to on this save
    (:func:`perla_core.managers.assignment.decide`), inside the caller's unit of work.

    The acting user is the editor when their name is an active manager's e-mail. Reads the
    managers (one query), the distribution state, and the open-order loads only when the
    least-loaded rule is on; saves the round-robin cursor when the round robin picked a
    manager. The caller applies the decision to its aggregates and commits.
    """
    managers = ports.managers.list()
    me = next((m for m in managers if m.is_actor(editor.name)), None)
    state = ports.assignment_state.get()
    loads = (
        ports.orders.open_orders_by_manager() if state.rule is DistributionRule.LEAST_LOADED else {}
    )
    decision = decide(
        saving=saving,
        client_manager_id=client_manager_id,
        order_manager_id=order_manager_id,
        editor=me,
        managers=managers,
        rule=state.rule,
        loads=loads,
        cursor=state.cursor,
    )
    if decision.cursor != state.cursor:
        ports.assignment_state.save(attrs.evolve(state, cursor=decision.cursor))
    return decision


def _load(uow: ManagerUnitOfWork, manager_id: UUID, expected_version: int | None) -> Manager:
    manager = uow.managers.get(manager_id)
    if expected_version is not None and expected_version != manager.version:
        raise StaleVersion("manager", manager_id, expected_version, manager.version)
    return manager
