"""A mixed workload on a production server, against a bare Litestar baseline.

``python -m bench load`` (``PERLA_LOAD_SECONDS``, default 60; ``PERLA_LOAD_CONNECTIONS``,
default 16; ``PERLA_BENCH_POSTGRES``; ``PERLA_LOAD_REDIS``, default Redis db 15):

1. a fresh PostgreSQL database (random name, dropped at the end) and Redis db 15 (flushed
   before and after, nothing else touched), migrated; seeded with
   :data:`CLIENTS` live clients (``INSERT ... SELECT generate_series``), a catalogue of
   :data:`PRODUCTS` products (``bench.catalogue_data`` through perla's import) and an agent's
   API key; the Zenvia double (``bench.campaign_sending.zenvia_double``) in a process of its
   own, perla's messenger pointed at it;
2. perla as an operator runs it: ``uvicorn --workers 2 --factory bench.load:perla_app`` (the
   app ``perla serve`` builds, from ``PERLA_*``), one ``perla worker`` and one ``perla
   scheduler`` (Dramatiq on Redis), each a process of its own;
3. the bare app (``bench.load_baseline``) served the same way on the same database, at the
   same time (idle while perla is loaded, and the other way round);
4. the load generator (``bench.load_client``, asyncio + httpx, a process of its own on
   loopback) runs the mix in :data:`ROUNDS` interleaved rounds, perla then the bare app, each
   a third of the set time (so a drift of the machine's load hits both alike): Zenvia webhooks
   (inbound WhatsApp messages, each a bot turn in the workers whose reply goes out through
   the outbox to the double), API reads (a client, a page of clients, a page of the
   catalogue) and writes (register a lead, edit its details);
5. after each perla round the workers finish its backlog before the bare app is loaded; the
   count check: the double must hold exactly one bot reply per accepted webhook.

Figures: requests/s, p50/p99 and errors of the whole mix and of the API part (reads and
writes), perla against the bare app (goal for the API's requests/s: at least 0.5x), and the
bot replies sent. Everything runs on this machine: the client, both servers, the workers,
PostgreSQL and Redis share its CPUs; the client's own CPU use is in the notes (near 100 %: the
client, not the server, set the pace). The webhooks' rate limits and the API's are raised
far above the load (a single client and key on loopback), so they are checked on every
request but never refuse one.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Final

import attrs
import cattrs
import httpx
import psycopg
import redis
from litestar import Litestar

from bench.campaign_sending import TOKEN, ZenviaDouble, seed_dormant_clients, zenvia_double
from bench.catalogue_data import generate, to_csv
from bench.harness import Figure
from bench.load_client import Plan, Result, quantile, read_result
from bench.postgres import scratch_database
from perla_core.access.model import SYSTEM, Role
from perla_core.access.services import create_api_key
from perla_core.catalogue.files import read_catalogue
from perla_core.catalogue.imports import import_catalogue
from perla_entrypoints.catalogue_cli import rebuild_search_index
from perla_entrypoints.container import build_container, settings_of, uow_factory
from perla_entrypoints.logging import configure_logging

ROOT: Final = Path(__file__).resolve().parent.parent
CLIENTS: Final = 2000
PRODUCTS: Final = 2000
WEBHOOK_SECRET: Final = "load-webhook-secret"  # noqa: S105 - a throw-away stage
REDIS_URL: Final = os.environ.get("PERLA_LOAD_REDIS", "redis://127.0.0.1:6379/15")
STARTUP_SECONDS: Final = 180.0
"""Importing the app is slow on a busy machine (two servers start side by side)."""
STALLED_SECONDS: Final = 60.0
"""After the load, the workers finish the backlog; waiting stops when nothing moved this long."""
UNLIMITED: Final = "100000000"
ROUNDS: Final = 3


def say(text: str) -> None:
    """Progress on stderr (the run takes minutes)."""
    print(f"load: {time.strftime('%H:%M:%S')} {text}", file=sys.stderr, flush=True)


def seconds() -> float:
    return float(os.environ.get("PERLA_LOAD_SECONDS", "60"))


def connections() -> int:
    return int(os.environ.get("PERLA_LOAD_CONNECTIONS", "16"))


def perla_app() -> Litestar:
    """The factory uvicorn's workers call: the app ``perla serve`` builds, from ``PERLA_*``."""
    from perla_entrypoints.http import create_app  # noqa: PLC0415 - only in the server

    container = build_container()
    settings = settings_of(container)
    configure_logging(settings.log_level, settings.log_format)
    return create_app(container)


# --- processes --------------------------------------------------------------------------------


