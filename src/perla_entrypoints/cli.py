"""The ``perla`` command line."""

from __future__ import annotations

import signal
import sys
import threading
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from perla_core.access.model import parse_role
from perla_core.access.services import create_api_key
from perla_core.kernel.errors import PerlaError
from perla_entrypoints.assistant_cli import assistant as assistant_command
from perla_entrypoints.campaigns_cli import campaign_app
from perla_entrypoints.catalogue_cli import catalog_app
from perla_entrypoints.container import Container, build_container, settings_of
from perla_entrypoints.financing_cli import financing_app
from perla_entrypoints.flow_cli import flow_app
from perla_entrypoints.hotels_cli import hotels_app
from perla_entrypoints.inquiries_cli import inquiries_app
from perla_entrypoints.logging import configure_logging
from perla_entrypoints.metrics_cli import metrics as metrics_command
from perla_entrypoints.orders_cli import orders_app
from perla_entrypoints.privacy_cli import privacy_app

app = typer.Typer(
    name="perla",
    help="perla: PerlaHub onboarding and MICROCOM sales operations.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
apikey_app = typer.Typer(help="API keys for the HTTP API.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(apikey_app, name="apikey")
app.add_typer(hotels_app, name="hotels")
app.add_typer(inquiries_app, name="inquiries")
app.add_typer(flow_app, name="flow")
app.add_typer(catalog_app, name="catalog")
app.add_typer(orders_app, name="orders")
app.add_typer(financing_app, name="financing")
app.add_typer(campaign_app, name="campaign")
app.add_typer(privacy_app, name="privacy")
app.command("metrics")(metrics_command)
app.command("assistant")(assistant_command)

console = Console()
err = Console(stderr=True)


def package_version() -> str:
    """The installed perla's version, from the package metadata."""
    try:
        return metadata.version("perla")
    except metadata.PackageNotFoundError:
        return "unknown (not installed as a package)"


def _print_version(value: bool) -> None:
    if value:
        sys.stdout.write(f"perla {package_version()}\n")
        raise typer.Exit


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print perla's version and exit.",
            callback=_print_version,
            is_eager=True,
        ),
    ] = False,
) -> None:
    """perla: PerlaHub onboarding and MICROCOM sales operations."""


def _container() -> Container:
    try:
        container = build_container()
    except PerlaError as exc:
        err.print(f"[red]configuration error[/] {exc}")
        raise typer.Exit(2) from None
    settings = settings_of(container)
    configure_logging(settings.log_level, settings.log_format)
    return container


def _open(container: Container) -> None:
    """Make sure the embedded SQLite database exists and is at the latest schema."""
    if settings_of(container).effective_database_url.startswith("sqlite"):
        container.storage().migrate()


def _need_redis(container: Container, what: str) -> None:
    if settings_of(container).redis_url is None:
        err.print(
            f"[red]{what} needs a shared broker:[/] set PERLA_REDIS_URL (e.g. "
            "redis://127.0.0.1:6379/0). Without it, `perla serve` runs the workers and the "
            "scheduler inside its own process."
        )
        raise typer.Exit(2)


def _wait_for_signal() -> None:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (PERLA_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (PERLA_PORT).")] = None,
) -> None:
    """Serve the HTTP API. On embedded defaults it also runs the workers and the scheduler."""
    container = _container()
    settings = settings_of(container)
    try:
        import uvicorn  # noqa: PLC0415

        from perla_entrypoints.http import create_app  # noqa: PLC0415
    except ImportError:
        err.print("[red]the HTTP server is an extra:[/] pip install 'perla[server]'")
        raise typer.Exit(2) from None
    _open(container)
    if settings.redis_url is None:
        from perla_entrypoints.scheduler import start_scheduler_thread  # noqa: PLC0415
        from perla_entrypoints.workers import start_worker  # noqa: PLC0415

        start_worker(container)
        start_scheduler_thread(container)
        console.print("[dim]in-process broker: workers and scheduler run inside this process[/]")
    uvicorn.run(
        create_app(container),
        host=host or settings.host,
        port=port or settings.port,
        log_level=settings.log_level.lower(),
    )


