"""``perla campaign``: run the dormant-client campaign, follow a run, pause/resume/cancel it.

``perla campaign run dormant --dry-run`` counts the dormant clients, the exclusions and shows
a sample without writing anything. Without ``--dry-run`` the run is created, its recipients
selected (a progress bar) and, when no Redis broker is configured (no separate workers), the
templates are sent from this process at the campaign's rate (a second progress bar) and the
outbox drained; with Redis, the scheduler and the workers send it. ``perla campaign status
RUN`` prints the run's funnel.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated, Final
from uuid import UUID

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from perla_core.campaigns import services
from perla_core.campaigns.model import CampaignConfig, RunReport
from perla_core.kernel.errors import PerlaError
from perla_entrypoints.campaign_handlers import campaign_config, dispatch_once, work_of
from perla_entrypoints.container import settings_of
from perla_entrypoints.hotels_cli import _actor, _opened

if TYPE_CHECKING:
    from perla_entrypoints.container import Container

campaign_app = typer.Typer(
    help="Campaigns: win back dormant clients with a WhatsApp survey.", no_args_is_help=True
)

console = Console()
err = Console(stderr=True)

EXCLUSION_LABELS: Final = {
    "opted_out": "opted out",
    "no_consent": "no WhatsApp consent",
    "surveyed_recently": "surveyed recently",
    "no_whatsapp": "no WhatsApp number",
}


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(message)
    return typer.Exit(code)


def _run_id(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise _fail(f"[red]not a run id:[/] {text!r}", 2) from None


def _bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


@campaign_app.command("run")
def run(
    name: Annotated[str, typer.Argument(help="The campaign: dormant.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count and show a sample; write nothing.")
    ] = False,
    months: Annotated[
        int | None, typer.Option(help="Dormant after this many months. [default: settings]")
    ] = None,
    rate: Annotated[
        int | None, typer.Option(help="Templates per second. [default: settings]")
    ] = None,
) -> None:
    """Start a run of a campaign (or preview it with --dry-run)."""
    container = _opened()
    try:
        config = campaign_config(
            settings_of(container), name=name, months=months, rate_per_second=rate
        )
        if dry_run:
            _preview(container, config)
            return
        run_id = _start(container, config)
    except PerlaError as error:
        raise _fail(f"[red]cannot run the campaign:[/] {error}") from None
    console.print(f"run [bold]{run_id}[/] started")
    if settings_of(container).redis_url:
        console.print("the workers send it (follow it with `perla campaign status`)")
    else:
        _send_here(container, run_id)
    _print_report(services.run_report(work_of(container), run_id, _actor()))


def _preview(container: Container, config: CampaignConfig) -> None:
    found = services.preview(work_of(container), config, container.clock(), _actor())
    console.print(
        f"{found.dormant} dormant clients (no interaction for {config.months} months): "
        f"{found.selected} would be sent the survey"
    )
    for reason, count in found.excluded.items():
        console.print(f"  excluded, {EXCLUSION_LABELS[reason]}: {count}")
    if found.sample:
        table = Table(title=f"Sample ({len(found.sample)} of {found.selected})")
        table.add_column("client")
        table.add_column("WhatsApp")
        for c in found.sample:
            table.add_row(str(c.client_id), c.contact or "")
        console.print(table)


def _start(container: Container, config: CampaignConfig) -> UUID:
    with _bar() as bar:
        task = bar.add_task("selecting dormant clients", total=None)
        return services.start_run(
            work_of(container),
            config,
            container.clock(),
            container.ids(),
            _actor(),
            progress=lambda n: bar.advance(task, n),
        )


def _send_here(container: Container, run_id: UUID) -> None:
    """Dispatch in this process at the run's rate, then hand the templates to WhatsApp."""
    from perla_entrypoints.workers import drain_outbox  # noqa: PLC0415 - workers import dramatiq

    report = services.run_report(work_of(container), run_id, _actor())
    with _bar() as bar:
        task = bar.add_task("sending the survey", total=report.pending)
        while True:
            outcome = dispatch_once(container, run_id)
            bar.advance(task, outcome.sent)
            if outcome.state in ("completed", "capped") or (
                outcome.state == "idle" and outcome.wait_until is None
            ):
                break
            if outcome.state == "idle" and outcome.wait_until is not None:
                wait = (outcome.wait_until - container.clock().now()).total_seconds()
                time.sleep(max(0.0, min(wait, 1.0)))
            drain_outbox(container)
    drain_outbox(container)
    if outcome.state == "capped":
        console.print(
            f"daily cap reached: the scheduler goes on at {outcome.wait_until:%Y-%m-%d %H:%M} UTC"
        )


def _print_report(report: RunReport) -> None:
    r = report.run
    table = Table(title=f"Campaign run {r.id} ({r.name}, {r.status.value})")
    table.add_column("step")
    table.add_column("clients", justify="right")
    rows: list[tuple[str, int]] = [("dormant", report.dormant)]
    rows += [(f"  excluded: {EXCLUSION_LABELS[k]}", v) for k, v in report.excluded.items()]
    rows += [
        ("selected", report.selected),
        ("pending", report.pending),
        ("sent", report.sent),
        ("failed (template refused)", report.failed),
        ("answered", report.answered),
        ("completed the survey", report.completed),
        ("opted out", report.opted_out),
        (f"recovered (ordered within {r.config.recovered_window_days} days)", report.recovered),
    ]
    for label, value in rows:
        table.add_row(label, str(value))
    console.print(table)


@campaign_app.command("status")
def status(run_id: Annotated[str, typer.Argument(help="The run's id.")]) -> None:
    """Print a run's funnel."""
    ident = _run_id(run_id)
    container = _opened()
    try:
        _print_report(services.run_report(work_of(container), ident, _actor()))
    except PerlaError as error:
        raise _fail(f"[red]cannot show the run:[/] {error}") from None


def _change(run_id: str, action: str) -> None:
    ident = _run_id(run_id)
    container = _opened()
    try:
        changed = services.change_run(
            work_of(container), ident, action, container.clock(), _actor()
        )
    except PerlaError as error:
        raise _fail(f"[red]cannot {action} the run:[/] {error}") from None
    console.print(f"run {changed.id} is {changed.status.value}")


@campaign_app.command("pause")
def pause(run_id: Annotated[str, typer.Argument(help="The run's id.")]) -> None:
    """Pause a running run (nothing more is sent until it is resumed)."""
    _change(run_id, "pause")


@campaign_app.command("resume")
def resume(run_id: Annotated[str, typer.Argument(help="The run's id.")]) -> None:
    """Resume a paused run."""
    _change(run_id, "resume")


@campaign_app.command("cancel")
def cancel(run_id: Annotated[str, typer.Argument(help="The run's id.")]) -> None:
    """Cancel a run for good (its pending clients are not sent)."""
    _change(run_id, "cancel")


@campaign_app.command("consent")
def consent(
    client_id: Annotated[str, typer.Argument(help="The client's id.")],
    given: Annotated[
        bool, typer.Option("--yes/--no", help="Whether the client agreed to WhatsApp messages.")
    ] = True,
) -> None:
    """Record a client's WhatsApp consent (campaigns only message clients who gave it)."""
    container = _opened()
    try:
        services.record_whatsapp_consent(
            work_of(container), UUID(client_id), given, container.clock(), _actor()
        )
    except ValueError:
        raise _fail(f"[red]not a client id:[/] {client_id!r}", 2) from None
    except PerlaError as error:
        raise _fail(f"[red]cannot record the consent:[/] {error}") from None
    console.print(f"WhatsApp consent of {client_id}: {'yes' if given else 'no'}")