@attrs.define
class Processes:
    """The processes this bench started, each logging to a file in ``logs``."""

    logs: Path
    running: dict[str, subprocess.Popen[bytes]] = attrs.field(factory=dict)

    def start(self, name: str, argv: list[str], env: Mapping[str, str]) -> None:
        with (self.logs / f"{name}.log").open("ab") as log:
            self.running[name] = subprocess.Popen(
                argv,
                env=dict(env),
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # uvicorn's workers are reached through the group
            )

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")

    def check_alive(self) -> None:
        for name, process in self.running.items():
            if process.poll() is not None:
                tail = self.log(name)[-3000:]
                raise RuntimeError(f"{name} exited ({process.returncode}):\n{tail}")

    def stop(self, name: str, grace: float = 15.0) -> None:
        """SIGTERM the process (uvicorn stops its workers), SIGKILL its group if it lingers."""
        process = self.running.pop(name)
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(grace)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)  # a worker left behind

    def stop_all(self) -> None:
        for name in list(self.running):
            self.stop(name)


@contextlib.contextmanager
def processes(logs: Path) -> Iterator[Processes]:
    started = Processes(logs)
    try:
        yield started
    finally:
        started.stop_all()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def uvicorn_argv(factory: str, port: int) -> list[str]:
    """The same production server for perla and the baseline: 2 worker processes."""
    return [
        sys.executable, "-m", "uvicorn", "--factory", factory, "--workers", "2",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip


def wait_for(url: str, started: Processes, *, headers: Mapping[str, str] | None = None) -> None:
    """Until ``url`` answers 200 a few times in a row (both server workers up)."""
    deadline = time.monotonic() + STARTUP_SECONDS
    streak = 0
    with httpx.Client(headers=dict(headers or {}), timeout=5) as http:
        while streak < 5:
            started.check_alive()
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer 200 in {STARTUP_SECONDS}s")
            try:
                streak = streak + 1 if http.get(url).status_code == 200 else 0
            except httpx.HTTPError:
                streak = 0
                time.sleep(0.1)


def wait_for_log(started: Processes, name: str, text: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while text not in started.log(name):
        started.check_alive()
        if time.monotonic() > deadline:
            raise RuntimeError(f"{name} did not say {text!r} in {STARTUP_SECONDS}s")
        time.sleep(0.1)


# --- the stage --------------------------------------------------------------------------------


@attrs.frozen
class Stage:
    """The seeded database, Redis, the Zenvia double and what the client needs."""

    database_url: str
    data_dir: Path
    double: ZenviaDouble
    api_key: str
    client_ids: list[str]

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PERLA_")}
        env.update(
            {
                "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
                "PERLA_DATABASE_URL": self.database_url,
                "PERLA_REDIS_URL": REDIS_URL,
                "PERLA_DATA_DIR": str(self.data_dir),
                "PERLA_ZENVIA_URL": f"{self.double.url}/v2",
                "PERLA_ZENVIA_API_TOKEN": TOKEN,
                "PERLA_ZENVIA_WEBHOOK_SECRET": WEBHOOK_SECRET,
                "PERLA_LOG_LEVEL": "WARNING",
                "PERLA_WORKER_THREADS": "8",
                "PERLA_OUTBOX_BATCH_SIZE": "1000",
                "PERLA_API_RATE_LIMIT": UNLIMITED,
                "PERLA_ZENVIA_WEBHOOK_RATE_LIMIT": UNLIMITED,
            }
        )
        return env

    def plan(self, base_url: str, *, perla: bool, tag: str) -> Plan:
        return Plan(
            base_url=base_url,
            seconds=seconds(),
            connections=connections(),
            client_ids=self.client_ids,
            clients_total=CLIENTS,
            products_total=PRODUCTS,
            api_key=self.api_key if perla else None,
            webhook_secret=WEBHOOK_SECRET if perla else None,
            run_tag=tag,
        )


@contextlib.contextmanager
def redis_db() -> Iterator[None]:
    """Redis db 15, empty before and after (``FLUSHDB`` touches only that database)."""
    client = redis.Redis.from_url(REDIS_URL)
    with client:
        client.flushdb()
        try:
            yield
        finally:
            client.flushdb()


def seed(database_url: str, data_dir: Path) -> tuple[str, list[str]]:
    """Migrate, then the clients, the catalogue (its search index rebuilt in bulk, the
    import's outbox messages marked done) and an agent's API key (returned, with the clients'
    ids)."""
    container = build_container(database_url=database_url, data_dir=data_dir)
    try:
        container.storage().migrate()
        seed_dormant_clients(database_url, CLIENTS)
        import_catalogue(
            read_catalogue(to_csv(generate(PRODUCTS, seed=11)), "load.csv"),
            uow_factory(container),
            clock=container.clock(),
            ids=container.ids(),
            actor=SYSTEM,
            batch_size=1000,
        )
        rebuild_search_index(container)  # in bulk, as ``perla catalog reindex``
        key = create_api_key(
            "load", Role.AGENT, container.uow(), container.clock(), container.ids(),
            container.secrets(),
        ).key  # fmt: skip
    finally:
        container.shutdown_resources()
    with psycopg.connect(database_url) as conn:
        # the import's events (one search-index update per product) are the reindex's work
        conn.execute("UPDATE outbox SET status = 'done'")
        conn.execute("ANALYZE")
        ids = [str(r[0]) for r in conn.execute("SELECT id FROM clients WHERE phase = 'client'")]
    return key, ids


@contextlib.contextmanager
def stage(logs: Path) -> Iterator[Stage]:
    with (
        scratch_database() as url,
        redis_db(),
        (logs / "zenvia.log").open("ab") as double_log,
        zenvia_double(double_log) as double,
    ):
        say(f"seeding {CLIENTS} clients, {PRODUCTS} products, an API key")
        key, client_ids = seed(url, logs / "data")
        yield Stage(url, logs / "data", double, key, client_ids)


# --- the runs ---------------------------------------------------------------------------------


def load(plan: Plan, started: Processes) -> Result:
    """Run the client process with ``plan``; its result."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.load_client"],
        input=json.dumps(cattrs.unstructure(plan)).encode(),
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=plan.seconds + plan.warmup_seconds + 120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the load client failed:\n{done.stderr.decode()[-3000:]}")
    started.check_alive()
    return read_result(done.stdout.decode())


@attrs.frozen
class Settled:
    """After the load: the replies the double holds and what perla left unfinished."""

    replies: int
    seconds: float
    unprocessed_events: int
    failed_events: int
    outbox_open: int
    outbox_failed: int
    open_topics: str = ""
    """The open outbox messages' topics (when some are left)."""


def _counts(database_url: str) -> tuple[int, int, int, int]:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            """
            SELECT (SELECT count(*) FROM received_events WHERE processed_at IS NULL),
                   (SELECT count(*) FROM received_events WHERE failure IS NOT NULL),
                   (SELECT count(*) FROM outbox WHERE status NOT IN ('done', 'failed')),
                   (SELECT count(*) FROM outbox WHERE status = 'failed')
            """
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2]), int(row[3])


