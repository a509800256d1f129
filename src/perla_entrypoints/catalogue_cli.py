"""``perla catalog``: import a catalogue file, show a product, rebuild the search index.

``perla catalog import FILE`` reads a CSV or JSON file (Spanish or English headers, see
:mod:`perla_core.catalogue.files`), stores its products, prices and stock in batches with a
progress bar, and reports the rows it refused; ``perla catalog show SKU`` prints a product
with its current price in ARS and USD and its stock per warehouse; ``perla catalog reindex``
rebuilds the search index from the catalogue and the FAQ pages.
"""

from __future__ import annotations

import time
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Final

import attrs
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from perla_adapters.markdown_pages import read_markdown_folder
from perla_core.answers.catalogue import catalogue_documents
from perla_core.catalogue import services
from perla_core.catalogue.files import CatalogueRows, read_catalogue
from perla_core.catalogue.imports import CatalogueImport, import_catalogue
from perla_core.catalogue.model import Attributes, ExchangeRate
from perla_core.kernel.errors import PerlaError
from perla_core.kernel.text import decode_file
from perla_core.search.documents import chunk_pages
from perla_entrypoints.container import settings_of, uow_factory
from perla_entrypoints.hotels_cli import FileFormat, _actor, _opened

if TYPE_CHECKING:
    from perla_entrypoints.container import Container

catalog_app = typer.Typer(
    help="The product catalogue: import a file, show a product, rebuild the search index.",
    no_args_is_help=True,
)

console = Console()
err = Console(stderr=True)

SHOWN_REJECTED: Final = 20


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(message)
    return typer.Exit(code)


def exchange_rate(container: Container) -> ExchangeRate:
    """The configured USD→ARS rate (``PERLA_USD_ARS_RATE``), as of today."""
    return ExchangeRate.parse(settings_of(container).usd_ars_rate, container.clock().now().date())


def _read(file: Path, file_format: FileFormat | None) -> CatalogueRows:
    if not file.is_file():
        raise _fail(f"[red]cannot import[/] {file}: no such file")
    try:
        text = decode_file(file.read_bytes())
    except OSError as error:
        raise _fail(f"[red]cannot import[/] {file}: {error.strerror or error}") from None
    try:
        return read_catalogue(
            text, file.name, file_format=None if file_format is None else file_format.value
        )
    except PerlaError as error:
        raise _fail(f"[red]cannot import[/] {file.name}: {error}") from None


@catalog_app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help="A CSV or JSON file of products.")],
    file_format: Annotated[
        FileFormat | None,
        typer.Option("--format", help="Read the file as this. [default: from its name and start]"),
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Rows stored at a time.")] = 500,
) -> None:
    """Import a catalogue file (CSV or JSON): products, list prices and stock per warehouse.

    A bad row is reported with its line and every invalid field, and skipped; importing the
    same file again changes nothing. Exits 1 when the file cannot be read.
    """
    rows = _read(file, file_format)
    container = _opened()
    began = time.monotonic()
    run = CatalogueImport()
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
            import_catalogue(
                rows,
                uow_factory(container),
                clock=container.clock(),
                ids=container.ids(),
                actor=_actor(),
                batch_size=batch_size,
                progress=lambda read: bar.update(task, completed=read),
                report=run,
            )
        except Exception as error:  # noqa: BLE001 - reported below, without a traceback
            failure = error
    _print_summary(file.name, run, rows, time.monotonic() - began)
    if failure is not None:
        raise _fail(f"[red]import failed[/] after {run.rows_read} rows: {failure}")


def _print_summary(name: str, run: CatalogueImport, rows: CatalogueRows, seconds: float) -> None:
    console.print(f"[bold]{name}[/] imported in {seconds:.1f} s")
    console.print(
        f"{run.rows_read} rows read: {run.created} products created, {run.updated} updated, "
        f"{run.unchanged} unchanged, {run.rows_rejected} rejected "
        f"({run.prices_set} prices and {run.stock_set} stock quantities set)"
    )
    if rows.ignored:
        console.print(f"[dim]ignored columns: {', '.join(rows.ignored)}[/]")
    if run.rejected:
        shown = run.rejected[:SHOWN_REJECTED]
        table = Table(title=f"Rejected rows ({len(shown)} of {run.rows_rejected})")
        table.add_column("line", justify="right")
        table.add_column("sku")
        table.add_column("problems")
        for row in shown:
            problems = "; ".join(f"{field}: {message}" for field, message in row.errors)
            table.add_row(str(row.line), row.sku or "", problems)
        console.print(table)


@catalog_app.command("show")
def show(sku: Annotated[str, typer.Argument(help="The product's SKU.")]) -> None:
    """Show a product: its specs, current price (ARS, USD, ARS with VAT) and stock."""
    container = _opened()
    try:
        view = services.get_product(
            sku, uow_factory(container)(), container.clock(), exchange_rate(container), _actor()
        )
    except PerlaError as error:
        raise _fail(f"[red]{error.code}[/] {error}") from None
    p = view.product
    console.print(f"[bold]{p.sku}[/] {p.brand} {p.model} ({p.category.value})")
    if p.description:
        console.print(p.description)
    specs = ", ".join(
        f"{name}={value.value if hasattr(value, 'value') else value}"
        for name, value in sorted(vars_of(p.attributes).items())
    )
    if specs:
        console.print(f"[dim]{specs}[/]")
    if view.price is None:
        console.print("[yellow]no current price[/]")
    else:
        until = (
            "" if view.price.valid_until is None else f" until {view.price.valid_until:%Y-%m-%d}"
        )
        console.print(
            f"price: {view.price.amount} = {view.price_ars} / {view.price_usd} "
            f"({view.price_ars_with_vat} with {p.vat_rate}% VAT){until}"
        )
    stock = ", ".join(f"{w}: {q}" for w, q in sorted(p.stock.items())) or "none"
    console.print(f"stock: {view.total_stock} ({stock})")


def vars_of(attributes: Attributes) -> dict[str, object]:
    """The attributes that are set."""
    return {k: v for k, v in attrs.asdict(attributes, recurse=False).items() if v is not None}


def faq_folder() -> Path:
    """The FAQ and policy pages packaged with perla (shipping, warranty, payment)."""
    return Path(str(resources.files("perla_entrypoints") / "data" / "faq"))


def rebuild_search_index(container: Container, faq: Path | None = None) -> tuple[int, int]:
    """Empty the search index and fill it again from the catalogue and the FAQ pages;
    returns how many products and FAQ chunks were indexed."""
    index = container.search_index()
    products = list(
        catalogue_documents(uow_factory(container), container.clock(), container.exchange_rate())
    )
    chunks = chunk_pages(read_markdown_folder(faq or faq_folder()))
    index.clear()
    index.upsert_many([*products, *chunks])
    return len(products), len(chunks)


@catalog_app.command("reindex")
def reindex(
    faq: Annotated[
        Path | None,
        typer.Option(help="A folder of Markdown FAQ pages. [default: the pages shipped]"),
    ] = None,
) -> None:
    """Rebuild the search index: every product of the catalogue and the FAQ pages."""
    if faq is not None and not faq.is_dir():
        raise _fail(f"[red]cannot reindex[/] {faq}: no such folder")
    container = _opened()
    began = time.monotonic()
    products, chunks = rebuild_search_index(container, faq)
    console.print(
        f"search index rebuilt in {time.monotonic() - began:.1f} s: {products} products, "
        f"{chunks} FAQ chunks"
    )
