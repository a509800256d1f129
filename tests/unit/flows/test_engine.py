"""The flow engine runs the shipped MICROCOM sales flow and the dormant-client survey."""

from __future__ import annotations

import pytest
from tests.unit.flows.shipped import shipped

from perla_core.flows.engine import (
    CallHook,
    EndFlow,
    FlowEngine,
    FlowState,
    Handoff,
    HookFinished,
    Interpreted,
    OptionChosen,
    SendButtons,
    SendList,
    SendText,
    SetField,
    TextReceived,
)
from perla_core.flows.parsing import parse_flow


@pytest.fixture
def sales() -> FlowEngine:
    return FlowEngine(shipped("conversation"))


@pytest.fixture
def survey() -> FlowEngine:
    return FlowEngine(shipped("survey"))


def test_the_sales_flow_waits_for_the_first_message_and_greets_by_name(
    sales: FlowEngine,
) -> None:
    state, actions = sales.start()
    assert (state, actions) == (FlowState("inicio"), [])
    state, actions = sales.advance(state, Interpreted("greeting"), {"nombre": "Ana"})
    assert state == FlowState("inicio")
    [greeting] = actions
    assert isinstance(greeting, SendText)
    assert greeting.text.startswith("¡Hola Ana! Soy el asistente de MICROCOM.")


def test_a_product_question_asks_the_catalogue_and_comes_back_for_the_next_message(
    sales: FlowEngine,
) -> None:
    question = Interpreted("product_question", {"brand": "HIKVISION"}, "¿Qué cámaras tienen?")
    state, actions = sales.advance(FlowState("inicio"), question)
    assert actions == [CallHook("catalogue.answer", "consultar_catalogo", question)]
    assert state == FlowState("consultar_catalogo")
    assert sales.advance(state, HookFinished()) == (FlowState("inicio"), [])


def test_buying_adds_to_the_cart_and_asks_for_the_buyers_cuit_the_first_time(
    sales: FlowEngine,
) -> None:
    state, actions = sales.advance(FlowState("inicio"), Interpreted("buy"))
    assert [a.hook for a in actions if isinstance(a, CallHook)] == ["cart.add"]
    assert sales.advance(state, HookFinished()) == (FlowState("inicio"), [])

    state, actions = sales.advance(state, HookFinished(outcome="needs_buyer"))
    assert state == FlowState("pedir_cuit")
    assert isinstance(actions[0], SendText)
    assert "CUIT" in actions[0].text
    state, actions = sales.advance(state, TextReceived("30-71234567-1"))
    assert actions[0] == SetField("cuit", "30-71234567-1")
    assert actions[1] == CallHook("buyer.identify", "identificar_cliente")
    assert sales.advance(state, HookFinished(outcome="invalid"))[0] == FlowState("pedir_cuit")


def test_the_summary_waits_for_an_explicit_answer_and_confirming_confirms_the_order(
    sales: FlowEngine,
) -> None:
    state, actions = sales.advance(FlowState("inicio"), OptionChosen("confirm"))
    assert actions == [CallHook("order.summary", "resumen_pedido")]
    state, _ = sales.advance(state, HookFinished())
    assert state == FlowState("awaiting_confirmation")

    reminded, actions = sales.advance(state, Interpreted("greeting"))
    assert reminded == state
    assert isinstance(actions[0], SendText)
    assert "Confirmar" in actions[0].text

    state, actions = sales.advance(state, OptionChosen("confirm"))
    assert actions == [CallHook("order.confirm", "confirmar_compra")]
    changed, _ = sales.advance(state, HookFinished(outcome="changed"))
    assert changed == FlowState("awaiting_confirmation")
    state, actions = sales.advance(state, HookFinished(), {"nombre": "Ana"})
    assert state == FlowState("inicio")
    assert isinstance(actions[0], SendText)
    assert actions[0].text.startswith("¡Listo Ana! Confirmamos tu compra")


def test_at_the_summary_modify_and_typed_confirmations_are_understood(sales: FlowEngine) -> None:
    waiting = FlowState("awaiting_confirmation")
    state, actions = sales.advance(waiting, OptionChosen("modify"))
    assert state == FlowState("inicio")
    assert isinstance(actions[0], SendText)
    assert "qué cambiamos" in actions[0].text
    _, actions = sales.advance(waiting, Interpreted("confirm"))
    assert actions == [CallHook("order.confirm", "confirmar_compra", Interpreted("confirm"))]


@pytest.mark.parametrize(
    ("intent", "reason"),
    [("talk_to_person", "talk_to_person"), ("complaint", "complaint")],
)
def test_asking_for_a_person_or_complaining_hands_off_from_any_step(
    sales: FlowEngine, intent: str, reason: str
) -> None:
    for step in ("inicio", "awaiting_confirmation", "pedir_cuit"):
        state, actions = sales.advance(FlowState(step), Interpreted(intent))
        assert state.finished
        assert isinstance(actions[0], SendText)
        assert actions[-1] == Handoff(reason)


def test_opting_out_ends_with_a_confirmation(sales: FlowEngine) -> None:
    state, actions = sales.advance(FlowState("inicio"), Interpreted("opt_out"))
    assert state.finished
    assert isinstance(actions[0], SendText)
    assert "no te vamos a enviar más mensajes" in actions[0].text
    assert actions[-1] == EndFlow()


def test_not_understanding_twice_in_a_row_hands_off_to_an_operator(sales: FlowEngine) -> None:
    state, actions = sales.advance(FlowState("inicio"), Interpreted("other"))
    assert state == FlowState("inicio", misunderstandings=1)
    assert isinstance(actions[0], SendText)
    assert actions[0].text.startswith("Perdón, no te entendí.")
    state, actions = sales.advance(state, Interpreted("other"))
    assert state.finished
    assert actions[-1] == Handoff("misunderstood")


