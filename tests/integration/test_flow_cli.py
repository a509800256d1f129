"""``perla flow validate`` and ``perla flow show`` as an editor of the bot's dialogue uses them."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from perla_entrypoints.cli import app

runner = CliRunner()

BROKEN = """\
flow: ventas
kind: conversation
start: inicio
steps:
  inicio:
    type: intent_router
    routes:
      comprar: carrito
      buy: carrito
  carrito:
    type: question
    text: ¿Confirmás?
    buttons:
      - {id: si, title: "Sí, confirmo la compra ya mismo", nxt: fin}
      - {id: no, title: No, next: final}
  fin:
    type: end
"""


def test_the_shipped_flows_validate(tmp_path: Path) -> None:
    shipped = Path(__file__).parents[2] / "src/perla_entrypoints/data/flows"
    for name in ("microcom.yaml", "dormant_survey.yaml"):
        result = runner.invoke(app, ["flow", "validate", str(shipped / name)])
        assert result.exit_code == 0, result.output
        assert ": ok (" in result.output


def test_a_broken_file_lists_every_error_with_file_and_line_and_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "ventas.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    result = runner.invoke(app, ["flow", "validate", str(path)])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"{path}:8: steps.inicio.routes.comprar: unknown intent `comprar`")
    assert any(
        line.startswith(f"{path}:14: steps.carrito.buttons[0].nxt: unknown key `nxt`")
        for line in lines
    )
    assert any(line.startswith(f"{path}:14: steps.carrito.buttons[0].title:") for line in lines)
    assert (
        f"{path}:15: steps.carrito.buttons[1].next: unknown step `final` (did you mean `fin`?)"
        in lines
    )
    assert lines[-1].endswith("error(s)")


def test_warnings_do_not_fail_validation(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text("flow: f\nstart: a\nsteps:\n  a: {type: end}\n  b: {type: end}\n")
    result = runner.invoke(app, ["flow", "validate", str(path)])
    assert result.exit_code == 0
    assert f"{path}:5: steps.b: warning: step `b` is never reached" in result.stderr
    assert "1 warning(s)" in result.stdout


def test_a_missing_file_exits_1(tmp_path: Path) -> None:
    result = runner.invoke(app, ["flow", "validate", str(tmp_path / "nada.yaml")])
    assert result.exit_code == 1
    assert "cannot read" in result.stderr


def test_show_draws_the_shipped_sales_flow_and_survey_as_mermaid() -> None:
    sales = runner.invoke(app, ["flow", "show"])
    assert sales.exit_code == 0
    assert sales.stdout.startswith("flowchart TD\n  %% microcom_ventas (conversation)\n")
    survey = runner.invoke(app, ["flow", "show", "--survey"])
    assert survey.exit_code == 0
    assert "%% reactivacion_dormidos (survey)" in survey.stdout


def test_show_draws_a_given_file_and_refuses_a_broken_one(tmp_path: Path) -> None:
    good = tmp_path / "f.yaml"
    good.write_text("flow: f\nstart: a\nsteps:\n  a: {type: end}\n")
    result = runner.invoke(app, ["flow", "show", str(good)])
    assert result.exit_code == 0
    assert 's_a((("a")))' in result.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(BROKEN)
    result = runner.invoke(app, ["flow", "show", str(bad)])
    assert result.exit_code == 1
    assert "unknown intent" in result.stderr
