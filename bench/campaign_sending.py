"""The dormant campaign's sending at scale: Dramatiq on Redis, 2 ``perla worker`` processes,
the Zenvia double, and SIGKILL.

- 8,000 dormant clients with WhatsApp consent on PostgreSQL (inserted set-based with
  ``generate_series``); the Zenvia double served by uvicorn in its own process on loopback;
  perla's messenger pointed at it (``PERLA_ZENVIA_URL`` / ``PERLA_ZENVIA_API_TOKEN``); the rate
  limit lifted (``rate_per_second`` high, the daily cap the run's size). The run is started
  here, then 2 ``perla worker`` subprocesses (same environment, a Redis namespace of their
  own) send it while this process ticks the scheduler, until the double has received every
  template: messages/s against a bare httpx loop posting the same payloads to the same double
  (goal: at least 0.5x).
- The same run while a worker is SIGKILLed three times (restarted each time): the double's
  messages grouped by recipient must be exactly one each, for every client.

A killed worker's Dramatiq messages (in flight or prefetched) come back when Redis sees its
heartbeat stop: the scheduler's broker here does that maintenance on every command with a short
heartbeat timeout (:data:`HEARTBEAT_TIMEOUT_MS`) instead of Dramatiq's one in a thousand after a
minute, so the proof takes seconds, not minutes.

``python -m bench campaign_sending`` (``PERLA_BENCH_POSTGRES``, ``PERLA_BENCH_REDIS``;
``PERLA_BENCH_SENDING_CLIENTS`` changes the size). The test
``tests/faults/test_campaign_worker_killed.py`` runs the SIGKILL proof small.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any, Final

import attrs
import httpx
import psycopg
import redis
from dependency_injector import providers
from dramatiq.brokers.redis import MAINTENANCE_SCALE, RedisBroker

from bench.harness import Figure
from bench.postgres import scratch_database
from perla_core.access.model import SYSTEM
from perla_core.campaigns import services
from perla_core.customers.model import DEFAULT_GROUP_ID
from perla_entrypoints.campaign_handlers import campaign_config, work_of
from perla_entrypoints.container import Container, build_container, settings_of
from perla_entrypoints.scheduler import tick
from perla_entrypoints.workers import register_actors

OUTBOX_LEASE_SECONDS = 10
"""A relay killed mid-batch leaves the rest of its batch leased: a short lease offers it again
within seconds instead of five minutes (workers are killed on purpose here)."""
REDIS_SERVER = os.environ.get("PERLA_BENCH_REDIS", "redis://127.0.0.1:6379/0")
TOKEN: Final = "bench-zenvia-token"  # noqa: S105 - the local double's
HEARTBEAT_TIMEOUT_MS: Final = 5_000
"""A worker silent this long is taken as dead and its unacknowledged messages go back."""
TICK_SECONDS: Final = 0.2
STARTUP_SECONDS: Final = 30.0
WORKER_THREADS: Final = 8


# --- the clients ---------------------------------------------------------------------------


def seed_dormant_clients(database_url: str, count: int) -> None:
    """``count`` clients silent for 400 days, each with a number and WhatsApp consent: two
    ``INSERT ... SELECT generate_series`` statements (no row travels)."""
    old = datetime.now(UTC) - timedelta(days=400)
    with psycopg.connect(database_url) as conn:
        conn.execute(
            """
            INSERT INTO clients (id, version, trade_name, country, phone, markets, addresses,
                contacts, phase, lead_status, client_status, created_at, updated_at, search_text)
            SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid, 1,
                'Cliente ' || g, 'AR', '+549115' || lpad(g::text, 7, '0'), '[]', '[]', '[]',
                'client', 'won', 'live', %(old)s, %(old)s, 'cliente ' || g
            FROM generate_series(1, %(count)s) AS g
            """,
            {"old": old, "count": count},
        )
        conn.execute(
            """
            INSERT INTO customer_accounts (client_id, version, group_id, addresses, contacts,
                created_at, updated_at, last_contact_at, whatsapp_consent, survey_answers)
            SELECT id, 1, %(group)s, '[]', '[]', created_at, created_at, created_at, true, '{}'
            FROM clients
            """,
            {"group": DEFAULT_GROUP_ID},
        )
        conn.execute("ANALYZE")


# --- the Zenvia double in its own process ------------------------------------------------------


def _serve_double(fd: int) -> None:  # pragma: no cover - runs in the double's process
    """The double's process: uvicorn on the inherited listening socket until SIGTERM."""
    import uvicorn  # noqa: PLC0415

    from perla_adapters.zenvia.simulator import create_zenvia_simulator  # noqa: PLC0415

    sock = socket.socket(fileno=fd)
    config = uvicorn.Config(
        create_zenvia_simulator(api_key=TOKEN),
        log_level="warning",
        access_log=False,
        ws="none",
        lifespan="off",
    )
    uvicorn.Server(config).run(sockets=[sock])