def settle(stage: Stage, expected: int, started: Processes) -> Settled:
    """Wait until every event is handled, the outbox is empty and the double holds
    ``expected`` replies (or nothing moved for :data:`STALLED_SECONDS`); what it found."""
    began = moved = time.monotonic()
    last: tuple[int, ...] = ()
    while True:
        started.check_alive()
        unprocessed, failed, open_, outbox_failed = _counts(stage.database_url)
        replies = stage.double.received()
        idle = unprocessed == 0 and open_ == 0
        now = time.monotonic()
        if (unprocessed, open_, replies) != last:
            last, moved = (unprocessed, open_, replies), now
        if (idle and replies >= expected) or now - moved > STALLED_SECONDS:
            break
        time.sleep(0.5)
    if idle:
        time.sleep(1.0)  # a duplicate reply would show up now
        replies = stage.double.received()
    with psycopg.connect(stage.database_url) as conn:
        topics = ", ".join(
            f"{topic} {status} {n}"
            for topic, status, n in conn.execute(
                "SELECT topic, status, count(*) FROM outbox WHERE status NOT IN ('done', 'failed')"
                " GROUP BY topic, status ORDER BY 3 DESC LIMIT 5"
            )
        )
    seconds_ = time.monotonic() - began
    return Settled(replies, seconds_, unprocessed, failed, open_, outbox_failed, topics)


def start_all(stage: Stage, started: Processes) -> tuple[str, str]:
    """perla's server, worker and scheduler and the bare app, all started side by side, running
    and ready; the two servers' base URLs."""
    say("starting perla (uvicorn 2 workers, a worker, the scheduler) and the bare app")
    env, perla_port, bare_port = stage.env(), free_port(), free_port()
    started.start("perla-server", uvicorn_argv("bench.load:perla_app", perla_port), env)
    cli = [sys.executable, "-m", "perla_entrypoints.cli"]
    started.start("perla-worker", [*cli, "worker"], env)
    started.start("perla-scheduler", [*cli, "scheduler"], env)
    started.start("bare-server", uvicorn_argv("bench.load_baseline:create_app", bare_port), env)
    perla, bare = f"http://127.0.0.1:{perla_port}", f"http://127.0.0.1:{bare_port}"
    wait_for(f"{perla}/ready", started)
    wait_for_log(started, "perla-worker", "worker running")
    wait_for(f"{bare}/api/v1/clients?limit=1", started)
    return perla, bare


