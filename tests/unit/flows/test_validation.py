"""A flow file is validated on load and every problem points at its line and YAML path."""

from __future__ import annotations

from textwrap import dedent, indent

from perla_adapters.flows.yaml_source import load_flow_text
from perla_core.flows.model import FlowError
from perla_core.flows.parsing import FlowReport, parse_flow

HEADER = """\
flow: prueba
kind: {kind}
start: inicio
placeholders: [nombre]
steps:
"""


def check(steps: str, kind: str = "conversation", header: str = HEADER) -> FlowReport:
    return load_flow_text(header.format(kind=kind) + indent(dedent(steps), "  "), "prueba.yaml")


def only_error(report: FlowReport) -> FlowError:
    assert report.flow is None
    assert len(report.errors) == 1, [str(e) for e in report.errors]
    return report.errors[0]


def test_a_dangling_transition_names_the_missing_step_and_its_line() -> None:
    error = only_error(
        check("""\
          inicio:
            type: message
            text: Hola
            next: despedida
        """)
    )
    assert (error.line, error.path) == (9, "steps.inicio.next")
    assert "unknown step `despedida`" in error.message
    assert str(error).startswith("prueba.yaml:9: steps.inicio.next: ")


def test_a_typo_in_a_key_is_caught_with_a_suggestion() -> None:
    report = check("""\
      inicio:
        type: message
        text: Hola
        nxt: fin
      fin:
        type: end
    """)
    missing, error = report.errors
    assert (missing.line, missing.path, missing.message) == (6, "steps.inicio", "`next` is missing")
    assert (error.line, error.path) == (9, "steps.inicio.nxt")
    assert "unknown key `nxt` (did you mean `next`?)" in error.message


def test_more_than_three_buttons_is_refused_at_the_buttons_line() -> None:
    buttons = "".join(f"      - {{title: B{i}, next: fin}}\n" for i in range(4))
    error = only_error(
        check(
            "  inicio:\n    type: question\n    text: ¿Qué?\n    buttons:\n"
            + buttons
            + "  fin:\n    type: end\n"
        )
    )
    assert (error.line, error.path) == (9, "steps.inicio.buttons")
    assert "4 buttons; WhatsApp allows at most 3" in error.message


def test_more_than_ten_list_rows_is_refused() -> None:
    rows = "".join(f"        - {{id: r{i}, title: Fila {i}, end: true}}\n" for i in range(11))
    report = check(
        "  inicio:\n    type: question\n    text: Elegí\n"
        + "    list:\n      button: Ver\n      rows:\n"
        + rows
    )
    assert "11 rows; WhatsApp allows at most 10" in only_error(report).message


def test_titles_descriptions_and_texts_over_whatsapps_limits_are_each_reported() -> None:
    long_body = "x" * 1025
    report = check(f"""\
      inicio:
        type: question
        text: {long_body}
        buttons:
          - title: Un título demasiado largo
            next: lista
      lista:
        type: question
        text: Elegí
        list:
          rows:
            - title: Una fila con un título muy largo
              description: {"d" * 73}
              next: fin
      fin:
        type: end
        text: {"t" * 4097}
    """)
    messages = {(e.line, e.path): e.message for e in report.errors}
    assert "WhatsApp allows 1024" in messages[(8, "steps.inicio.text")]
    assert "WhatsApp allows 20" in messages[(10, "steps.inicio.buttons[0].title")]
    assert "WhatsApp allows 24" in messages[(17, "steps.lista.list.rows[0].title")]
    assert "WhatsApp allows 72" in messages[(18, "steps.lista.list.rows[0].description")]
    assert "WhatsApp allows 4096" in messages[(22, "steps.fin.text")]
    assert len(report.errors) == 5


def test_an_unknown_intent_and_an_unknown_placeholder_are_reported() -> None:
    report = check("""\
      inicio:
        type: intent_router
        routes:
          comprar: hola
        else: hola
      hola:
        type: message
        text: Hola {nombre}, soy {bot}
        next: inicio
    """)
    found = {(e.line, e.path) for e in report.errors}
    assert found == {(9, "steps.inicio.routes.comprar"), (13, "steps.hola.text")}
    assert "unknown placeholder `{bot}`" in report.errors[1].message


def test_the_caller_decides_which_intents_and_hooks_exist() -> None:
    data = {
        "flow": "x",
        "start": "a",
        "steps": {
            "a": {"type": "intent_router", "routes": {"comprar": "b"}},
            "b": {"type": "action", "hook": "cart.ad", "next": "a"},
        },
    }
    report = parse_flow(data, intents=["comprar"], hooks=["cart.add"])
    assert [e.path for e in report.errors] == ["steps.b.hook"]


def test_a_missing_start_and_a_repeated_step_id_are_errors() -> None:
    report = check(
        """\
          uno:
            type: end
          uno:
            type: end
        """,
        header="flow: prueba\nkind: {kind}\nsteps:\n",
    )
    messages = [(e.line, e.path, e.message) for e in report.errors]
    assert messages[0] == (1, "", "`start` is missing")
    assert messages[1][:2] == (6, "steps.uno")
    assert "duplicate step id `uno` (first at line 4)" in messages[1][2]


def test_an_unreachable_step_is_only_a_warning() -> None:
    report = check("""\
      inicio:
        type: end
      huerfano:
        type: end
    """)
    assert report.ok
    assert report.flow is not None
    [warning] = report.warnings
    assert (warning.line, warning.path, warning.warning) == (8, "steps.huerfano", True)


def test_a_survey_cannot_loop_but_a_conversation_may() -> None:
    steps = """\
      inicio:
        type: question
        text: ¿Seguimos?
        sets: seguir
        buttons:
          - {id: si, title: Sí, next: otra}
          - {id: no, title: No, end: true}
      otra:
        type: free_text
        text: Contame
        sets: detalle
        next: inicio
    """
    assert check(steps).ok
    error = only_error(check(steps, kind="survey"))
    assert error.path == "steps.otra"
    assert "a survey cannot loop: inicio -> otra -> inicio" in error.message


def test_a_loop_that_never_waits_for_the_client_is_refused_even_in_a_conversation() -> None:
    error = only_error(
        check("""\
          inicio:
            type: message
            text: uno
            next: otro
          otro:
            type: message
            text: dos
            next: inicio
        """)
    )
    assert "never waits for the client" in error.message


def test_every_option_needs_a_next_step_or_to_end_the_flow() -> None:
    error = only_error(
        check("""\
          inicio:
            type: question
            text: ¿Sí o no?
            buttons:
              - {id: si, title: Sí, end: true}
              - {id: no, title: No}
        """)
    )
    assert (error.line, error.path) == (11, "steps.inicio.buttons[1]")


def test_answers_can_only_fill_declared_client_fields() -> None:
    header = HEADER.replace("steps:", "fields: [rubro]\nsteps:")
    error = only_error(
        check(
            """\
              inicio:
                type: free_text
                text: ¿Rubro?
                sets: rubor
                next: fin
              fin:
                type: end
            """,
            header=header,
        )
    )
    assert (error.line, error.path) == (10, "steps.inicio.sets")


def test_yaml_syntax_errors_name_their_line() -> None:
    error = only_error(load_flow_text("flow: x\nsteps: [a\n  b: c\n", "roto.yaml"))
    assert error.line is not None
    assert "not valid YAML" in error.message


def test_yes_and_no_stay_texts_so_option_ids_read_naturally() -> None:
    report = check("""\
      inicio:
        type: question
        text: ¿Querés info?
        buttons:
          - {id: no, title: No, end: true}
          - {id: si, title: Sí, end: true}
    """)
    assert report.flow is not None
