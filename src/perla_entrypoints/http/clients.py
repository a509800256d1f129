"""``/api/v1/clients``: converted leads, from the administrative registration to go-live.

Registration in Dome and PerlaHub follows conversion by itself (through the outbox); here an
agent retries it when it failed, validates the record, records technical validations, reads
the go-live checklist and takes the client live.
"""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED

from perla_core.onboarding import services
from perla_core.onboarding.commands import (
    AdvanceClient,
    GoLive,
    RecordTechnicalValidation,
    RetryRegistration,
)
from perla_core.onboarding.model import ClientStatus, Phase
from perla_entrypoints.http.auth import CAN_WRITE
from perla_entrypoints.http.dependencies import (
    ActorDep,
    ClockDep,
    NewUow,
)
from perla_entrypoints.http.leads import (
    CLIENTS,
    Country,
    Limit,
    Offset,
    Text,
    party_query,
    party_response,
    read_party,
)
from perla_entrypoints.http.openapi import ETAG, doc, responses
from perla_entrypoints.http.problems import fields_renamed
from perla_entrypoints.http.schemas import (
    ESTIMATE_FIELDS,
    Activity,
    ChecklistOut,
    ClientTransitionIn,
    DetailsPatch,
    PartyOut,
    PartyPage,
    TechnicalValidationIn,
    VersionIn,
    activity_of,
)


class ClientController(Controller):
    path = CLIENTS
    tags = ["clients"]

    @get(
        operation_id="listClients",
        summary="List clients",
        description=doc(services.list_clients),
        sync_to_thread=True,
        responses=responses(400, 401, 422),
    )
    def list_clients(
        self,
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
        status: FromQuery[ClientStatus | None] = None,
        country: Country = None,
        q: Text = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> PartyPage:
        found = party_query(Phase.CLIENT, country, q, limit, offset, client_status=status)
        return PartyPage.of(services.list_clients(found, uows(), actor), clock.now())

    @get(
        "/{client_id:uuid}",
        operation_id="getClient",
        summary="Get a client",
        description=doc(services.get_client),
        sync_to_thread=True,
        response_headers=[ETAG],
        responses=responses(401, 404),
    )
    def get_client(
        self, client_id: FromPath[UUID], uows: NewUow, clock: ClockDep, actor: ActorDep
    ) -> Response[PartyOut]:
        return party_response(read_party(client_id, uows, clock, actor))

    @patch(
        "/{client_id:uuid}",
        operation_id="updateClient",
        summary="Edit a client's record",
        description=doc(services.update_details),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        response_headers=[ETAG],
        responses=responses(400, 401, 403, 404, 409, 413, 422),
    )
    def update_client(
        self,
        client_id: FromPath[UUID],
        data: JSONBody[DetailsPatch],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
    ) -> Response[PartyOut]:
        with fields_renamed(ESTIMATE_FIELDS):
            services.update_details(data.to_command(client_id), uows(), clock, actor)
        return party_response(read_party(client_id, uows, clock, actor))

    @post(
        "/{client_id:uuid}/transitions",
        operation_id="advanceClient",
        summary="Take a client lifecycle step",
        description=doc(services.advance_client),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        response_headers=[ETAG],
        responses=responses(400, 401, 403, 404, 409, 413, 422),
    )
    def advance_client(
        self,
        client_id: FromPath[UUID],
        data: JSONBody[ClientTransitionIn],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
    ) -> Response[PartyOut]:
        command = AdvanceClient(
            client_id=client_id,
            action=data.action,
            expected_version=data.version,
            reason=data.reason,
        )
        services.advance_client(command, uows(), clock, actor)
        return party_response(read_party(client_id, uows, clock, actor))

    @post(
        "/{client_id:uuid}/registration/retry",
        operation_id="retryRegistration",
        summary="Retry the registration in Dome and PerlaHub",
        description=doc(services.retry_registration),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_202_ACCEPTED,
        response_headers=[ETAG],
        responses=responses(400, 401, 403, 404, 409, 413, 422),
    )
    def retry_registration(
        self,
        client_id: FromPath[UUID],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
        data: JSONBody[VersionIn | None] = None,
    ) -> Response[PartyOut]:
        command = RetryRegistration(
            client_id=client_id, expected_version=None if data is None else data.version
        )
        services.retry_registration(command, uows(), clock, actor)
        return party_response(read_party(client_id, uows, clock, actor), HTTP_202_ACCEPTED)

    @post(
        "/{client_id:uuid}/technical-validations",
        operation_id="recordTechnicalValidation",
        summary="Record a technical validation's result",
        description=doc(services.record_technical_validation),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        response_headers=[ETAG],
        responses=responses(400, 401, 403, 404, 409, 413, 422),
    )
    def record_technical_validation(
        self,
        client_id: FromPath[UUID],
        data: JSONBody[TechnicalValidationIn],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
    ) -> Response[PartyOut]:
        command = RecordTechnicalValidation(
            client_id=client_id, name=data.name, passed=data.passed, expected_version=data.version
        )
        services.record_technical_validation(command, uows(), clock, actor)
        return party_response(read_party(client_id, uows, clock, actor))

    @get(
        "/{client_id:uuid}/go-live",
        operation_id="goLiveChecklist",
        summary="What the client still needs to go live",
        description=doc(services.golive_checklist),
        sync_to_thread=True,
        responses=responses(401, 404),
    )
    def golive_checklist(
        self, client_id: FromPath[UUID], uows: NewUow, clock: ClockDep, actor: ActorDep
    ) -> ChecklistOut:
        return ChecklistOut.of(services.golive_checklist(client_id, uows(), clock, actor))

    @post(
        "/{client_id:uuid}/go-live",
        operation_id="goLive",
        summary="Put the client live",
        description=doc(services.go_live),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        response_headers=[ETAG],
        responses=responses(400, 401, 403, 404, 409, 413, 422),
    )
    def go_live(
        self,
        client_id: FromPath[UUID],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
        data: JSONBody[VersionIn | None] = None,
    ) -> Response[PartyOut]:
        command = GoLive(
            client_id=client_id, expected_version=None if data is None else data.version
        )
        services.go_live(command, uows(), clock, actor)
        return party_response(read_party(client_id, uows, clock, actor))

    @get(
        "/{client_id:uuid}/activity",
        operation_id="clientActivity",
        summary="What happened to a client",
        description=doc(services.activity),
        sync_to_thread=True,
        responses=responses(401, 404),
    )
    def client_activity(
        self, client_id: FromPath[UUID], uows: NewUow, actor: ActorDep
    ) -> list[Activity]:
        return [activity_of(e) for e in services.activity(client_id, uows(), actor)]
