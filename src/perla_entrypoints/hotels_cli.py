"""``perla hotels``: import suppliers' hotel files into the directory, and find a hotel in it.

``perla hotels import FILE`` reads a CSV or JSON file (any usual layout, see
:mod:`perla_core.hotels.files`), stores its hotels, and reports what it refused and the likely
duplicates it found; ``perla hotels match TEXT`` finds a hotel from a one-line description or
separate fields. Both use the directory and the import log the container gives.
"""

from __future__ import annotations

import getpass
import json
import time
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Final

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from perla_core.access.model import Actor, Role
from perla_core.hotels.files import RowReader, country_of, read_rows
from perla_core.hotels.imports import (
    HotelImport,
    ImportStatus,
    default_source,
    free_text_fields,
    import_hotels,
    known_city,
)
from perla_core.hotels.matching import MatchResult
from perla_core.hotels.model import HotelQuery
from perla_core.kernel.errors import PerlaError
from perla_core.kernel.text import decode_file

if TYPE_CHECKING:
    from perla_entrypoints.container import Container

hotels_app = typer.Typer(
    help="The hotel directory: import suppliers' files, find a hotel.", no_args_is_help=True
)

console = Console()
err = Console(stderr=True)

SHOWN_REJECTED: Final = 20
SHOWN_DUPLICATES: Final = 10


class FileFormat(StrEnum):
    CSV = "csv"
    JSON = "json"


def _actor() -> Actor:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        user = "unknown"
    return Actor(f"cli:{user}", Role.ADMIN, channel="cli")


def _opened() -> Container:
    from perla_entrypoints.cli import _container, _open  # noqa: PLC0415 - cli imports this module

    container = _container()
    _open(container)
    return container


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(message)
    return typer.Exit(code)


# --- import -------------------------------------------------------------------------------


def _read(file: Path, file_format: FileFormat | None) -> RowReader:
    if not file.is_file():
        raise _fail(f"[red]cannot import[/] {file}: no such file")
    try:
        data = file.read_bytes()
    except OSError as error:
        raise _fail(f"[red]cannot import[/] {file}: {error.strerror or error}") from None
    text = decode_file(data)
    try:
        rows = read_rows(
            text, file.name, file_format=None if file_format is None else file_format.value
        )
    except PerlaError as error:
        raise _fail(f"[red]cannot import[/] {file.name}: {error}") from None
    if rows.total is None:
        rows.total = max(text.count("\n") - 1, 0) or None  # a CSV's lines: near enough
    return rows