def run_rounds(stage: Stage, started: Processes) -> tuple[Result, Result, Settled]:
    """Both servers up; :data:`ROUNDS` rounds of perla then the bare app, each a share of the
    set time, so a drift of the machine's load hits both alike. After each perla round the
    workers finish its backlog before the bare app is loaded (they would take its CPUs)."""
    perla_url, bare_url = start_all(stage, started)
    share = seconds() / ROUNDS
    perla_runs: list[Result] = []
    bare_runs: list[Result] = []
    for n in range(1, ROUNDS + 1):
        say(f"round {n}/{ROUNDS}: loading perla for {share:g} s")
        plan = attrs.evolve(stage.plan(perla_url, perla=True, tag=f"p{n}"), seconds=share)
        perla_runs.append(load(plan, started))
        accepted = sum(r.webhooks_accepted for r in perla_runs)
        say(f"round {n}/{ROUNDS}: the workers' backlog ({accepted} webhooks accepted so far)")
        settled = settle(stage, accepted, started)
        say(f"round {n}/{ROUNDS}: {settled}; loading the bare app for {share:g} s")
        plan = attrs.evolve(stage.plan(bare_url, perla=False, tag=f"b{n}"), seconds=share)
        bare_runs.append(load(plan, started))
    say("done; cleaning up")
    return Result.merged(perla_runs), Result.merged(bare_runs), settled


# --- figures ----------------------------------------------------------------------------------


def figures(perla: Result, bare: Result, settled: Settled) -> list[Figure]:
    conns, secs = connections(), round(perla.seconds)
    base = "bare Litestar + SQLAlchemy Core, same server, DB, client"
    mix = ", ".join(f"{k} {len(v)}" for k, v in sorted(perla.latencies.items()))
    examples = "; ".join(perla.error_examples[:3]) or "none"
    bare_examples = "; ".join(bare.error_examples[:2])
    every, api = perla.samples(), perla.samples(api_only=True)
    bare_every, bare_api = bare.samples(), bare.samples(api_only=True)
    return [
        Figure(
            f"load: mixed workload, {conns} connections, {secs} s (uvicorn 2 workers, PG, Redis)",
            "req/s",
            perla.requests / perla.seconds,
            bare.requests / bare.seconds,
            base,
            "info",
            f"{ROUNDS} interleaved rounds; {mix}; client CPU "
            f"{perla.cpu_seconds / perla.seconds:.0%} (bare {bare.cpu_seconds / bare.seconds:.0%})",
        ),
        Figure(
            "load: API requests/s (reads + writes, in the mix)",
            "req/s",
            perla.api_requests / perla.seconds,
            bare.api_requests / bare.seconds,
            base,
            "≥ 0.5x",
        ),
        Figure(
            "load: latency p50 (whole mix)",
            "ms",
            quantile(every, 0.5),
            quantile(bare_every, 0.5),
            base,
            "info",
        ),
        Figure(
            "load: latency p99 (whole mix)",
            "ms",
            quantile(every, 0.99),
            quantile(bare_every, 0.99),
            base,
            "info",
        ),
        Figure(
            "load: API latency p99",
            "ms",
            quantile(api, 0.99),
            quantile(bare_api, 0.99),
            base,
            "info",
            f"p50 {quantile(api, 0.5):.1f} ms (bare {quantile(bare_api, 0.5):.1f} ms)",
        ),
        Figure(
            "load: errors (non-2xx, transport errors, timeouts)",
            "errors",
            perla.error_count,
            goal="= 0",
            note=f"{examples}; bare app: {bare.error_count} {bare_examples}".rstrip(),
        ),
        Figure(
            "load: bot replies sent by the workers (Zenvia double)",
            "replies",
            settled.replies,
            goal=f"= {perla.webhooks_accepted} accepted webhooks",
            note=f"{'OK' if settled.replies == perla.webhooks_accepted else 'MISMATCH'}; "
            f"last backlog done {settled.seconds:.1f} s after its round; events unprocessed "
            f"{settled.unprocessed_events}, failed {settled.failed_events}; outbox open "
            f"{settled.outbox_open}, failed {settled.outbox_failed} {settled.open_topics}".rstrip(),
        ),
    ]


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="perla-bench-load-") as tmp:
        logs = Path(os.environ.get("PERLA_LOAD_LOGS") or tmp)  # kept when given
        logs.mkdir(parents=True, exist_ok=True)
        with stage(logs) as staged, processes(logs) as started:
            perla, bare, settled = run_rounds(staged, started)
    return figures(perla, bare, settled)