@attrs.define
class ZenviaDouble:
    """The double's base URL and a client to read what it received."""

    url: str
    http: httpx.Client

    def messages(self) -> list[dict[str, Any]]:
        state = self.http.get(f"{self.url}/_sim/state", timeout=30).json()
        return list(state["messages"])

    def received(self) -> int:
        return len(self.messages())

    def reset(self) -> None:
        self.http.post(f"{self.url}/_sim/reset").raise_for_status()


@contextlib.contextmanager
def zenvia_double(log: IO[bytes]) -> Iterator[ZenviaDouble]:
    """Serve the Zenvia double in a process of its own on a free loopback port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    code = f"from bench.campaign_sending import _serve_double; _serve_double({sock.fileno()})"
    root = str(Path(__file__).resolve().parent.parent)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
    }
    process = subprocess.Popen(
        [sys.executable, "-c", code], pass_fds=[sock.fileno()], stdout=log, stderr=log, env=env
    )
    sock.close()
    try:
        with httpx.Client() as http:
            deadline = time.monotonic() + STARTUP_SECONDS
            while True:
                try:
                    http.get(f"{url}/_sim/state").raise_for_status()
                    break
                except httpx.HTTPError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("the Zenvia double did not start") from None
                    time.sleep(0.05)
            yield ZenviaDouble(url, http)
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- perla: the workers and the scheduler ------------------------------------------------------


@attrs.frozen
class Perla:
    """Where perla's processes find their database, broker and Zenvia."""

    database_url: str
    redis_url: str
    namespace: str
    zenvia_url: str
    rate_per_second: int
    outbox_batch: int = 1000

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PERLA_")}
        env.update(
            {
                "PERLA_DATABASE_URL": self.database_url,
                "PERLA_REDIS_URL": self.redis_url,
                "PERLA_REDIS_NAMESPACE": self.namespace,
                "PERLA_ZENVIA_URL": f"{self.zenvia_url}/v2",
                "PERLA_ZENVIA_API_TOKEN": TOKEN,
                "PERLA_CAMPAIGN_RATE_PER_SECOND": str(self.rate_per_second),
                "PERLA_CAMPAIGN_DAILY_CAP": "1000000",
                "PERLA_OUTBOX_BATCH_SIZE": str(self.outbox_batch),
                "PERLA_OUTBOX_LEASE_SECONDS": str(OUTBOX_LEASE_SECONDS),
                "PERLA_LOG_LEVEL": "WARNING",
                "PERLA_DB_POOL_SIZE": str(WORKER_THREADS + 2),
            }
        )
        return env

    def container(self) -> Container:
        """This process's container: the scheduler's broker reclaims dead workers' messages
        (see the module docstring)."""
        container = build_container(
            database_url=self.database_url,
            redis_url=self.redis_url,
            redis_namespace=self.namespace,
            zenvia_url=f"{self.zenvia_url}/v2",
            zenvia_api_token=TOKEN,
            campaign_rate_per_second=self.rate_per_second,
            campaign_daily_cap=1_000_000,
            outbox_batch_size=self.outbox_batch,
            outbox_lease_seconds=OUTBOX_LEASE_SECONDS,
        )
        broker = RedisBroker(  # type: ignore[no-untyped-call]
            url=self.redis_url,
            namespace=self.namespace,
            heartbeat_timeout=HEARTBEAT_TIMEOUT_MS,
            maintenance_chance=MAINTENANCE_SCALE,
        )
        container.broker.override(providers.Object(broker))
        container.storage().migrate()
        register_actors(container)
        return container


