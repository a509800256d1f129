"""Servers of the fault tests' own, which they may stop and start at will.

The machine's PostgreSQL (5432) and Redis (6379) serve other tests at the same time, so they
are never touched: :func:`own_postgres` runs a throwaway cluster (``initdb`` + ``pg_ctl`` from
PostgreSQL's binaries, as the ``postgres`` user when the tests run as root, trust auth, a free
loopback port, no fsync) and :func:`own_redis` a ``redis-server`` on a free port with no
persistence. Both are removed when their test ends. Missing binaries skip locally and fail
under CI=true, like the other server suites.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest
from tests.support.smtp import free_port

PG_BIN = Path(os.environ.get("PERLA_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
STARTUP_SECONDS = 30.0


def _missing(what: str) -> None:
    message = f"{what} is not installed: the fault tests start their own"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}; under CI=true they must run, not skip")
    pytest.skip(message)


def _as_postgres(command: list[str]) -> list[str]:
    """``initdb`` refuses root: run PostgreSQL's tools as ``postgres`` when we are root."""
    if os.geteuid() != 0:
        return command
    runuser = shutil.which("runuser")
    if runuser is None:  # pragma: no cover - util-linux is on every Debian
        _missing("runuser")
    return [str(runuser), "-u", "postgres", "--", *command]


@attrs.define
class OwnPostgres:
    """A PostgreSQL cluster of this test's own: ``stop()`` and ``start()`` it freely."""

    folder: Path
    port: int

    @property
    def server_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The ``perla`` database (created once the cluster first starts)."""
        return f"{self.server_url}/perla"

    def _ctl(self, *args: str) -> None:
        subprocess.run(  # noqa: S603 - fixed binaries, our own arguments
            _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.folder / "data"), *args]),
            check=True,
            capture_output=True,
            timeout=STARTUP_SECONDS + 10,
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=100"
        )
        log = str(self.folder / "postgres.log")
        self._ctl("-o", options, "-l", log, "-w", "-t", str(int(STARTUP_SECONDS)), "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: ``fast`` ends every session (what a restart does), ``immediate``
        is a crash."""
        self._ctl("-m", mode, "-w", "stop")

    def running(self) -> bool:
        return (self.folder / "data" / "postmaster.pid").exists()


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    """A fresh cluster on a free port, with an empty ``perla`` database; removed after."""
    if not (PG_BIN / "initdb").exists():
        _missing(f"PostgreSQL's initdb ({PG_BIN})")
    import psycopg  # noqa: PLC0415 - an optional extra

    folder = Path(tempfile.mkdtemp(prefix="perla-fault-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    cluster = OwnPostgres(folder, free_port())
    try:
        subprocess.run(  # noqa: S603 - fixed binaries, our own arguments
            _as_postgres(
                [
                    str(PG_BIN / "initdb"),
                    "-D",
                    str(folder / "data"),
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "-E",
                    "UTF8",
                    "--no-sync",
                ]
            ),
            check=True,
            capture_output=True,
            timeout=60,
        )
        cluster.start()
        with psycopg.connect(f"{cluster.server_url}/postgres", autocommit=True) as admin:
            admin.execute("CREATE DATABASE perla")
        yield cluster
    finally:
        if cluster.running():
            with contextlib.suppress(subprocess.SubprocessError):
                cluster.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


@attrs.define
class OwnRedis:
    """A ``redis-server`` of this test's own, without persistence: a restart empties it."""

    folder: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import redis  # noqa: PLC0415 - an optional extra

        server = shutil.which("redis-server")
        assert server is not None
        log = (self.folder / "redis.log").open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - a fixed binary, our own arguments
            [
                server,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + STARTUP_SECONDS
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        with client:
            while True:
                try:
                    client.ping()
                    return
                except redis.ConnectionError:
                    if self.process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("redis-server did not start") from None
                    time.sleep(0.05)

    def stop(self) -> None:
        """SIGKILL: Redis gone at once, with everything it held (nothing is persisted)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    """A ``redis-server`` on a free loopback port; killed after the test."""
    if shutil.which("redis-server") is None:
        _missing("redis-server")
    folder = Path(tempfile.mkdtemp(prefix="perla-fault-redis-"))
    server = OwnRedis(folder, free_port())
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(autouse=True)
def patient_startup(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give ``perla worker`` and the Zenvia double (:mod:`bench.campaign_sending`) longer to
    start than the benchmark does: on a loaded CI machine their imports alone take seconds.
    A deadline for starting only; what the tests count is unchanged."""
    monkeypatch.setattr("bench.campaign_sending.STARTUP_SECONDS", 120.0)
