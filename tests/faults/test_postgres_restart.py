"""PostgreSQL stopped and started again under load: while it is down the API answers 503 with
``Retry-After`` (problem details naming nothing inside), it recovers by itself once the server
is back, and every write it acknowledged is stored exactly once.

Real processes: a PostgreSQL cluster of the test's own, ``perla serve`` (uvicorn) in a
subprocess on it, and client threads here posting leads without pause through loopback.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import attrs
import httpx
import psycopg
import pytest
from litestar import Litestar, get
from litestar.testing import TestClient
from sqlalchemy import exc as sa_exc
from tests.faults.conftest import OwnPostgres
from tests.support.smtp import free_port

from perla_core.access.model import Role
from perla_core.access.services import create_api_key
from perla_entrypoints.container import build_container
from perla_entrypoints.http.problems import EXCEPTION_HANDLERS

CLIENTS = 4
"""Client threads posting leads without pause."""
DOWN_SECONDS = 2.0
STARTUP_SECONDS = 120.0
"""perla serve imports and builds its app before it answers: seconds on a loaded machine."""


@attrs.frozen
class Answer:
    name: str
    status: int  # 0: no HTTP answer at all
    body: str
    content_type: str
    retry_after: str | None
    after_restart: bool


@attrs.define
class Load:
    """Threads posting a lead with a name of its own each time, recording every answer."""

    url: str
    key: str
    answers: list[Answer] = attrs.field(factory=list)
    restarted: threading.Event = attrs.field(factory=threading.Event)
    stop: threading.Event = attrs.field(factory=threading.Event)
    lock: threading.Lock = attrs.field(factory=threading.Lock)

    def post(self, http: httpx.Client, name: str) -> Answer:
        body = {"trade_name": name, "country": "ES", "email": f"{name}@viajes.test"}
        after = self.restarted.is_set()
        try:
            response = http.post("/api/v1/leads", json=body)
        except httpx.HTTPError as error:
            return Answer(name, 0, repr(error), "", None, after)
        return Answer(
            name,
            response.status_code,
            response.text,
            response.headers.get("content-type", ""),
            response.headers.get("retry-after"),
            after,
        )

    def run(self, thread: int) -> None:
        headers = {"Authorization": f"Bearer {self.key}"}
        with httpx.Client(base_url=self.url, headers=headers, timeout=10) as http:
            sent = 0
            while not self.stop.is_set():
                sent += 1
                answer = self.post(http, f"lead-{thread}-{sent}")
                with self.lock:
                    self.answers.append(answer)
                if answer.status != 201:
                    time.sleep(0.02)  # a client that backs off a little, as Retry-After asks

    def count(self, status: int, *, after_restart: bool | None = None) -> int:
        with self.lock:
            return sum(
                1
                for a in self.answers
                if a.status == status and after_restart in (None, a.after_restart)
            )


def wait_until(check: object, within: float, what: str) -> None:
    assert callable(check)
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def served(own_postgres: OwnPostgres, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """``perla serve`` on the test's own PostgreSQL: its base URL and an agent's API key."""
    container = build_container(database_url=own_postgres.url, data_dir=str(tmp_path))
    container.storage().migrate()
    key = create_api_key(
        "fault load", Role.AGENT, container.uow(), container.clock(), container.ids(),
        container.secrets(),
    ).key  # fmt: skip
    container.shutdown_resources()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERLA_")}
    env.update(
        PERLA_DATABASE_URL=own_postgres.url,
        PERLA_DATA_DIR=str(tmp_path),
        PERLA_LOG_LEVEL="WARNING",
    )
    log_path = tmp_path / "serve.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 - this interpreter, perla's own CLI
            [
                sys.executable,
                "-m",
                "perla_entrypoints.cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                httpx.get(f"{url}/health", timeout=1)
                break
            except httpx.HTTPError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = log_path.read_text(errors="replace")[-3000:]
                    pytest.fail(f"perla serve did not start:\n{output}")
                time.sleep(0.1)
        yield url, key
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_postgres_restarted_under_load_gives_503_then_recovers_and_stores_each_write_once(
    own_postgres: OwnPostgres, served: tuple[str, str]
) -> None:
    url, key = served
    load = Load(url, key)
    threads = [threading.Thread(target=load.run, args=(n,), daemon=True) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    try:
        wait_until(lambda: load.count(201) >= 20, 30, "writes before the outage")
        own_postgres.stop("fast")  # every session ended, as a restart does
        wait_until(lambda: load.count(503) >= 10, 30, "503s while PostgreSQL is down")
        time.sleep(DOWN_SECONDS)
        own_postgres.start()
        load.restarted.set()
        # it recovers by itself: no restart of perla, no operator
        wait_until(lambda: load.count(201, after_restart=True) >= 20, 30, "recovery")
    finally:
        load.stop.set()
        for thread in threads:
            thread.join(15)

    answers = list(load.answers)
    statuses = Counter(a.status for a in answers)
    assert set(statuses) <= {201, 503}, statuses  # no 500, no dropped connection
    unavailable = [a for a in answers if a.status == 503]
    for answer in unavailable:
        assert answer.content_type.startswith("application/problem+json")
        assert answer.retry_after == "5"
        assert '"code":"database_unavailable"' in answer.body.replace(" ", "")
        for leak in ("Traceback", "psycopg", "sqlalchemy", "OperationalError", "5432"):
            assert leak not in answer.body
    # after the restart, at most one failure per pooled connection found dead, then none
    late = [a for a in answers if a.after_restart]
    first_ok = next(i for i, a in enumerate(late) if a.status == 201)
    assert all(a.status == 201 for a in late[first_ok + CLIENTS * 2 :])

    acknowledged = {a.name for a in answers if a.status == 201}
    refused = {a.name for a in answers if a.status == 503}
    with psycopg.connect(own_postgres.url) as conn:
        stored = Counter(
            str(row[0]) for row in conn.execute("SELECT trade_name FROM clients").fetchall()
        )
    assert max(stored.values()) == 1  # nothing stored twice
    assert acknowledged <= set(stored)  # every acknowledged write is there
    # what was stored but not acknowledged: a commit the outage cut before its answer
    unacknowledged = set(stored) - acknowledged
    assert unacknowledged <= refused
    assert len(unacknowledged) <= CLIENTS


@pytest.mark.parametrize(
    "error",
    [
        sa_exc.OperationalError("SELECT 1", {}, Exception("connection to 127.0.0.1:5432 refused")),
        sa_exc.InterfaceError("SELECT 1", {}, Exception("connection already closed")),
        sa_exc.TimeoutError("QueuePool limit of size 10 overflow 10 reached"),
    ],
    ids=["operational", "interface", "pool-timeout"],
)
def test_each_database_connection_error_is_a_503_with_retry_after_that_reveals_nothing(
    error: Exception,
) -> None:
    @get("/boom", sync_to_thread=False)
    def boom() -> None:
        raise error

    app = Litestar([boom], exception_handlers=EXCEPTION_HANDLERS)
    with TestClient(app) as client:
        response = client.get("/boom")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "database_unavailable"
    for leak in ("5432", "QueuePool", "connection already closed", "SELECT"):
        assert leak not in response.text