@app.command()
def worker(
    threads: Annotated[
        int | None, typer.Option(help="Worker threads (PERLA_WORKER_THREADS).")
    ] = None,
) -> None:
    """Run Dramatiq workers for perla's actors until SIGINT/SIGTERM."""
    container = _container()
    _need_redis(container, "perla worker")
    _open(container)
    from perla_entrypoints.workers import start_worker  # noqa: PLC0415

    running = start_worker(container, threads)
    console.print(f"worker running with {running.worker_threads} threads; Ctrl-C to stop")
    _wait_for_signal()
    running.stop()


@app.command()
def scheduler() -> None:
    """Enqueue due work (the outbox relay, later reminders and campaigns) on every tick."""
    container = _container()
    _need_redis(container, "perla scheduler")
    _open(container)
    from perla_entrypoints.scheduler import run_scheduler  # noqa: PLC0415

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    run_scheduler(container, stop)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema to the latest migration."""
    container = _container()
    container.storage().migrate()
    console.print(f"database at the latest schema: {_safe_url(container)}")


@apikey_app.command("create")
def apikey_create(
    role: Annotated[str, typer.Option(help="admin, agent or readonly.")],
    name: Annotated[str | None, typer.Option(help="Who or what the key is for.")] = None,
) -> None:
    """Create an API key; the key is printed once, alone on the last line."""
    container = _container()
    try:
        parsed = parse_role(role)
        _open(container)
        issued = create_api_key(
            name or f"{parsed.value} key {datetime.now(UTC):%Y-%m-%d %H:%M}",
            parsed,
            container.uow(),
            container.clock(),
            container.ids(),
            container.secrets(),
        )
    except PerlaError as exc:
        err.print(f"[red]{exc.code}[/] {exc}")
        raise typer.Exit(2) from None
    err.print(
        f"created {issued.role.value} key {issued.name!r} ({issued.id}); "
        "store it now, it is not shown again:"
    )
    sys.stdout.write(issued.key + "\n")


@app.command()
def demo(
    data_dir: Annotated[
        Path | None,
        typer.Option(
            help="Where to create the demo's data "
            "folder (default: a new folder under "
            "PERLA_DATA_DIR)."
        ),
    ] = None,
) -> None:
    """Run the demo on embedded defaults: fresh data, a lead taken to client, a summary."""
    from perla_entrypoints.demo import run_demo  # noqa: PLC0415
    from perla_entrypoints.settings import Settings  # noqa: PLC0415

    configure_logging("WARNING")
    base = Settings.from_env().data_dir
    target = data_dir or base / "demo" / datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
    try:
        run_demo(target, console)
    except PerlaError as exc:
        err.print(f"[red]demo failed[/] {exc.code}: {exc}")
        raise typer.Exit(1) from None


@app.command()
def simulate(
    system: Annotated[str, typer.Argument(help="dome, perlahub or zenvia")],
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[
        int | None, typer.Option(help="Port (default: 8101 dome, 8102 perlahub, 8103 zenvia).")
    ] = None,
    api_key: Annotated[
        str, typer.Option(help="The key clients must present.", envvar="PERLA_SIMULATOR_API_KEY")
    ] = "simulator-key",
) -> None:
    """Run a local simulator of Dome, PerlaHub or Zenvia speaking the documented contract."""
    if system not in ("dome", "perlahub", "zenvia"):
        err.print(f"[red]unknown system[/] {system!r}: choose dome, perlahub or zenvia")
        raise typer.Exit(2)
    try:
        from perla_adapters.simulators import serve_simulator  # noqa: PLC0415
    except ImportError:
        err.print("[red]the simulators need the server extra:[/] pip install 'perla[server]'")
        raise typer.Exit(2) from None
    shown = port or {"dome": 8101, "perlahub": 8102, "zenvia": 8103}[system]
    console.print(f"{system} simulator on http://{host}:{shown} (Ctrl-C to stop)")
    serve_simulator(system, host, port, api_key=api_key, log_level="warning")


@app.command()
def config() -> None:
    """Show the settings in force (passwords masked)."""
    container = _container()
    for key, value in settings_of(container).redacted().items():
        console.print(f"PERLA_{key.upper()} = {value}")


def _safe_url(container: Container) -> str:
    from perla_entrypoints.settings import _redact  # noqa: PLC0415

    return _redact(settings_of(container).effective_database_url)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
