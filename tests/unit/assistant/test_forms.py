"""Gathering data by conversation: only what the completeness check says is missing, each
answer validated by the domain, prefilled from a confident hotel match."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from tests.support.hotels import ARTS

from perla_adapters.memory import (
    FixedClock,
    InMemoryUnitOfWork,
    SequentialIds,
    StaticSecrets,
)
from perla_adapters.memory.hotels import InMemoryHotelDirectory
from perla_core.access.model import Actor, Role
from perla_core.assistant.catalogue import build_toolbox
from perla_core.assistant.engine import AssistantDeps, send_message
from perla_core.assistant.forms import SUPPLIER_LABELS
from perla_core.assistant.services import get_conversation, start_conversation
from perla_core.language.ports import ModelReply, ModelRequest, ToolCall
from perla_core.onboarding.commands import RegisterLead
from perla_core.onboarding.services import get_client, register_lead
from perla_core.suppliers.ports import SupplierRequestQuery
from perla_core.suppliers.services import list_supplier_requests


class Once:
    """A model that makes one tool call, then stays silent."""

    def __init__(self, tool: str, /, **arguments: Any) -> None:
        self.calls = [ModelReply("", (ToolCall("toolu_1", tool, arguments),), "tool_use")]

    def complete(self, request: ModelRequest) -> ModelReply:  # noqa: ARG002 - scripted
        return self.calls.pop(0) if self.calls else ModelReply("¿Algo más?")


def deps_for(
    uow: InMemoryUnitOfWork, clock: FixedClock, ids: SequentialIds, model: Any
) -> AssistantDeps:
    directory = InMemoryHotelDirectory([ARTS])
    return AssistantDeps(
        uow, clock, ids, StaticSecrets(), model, build_toolbox(), directory=directory
    )


def requests(deps: AssistantDeps, actor: Actor) -> list[Any]:
    return list(list_supplier_requests(SupplierRequestQuery(), deps.uow, actor).items)


def test_a_supplier_request_is_prefilled_from_a_confident_match_and_asks_only_the_rest(
    uow: InMemoryUnitOfWork, clock: FixedClock, ids: SequentialIds, agent: Actor
) -> None:
    model = Once("gather_supplier_request", name="Hotel Arts", city="Barcelona", country="ES")
    deps = deps_for(uow, clock, ids, model)
    conversation = start_conversation(uow, clock, ids, agent)

    first = send_message(conversation, "prepara la solicitud del Hotel Arts", agent, deps)

    assert "dome:ES-08-0001" in first.reply
    form = get_conversation(conversation, uow, agent).form
    assert form is not None
    assert {"address", "postal_code", "phone", "email", "stars"} <= set(form.prefilled)
    # never asked for what the directory knew
    assert not set(form.asking) & set(form.prefilled)
    assert len(form.asking) == 3
    assert SUPPLIER_LABELS[form.asking[0]] in first.reply


def test_each_answer_is_validated_and_a_bad_iban_is_asked_again(
    uow: InMemoryUnitOfWork, clock: FixedClock, ids: SequentialIds, agent: Actor
) -> None:
    model = Once("gather_supplier_request", name="Hotel Arts", city="Barcelona", country="ES")
    deps = deps_for(uow, clock, ids, model)
    conversation = start_conversation(uow, clock, ids, agent)
    send_message(conversation, "prepara la solicitud del Hotel Arts", agent, deps)

    turn = send_message(conversation, "IBAN: ES00 1234 5678 9012 3456 7890", agent, deps)

    assert "IBAN" in turn.reply
    assert "no son válidos" in turn.reply
    form = get_conversation(conversation, uow, agent).form
    assert form is not None
    assert "iban" not in form.values


def test_the_whole_supplier_request_gathered_becomes_a_proposal_then_a_draft_on_confirmation(
    uow: InMemoryUnitOfWork, clock: FixedClock, ids: SequentialIds, agent: Actor
) -> None:
    model = Once("gather_supplier_request", name="Hotel Arts", city="Barcelona", country="ES")
    deps = deps_for(uow, clock, ids, model)
    conversation = start_conversation(uow, clock, ids, agent)
    send_message(conversation, "prepara la solicitud del Hotel Arts", agent, deps)
    answers = {
        "legal_name": "Hotel Arts Barcelona S.A.",
        "tax_id": "A08001851",
        "vat_regime": "general",
        "iban": "ES91 2100 0418 4502 0005 1332",
        "bic": "CAIXESBBXXX",
        "account_holder": "Hotel Arts Barcelona S.A.",
        "contract_type": "comisión",
        "commission_pct": "12 %",
        "payment_terms": "after_invoice:30",
        "release_days": "7",
        "cancellation_policy": "Gratis hasta 48 h antes de la llegada.",
        "contacts.reservations": "Laura Pons, reservas@hotelarts.es",
        "contacts.accounting": "Jordi Vila, contabilidad@hotelarts.es",
    }
    turn = None
    for _ in range(10):
        form = get_conversation(conversation, uow, agent).form
        if form is None:
            break
        lines = [f"{SUPPLIER_LABELS[f].split(' (')[0]}: {answers[f]}" for f in form.asking]
        turn = send_message(conversation, "\n".join(lines), agent, deps)
    assert turn is not None
    assert turn.pending is not None
    assert turn.pending.tool == "create_supplier_request"
    assert turn.pending.arguments["matched_hotel_ref"] == "dome:ES-08-0001"
    assert requests(deps, agent) == []

    done = send_message(conversation, "sí", agent, deps)

    assert done.applied is not None
    (request,) = requests(deps, agent)
    assert request.is_complete
    assert request.matched_hotel_ref == "dome:ES-08-0001"
    assert str(request.iban).replace(" ", "") == "ES9121000418450200051332"


def test_a_partial_request_can_be_saved_as_a_draft_and_a_form_can_be_dropped(
    uow: InMemoryUnitOfWork, clock: FixedClock, ids: SequentialIds, agent: Actor
) -> None:
    model = Once("gather_supplier_request", name="Hostal Nuevo", city="Teruel", country="ES")
    deps = deps_for(uow, clock, ids, model)
    conversation = start_conversation(uow, clock, ids, agent)
    first = send_message(conversation, "solicitud para el Hostal Nuevo de Teruel", agent, deps)
    assert "No he encontrado" not in first.reply  # no match: nothing claimed

    saved = send_message(conversation, "guardar borrador", agent, deps)
    assert saved.pending is not None
    send_message(conversation, "sí", agent, deps)
    (draft,) = requests(deps, agent)
    assert draft.status.value == "draft"

    again = Once("gather_supplier_request", name="Otro", city="Soria", country="ES")
    deps2 = deps_for(uow, clock, ids, again)
    send_message(conversation, "otra para el hotel Otro", agent, deps2)
    dropped = send_message(conversation, "cancelar", agent, deps2)
    assert "no he guardado nada" in dropped.reply
    assert get_conversation(conversation, uow, agent).form is None
    assert len(requests(deps, agent)) == 1


@pytest.fixture
def lead(uow: InMemoryUnitOfWork, clock: FixedClock, ids: SequentialIds) -> UUID:
    command = RegisterLead(trade_name="Viajes Sol", country="ES", email="hola@viajessol.es")
    return register_lead(command, uow, clock, ids, Actor("seed", Role.ADMIN))


def test_a_lead_record_is_completed_by_conversation(
    uow: InMemoryUnitOfWork, clock: FixedClock, ids: SequentialIds, agent: Actor, lead: UUID
) -> None:
    model = Once("gather_client_record", client_id=str(lead))
    deps = deps_for(uow, clock, ids, model)
    conversation = start_conversation(uow, clock, ids, agent)

    first = send_message(conversation, "completa la ficha de Viajes Sol", agent, deps)

    assert "razón social" in first.reply
    assert "correo" not in first.reply  # the e-mail is known
    second = send_message(
        conversation,
        "razón social: Viajes Sol S.L.\nNIF: X1234567\ntipo de negocio: travel agency",
        agent,
        deps,
    )
    assert "NIF" in second.reply  # the bad tax id is asked again
    third = send_message(conversation, "NIF: B58378431", agent, deps)
    fourth = send_message(
        conversation,
        "dirección de facturación: Gran Vía 1, 28013, Madrid, ES",
        agent,
        deps,
    )
    assert fourth.pending is not None or third.pending is not None
    send_message(conversation, "sí", agent, deps)
    client = get_client(lead, uow, agent)
    assert client.missing_for_conversion() == []
    assert client.legal_name == "Viajes Sol S.L."


class Script:
    """A model that answers from a list (tool calls or text)."""

    def __init__(self, *replies: ModelReply) -> None:
        self.replies = list(replies)

    def complete(self, request: ModelRequest) -> ModelReply:  # noqa: ARG002 - scripted
        return self.replies.pop(0) if self.replies else ModelReply("¿Algo más?")


def test_a_request_during_a_form_is_answered_and_the_form_keeps_waiting(
    uow: InMemoryUnitOfWork, clock: FixedClock, ids: SequentialIds, agent: Actor
) -> None:
    gather = ToolCall(
        "toolu_1", "gather_supplier_request", {"name": "Hotel Arts", "city": "Barcelona"}
    )
    model = Script(
        ModelReply("", (gather,), "tool_use"),
        ModelReply("Hoy no ha pasado nada.", (), "end_turn"),
    )
    deps = deps_for(uow, clock, ids, model)
    conversation = start_conversation(uow, clock, ids, agent)
    send_message(conversation, "prepara la solicitud del Hotel Arts", agent, deps)
    before = get_conversation(conversation, uow, agent).form

    turn = send_message(conversation, "resumen de actividad", agent, deps)

    assert turn.reply.startswith("Hoy no ha pasado nada.")
    assert "Sigo esperando los datos" in turn.reply
    after = get_conversation(conversation, uow, agent).form
    assert after == before  # nothing taken as an answer
    assert after is not None
    assert "legal_name" not in after.values


def test_a_hotel_without_a_country_is_assumed_in_the_home_market_and_said(
    uow: InMemoryUnitOfWork, clock: FixedClock, ids: SequentialIds, agent: Actor
) -> None:
    model = Once("gather_supplier_request", name="Hostal Nuevo", phone="978 60 00 00")
    deps = deps_for(uow, clock, ids, model)
    conversation = start_conversation(uow, clock, ids, agent)

    turn = send_message(conversation, "solicitud para el Hostal Nuevo", agent, deps)

    assert "Supongo que el hotel está en ES" in turn.reply
    form = get_conversation(conversation, uow, agent).form
    assert form is not None
    assert form.values["country"] == "ES"
    assert form.values["phone"] == "978 60 00 00"  # read as a Spanish number
    changed = send_message(conversation, "país: Portugal", agent, deps)
    assert "no son válidos" in changed.reply  # the phone is not Portuguese
    assert get_conversation(conversation, uow, agent).form is not None
