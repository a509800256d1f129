"""Every seed-000 task by conversation through the Anthropic adapter (the real ``anthropic``
SDK) against the local Messages-API double, on a migrated SQLite file: the double replays the
model's side (tool_use → perla's tool_result → text), perla runs the tools, proposes every
write, applies it on the person's «sí» and audits it with the person as actor and the
assistant as channel. Malformed tool calls and an overloaded API are part of the script.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from dependency_injector import providers
from tests.support.anthropic import MessagesDouble
from tests.support.hotels import ARTS
from tests.support.servers import running_server

from perla_adapters.llm.anthropic import AnthropicLanguageModel
from perla_adapters.llm.simulator import create_messages_simulator
from perla_core.access.model import Actor, Role
from perla_core.assistant.engine import TurnResult, send_message
from perla_core.assistant.services import start_conversation
from perla_core.onboarding.commands import RegisterLead
from perla_core.onboarding.services import get_client, register_lead
from perla_entrypoints.container import Container, build_container
from perla_entrypoints.workers import drain_outbox

ANA = Actor("ana.comercial", Role.AGENT)


@pytest.fixture(scope="module")
def double_url() -> Iterator[str]:
    with running_server(create_messages_simulator()) as url:
        yield url


class World:
    """The container on SQLite with Claude pointed at the double, one conversation of Ana's."""

    def __init__(self, container: Container, double_url: str, data_dir: Path) -> None:
        self.container = container
        self.data_dir = data_dir
        self.double = MessagesDouble(double_url).reset()
        self.conversation = start_conversation(
            container.uow(), container.clock(), container.ids(), ANA
        )

    def say(self, text: str, *steps: dict[str, Any]) -> TurnResult:
        if steps:
            self.double.script(*steps)
        return send_message(self.conversation, text, ANA, self.container.assistant())

    def propose(self, text: str, *steps: dict[str, Any]) -> TurnResult:
        turn = self.say(text, *steps)
        assert turn.pending is not None, (turn.reply, self.bodies()[-1]["messages"][-1])
        return turn

    def confirm(self) -> TurnResult:
        turn = self.say("sí")
        assert turn.applied is not None, turn.reply
        return turn

    def bodies(self) -> list[dict[str, Any]]:
        return self.double.bodies()


@pytest.fixture
def world(tmp_path: Path, double_url: str) -> World:
    container = build_container(
        database_url=f"sqlite:///{tmp_path / 'perla.db'}",
        data_dir=str(tmp_path),
        anthropic_api_key="sk-test-not-a-real-key",
        anthropic_base_url=double_url,
    )
    container.storage().migrate()
    container.hotel_directory().add_many([ARTS])
    model = AnthropicLanguageModel(
        "sk-test-not-a-real-key", base_url=double_url, timeout=5, max_retries=0
    )
    container.assistant_model.override(providers.Object(model))
    return World(container, double_url, tmp_path)


def calls(*pairs: tuple[str, dict[str, Any]], text: str | None = None) -> dict[str, Any]:
    step: dict[str, Any] = {"tool_calls": [{"tool": t, "input": i} for t, i in pairs]}
    if text:
        step["text"] = text
    return step