class Workers:
    """``perla worker`` subprocesses: start, SIGKILL, restart, stop."""

    def __init__(self, perla: Perla, logs: Path, count: int, threads: int = WORKER_THREADS):
        self.perla, self.logs, self.threads = perla, logs, threads
        self.processes: list[subprocess.Popen[bytes] | None] = [None] * count
        self.kills = 0
        self.starts = [0] * count

    def start(self, index: int) -> None:
        self.starts[index] += 1
        log = (self.logs / f"worker-{index}.log").open("ab")
        self.processes[index] = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "perla_entrypoints.cli",
                "worker",
                "--threads",
                str(self.threads),
            ],
            env=self.perla.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()

    def start_all(self) -> None:
        for index in range(len(self.processes)):
            self.start(index)
        for index in range(len(self.processes)):
            self.wait_ready(index)

    def wait_ready(self, index: int) -> None:
        """Until worker ``index`` says it runs (``perla worker`` prints it once started)."""
        deadline = time.monotonic() + STARTUP_SECONDS
        log = self.logs / f"worker-{index}.log"
        while log.read_text(errors="replace").count("worker running") < self.starts[index]:
            self.check_alive()
            if time.monotonic() > deadline:
                raise RuntimeError(f"worker {index} did not start in {STARTUP_SECONDS}s")
            time.sleep(0.05)

    def kill_and_restart(self, index: int) -> None:
        """SIGKILL worker ``index`` (no clean-up at all), then start a new one."""
        process = self.processes[index]
        if process is not None:
            process.send_signal(signal.SIGKILL)
            process.wait()
            self.kills += 1
        self.start(index)

    def check_alive(self) -> None:
        for index, process in enumerate(self.processes):
            if process is not None and process.poll() is not None:
                log = (self.logs / f"worker-{index}.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"worker {index} exited ({process.returncode}):\n{log}")

    def stop_all(self) -> None:
        for process in self.processes:
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            if process is not None:
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


@contextlib.contextmanager
def ticking(container: Container) -> Iterator[None]:
    """The scheduler's tick in a thread of this process, every :data:`TICK_SECONDS`."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            with contextlib.suppress(Exception):  # an outage must not stop the clock
                tick(container)
            stop.wait(TICK_SECONDS)

    thread = threading.Thread(target=loop, name="bench-scheduler", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(10)


def outbox_settled(database_url: str) -> bool:
    """Whether every outbox message is done (or failed): no delivery is still to come."""
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM outbox WHERE status NOT IN ('done', 'failed')"
        ).fetchone()
    return row is not None and row[0] == 0


@attrs.frozen
class Sent:
    """One run's sending: seconds from the run's start to the last template received, the
    templates per recipient, and the double's payloads (for the bare loop)."""

    seconds: float
    per_recipient: Counter[str]
    payloads: list[dict[str, Any]]
    killed_at: tuple[int, ...]
    """Templates the double held when each SIGKILL was sent."""
    interrupted: int = 0
    """Templates a kill interrupted while Zenvia answered: marked failed, never sent again."""

    @property
    def exactly_once(self) -> int:
        return sum(1 for n in self.per_recipient.values() if n == 1)


def send_campaign(
    perla: Perla,
    double: ZenviaDouble,
    clients: int,
    logs: Path,
    *,
    workers: int = 2,
    kills: int = 0,
    timeout: float = 600.0,
) -> Sent:
    """Start the dormant run over the seeded ``clients``, send it with ``workers`` worker
    processes (SIGKILLing one ``kills`` times, evenly through the run, restarting it each
    time) and this process's scheduler tick; wait until the double holds ``clients``
    templates and the outbox has settled."""
    container = perla.container()
    pool = Workers(perla, logs, workers)
    try:
        pool.start_all()
        config = campaign_config(settings_of(container))  # the cap lifted: see Perla
        began = time.monotonic()
        run_id = services.start_run(
            work_of(container), config, container.clock(), container.ids(), SYSTEM
        )
        interrupted = 0
        checked = 0.0
        killed_at: list[int] = []
        thresholds = [clients * (k + 1) // (kills + 1) for k in range(kills)]
        deadline = began + timeout
        finished: float | None = None
        with ticking(container):
            while True:
                received = double.received()
                if thresholds and received >= thresholds[0]:
                    thresholds.pop(0)
                    killed_at.append(received)
                    pool.kill_and_restart(len(killed_at) % workers)
                if finished is None and received >= clients:
                    finished = time.monotonic()
                if finished is not None and outbox_settled(perla.database_url):
                    break
                if time.monotonic() - checked > 2 and outbox_settled(perla.database_url):
                    # all sent but a template whose send a kill interrupted (never resent)
                    checked = time.monotonic()
                    interrupted += services.check_failures(work_of(container), run_id)
                    if received + interrupted >= clients:
                        finished = time.monotonic()
                        break
                pool.check_alive()
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"the double received {received} of {clients} templates in {timeout}s"
                    )
                time.sleep(0.05)
    finally:
        pool.stop_all()
        container.shutdown_resources()
    messages = double.messages()
    per_recipient = Counter(str(m["to"]) for m in messages)
    payloads: list[dict[str, Any]] = [
        {k: m[k] for k in ("from", "to", "contents") if k in m} for m in messages
    ]
    assert finished is not None
    return Sent(finished - began, per_recipient, payloads, tuple(killed_at), interrupted)


def bare_loop(double: ZenviaDouble, payloads: list[dict[str, Any]]) -> float:
    """Seconds for one httpx client posting ``payloads`` one after another."""
    headers = {"X-API-TOKEN": TOKEN}
    with httpx.Client(base_url=double.url, headers=headers) as http:
        began = time.monotonic()
        for payload in payloads:
            http.post("/v2/channels/whatsapp/messages", json=payload).raise_for_status()
        return time.monotonic() - began


@contextlib.contextmanager
def redis_namespace(url: str = REDIS_SERVER) -> Iterator[str]:
    """A Dramatiq namespace of its own, its keys deleted afterwards."""
    namespace = f"perla-bench-{secrets.token_hex(6)}"
    try:
        yield namespace
    finally:
        client = redis.Redis.from_url(url)
        with client:
            keys = list(client.scan_iter(match=f"{namespace}*", count=1000))
            for start in range(0, len(keys), 500):
                client.delete(*keys[start : start + 500])


@contextlib.contextmanager
def campaign_stage(
    clients: int, rate_per_second: int, logs: Path, redis_url: str = REDIS_SERVER
) -> Iterator[tuple[Perla, ZenviaDouble]]:
    """A scratch database seeded with ``clients``, a Redis namespace and the double."""
    with (
        scratch_database() as url,
        redis_namespace(redis_url) as namespace,
        (logs / "zenvia.log").open("ab") as double_log,
        zenvia_double(double_log) as double,
    ):
        perla = Perla(url, redis_url, namespace, double.url, rate_per_second)
        container = perla.container()  # migrates
        container.shutdown_resources()
        seed_dormant_clients(url, clients)
        yield perla, double


def run() -> list[Figure]:
    clients = int(os.environ.get("PERLA_BENCH_SENDING_CLIENTS", "8000"))
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="perla-bench-sending-") as tmp:
        logs = Path(tmp)
        with campaign_stage(clients, 1000, logs) as (perla, double):
            sent = send_campaign(perla, double, clients, logs)
            if sent.exactly_once != clients:
                raise AssertionError(f"{sent.exactly_once} of {clients} messaged exactly once")
            double.reset()
            bare = bare_loop(double, sent.payloads)
        figures.append(
            Figure(
                f"campaign sending ({clients:,} templates, 2 workers, Redis, PG)",
                "msg/s",
                clients / sent.seconds,
                baseline=clients / bare,
                baseline_name="bare httpx loop, same payloads, same double",
                goal="≥ 0.5x",
            )
        )
        with campaign_stage(clients, max(50, clients // 20), logs) as (perla, double):
            killed = send_campaign(perla, double, clients, logs, kills=3)
        messaged = killed.exactly_once
        twice = sum(1 for n in killed.per_recipient.values() if n > 1)
        figures.append(
            Figure(
                f"clients messaged exactly once, a worker SIGKILLed {len(killed.killed_at)}x",
                f"of {clients:,}",
                messaged,
                goal=f"= {clients:,}",
                note=f"nobody twice: {twice == 0} ({twice} twice); "
                f"{killed.interrupted} interrupted by a kill, marked failed, not resent; "
                f"{len(killed.per_recipient):,} recipients, "
                f"{sum(killed.per_recipient.values()):,} templates, "
                f"{killed.seconds:.1f}s",
            )
        )
    return figures
