"""``perla flow``: check a flow file and draw a flow as a Mermaid diagram."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

from perla_adapters.flows.yaml_source import load_flow_file, load_flow_text
from perla_core.flows.mermaid import to_mermaid
from perla_core.flows.parsing import FlowReport

flow_app = typer.Typer(help="The bot's dialogue flows (YAML).", no_args_is_help=True)

SHIPPED = {"conversation": "microcom.yaml", "survey": "dormant_survey.yaml"}


def shipped_flow_text(name: str) -> tuple[str, str]:
    """The text of a flow packaged with perla and the name to report it under."""
    resource = resources.files("perla_entrypoints") / "data" / "flows" / name
    return resource.read_text(encoding="utf-8"), f"perla_entrypoints/data/flows/{name}"


def _print_problems(report: FlowReport) -> None:
    for problem in report.problems:
        typer.echo(str(problem), err=True)


@flow_app.command("validate")
def validate(
    file: Annotated[Path, typer.Argument(help="The flow's YAML file.", show_default=False)],
) -> None:
    """Check a flow file; print every problem as FILE:LINE: path: message (exit 1 on errors)."""
    try:
        report = load_flow_file(file)
    except OSError as exc:
        typer.echo(f"{file}: cannot read: {exc.strerror or exc}", err=True)
        raise typer.Exit(1) from None
    _print_problems(report)
    if report.errors:
        typer.echo(f"{file}: {len(report.errors)} error(s)", err=True)
        raise typer.Exit(1)
    assert report.flow is not None
    steps = len(report.flow.steps)
    warnings = f", {len(report.warnings)} warning(s)" if report.warnings else ""
    typer.echo(f"{file}: ok ({report.flow.kind} `{report.flow.name}`, {steps} steps{warnings})")


@flow_app.command("show")
def show(
    file: Annotated[
        Path | None,
        typer.Argument(help="A flow's YAML file; the shipped MICROCOM sales flow by default."),
    ] = None,
    survey: Annotated[
        bool, typer.Option("--survey", help="Draw the shipped dormant-client survey.")
    ] = False,
) -> None:
    """Print a flow as a Mermaid flowchart (paste it in a Markdown file or mermaid.live)."""
    if file is not None:
        try:
            report = load_flow_file(file)
        except OSError as exc:
            typer.echo(f"{file}: cannot read: {exc.strerror or exc}", err=True)
            raise typer.Exit(1) from None
    else:
        text, source = shipped_flow_text(SHIPPED["survey" if survey else "conversation"])
        report = load_flow_text(text, source)
    if report.flow is None:
        _print_problems(report)
        raise typer.Exit(1)
    typer.echo(to_mermaid(report.flow), nl=False)
