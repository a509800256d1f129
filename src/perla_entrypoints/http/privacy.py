"""Personal data on request (admins only): ``POST /api/v1/privacy/exports`` answers one JSON
document of everything perla holds about a person; ``POST /api/v1/privacy/erasures`` erases
what the law lets perla erase and says what it kept and why. The person is one of ``email``,
``phone`` (with its ``+`` prefix) or ``tax_id`` with its ``country``. See ``docs/privacy.md``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK
from msgspec import Meta, Struct

from perla_core.privacy import services
from perla_core.privacy.identifiers import PersonIdentifier, parse_identifier
from perla_core.privacy.ports import privacy_work
from perla_entrypoints.http.auth import CAN_ADMINISTER
from perla_entrypoints.http.dependencies import ActorDep, ClockDep, IdsDep, NewUow
from perla_entrypoints.http.openapi import doc, responses
from perla_entrypoints.http.schemas import StrictBody


class PersonIn(StrictBody):
    """Exactly one identifier of the person."""

    email: Annotated[str | None, Meta(description="An e-mail address")] = None
    phone: Annotated[str | None, Meta(description="A phone/WhatsApp number, +<country> ...")] = None
    tax_id: Annotated[str | None, Meta(description="A tax id (NIF/NIE, CUIT ...)")] = None
    country: Annotated[
        str | None, Meta(description="The tax id's country (ES, AR ...); with tax_id only")
    ] = None

    def identifier(self) -> PersonIdentifier:
        return parse_identifier(
            email=self.email, phone=self.phone, tax_id=self.tax_id, country=self.country
        )


class PersonalDataExportOut(Struct, kw_only=True):
    """Everything found, by area (clients, customer_accounts, inquiries, conversations,
    received_events, campaign_recipients, campaign_opt_outs, orders, billing_documents,
    assistant_conversations); the person is named only by ``subject_hash``."""

    identifier_kind: str
    subject_hash: str
    generated_at: datetime
    sections: dict[str, list[Any]]


class ErasedItemOut(Struct, kw_only=True):
    area: str
    ref: str
    what: str


class KeptItemOut(Struct, kw_only=True):
    area: str
    ref: str
    reason: str


class ErasureOut(Struct, kw_only=True):
    """What was erased (``what``: anonymised, deleted, contact removed, blanked) and what was
    kept with its legal reason (Spanish, for PerlaHub's staff)."""

    identifier_kind: str
    subject_hash: str
    erased_at: datetime
    erased: list[ErasedItemOut]
    kept: list[KeptItemOut]


class PrivacyController(Controller):
    path = "/api/v1/privacy"
    tags = ["privacy"]
    guards = [CAN_ADMINISTER]

    @post(
        "/exports",
        operation_id="exportPersonalData",
        summary="Export a person's data",
        description=doc(services.export_personal_data),
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        responses=responses(400, 401, 403, 413, 422),
    )
    def export(
        self, data: JSONBody[PersonIn], uows: NewUow, clock: ClockDep, ids: IdsDep, actor: ActorDep
    ) -> PersonalDataExportOut:
        found = services.export_personal_data(
            data.identifier(), privacy_work(uows()), clock, ids, actor
        )
        return PersonalDataExportOut(
            identifier_kind=found.identifier_kind,
            subject_hash=found.subject_hash,
            generated_at=found.generated_at,
            sections={name: list(items) for name, items in found.sections.items()},
        )

    @post(
        "/erasures",
        operation_id="erasePersonalData",
        summary="Erase a person's data",
        description=doc(services.erase_personal_data),
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        responses=responses(400, 401, 403, 409, 413, 422),
    )
    def erase(
        self, data: JSONBody[PersonIn], uows: NewUow, clock: ClockDep, ids: IdsDep, actor: ActorDep
    ) -> ErasureOut:
        result = services.erase_personal_data(
            data.identifier(), privacy_work(uows()), clock, ids, actor
        )
        return ErasureOut(
            identifier_kind=result.identifier_kind,
            subject_hash=result.subject_hash,
            erased_at=result.erased_at,
            erased=[ErasedItemOut(area=e.area, ref=e.ref, what=e.what) for e in result.erased],
            kept=[KeptItemOut(area=k.area, ref=k.ref, reason=k.reason) for k in result.kept],
        )
