"""Account managers ("gestores") and how orders are distributed among them (seed 003).

``/api/v1/managers`` lists and adds managers; ``/{id}`` reads and edits one; ``activate`` and
``deactivate`` put one in or out of the distribution. ``/api/v1/manager-assignment`` reads and
sets the distribution rule (``round_robin`` or ``least_loaded``). A person is recognised as a
manager when the name of their API key is the manager's e-mail.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from litestar import Controller, Response, get, patch, post, put
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from msgspec import UNSET, Struct, UnsetType

from perla_core.managers import services
from perla_core.managers.assignment import AssignmentDecision, AssignmentReason
from perla_core.managers.commands import CreateManager, SetDistributionRule, UpdateManager
from perla_core.managers.model import AssignmentState, DistributionRule, Manager
from perla_entrypoints.http.auth import CAN_ADMINISTER
from perla_entrypoints.http.dependencies import ActorDep, ClockDep, IdsDep, NewUow
from perla_entrypoints.http.openapi import ETAG, LOCATION, doc, responses
from perla_entrypoints.http.schemas import StrictBody, Version, VersionIn, one_of

MANAGERS = "/api/v1/managers"
MANAGER_ASSIGNMENT = "/api/v1/manager-assignment"

RuleText = Annotated[
    str, one_of([r.value for r in DistributionRule], "How orders no rule assigns are distributed")
]

# --- bodies ---------------------------------------------------------------------------------


class ManagerIn(StrictBody):
    """A new account manager; ``email`` is how a person (their API key's name) is recognised
    as them."""

    name: str
    email: str
    active: bool = True


class ManagerPatch(StrictBody):
    """Changes to a manager: an absent key keeps the field."""

    version: Version | None = None
    name: str | UnsetType = UNSET
    email: str | UnsetType = UNSET

    def to_command(self, manager_id: UUID) -> UpdateManager:
        changes = {k: v for k, v in (("name", self.name), ("email", self.email)) if v is not UNSET}
        return UpdateManager(manager_id=manager_id, expected_version=self.version, **changes)


class DistributionRuleIn(StrictBody):
    rule: RuleText


# --- responses ------------------------------------------------------------------------------


class ManagerOut(Struct, kw_only=True):
    id: UUID
    name: str
    email: str
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, m: Manager) -> ManagerOut:
        return cls(
            id=m.id,
            name=m.name,
            email=m.email.value,
            active=m.active,
            version=m.version,
            created_at=m.created_at,
            updated_at=m.updated_at,
        )


class ManagerList(Struct, kw_only=True):
    items: list[ManagerOut]


class AssignmentSettingsOut(Struct, kw_only=True):
    """The distribution rule, and the manager the round robin picked last."""

    rule: DistributionRule
    last_picked_manager_id: UUID | None
    version: int

    @classmethod
    def of(cls, state: AssignmentState) -> AssignmentSettingsOut:
        return cls(rule=state.rule, last_picked_manager_id=state.cursor, version=state.version)


class AssignmentOut(Struct, kw_only=True):
    """Which account-manager rule of seed 003 decided on this save, and its outcome:
    ``client_manager`` (the client's manager went on the order), ``inactive_client_manager``
    (the distribution rule replaced the client's inactive manager, on both),
    ``order_manager`` (the order's manager went to the client), ``editor`` (the manager who
    saved, to both), ``editor_not_a_manager`` (the distribution rule's pick, to both),
    ``kept`` or ``no_active_manager``. ``distribution`` names the distribution rule when it
    picked the manager."""

    reason: AssignmentReason
    order_manager_id: UUID | None
    client_manager_id: UUID | None
    previous_order_manager_id: UUID | None
    previous_client_manager_id: UUID | None
    distribution: DistributionRule | None

    @classmethod
    def of(cls, d: AssignmentDecision) -> AssignmentOut:
        return cls(
            reason=d.reason,
            order_manager_id=d.order_manager_id,
            client_manager_id=d.client_manager_id,
            previous_order_manager_id=d.previous_order_manager_id,
            previous_client_manager_id=d.previous_client_manager_id,
            distribution=d.distribution,
        )


def manager_response(
    manager: Manager, status: int = HTTP_200_OK, location: str | None = None
) -> Response[ManagerOut]:
    headers = {"ETag": f'"{manager.version}"'}
    if location is not None:
        headers["Location"] = location
    return Response(ManagerOut.of(manager), status_code=status, headers=headers)


WRITE_RESPONSES = responses(400, 401, 403, 404, 409, 413, 422)


class ManagerController(Controller):
    path = MANAGERS
    tags = ["managers"]

    @get(
        "/",
        operation_id="listManagers",
        summary="List account managers",
        description=doc(services.list_managers),
        sync_to_thread=True,
        responses=responses(400, 401),
    )
    def list_managers(
        self, uows: NewUow, actor: ActorDep, active: FromQuery[bool | None] = None
    ) -> ManagerList:
        found = services.list_managers(uows(), actor, active=active)
        return ManagerList(items=[ManagerOut.of(m) for m in found])

    @post(
        "/",
        operation_id="createManager",
        summary="Add an account manager",
        description=doc(services.create_manager),
        guards=[CAN_ADMINISTER],
        sync_to_thread=True,
        status_code=HTTP_201_CREATED,
        response_headers=[ETAG, LOCATION],
        responses=responses(400, 401, 403, 409, 413, 422),
    )
    def create_manager(
        self,
        data: JSONBody[ManagerIn],
        uows: NewUow,
        clock: ClockDep,
        ids: IdsDep,
        actor: ActorDep,
    ) -> Response[ManagerOut]:
        command = CreateManager(name=data.name, email=data.email, active=data.active)
        manager_id = services.create_manager(command, uows(), clock, ids, actor)
        manager = services.get_manager(manager_id, uows(), actor)
        return manager_response(manager, HTTP_201_CREATED, f"{MANAGERS}/{manager_id}")

    @get(
        "/{manager_id:uuid}",
        operation_id="getManager",
        summary="Get an account manager",
        description=doc(services.get_manager),
        sync_to_thread=True,
        response_headers=[ETAG],
        responses=responses(401, 404),
    )
    def get_manager(
        self, manager_id: FromPath[UUID], uows: NewUow, actor: ActorDep
    ) -> Response[ManagerOut]:
        return manager_response(services.get_manager(manager_id, uows(), actor))

    @patch(
        "/{manager_id:uuid}",
        operation_id="updateManager",
        summary="Rename an account manager or change its e-mail",
        description=doc(services.update_manager),
        guards=[CAN_ADMINISTER],
        sync_to_thread=True,
        response_headers=[ETAG],
        responses=WRITE_RESPONSES,
    )
    def update_manager(
        self,
        manager_id: FromPath[UUID],
        data: JSONBody[ManagerPatch],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
    ) -> Response[ManagerOut]:
        services.update_manager(data.to_command(manager_id), uows(), clock, actor)
        return manager_response(services.get_manager(manager_id, uows(), actor))

    @post(
        "/{manager_id:uuid}/activate",
        operation_id="activateManager",
        summary="Put an account manager back in the distribution",
        description=doc(services.activate_manager),
        guards=[CAN_ADMINISTER],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        response_headers=[ETAG],
        responses=WRITE_RESPONSES,
    )
    def activate_manager(
        self,
        manager_id: FromPath[UUID],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
        data: JSONBody[VersionIn | None] = None,
    ) -> Response[ManagerOut]:
        version = None if data is None else data.version
        services.activate_manager(manager_id, uows(), clock, actor, version)
        return manager_response(services.get_manager(manager_id, uows(), actor))

    @post(
        "/{manager_id:uuid}/deactivate",
        operation_id="deactivateManager",
        summary="Take an account manager out of the distribution",
        description=doc(services.deactivate_manager),
        guards=[CAN_ADMINISTER],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        response_headers=[ETAG],
        responses=WRITE_RESPONSES,
    )
    def deactivate_manager(
        self,
        manager_id: FromPath[UUID],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
        data: JSONBody[VersionIn | None] = None,
    ) -> Response[ManagerOut]:
        version = None if data is None else data.version
        services.deactivate_manager(manager_id, uows(), clock, actor, version)
        return manager_response(services.get_manager(manager_id, uows(), actor))


class ManagerAssignmentController(Controller):
    path = MANAGER_ASSIGNMENT
    tags = ["managers"]

    @get(
        "/",
        operation_id="getManagerAssignment",
        summary="The rule that distributes orders among the active managers",
        description=doc(services.get_assignment_settings),
        sync_to_thread=True,
        responses=responses(401),
    )
    def get_assignment(self, uows: NewUow, actor: ActorDep) -> AssignmentSettingsOut:
        return AssignmentSettingsOut.of(services.get_assignment_settings(uows(), actor))

    @put(
        "/",
        operation_id="setManagerAssignment",
        summary="Choose the rule that distributes orders among the active managers",
        description=doc(services.set_distribution_rule),
        guards=[CAN_ADMINISTER],
        sync_to_thread=True,
        responses=responses(400, 401, 403, 409, 413, 422),
    )
    def set_assignment(
        self, data: JSONBody[DistributionRuleIn], uows: NewUow, actor: ActorDep
    ) -> AssignmentSettingsOut:
        state = services.set_distribution_rule(SetDistributionRule(data.rule), uows(), actor)
        return AssignmentSettingsOut.of(state)
