"""The hotel directory: matching a partial description, reading a record, bulk imports.

``POST /api/v1/hotels/match`` ranks the directory's candidates for any subset of name,
address, city, country, coordinates, phone and chain (or a one-line ``text``);
``GET /api/v1/hotels/{ref}`` reads one record; ``POST /api/v1/hotels/imports`` takes a CSV or
JSON file as the request body and imports it in the background (202 with the run's
``Location``); ``GET /api/v1/hotels/imports[/{id}]`` reads the runs and their reports.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, Router, get, post
from litestar.background_tasks import BackgroundTask
from litestar.di import Provide
from litestar.params import (
    FromPath,
    FromQuery,
    JSONBody,
    QueryParameter,
    RawBody,
    SkipValidation,
)
from litestar.status_codes import HTTP_202_ACCEPTED
from msgspec import Meta, Struct

from perla_core.hotels import services
from perla_core.hotels.imports import HotelImport, HotelImportLog, ImportStatus
from perla_core.hotels.matching import Candidate, MatchOutcome, MatchResult
from perla_core.hotels.model import HotelRecord
from perla_core.hotels.ports import HotelDirectory
from perla_entrypoints.container import Container
from perla_entrypoints.http.auth import CAN_WRITE
from perla_entrypoints.http.dependencies import ActorDep, ClockDep, IdsDep
from perla_entrypoints.http.openapi import LOCATION, doc, responses
from perla_entrypoints.http.schemas import StrictBody

HOTELS = "/api/v1/hotels"

DirectoryDep = SkipValidation[HotelDirectory]
ImportLogDep = SkipValidation[HotelImportLog]
Degrees = Annotated[str | int | float, Meta(description="WGS 84 degrees, e.g. 37.3886")]


class MatchIn(StrictBody):
    """What is known of the hotel: any subset, as long as it says where to look (a city, a
    country, coordinates or a phone). ``text`` is a one-line description instead ("NH Triana,
    Sevilla"); the other fields, when given, refine it."""

    text: str | None = None
    name: str | None = None
    address: str | None = None
    city: str | None = None
    postal_code: str | None = None
    country: Annotated[str | None, Meta(description="ISO 3166-1 alpha-2")] = None
    latitude: Degrees | None = None
    longitude: Degrees | None = None
    phone: str | None = None
    chain: str | None = None
    limit: Annotated[int, Meta(ge=1, le=services.MAX_CANDIDATES)] = 5

    def fields(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "address": self.address,
            "city": self.city,
            "postal_code": self.postal_code,
            "country": self.country,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "phone": self.phone,
            "chain": self.chain,
        }


class HotelOut(Struct, kw_only=True):
    """One supplier's data about one hotel, as the directory holds it."""

    ref: str
    source: str
    name: str
    chain: str | None
    stars: int | None
    address: str | None
    city: str | None
    postal_code: str | None
    country: str
    latitude: float | None
    longitude: float | None
    phone: str | None
    email: str | None
    website: str | None

    @classmethod
    def of(cls, r: HotelRecord) -> HotelOut:
        return cls(
            ref=r.ref,
            source=r.source,
            name=r.name,
            chain=r.chain,
            stars=r.stars,
            address=r.address,
            city=r.city,
            postal_code=r.postal_code,
            country=r.country,
            latitude=r.latitude,
            longitude=r.longitude,
            phone=None if r.phone is None else r.phone.e164,
            email=None if r.email is None else r.email.value,
            website=r.website,
        )


class CandidateOut(Struct, kw_only=True):
    ref: str
    score: Annotated[float, Meta(description="0 to 100")]
    reasons: list[str]
    hotel: HotelOut

    @classmethod
    def of(cls, c: Candidate) -> CandidateOut:
        return cls(ref=c.ref, score=c.score, reasons=list(c.reasons), hotel=HotelOut.of(c.record))


class MatchOut(Struct, kw_only=True):
    """``confident``: the best candidate is the hotel (pre-fill a request from it);
    ``needs_review``: a person should pick; ``new_hotel``: nothing in the directory is it."""

    outcome: MatchOutcome
    explanation: str
    best: CandidateOut | None
    candidates: list[CandidateOut]
    scored: Annotated[int, Meta(description="Records scored: the query's blocks, not all")]

    @classmethod
    def of(cls, result: MatchResult) -> MatchOut:
        candidates = [CandidateOut.of(c) for c in result.candidates]
        return cls(
            outcome=result.outcome,
            explanation=result.explanation,
            best=candidates[0] if candidates else None,
            candidates=candidates,
            scored=result.scored,
        )


class RejectedRowOut(Struct, kw_only=True):
    line: int
    ref: str | None
    errors: dict[str, str]


class DuplicateOut(Struct, kw_only=True):
    ref: str
    other_ref: str
    score: float
    reasons: list[str]


class ImportOut(Struct, kw_only=True):
    """An import run: its progress while it runs, its report once it is done (the first
    rejected rows and likely duplicates; the counts cover them all)."""

    id: UUID
    source: str
    file_name: str
    status: ImportStatus
    started_at: datetime
    started_by: str
    finished_at: datetime | None
    rows_read: int
    rows_stored: int
    rows_rejected: int
    rejected: list[RejectedRowOut]
    duplicates_found: int
    duplicates: list[DuplicateOut]
    error: str | None

    @classmethod
    def of(cls, run: HotelImport) -> ImportOut:
        return cls(
            id=run.id,
            source=run.source,
            file_name=run.file_name,
            status=run.status,
            started_at=run.started_at,
            started_by=run.started_by,
            finished_at=run.finished_at,
            rows_read=run.rows_read,
            rows_stored=run.rows_stored,
            rows_rejected=run.rows_rejected,
            rejected=[
                RejectedRowOut(line=r.line, ref=r.ref, errors=dict(r.errors)) for r in run.rejected
            ],
            duplicates_found=run.duplicates_found,
            duplicates=[
                DuplicateOut(
                    ref=d.ref, other_ref=d.other_ref, score=d.score, reasons=list(d.reasons)
                )
                for d in run.duplicates
            ],
            error=run.error,
        )


class DirectoryOut(Struct, kw_only=True):
    hotels: int
    latest_import: ImportOut | None


class HotelController(Controller):
    path = HOTELS
    tags = ["hotels"]

    @post(
        "/match",
        operation_id="matchHotel",
        summary="Find a hotel in the directory from a partial description",
        description=doc(services.match_hotel),
        sync_to_thread=True,
        status_code=200,
        responses=responses(400, 401, 413, 422),
    )
    def match(self, data: JSONBody[MatchIn], directory: DirectoryDep, actor: ActorDep) -> MatchOut:
        query = services.query_of(data.text, data.fields(), directory)
        return MatchOut.of(services.match_hotel(query, directory, actor, limit=data.limit))

    @get(
        "/",
        operation_id="getHotelDirectory",
        summary="How many hotels the directory holds, and its latest import",
        description=doc(services.directory_status),
        sync_to_thread=True,
        responses=responses(401),
    )
    def directory(
        self, directory: DirectoryDep, imports: ImportLogDep, actor: ActorDep
    ) -> DirectoryOut:
        size, runs = services.directory_status(directory, imports, actor, limit=1)
        return DirectoryOut(hotels=size, latest_import=ImportOut.of(runs[0]) if runs else None)

    @get(
        "/{ref:str}",
        operation_id="getHotel",
        summary="Get a hotel-directory record by its ref",
        description=doc(services.get_hotel),
        sync_to_thread=True,
        responses=responses(401, 404),
    )
    def get_hotel(self, ref: FromPath[str], directory: DirectoryDep, actor: ActorDep) -> HotelOut:
        return HotelOut.of(services.get_hotel(ref, directory, actor))

    @post(
        "/imports",
        operation_id="importHotels",
        summary="Import suppliers' hotel data (CSV or JSON as the request body)",
        description=doc(services.start_hotel_import),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_202_ACCEPTED,
        response_headers=[LOCATION],
        responses=responses(400, 401, 403, 413, 422),
    )
    def start_import(
        self,
        request: Request[Any, Any, Any],
        body: RawBody,
        directory: DirectoryDep,
        imports: ImportLogDep,
        clock: ClockDep,
        ids: IdsDep,
        actor: ActorDep,
        file_name: Annotated[
            str | None, QueryParameter(description="The file's name (its format and source)")
        ] = None,
        source: Annotated[
            str | None, QueryParameter(description='Whose data it is (default "import:<file>")')
        ] = None,
    ) -> Response[ImportOut]:
        content_type = request.headers.get("content-type", "")
        job = services.start_hotel_import(
            body,
            directory,
            imports,
            clock=clock,
            ids=ids,
            actor=actor,
            file_name=file_name or _default_name(content_type),
            source=source,
        )
        return Response(
            ImportOut.of(job.run),
            status_code=HTTP_202_ACCEPTED,
            headers={"Location": f"{HOTELS}/imports/{job.run.id}"},
            background=BackgroundTask(job),
        )

    @get(
        "/imports",
        operation_id="listHotelImports",
        summary="The latest hotel imports, newest first",
        description=doc(services.directory_status),
        sync_to_thread=True,
        responses=responses(400, 401),
    )
    def list_imports(
        self,
        imports: ImportLogDep,
        directory: DirectoryDep,
        actor: ActorDep,
        limit: FromQuery[Annotated[int, QueryParameter(ge=1, le=100)]] = 20,
    ) -> list[ImportOut]:
        _, runs = services.directory_status(directory, imports, actor, limit=limit)
        return [ImportOut.of(run) for run in runs]

    @get(
        "/imports/{import_id:uuid}",
        operation_id="getHotelImport",
        summary="An import's status and report",
        description=doc(services.get_hotel_import),
        sync_to_thread=True,
        responses=responses(401, 404),
    )
    def get_import(
        self, import_id: FromPath[UUID], imports: ImportLogDep, actor: ActorDep
    ) -> ImportOut:
        return ImportOut.of(services.get_hotel_import(import_id, imports, actor))


def _default_name(content_type: str) -> str:
    return "upload.json" if "json" in content_type else "upload.csv"


def hotel_routes(container: Container) -> Router:
    """The controller over the container's hotel directory and import log."""

    def provide_directory() -> HotelDirectory:
        directory: HotelDirectory = container.hotel_directory()
        return directory

    def provide_imports() -> HotelImportLog:
        log: HotelImportLog = container.hotel_import_log()
        return log

    return Router(
        path="/",
        route_handlers=[HotelController],
        dependencies={
            "directory": Provide(provide_directory, sync_to_thread=False),
            "imports": Provide(provide_imports, sync_to_thread=False),
        },
    )