def test_every_seed_000_task_by_conversation_with_confirmation_and_audit(world: World) -> None:
    c = world.container
    lead = register_lead(
        RegisterLead(
            trade_name="Viajes Brisa",
            country="ES",
            email="hola@viajesbrisa.es",
            legal_name="Viajes Brisa S.L.",
            tax_id="B58378431",
            business_type="travel_agency",
        ),
        c.uow(),
        c.clock(),
        c.ids(),
        Actor("seed", Role.ADMIN),
    )
    client = {"client_id": str(lead)}

    # find the lead, then move it on: contacted, benchmark access (seed 000: "Benchmark")
    found = world.say(
        "¿cómo va Viajes Brisa?",
        calls(("search_clients", {"text": "Brisa"})),
        {"text": "Viajes Brisa es un lead nuevo."},
    )
    assert found.reply == "Viajes Brisa es un lead nuevo."
    assert "B58378431" in world.bodies()[-1]["messages"][-1]["content"][0]["content"]
    world.propose(
        "márcalo como contactado", calls(("advance_lead", client | {"action": "mark_contacted"}))
    )
    world.confirm()
    world.propose("dale acceso de prueba", calls(("grant_benchmark_access", client)))
    world.confirm()

    # centralise the record by conversation, then convert (Dome and PerlaHub follow)
    asked = world.say("completa su ficha", calls(("gather_client_record", client)))
    assert "dirección de facturación" in asked.reply
    proposed = world.say("dirección de facturación: Calle Mayor 1, 28013, Madrid, ES")
    assert proposed.pending is not None
    world.confirm()
    world.propose("conviértelo en cliente", calls(("convert_lead", client)))
    world.confirm()
    drain_outbox(c)
    assert get_client(lead, c.uow(), ANA).status == "registered"
    world.propose(
        "valida la ficha", calls(("advance_client", client | {"action": "validate_record"}))
    )
    world.confirm()

    # commercial policy: a margin rule, a malformed call retried, a conflicting one refused
    rule = client | {
        "name": "Verano B2C Barcelona",
        "kind": "percent",
        "value": "12",
        "booking_from": "2026-11-24",
        "booking_to": "2027-09-30",
        "stay_from": "2027-06-01",
        "stay_to": "2027-09-30",
        "channels": ["B2C"],
        "reason": "Pedido por el asistente",
    }
    world.propose(
        "margen 12% para B2C en verano",
        calls(("add_margin_rule", rule | {"value": 12, "kind": 7})),
        {"expect_tool_result": {"is_error": True, "contains": "kind"}}
        | calls(("add_margin_rule", rule)),
    )
    world.confirm()
    refused = world.say(
        "y otro del 10% igual",
        calls(("add_margin_rule", rule | {"name": "Otro 10", "value": "10"})),
        {
            "expect_tool_result": {"is_error": True, "contains": "conflict"},
            "text": "Choca con «Verano B2C Barcelona».",
        },
    )
    assert refused.pending is None
    assert refused.reply == "Choca con «Verano B2C Barcelona»."
    world.propose(
        "tarifa hoteles en EUR",
        calls(
            (
                "set_priced_scope",
                client | {"reason": "alta", "products": ["hotels"], "currencies": ["EUR"]},
            )
        ),
    )
    world.confirm()

    # credentials: create (secret shown once), edit, test the connection
    world.propose(
        "crea una credencial live con hoteles",
        calls(
            (
                "issue_credential",
                client
                | {
                    "environment": "live",
                    "products": ["hotels"],
                    "currencies": ["EUR"],
                    "ip_allowlist": ["81.45.12.0/24"],
                },
            )
        ),
    )
    issued = world.confirm()
    drain_outbox(c)  # PerlaHub gets the credential
    assert "no se volverá a mostrar" in issued.reply
    credential = UUID(issued.entries[1].data["content"]["credential_id"])
    world.propose(
        "súbele el límite a 300 por minuto",
        calls(
            ("edit_credential", {"credential_id": str(credential), "rate_limit_per_minute": 300})
        ),
    )
    world.confirm()
    world.propose(
        "prueba la conexión", calls(("test_connection", {"credential_id": str(credential)}))
    )
    world.confirm()

    # technical validation, onboarding, go live
    world.propose(
        "la validación de reservas pasó",
        calls(("record_technical_validation", client | {"name": "booking_flow", "passed": True})),
    )
    world.confirm()
    world.propose(
        "empieza el onboarding", calls(("advance_client", client | {"action": "start_onboarding"}))
    )
    world.confirm()
    world.propose("pásalo a live", calls(("go_live", client)))
    world.confirm()
    assert get_client(lead, c.uow(), ANA).status == "live"

    # locate a hotel, gather its supplier data, send the request
    world.say(
        "¿tenemos el Hotel Arts de Barcelona?",
        calls(("match_hotel", {"name": "Hotel Arts", "city": "Barcelona"})),
        {"expect_tool_result": {"is_error": False, "contains": "dome:ES-08-0001"}, "text": "Sí."},
    )
    started = world.say(
        "prepara su solicitud de proveedor",
        calls(
            (
                "gather_supplier_request",
                {"name": "Hotel Arts", "city": "Barcelona", "country": "ES"},
            )
        ),
    )
    assert "dome:ES-08-0001" in started.reply
    answers = [
        "razón social: Hotel Arts Barcelona S.A.\nNIF: A08001851\nrégimen de IVA: general",
        "IBAN: ES91 2100 0418 4502 0005 1332\nBIC: CAIXESBBXXX\ntitular: Hotel Arts Barcelona S.A.",
        "contrato: comisión\ncomisión: 12\npago: 30 días tras factura",
        "release: 7\ncancelación: Gratis hasta 48 h antes\n"
        "reservas: Laura Pons, reservas@hotelarts.es",
        "contabilidad: Jordi Vila, contabilidad@hotelarts.es",
    ]
    turn = started
    for answer in answers:
        if turn.pending is not None:
            break
        turn = world.say(answer)
    assert turn.pending is not None, turn.reply
    created = world.confirm()
    request = created.entries[1].data["content"]["request_id"]
    world.propose(
        "envíala a Proveedores", calls(("send_supplier_request", {"request_id": request}))
    )
    world.confirm()
    drain_outbox(c)
    mails = list((world.data_dir / "mail").rglob("*.eml"))
    assert any("Hotel Arts" in m.read_text(errors="replace") for m in mails)

    # the activity summary, and an overloaded API changes nothing
    summary = world.say(
        "resumen de actividad",
        calls(("activity_summary", {"days": 7})),
        {"expect_tool_result": {"is_error": False, "contains": "live"}, "text": "Un cliente live."},
    )
    assert summary.reply == "Un cliente live."
    down = world.say("¿y hoy?", {"status": 529})
    assert "no está disponible" in down.reply

    with c.uow() as uow:
        audit = [m.event for m in uow.outbox.for_aggregate(world.conversation)]
    applied = [e for e in audit if type(e).event_name == "assistant.change_applied"]
    assert len(applied) == 15  # one per «sí»
    assert {(e.actor, e.role, e.channel) for e in applied} == {(ANA.name, "agent", "assistant")}
    # the API key reached the double as a header, never in a body
    assert all("sk-test" not in str(body) for body in world.bodies())
