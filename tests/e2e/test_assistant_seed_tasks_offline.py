"""Every seed-000 task by conversation with the offline grammar, on a migrated SQLite file,
through the demo's own walkthrough: each change proposed, confirmed with «sí», applied and
audited; the conflicting margin rule refused with its reason; the supplier request e-mailed."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from perla_core.access.model import Actor, Role
from perla_core.assistant.services import get_conversation
from perla_core.onboarding.ports import ClientQuery
from perla_core.onboarding.services import list_clients
from perla_core.suppliers.ports import SupplierRequestQuery
from perla_core.suppliers.services import list_supplier_requests
from perla_entrypoints.container import Container, build_container
from perla_entrypoints.demo_assistant import assistant_walkthrough
from perla_entrypoints.workers import drain_outbox

ANA = Actor("ana.comercial", Role.AGENT)


def test_the_offline_assistant_does_every_seed_000_task(tmp_path: Path) -> None:
    container = build_container(
        database_url=f"sqlite:///{tmp_path / 'perla.db'}", data_dir=str(tmp_path)
    )
    container.storage().migrate()
    out = Console(file=io.StringIO(), width=200)

    def settle(c: Container) -> None:
        drain_outbox(c)

    outcome = assistant_walkthrough(container, out, ANA, settle)
    drain_outbox(container)

    assert outcome["applied"] == outcome["proposed"] == 14
    (refused,) = outcome["refused"]
    assert "choca con otra regla activa" in refused
    assert "Clientes en producción: 1" in outcome["summary"]
    (brisa,) = list_clients(ClientQuery(text="Viajes Brisa"), container.uow(), ANA).items
    assert brisa.status == "live"
    assert brisa.legal_name == "Viajes Brisa S.L."
    with container.uow() as uow:
        (credential,) = uow.credentials.for_client(brisa.id)
        policy = uow.policies.get_for_client(brisa.id)
        audit = [m.event for m in uow.outbox.for_aggregate(outcome["conversation_id"])]
    assert credential.environment.value == "live"
    assert policy is not None
    assert [r.value for r in policy.rules] == [12]
    (request,) = list_supplier_requests(SupplierRequestQuery(), container.uow(), ANA).items
    assert request.matched_hotel_ref == "dome:ES-41-0042"
    assert request.status.value == "sent"
    mails = [p.read_text(errors="replace") for p in (tmp_path / "mail").rglob("*.eml")]
    assert any("Hotel Giralda Centro" in m for m in mails)
    applied = [e for e in audit if type(e).event_name == "assistant.change_applied"]
    assert len(applied) == 14
    assert {(e.actor, e.channel) for e in applied} == {(ANA.name, "assistant")}
    stored = get_conversation(outcome["conversation_id"], container.uow(), ANA)
    assert "Secreto" not in repr(stored.entries)
    container.storage().close()
