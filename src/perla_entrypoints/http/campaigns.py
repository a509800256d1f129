"""Campaigns over HTTP.

``POST /api/v1/campaigns/dormant/preview`` counts what a dormant-client run would select
(nothing written); ``POST /api/v1/campaigns/dormant/runs`` starts a run (its recipients
selected at once; the scheduler and the workers send it); ``GET
/api/v1/campaigns/runs/{run_id}`` is its funnel; ``POST .../pause``, ``.../resume`` and
``.../cancel`` change it. Starting, pausing and the rest need the commercial write role.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from litestar import Controller, Router, get, post
from litestar.di import Provide
from litestar.params import FromPath, JSONBody, SkipValidation
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from msgspec import Struct

from perla_core.campaigns import services
from perla_core.campaigns.model import CampaignConfig, RunReport
from perla_core.campaigns.ports import CampaignUnitOfWork
from perla_entrypoints.campaign_handlers import campaign_config
from perla_entrypoints.container import Container, settings_of
from perla_entrypoints.http.auth import CAN_WRITE
from perla_entrypoints.http.dependencies import ActorDep, ClockDep, IdsDep, NewUow
from perla_entrypoints.http.openapi import doc, responses
from perla_entrypoints.http.schemas import StrictBody
from perla_entrypoints.settings import Settings

SettingsDep = SkipValidation[Settings]


class CampaignIn(StrictBody):
    """What to change from the configured campaign for this run (all optional)."""

    months: int | None = None
    surveyed_within_days: int | None = None
    rate_per_second: int | None = None
    daily_cap: int | None = None
    recovered_window_days: int | None = None

    def config(self, settings: Settings) -> CampaignConfig:
        return campaign_config(
            settings,
            months=self.months,
            surveyed_within_days=self.surveyed_within_days,
            rate_per_second=self.rate_per_second,
            daily_cap=self.daily_cap,
            recovered_window_days=self.recovered_window_days,
        )


class ConfigOut(Struct, kw_only=True):
    campaign: str
    months: int
    surveyed_within_days: int
    template_id: str
    flow: str
    rate_per_second: int
    daily_cap: int
    recovered_window_days: int

    @classmethod
    def of(cls, c: CampaignConfig) -> ConfigOut:
        return cls(
            campaign=c.name,
            months=c.months,
            surveyed_within_days=c.surveyed_within_days,
            template_id=c.template_id,
            flow=c.flow_name,
            rate_per_second=c.rate_per_second,
            daily_cap=c.daily_cap,
            recovered_window_days=c.recovered_window_days,
        )


class SampleOut(Struct, kw_only=True):
    client_id: UUID
    contact: str | None


class PreviewOut(Struct, kw_only=True):
    config: ConfigOut
    dormant: int
    selected: int
    excluded: dict[str, int]
    sample: list[SampleOut]


class RunOut(Struct, kw_only=True):
    """A run and its funnel."""

    id: UUID
    status: str
    config: ConfigOut
    created_at: datetime
    created_by: str
    started_at: datetime | None
    finished_at: datetime | None
    next_dispatch_at: datetime | None
    dormant: int
    excluded: dict[str, int]
    selected: int
    pending: int
    sent: int
    failed: int
    answered: int
    completed: int
    opted_out: int
    recovered: int

    @classmethod
    def of(cls, r: RunReport) -> RunOut:
        run = r.run
        return cls(
            id=run.id,
            status=run.status.value,
            config=ConfigOut.of(run.config),
            created_at=run.created_at,
            created_by=run.created_by,
            started_at=run.started_at,
            finished_at=run.finished_at,
            next_dispatch_at=run.next_dispatch_at,
            dormant=r.dormant,
            excluded=dict(r.excluded),
            selected=r.selected,
            pending=r.pending,
            sent=r.sent,
            failed=r.failed,
            answered=r.answered,
            completed=r.completed,
            opted_out=r.opted_out,
            recovered=r.recovered,
        )


def _work(uows: NewUow) -> CampaignUnitOfWork:
    return uows()


class CampaignController(Controller):
    path = "/api/v1/campaigns"
    tags = ["campaigns"]

    @post(
        "/dormant/preview",
        operation_id="previewDormantCampaign",
        summary="Count the dormant clients a run would select, with the exclusions",
        description=doc(services.preview),
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        responses=responses(400, 401, 413, 422),
    )
    def preview(
        self,
        data: JSONBody[CampaignIn],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
        settings: SettingsDep,
    ) -> PreviewOut:
        config = data.config(settings)
        found = services.preview(_work(uows), config, clock, actor)
        return PreviewOut(
            config=ConfigOut.of(config),
            dormant=found.dormant,
            selected=found.selected,
            excluded=dict(found.excluded),
            sample=[SampleOut(client_id=c.client_id, contact=c.contact) for c in found.sample],
        )

    @post(
        "/dormant/runs",
        operation_id="startDormantCampaignRun",
        summary="Start a dormant-client campaign run",
        description=doc(services.start_run),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_201_CREATED,
        responses=responses(400, 401, 403, 413, 422),
    )
    def start(
        self,
        data: JSONBody[CampaignIn],
        uows: NewUow,
        clock: ClockDep,
        ids: IdsDep,
        actor: ActorDep,
        settings: SettingsDep,
    ) -> RunOut:
        run_id = services.start_run(_work(uows), data.config(settings), clock, ids, actor)
        return RunOut.of(services.run_report(_work(uows), run_id, actor))

    @get(
        "/runs/{run_id:uuid}",
        operation_id="getCampaignRun",
        summary="A campaign run and its funnel",
        description=doc(services.run_report),
        sync_to_thread=True,
        responses=responses(401, 404),
    )
    def get_run(self, run_id: FromPath[UUID], uows: NewUow, actor: ActorDep) -> RunOut:
        return RunOut.of(services.run_report(_work(uows), run_id, actor))

    def _change(
        self, run_id: UUID, action: str, uows: NewUow, clock: ClockDep, actor: ActorDep
    ) -> RunOut:
        services.change_run(_work(uows), run_id, action, clock, actor)
        return RunOut.of(services.run_report(_work(uows), run_id, actor))

    @post(
        "/runs/{run_id:uuid}/pause",
        operation_id="pauseCampaignRun",
        summary="Pause a running campaign run",
        description=doc(services.change_run),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        responses=responses(401, 403, 404, 409),
    )
    def pause(
        self, run_id: FromPath[UUID], uows: NewUow, clock: ClockDep, actor: ActorDep
    ) -> RunOut:
        return self._change(run_id, "pause", uows, clock, actor)

    @post(
        "/runs/{run_id:uuid}/resume",
        operation_id="resumeCampaignRun",
        summary="Resume a paused campaign run",
        description=doc(services.change_run),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        responses=responses(401, 403, 404, 409),
    )
    def resume(
        self, run_id: FromPath[UUID], uows: NewUow, clock: ClockDep, actor: ActorDep
    ) -> RunOut:
        return self._change(run_id, "resume", uows, clock, actor)

    @post(
        "/runs/{run_id:uuid}/cancel",
        operation_id="cancelCampaignRun",
        summary="Cancel a campaign run",
        description=doc(services.change_run),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        responses=responses(401, 403, 404, 409),
    )
    def cancel(
        self, run_id: FromPath[UUID], uows: NewUow, clock: ClockDep, actor: ActorDep
    ) -> RunOut:
        return self._change(run_id, "cancel", uows, clock, actor)


def campaign_routes(container: Container) -> Router:
    """The campaign controller, with the configured campaign defaults."""
    settings = settings_of(container)

    def provide_settings() -> Settings:
        return settings

    deps: dict[str, Any] = {"settings": Provide(provide_settings, sync_to_thread=False)}
    return Router(path="/", route_handlers=[CampaignController], dependencies=deps)
