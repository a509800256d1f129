"""``/api/v1/leads``: register leads, edit them, move them along the pipeline, give them
benchmark access, convert them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Response, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from perla_core.access.model import Actor
from perla_core.kernel.pagination import MAX_LIMIT, MAX_OFFSET, PageRequest
from perla_core.kernel.ports import Clock
from perla_core.kernel.values import country_code
from perla_core.onboarding import services
from perla_core.onboarding.commands import AdvanceLead, ConvertLead, GrantBenchmarkAccess
from perla_core.onboarding.model import LeadStatus, Phase
from perla_core.onboarding.ports import ClientQuery
from perla_core.uow import UnitOfWork
from perla_entrypoints.http.auth import CAN_WRITE
from perla_entrypoints.http.dependencies import (
    ActorDep,
    ClockDep,
    IdsDep,
    NewUow,
)
from perla_entrypoints.http.openapi import ETAG, LOCATION, doc, responses
from perla_entrypoints.http.problems import fields_renamed
from perla_entrypoints.http.schemas import (
    ESTIMATE_FIELDS,
    BenchmarkAccessIn,
    ConvertIn,
    DetailsPatch,
    LeadIn,
    LeadTransitionIn,
    PartyOut,
    PartyPage,
)

LEADS = "/api/v1/leads"
CLIENTS = "/api/v1/clients"

Limit = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT, description="Page size")]
Offset = Annotated[int, QueryParameter(ge=0, le=MAX_OFFSET, description="Rows to skip")]
Text = Annotated[
    str | None,
    QueryParameter(description="Matches names, tax id and e-mail; accents and case ignored"),
]
Country = Annotated[str | None, QueryParameter(description="ISO 3166-1 alpha-2 country code")]


def party_response(
    party: PartyOut, status: int = HTTP_200_OK, location: str | None = None
) -> Response[PartyOut]:
    headers = {"ETag": f'"{party.version}"'}
    if location is not None:
        headers["Location"] = location
    return Response(party, status_code=status, headers=headers)


def read_party(
    client_id: UUID, uows: Callable[[], UnitOfWork], clock: Clock, actor: Actor
) -> PartyOut:
    """The party as stored now (after a write, in a unit of work of its own)."""
    return PartyOut.of(services.get_client(client_id, uows(), actor), clock.now())


def party_query(
    phase: Phase, country: str | None, text: str | None, limit: int, offset: int, **statuses: Any
) -> ClientQuery:
    return ClientQuery(
        phase=phase,
        country=None if country is None else country_code(country),
        text=text,
        page=PageRequest(limit=limit, offset=offset),
        **statuses,
    )


class LeadController(Controller):
    path = LEADS
    tags = ["leads"]

    @post(
        operation_id="registerLead",
        summary="Register a lead",
        description=doc(services.register_lead),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_201_CREATED,
        response_headers=[ETAG, LOCATION],
        responses=responses(400, 401, 403, 409, 413, 422),
    )
    def register_lead(
        self, data: JSONBody[LeadIn], uows: NewUow, clock: ClockDep, ids: IdsDep, actor: ActorDep
    ) -> Response[PartyOut]:
        with fields_renamed(ESTIMATE_FIELDS):
            client_id = services.register_lead(data.to_command(), uows(), clock, ids, actor)
        party = read_party(client_id, uows, clock, actor)
        return party_response(party, HTTP_201_CREATED, f"{LEADS}/{client_id}")

    @get(
        operation_id="listLeads",
        summary="List leads",
        description=doc(services.list_clients),
        sync_to_thread=True,
        responses=responses(400, 401, 422),
    )
    def list_leads(
        self,
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
        status: FromQuery[LeadStatus | None] = None,
        country: Country = None,
        q: Text = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> PartyPage:
        found = party_query(Phase.LEAD, country, q, limit, offset, lead_status=status)
        return PartyPage.of(services.list_clients(found, uows(), actor), clock.now())

    @get(
        "/{client_id:uuid}",
        operation_id="getLead",
        summary="Get a lead (or the client it became)",
        description=doc(services.get_client),
        sync_to_thread=True,
        response_headers=[ETAG],
        responses=responses(401, 404),
    )
    def get_lead(
        self, client_id: FromPath[UUID], uows: NewUow, clock: ClockDep, actor: ActorDep
    ) -> Response[PartyOut]:
        return party_response(read_party(client_id, uows, clock, actor))

    @patch(
        "/{client_id:uuid}",
        operation_id="updateLead",
        summary="Edit a lead's record",
        description=doc(services.update_details),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        response_headers=[ETAG],
        responses=responses(400, 401, 403, 404, 409, 413, 422),
    )
    def update_lead(
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
        operation_id="advanceLead",
        summary="Move a lead along its pipeline",
        description=doc(services.advance_lead),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        response_headers=[ETAG],
        responses=responses(400, 401, 403, 404, 409, 413, 422),
    )
    def advance_lead(
        self,
        client_id: FromPath[UUID],
        data: JSONBody[LeadTransitionIn],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
    ) -> Response[PartyOut]:
        command = AdvanceLead(
            client_id=client_id,
            action=data.action,
            expected_version=data.version,
            reason=data.reason,
        )
        services.advance_lead(command, uows(), clock, actor)
        return party_response(read_party(client_id, uows, clock, actor))

    @post(
        "/{client_id:uuid}/benchmark-access",
        operation_id="grantBenchmarkAccess",
        summary="Give a lead benchmark access to PerlaHub",
        description=doc(services.grant_benchmark_access),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        response_headers=[ETAG],
        responses=responses(400, 401, 403, 404, 409, 413, 422),
    )
    def grant_benchmark_access(
        self,
        client_id: FromPath[UUID],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
        data: JSONBody[BenchmarkAccessIn | None] = None,
    ) -> Response[PartyOut]:
        body = data or BenchmarkAccessIn()
        command = GrantBenchmarkAccess(
            client_id=client_id,
            until=body.until,
            products=tuple(body.products),
            expected_version=body.version,
        )
        services.grant_benchmark_access(command, uows(), clock, actor)
        return party_response(read_party(client_id, uows, clock, actor))

    @post(
        "/{client_id:uuid}/convert",
        operation_id="convertLead",
        summary="Make a lead a client",
        description=doc(services.convert_lead),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        response_headers=[ETAG, LOCATION],
        responses=responses(400, 401, 403, 404, 409, 413, 422),
    )
    def convert_lead(
        self,
        client_id: FromPath[UUID],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
        data: JSONBody[ConvertIn | None] = None,
    ) -> Response[PartyOut]:
        version = None if data is None else data.version
        services.convert_lead(
            ConvertLead(client_id=client_id, expected_version=version), uows(), clock, actor
        )
        party = read_party(client_id, uows, clock, actor)
        return party_response(party, location=f"{CLIENTS}/{client_id}")