def test_being_understood_resets_the_misunderstandings(sales: FlowEngine) -> None:
    state, _ = sales.advance(FlowState("inicio"), Interpreted("other"))
    state, _ = sales.advance(state, Interpreted("greeting"))
    state, _ = sales.advance(state, Interpreted("other"))
    assert state == FlowState("inicio", misunderstandings=1)


def test_a_failed_hook_hands_off(sales: FlowEngine) -> None:
    state, actions = sales.advance(FlowState("consultar_catalogo"), HookFinished(ok=False))
    assert state.finished
    assert actions[-1] == Handoff("hook_failed")


def test_a_message_while_a_hook_runs_waits_for_its_result(sales: FlowEngine) -> None:
    state = FlowState("consultar_catalogo")
    assert sales.advance(state, Interpreted("greeting")) == (state, [])


def test_a_finished_flow_ignores_events(sales: FlowEngine) -> None:
    assert sales.advance(FlowState(None), Interpreted("buy")) == (FlowState(None), [])


def test_the_survey_fills_a_field_per_answer_down_the_tree(survey: FlowEngine) -> None:
    state, actions = survey.start({"nombre": "Ana"})
    [first] = actions
    assert isinstance(first, SendButtons)
    assert first.text.startswith("¡Hola Ana!")
    filled: list[SetField] = []
    for event in (
        OptionChosen("si"),
        OptionChosen("si"),
        OptionChosen("si"),
        OptionChosen("otro"),
        TextReceived("  Me quedaba lejos  "),
    ):
        state, actions = survey.advance(state, event)
        filled += [a for a in actions if isinstance(a, SetField)]
    assert state == FlowState("intereses")
    assert isinstance(actions[-1], SendList)
    state, actions = survey.advance(state, OptionChosen("camaras"))
    filled += [a for a in actions if isinstance(a, SetField)]
    assert state.finished
    assert actions[-1] == EndFlow()
    assert [(f.field, f.value) for f in filled] == [
        ("quiere_info_stock", "si"),
        ("mismo_rubro", "si"),
        ("compra_a_otro_proveedor", "si"),
        ("motivo_cambio_proveedor", "otro"),
        ("motivo_detalle", "Me quedaba lejos"),
        ("productos_interes", "camaras"),
    ]


def test_an_unknown_reply_in_the_survey_asks_the_question_again(survey: FlowEngine) -> None:
    state, first = survey.start()
    again, actions = survey.advance(state, OptionChosen("tal vez"))
    assert again == FlowState("quiere_info", misunderstandings=1)
    assert actions == first


def test_without_a_misunderstood_step_the_engine_hands_off_itself() -> None:
    flow = parse_flow(
        {
            "flow": "mini",
            "start": "r",
            "rules": {"handoff_after_misunderstandings": 1},
            "steps": {"r": {"type": "intent_router", "routes": {"buy": "r"}}},
        }
    ).flow
    assert flow is not None
    state, actions = FlowEngine(flow).advance(FlowState("r"), Interpreted("other"))
    assert (state, actions) == (FlowState(None), [Handoff("misunderstood")])


def test_a_contact_waiting_on_a_step_removed_by_an_edit_continues_from_the_start(
    sales: FlowEngine,
) -> None:
    state, actions = sales.advance(FlowState("paso_borrado", 1), Interpreted("buy"))
    assert state == FlowState("agregar_al_carrito")
    assert actions == [CallHook("cart.add", "agregar_al_carrito", Interpreted("buy"))]


def _with_outcomes(outcomes: object) -> object:
    return {
        "flow": "mini",
        "start": "confirmar",
        "steps": {
            "confirmar": {
                "type": "action",
                "hook": "order.confirm",
                "next": "listo",
                "on_error": "fallo",
                "outcomes": outcomes,
            },
            "resumen": {"type": "message", "text": "Cambió el precio", "next": "listo"},
            "listo": {"type": "end", "text": "Listo"},
            "fallo": {"type": "handoff", "reason": "hook_failed"},
        },
    }


def test_a_hooks_named_outcome_picks_the_step_its_action_lists() -> None:
    flow = parse_flow(_with_outcomes({"repriced": "resumen"})).flow
    assert flow is not None
    engine = FlowEngine(flow)
    waiting = FlowState("confirmar")

    _, repriced = engine.advance(waiting, HookFinished(outcome="repriced"))
    _, usual = engine.advance(waiting, HookFinished())
    _, unlisted = engine.advance(waiting, HookFinished(outcome="something_else"))
    _, failed = engine.advance(waiting, HookFinished(ok=False, outcome="repriced"))

    assert repriced[0] == SendText("Cambió el precio")
    assert usual == unlisted == [SendText("Listo"), EndFlow()]
    assert failed == [Handoff("hook_failed")]


@pytest.mark.parametrize(
    ("outcomes", "message"),
    [
        ({"repriced": "no_existe"}, "no_existe"),
        (["resumen"], "must map"),
        ({}, "must map"),
    ],
)
def test_an_actions_outcomes_must_lead_to_steps_that_exist(outcomes: object, message: str) -> None:
    report = parse_flow(_with_outcomes(outcomes))
    assert report.flow is None
    assert any(message in str(error) for error in report.errors)


def test_at_an_intent_router_a_button_named_after_a_routed_intent_counts_as_that_intent(
    sales: FlowEngine,
) -> None:
    by_button = sales.advance(FlowState("inicio"), OptionChosen("buy"))
    by_text = sales.advance(FlowState("inicio"), Interpreted("buy"))

    assert by_button[0] == by_text[0] == FlowState("agregar_al_carrito")
    assert sales.advance(FlowState("inicio"), OptionChosen("not-an-intent"))[0] != by_text[0]
