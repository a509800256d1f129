"""Scheduled commercial-policy changes are applied by the scheduler's tick when due, and the
new policy reaches PerlaHub through the outbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from dependency_injector import providers

from perla_adapters.memory import FixedClock
from perla_core.access.model import Actor, Role
from perla_core.onboarding import services
from perla_core.onboarding.commands import (
    AddressInput,
    AdvanceLead,
    ConvertLead,
    RegisterLead,
)
from perla_core.policies import services as policies
from perla_core.policies.commands import AddMarginRule, SchedulePolicyChange
from perla_entrypoints.container import build_container
from perla_entrypoints.scheduler import tick
from perla_entrypoints.workers import drain_outbox, start_worker

AGENT = Actor("ana", Role.AGENT)


def test_a_change_scheduled_for_later_applies_on_the_first_tick_after_it_is_due(
    tmp_path: Path,
) -> None:
    container = build_container(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/p.db")
    clock = FixedClock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    container.clock.override(providers.Object(clock))  # before anything is built with it
    container.storage().migrate()
    uow, ids = container.uow, container.ids()
    client_id = services.register_lead(
        RegisterLead(
            trade_name="Viajes Sol",
            country="ES",
            legal_name="Viajes Sol S.L.",
            tax_id="B58378431",
            email="a@sol.es",
            business_type="travel_agency",
            addresses=[AddressInput("Calle Sol 1", "Sevilla", "41004", "ES", default_billing=True)],
        ),
        uow(),
        clock,
        ids,
        AGENT,
    )
    services.advance_lead(AdvanceLead(client_id, "mark_contacted"), uow(), clock, AGENT)
    services.convert_lead(ConvertLead(client_id), uow(), clock, AGENT)
    drain_outbox(container)  # registered in Dome and PerlaHub (in-process doubles)
    policies.add_margin_rule(
        AddMarginRule(
            client_id, "General", "percent", "12", "2026-03-01", "2026-12-31", reason="acuerdo"
        ),
        uow(),
        clock,
        ids,
        AGENT,
    )
    later = AddMarginRule(
        client_id,
        "Verano",
        "percent",
        "9",
        "2026-06-01",
        "2026-09-30",
        priority=5,
        reason="campaña de verano",
    )
    policies.schedule_policy_change(
        SchedulePolicyChange(later, (clock.now() + timedelta(hours=1)).isoformat()),
        uow(),
        clock,
        ids,
        AGENT,
    )

    def rules() -> list[str]:
        with uow() as opened:
            policy = opened.policies.get_for_client(client_id)
        return sorted(r.name for r in (policy.rules if policy else ()))

    worker = start_worker(container, threads=2)
    try:
        tick(container)
        container.broker().join("perla", timeout=10_000)
        assert rules() == ["General"]
        clock.advance(timedelta(hours=2))
        tick(container)
        container.broker().join("perla", timeout=10_000)
        assert rules() == ["General", "Verano"]
        tick(container)
        container.broker().join("perla", timeout=10_000)
    finally:
        worker.stop()
    client = services.get_client(client_id, uow(), AGENT)
    assert client.perlahub_agency_id is not None
    pushed = container.perlahub().get_policy(client.perlahub_agency_id)
    assert sorted(r.name for r in pushed.rules) == ["General", "Verano"]
