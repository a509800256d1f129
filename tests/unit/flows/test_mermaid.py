"""`perla flow show` draws a flow as a Mermaid flowchart."""

from __future__ import annotations

from tests.unit.flows.shipped import shipped

from perla_core.flows.mermaid import node_id, to_mermaid


def test_the_sales_flow_is_a_top_down_flowchart_with_a_shape_per_step_kind() -> None:
    diagram = to_mermaid(shipped("conversation"))
    lines = diagram.splitlines()
    assert lines[0] == "flowchart TD"
    assert '  flow_start(("▶")) --> s_inicio' in lines
    assert '  s_inicio{{"inicio: intent?"}}' in lines
    assert '  s_consultar_catalogo[["consultar_catalogo: catalogue.answer"]]' in lines
    assert '  s_derivar_operador(["derivar_operador: operador (talk_to_person)"])' in lines
    assert '  s_baja((("baja")))' in lines
    assert '  s_awaiting_confirmation{{"awaiting_confirmation: intent?"}}' in lines
    assert any(line.startswith('  s_pedir_cuit[/"pedir_cuit: ') for line in lines)


def test_edges_carry_intents_options_and_the_rules_that_apply_anywhere() -> None:
    lines = to_mermaid(shipped("conversation")).splitlines()
    assert "  s_inicio -->|buy| s_agregar_al_carrito" in lines
    assert "  s_inicio -->|else| s_no_entendi" in lines
    assert "  s_awaiting_confirmation -->|confirm| s_confirmar_compra" in lines
    assert "  s_confirmar_compra -->|changed| s_awaiting_confirmation" in lines
    assert "  s_consultar_catalogo -->|error| s_derivar_error" in lines
    assert "  anywhere -.->|complaint| s_derivar_reclamo" in lines
    assert "  anywhere -.->|2 sin entender| s_derivar_no_entendido" in lines


def test_the_survey_draws_its_free_text_answers_and_terminal_options() -> None:
    lines = to_mermaid(shipped("survey")).splitlines()
    assert any(line.startswith("  s_rubro_actual[/") for line in lines)
    assert '  s_intereses -->|Cámaras| s_intereses_end((("fin")))' in lines


def test_step_ids_mermaid_reserves_are_made_safe() -> None:
    assert node_id("end") == "s_end"
    assert node_id("paso-1 b") == "s_paso_1_b"