@hotels_app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help="A CSV or JSON file of hotels.")],
    source: Annotated[
        str | None,
        typer.Option(
            help='Whose data it is; refs are "<source>:<row ref>". [default: import:<file name>]'
        ),
    ] = None,
    file_format: Annotated[
        FileFormat | None,
        typer.Option("--format", help="Read the file as this. [default: from its name and start]"),
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Rows stored at a time.")] = 2000,
    report: Annotated[
        Path | None, typer.Option(help="Write the whole run (every rejected row ...) as JSON.")
    ] = None,
    no_dedup: Annotated[
        bool, typer.Option("--no-dedup", help="Skip the pass looking for likely duplicates.")
    ] = False,
    country: Annotated[
        str | None, typer.Option(help="The country (ISO code or name) of rows naming none.")
    ] = None,
) -> None:
    """Import a supplier's CSV or JSON file of hotels into the directory.

    Columns are recognised by their usual names in English, Spanish, French, Portuguese,
    Italian and German; a bad row is reported and skipped; importing the same file again
    replaces its hotels. Exits 1 when the file cannot be read.
    """
    default_country = None
    if country is not None:
        default_country = country_of(country)
        if default_country is None:
            raise _fail(f"[red]invalid_value[/] country: {country!r} is not a country", 2)
    rows = _read(file, file_format)
    container = _opened()
    actor = _actor()
    clock = container.clock()
    run = HotelImport(
        id=container.ids().new_id(),
        source=source or default_source(file.name),
        file_name=file.name,
        started_at=clock.now(),
        started_by=actor.name,
    )
    began = time.monotonic()
    bar = Progress(
        TextColumn("importing {task.fields[name]}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )
    failure: Exception | None = None
    with bar:
        task = bar.add_task("rows", total=rows.total, name=file.name)
        try:
            import_hotels(
                rows,
                container.hotel_directory(),
                container.hotel_import_log(),
                clock=clock,
                ids=container.ids(),
                source=run.source,
                file_name=file.name,
                actor=actor.name,
                batch_size=batch_size,
                progress=lambda read: bar.update(task, completed=read),
                find_duplicates=not no_dedup,
                default_country=default_country,
                run=run,
            )
        except Exception as error:  # noqa: BLE001 - the run records it; shown below, no traceback
            failure = error
    _print_summary(run, rows, time.monotonic() - began, dedup=not no_dedup)
    if report is not None:
        _write_report(report, run, rows)
    if failure is not None or run.status is ImportStatus.FAILED:
        raise _fail(f"[red]import failed[/] after {run.rows_read} rows: {run.error or failure}")


def _print_summary(run: HotelImport, rows: RowReader, seconds: float, *, dedup: bool) -> None:
    console.print(
        f"[bold]{run.file_name}[/] imported as [bold]{run.source}[/] in {seconds:.1f} s "
        f"({run.status.value})"
    )
    duplicates = f", {run.duplicates_found} likely duplicates" if dedup else ""
    console.print(
        f"{run.rows_read} rows read, {run.rows_stored} stored, "
        f"{run.rows_rejected} rejected{duplicates}"
    )
    if rows.columns:
        used = ", ".join(f"{column} → {field}" for column, field in rows.columns.items())
        console.print(f"[dim]columns: {used}[/]")
    if rows.ignored:
        console.print(f"[dim]ignored columns: {', '.join(rows.ignored)}[/]")
    if run.rejected:
        shown = run.rejected[:SHOWN_REJECTED]
        table = Table(title=f"Rejected rows ({len(shown)} of {run.rows_rejected})")
        table.add_column("line", justify="right")
        table.add_column("ref")
        table.add_column("problem")
        for row in shown:
            problems = "\n".join(f"{field}: {message}" for field, message in row.errors)
            table.add_row(str(row.line), row.ref or "", problems)
        console.print(table)
    if run.duplicates:
        shown_pairs = run.duplicates[:SHOWN_DUPLICATES]
        table = Table(title=f"Likely duplicates ({len(shown_pairs)} of {run.duplicates_found})")
        table.add_column("ref")
        table.add_column("other ref")
        table.add_column("score", justify="right")
        table.add_column("reasons")
        for pair in shown_pairs:
            table.add_row(pair.ref, pair.other_ref, f"{pair.score:.0f}", "; ".join(pair.reasons))
        console.print(table)


def report_of(run: HotelImport, rows: RowReader | None = None) -> dict[str, Any]:
    """An import run as JSON-ready primitives (with the file's column mapping when given)."""
    document: dict[str, Any] = {
        "id": str(run.id),
        "source": run.source,
        "file_name": run.file_name,
        "status": run.status.value,
        "started_at": run.started_at.isoformat(),
        "started_by": run.started_by,
        "finished_at": None if run.finished_at is None else run.finished_at.isoformat(),
        "rows_read": run.rows_read,
        "rows_stored": run.rows_stored,
        "rows_rejected": run.rows_rejected,
        "rejected": [
            {
                "line": row.line,
                "ref": row.ref,
                "errors": [{"field": f, "message": m} for f, m in row.errors],
            }
            for row in run.rejected
        ],
        "duplicates_found": run.duplicates_found,
        "duplicates": [
            {
                "ref": pair.ref,
                "other_ref": pair.other_ref,
                "score": pair.score,
                "reasons": list(pair.reasons),
            }
            for pair in run.duplicates
        ],
        "error": run.error,
    }
    if rows is not None:
        document["format"] = rows.format
        document["columns"] = dict(rows.columns)
        document["ignored_columns"] = list(rows.ignored)
    return document


def _write_report(path: Path, run: HotelImport, rows: RowReader) -> None:
    try:
        path.write_text(json.dumps(report_of(run, rows), ensure_ascii=False, indent=2) + "\n")
    except OSError as error:
        err.print(f"[yellow]could not write the report[/] {path}: {error.strerror or error}")
    else:
        console.print(f"[dim]report written to {path}[/]")


# --- match --------------------------------------------------------------------------------


@hotels_app.command("match")
def match(
    text: Annotated[
        str | None,
        typer.Argument(
            help='A one-line description: "NH Collection Sevilla, Sevilla", '
            '"hotel inglaterra sevilla", "+34 954 22 71 30", "37.38,-5.99".'
        ),
    ] = None,
    city: Annotated[str | None, typer.Option(help="The hotel's city.")] = None,
    country: Annotated[str | None, typer.Option(help="ISO 3166-1 alpha-2 code (ES).")] = None,
    address: Annotated[str | None, typer.Option(help="Street and number.")] = None,
    phone: Annotated[str | None, typer.Option(help="Any format; national with --country.")] = None,
    lat: Annotated[float | None, typer.Option(help="Latitude, WGS 84 degrees.")] = None,
    lon: Annotated[float | None, typer.Option(help="Longitude, WGS 84 degrees.")] = None,
    chain: Annotated[str | None, typer.Option(help="The hotel's chain.")] = None,
    limit: Annotated[int, typer.Option(help="Candidates shown (1 to 20).")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Find a hotel in the directory: the outcome (confident, needs_review or new_hotel), why,
    and the best candidates with their scores and reasons. Options refine the text."""
    fields = {
        "city": city,
        "country": country,
        "address": address,
        "phone": phone,
        "latitude": lat,
        "longitude": lon,
        "chain": chain,
    }
    if text is None and all(value is None for value in fields.values()):
        raise _fail("[red]describe the hotel:[/] give a TEXT or at least one option (--help)", 2)
    from perla_core.hotels import services  # noqa: PLC0415 - the matcher loads when a match runs

    container = _opened()
    directory = container.hotel_directory()
    given = {k: v for k, v in fields.items() if v is not None}
    try:
        described = (
            {}
            if text is None
            else free_text_fields(
                text, is_known_city=known_city(directory), default_country=country
            )
        )
        query = HotelQuery.parse(**{**described, **given})
        result = services.match_hotel(query, directory, _actor(), limit=limit)
    except PerlaError as error:
        raise _fail(f"[red]{error.code}[/] {error}", 2) from None
    if as_json:
        typer.echo(json.dumps(_match_json(result), ensure_ascii=False, indent=2))
        return
    _print_match(result)


def _match_json(result: MatchResult) -> dict[str, Any]:
    return {
        "outcome": result.outcome.value,
        "explanation": result.explanation,
        "scored": result.scored,
        "candidates": [
            {
                "ref": c.ref,
                "score": c.score,
                "reasons": list(c.reasons),
                "name": c.record.name,
                "address": c.record.address,
                "city": c.record.city,
                "country": c.record.country,
                "phone": None if c.record.phone is None else c.record.phone.e164,
                "source": c.record.source,
            }
            for c in result.candidates
        ],
    }


_OUTCOME_STYLES: Final = {"confident": "green", "needs_review": "yellow", "new_hotel": "cyan"}


def _print_match(result: MatchResult) -> None:
    style = _OUTCOME_STYLES.get(result.outcome.value, "bold")
    console.print(f"[{style}]{result.outcome.value}[/]: {result.explanation}")
    if not result.candidates:
        console.print(f"[dim]no candidates ({result.scored} records scored)[/]")
        return
    table = Table(title=f"Candidates ({result.scored} records scored)")
    table.add_column("ref")
    table.add_column("name")
    table.add_column("city")
    table.add_column("score", justify="right")
    table.add_column("reasons")
    for candidate in result.candidates:
        record = candidate.record
        table.add_row(
            candidate.ref,
            record.name,
            record.city or "",
            f"{candidate.score:.0f}",
            "\n".join(candidate.reasons),
        )
    console.print(table)


# --- Dome -------------------------------------------------------------------------------------


@hotels_app.command("sync-dome")
def sync_dome(
    full: Annotated[
        bool, typer.Option("--full", help="Read every hotel supplier, not only the changed ones")
    ] = False,
) -> None:
    """File Dome's hotel suppliers in the directory (those changed since the last sync)."""
    from perla_core.hotels.services import sync_hotels_from_dome  # noqa: PLC0415

    container = _opened()
    try:
        run = sync_hotels_from_dome(
            container.dome(),
            container.hotel_directory(),
            container.hotel_import_log(),
            clock=container.clock(),
            ids=container.ids(),
            actor=_actor(),
            full=full,
        )
    except PerlaError as error:
        raise _fail(f"cannot sync with Dome: {error}") from None
    console.print(
        f"Dome: {run.rows_read} hotel suppliers read, {run.rows_stored} filed in the directory, "
        f"{run.rows_rejected} skipped"
    )
    for row in run.rejected[:SHOWN_REJECTED]:
        problems = "; ".join(f"{field}: {message}" for field, message in row.errors)
        console.print(f"  skipped {row.ref}: {problems}")
