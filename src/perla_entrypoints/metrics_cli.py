"""``perla metrics``: the conversation metrics of a period as a table in the terminal, a row
per UTC day and the period's total (definitions in ``docs/metrics.md``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from perla_core.kernel.errors import PerlaError
from perla_core.metrics import (
    CampaignFigures,
    CampaignReport,
    ConversationMetrics,
    MetricsReport,
    Percentiles,
    campaign_metrics,
    conversation_metrics,
    period_query,
)
from perla_entrypoints.container import uow_factory
from perla_entrypoints.hotels_cli import _actor, _opened

console = Console()
err = Console(stderr=True)


def _day(value: str | None, field: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _fail(
            f"[red]invalid_value[/] {field}: {value!r} is not a date (YYYY-MM-DD)"
        ) from None


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(message)
    return typer.Exit(code)


def _seconds(value: Decimal | None) -> str:
    return "-" if value is None else format(value.normalize(), "f")


def _times(p: Percentiles) -> str:
    return "-" if not p.count else f"{_seconds(p.p50)} / {_seconds(p.p95)} ({p.count})"


def _row(table: Table, label: str, row: ConversationMetrics) -> None:
    handoffs = ", ".join(f"{reason} {n}" for reason, n in row.handoffs.items()) or "0"
    table.add_row(
        label,
        str(row.messages_in),
        f"{row.messages_out_bot} / {row.messages_out_human}",
        str(row.conversations_responding),
        _times(row.first_response.bot),
        _times(row.first_response.human),
        _times(row.response.bot),
        _times(row.response.human),
        str(row.seen_unanswered),
        handoffs,
        str(row.conversions),
        str(row.opt_outs),
    )


def metrics_table(report: MetricsReport) -> Table:
    """The report as a rich table (times: p50 / p95 seconds, and how many were measured)."""
    q = report.query
    table = Table(
        title=f"Conversations {q.start} .. {q.end} (UTC days)",
        caption=f"as of {report.as_of:%Y-%m-%d %H:%M} UTC; times: p50 / p95 s (count)",
    )
    for name in (
        "day",
        "in",
        "out bot / human",
        "responding",
        "1st resp. bot",
        "1st resp. human",
        "resp. bot",
        "resp. human",
        "seen, no reply",
        "handoffs",
        "orders",
        "opt-outs",
    ):
        table.add_column(name, justify="left" if name in ("day", "handoffs") else "right")
    for row in report.days:
        _row(table, str(row.day), row)
    table.add_section()
    _row(table, "total", report.total)
    return table


def _campaign_row(table: Table, label: str, row: CampaignFigures) -> None:
    rate = row.completion_rate
    table.add_row(
        label,
        str(row.sent),
        str(row.answered),
        str(row.completed),
        "-" if rate is None else f"{rate} %",
        str(row.opted_out),
        str(row.recovered),
    )


def campaigns_table(report: CampaignReport) -> Table:
    """The campaign runs' survey figures: each run's days, then its total."""
    q = report.query
    rate = report.completion_rate
    table = Table(
        title=f"Campaigns {q.start} .. {q.end} (UTC days)",
        caption="survey completion: completed of sent"
        + ("" if rate is None else f"; all runs {rate} %"),
    )
    for name in ("run / day", "sent", "answered", "completed", "completion", "opted out"):
        table.add_column(name, justify="left" if name == "run / day" else "right")
    table.add_column("recovered", justify="right")
    for run in report.runs:
        for row in run.days:
            _campaign_row(table, f"  {row.day}", row)
        created = "" if run.total.run_created_at is None else f"{run.total.run_created_at:%Y-%m-%d}"
        _campaign_row(table, f"{run.total.campaign} {created} {run.run_id}", run.total)
        table.add_section()
    if not report.runs:
        table.add_row("no campaign runs in the period", "", "", "", "", "", "")
    return table


def metrics(
    start: Annotated[
        str | None, typer.Option("--from", help="First UTC day (YYYY-MM-DD). [default: to - 29]")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Last UTC day (YYYY-MM-DD). [default: today]")
    ] = None,
    channel: Annotated[str | None, typer.Option(help="Only this channel (whatsapp).")] = None,
    campaign: Annotated[
        str | None, typer.Option(help="Only this campaign run (its id): conversations and run.")
    ] = None,
    window_hours: Annotated[int, typer.Option(help="Seen-but-unanswered window, in hours.")] = 24,
) -> None:
    """Conversation metrics per day (messages, responses, response times, handoffs, orders,
    opt-outs), then the campaign runs' survey figures (sent, answered, completed, opted out,
    recovered)."""
    first, last = _day(start, "from"), _day(end, "to")
    container = _opened()
    clock = container.clock()
    today: date = clock.now().date()
    try:
        query = period_query(first, last, today, channel, campaign, window_hours)
        report = conversation_metrics(query, uow_factory(container)(), clock, _actor())
        runs = campaign_metrics(query, uow_factory(container)(), clock, _actor())
    except PerlaError as error:
        raise _fail(f"[red]{error.code}[/] {error}") from None
    console.print(metrics_table(report))
    console.print(campaigns_table(runs))
