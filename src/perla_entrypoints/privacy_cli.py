"""``perla privacy``: a person's data on request, and the retention of raw WhatsApp messages.

``perla privacy export --email ...`` prints (or writes, ``--output``) one JSON document of
everything perla holds about the person; ``perla privacy erase --phone ... --yes`` erases what
the law lets perla erase and prints what it kept and why; ``perla privacy retention`` blanks
the raw messages older than ``PERLA_RAW_MESSAGE_RETENTION_DAYS`` now (the scheduler does it
once a day). The person is one of ``--email``, ``--phone`` or ``--tax-id`` with ``--country``.
See ``docs/privacy.md``.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Final

import typer
from rich.console import Console

from perla_core.kernel.errors import PerlaError
from perla_core.privacy.identifiers import PersonIdentifier, parse_identifier
from perla_core.privacy.ports import privacy_work
from perla_core.privacy.services import (
    RetentionReport,
    blank_raw_messages,
    erase_personal_data,
    export_personal_data,
)
from perla_entrypoints.container import Container, settings_of
from perla_entrypoints.hotels_cli import _actor, _opened

RETENTION_EVERY: Final = timedelta(days=1)
"""How often the scheduler blanks the raw messages past their retention."""

privacy_app = typer.Typer(
    help="A person's data: export, erase; raw-message retention.", no_args_is_help=True
)
console = Console()
err = Console(stderr=True)

Email = Annotated[str | None, typer.Option(help="The person's e-mail address.")]
PhoneOpt = Annotated[str | None, typer.Option("--phone", help="Phone/WhatsApp, +<country> ...")]
TaxIdOpt = Annotated[str | None, typer.Option("--tax-id", help="NIF/NIE, CUIT ...")]
Country = Annotated[str | None, typer.Option(help="The tax id's country (ES, AR ...).")]


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(message)
    return typer.Exit(code)


def _who(
    email: str | None, phone: str | None, tax_id: str | None, country: str | None
) -> PersonIdentifier:
    try:
        return parse_identifier(email=email, phone=phone, tax_id=tax_id, country=country)
    except PerlaError as error:
        raise _fail(f"[red]{error.code}[/] {error}", 2) from None


def _print(document: dict[str, Any], output: Path | None) -> None:
    text = json.dumps(document, ensure_ascii=False, indent=2)
    if output is None:
        typer.echo(text)
        return
    output.write_text(text + "\n", encoding="utf-8")
    err.print(f"written to {output}")


@privacy_app.command("export")
def export(
    email: Email = None,
    phone: PhoneOpt = None,
    tax_id: TaxIdOpt = None,
    country: Country = None,
    output: Annotated[
        Path | None, typer.Option(help="Write the JSON document here instead of stdout.")
    ] = None,
) -> None:
    """Everything perla holds about one person, as one JSON document."""
    who = _who(email, phone, tax_id, country)
    container = _opened()
    try:
        found = export_personal_data(
            who, privacy_work(container.uow()), container.clock(), container.ids(), _actor()
        )
    except PerlaError as error:
        raise _fail(f"[red]{error.code}[/] {error}") from None
    _print(found.to_json(), output)


@privacy_app.command("erase")
def erase(
    email: Email = None,
    phone: PhoneOpt = None,
    tax_id: TaxIdOpt = None,
    country: Country = None,
    yes: Annotated[bool, typer.Option("--yes", help="Erase (it cannot be undone).")] = False,
) -> None:
    """Erase what the law lets perla erase about one person; keep (and say) what invoices
    require."""
    who = _who(email, phone, tax_id, country)
    if not yes:
        raise _fail("[red]refused[/] erasure cannot be undone: run it again with --yes", 2)
    container = _opened()
    try:
        result = erase_personal_data(
            who, privacy_work(container.uow()), container.clock(), container.ids(), _actor()
        )
    except PerlaError as error:
        raise _fail(f"[red]{error.code}[/] {error}") from None
    _print(result.to_json(), None)


def apply_retention(container: Container, days: int | None = None) -> RetentionReport:
    """Blank the raw messages older than ``days`` (default: the retention setting)."""
    settings = settings_of(container)
    keep = settings.raw_message_retention_days if days is None else days
    return blank_raw_messages(
        privacy_work(container.uow()), container.clock(), container.ids(), keep
    )


@privacy_app.command("retention")
def retention(
    days: Annotated[
        int | None,
        typer.Option(help="Days to keep (default: PERLA_RAW_MESSAGE_RETENTION_DAYS; 0 keeps)."),
    ] = None,
) -> None:
    """Blank now the raw WhatsApp messages past their retention."""
    container = _opened()
    try:
        report = apply_retention(container, days)
    except PerlaError as error:
        raise _fail(f"[red]{error.code}[/] {error}", 2) from None
    if report.before is None:
        console.print("retention is off (0 days): nothing blanked")
        return
    console.print(
        f"blanked before {report.before:%Y-%m-%d %H:%M} UTC: "
        f"{report.received_events} webhook event(s), {report.messages} message(s)"
    )
