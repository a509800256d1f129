"""Conversation metrics over HTTP after real WhatsApp conversations through the webhook, on a
fixed clock so every response time is known: a purchase (an order created by the bot, a
conversion), a handoff with an operator's answer that is read and never replied to (seen but
unanswered once the window has passed), and an opt-out ("BAJA"). Also ``perla metrics``."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from dependency_injector import providers
from litestar import Litestar
from litestar.testing import TestClient
from rich.console import Console
from typer.testing import CliRunner

from perla_adapters.memory import FixedClock, InMemoryMailer
from perla_adapters.memory.messaging import InMemoryMessenger
from perla_core.access.model import Actor, Role
from perla_core.access.services import create_api_key
from perla_core.catalogue.files import read_catalogue
from perla_core.catalogue.imports import import_catalogue
from perla_entrypoints import metrics_cli
from perla_entrypoints.catalogue_cli import rebuild_search_index
from perla_entrypoints.cli import app
from perla_entrypoints.container import Container, build_container, uow_factory
from perla_entrypoints.http import create_app
from perla_entrypoints.workers import drain_conversations

from .test_catalogue_bot import CATALOGUE
from .test_webhooks import PERLA, SECRET, SIGNED, WEBHOOK, status_event

BUYER, ASKER, LEAVER = "5491155550123", "5491155550456", "5491155550789"
T0 = datetime(2026, 3, 2, 10, tzinfo=UTC)
DAY = "2026-03-02"
METRICS = "/api/v1/metrics/conversations"
ADMIN = Actor("test:admin", Role.ADMIN)


@pytest.fixture(params=["memory", "sqlite"])
def container(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Container]:
    url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path}/perla.db"
    built = build_container(
        database_url=url,
        data_dir=str(tmp_path),
        zenvia_webhook_secret=SECRET,
        operators_email="ventas@microcom.com.ar",
    )
    built.clock.override(providers.Object(FixedClock(T0 - timedelta(hours=1))))
    built.mailer.override(providers.Singleton(InMemoryMailer))
    built.storage().migrate()
    run = import_catalogue(
        read_catalogue(CATALOGUE, "catalogo.csv"),
        uow_factory(built),
        clock=built.clock(),
        ids=built.ids(),
        actor=ADMIN,
    )
    assert run.rows_rejected == 0, run.rejected
    rebuild_search_index(built)
    yield built
    built.storage().close()


@pytest.fixture
def client(container: Container) -> Iterator[TestClient[Litestar]]:
    with TestClient(create_app(container)) as test_client:
        yield test_client


def key(container: Container, role: Role) -> dict[str, str]:
    issued = create_api_key(
        f"{role.value} key",
        role,
        container.uow(),
        container.clock(),
        container.ids(),
        container.secrets(),
    )
    return {"Authorization": f"Bearer {issued.key}"}


def clock(container: Container) -> FixedClock:
    found = container.clock()
    assert isinstance(found, FixedClock)
    return found


def say(
    container: Container,
    client: TestClient[Litestar],
    contact: str,
    text: str,
    *,
    sent: datetime,
    handled: datetime,
) -> None:
    """``contact`` writes ``text`` at ``sent``; the bot handles it at ``handled``."""
    event: dict[str, Any] = {
        "id": str(uuid4()),
        "timestamp": sent.isoformat().replace("+00:00", "Z"),
        "type": "MESSAGE",
        "subscriptionId": str(uuid4()),
        "channel": "whatsapp",
        "direction": "IN",
        "message": {
            "id": str(uuid4()),
            "from": contact,
            "to": PERLA,
            "direction": "IN",
            "channel": "whatsapp",
            "contents": [{"type": "text", "text": text}],
            "visitor": {"name": "Martín"},
        },
    }
    clock(container).set(handled)
    response = client.post(WEBHOOK, content=json.dumps(event), headers=SIGNED)
    assert response.status_code == 202, response.text
    drain_conversations(container)


def conversations_of(container: Container, client: TestClient[Litestar]) -> dict[str, Any]:
    """Three customers on one day; the figures they leave."""
    s = timedelta(seconds=1)
    say(container, client, BUYER, "agregame 2 DS-2CE16D0T-IRPF", sent=T0 - 3 * s, handled=T0)
    say(container, client, BUYER, "20-12345678-6", sent=T0 + 57 * s, handled=T0 + 60 * s)
    say(container, client, ASKER, "quiero hablar con un asesor", sent=T0 + 110 * s,
        handled=T0 + 120 * s)  # fmt: skip
    say(container, client, ASKER, "hola? sigue ahí?", sent=T0 + 200 * s, handled=T0 + 200 * s)
    clock(container).set(T0 + 300 * s)
    agent = key(container, Role.AGENT)
    reply = client.post(
        f"/api/v1/conversations/{ASKER}/reply", json={"text": "Hola, soy Ana"}, headers=agent
    )
    assert reply.status_code == 202, reply.text
    drain_conversations(container)
    with container.uow() as uow:
        asked = uow.conversations.get(ASKER)
    assert asked is not None
    answer = asked.messages[-1]
    assert answer.author != "bot"
    assert answer.provider_id is not None
    assert answer.external_id is not None
    read = status_event(answer.provider_id, answer.external_id, "READ")
    read["message"]["to"] = ASKER
    assert client.post(WEBHOOK, content=json.dumps(read), headers=SIGNED).status_code == 202
    drain_conversations(container)
    say(container, client, LEAVER, "BAJA", sent=T0 + 398 * s, handled=T0 + 400 * s)
    clock(container).set(T0 + timedelta(hours=2))
    messenger = container.messenger()
    assert isinstance(messenger, InMemoryMessenger)
    return {
        "bot": sum(len(messenger.messages_to(c)) for c in (BUYER, ASKER, LEAVER)) - 1,
    }


def test_the_figures_of_whatsapp_conversations_over_http(
    container: Container, client: TestClient[Litestar]
) -> None:
    sent = conversations_of(container, client)
    reader = key(container, Role.READONLY)
    response = client.get(
        METRICS, params={"from": DAY, "to": DAY, "window_hours": 1}, headers=reader
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["from"], body["to"], body["window_hours"]) == (DAY, DAY, 1)
    assert [row["day"] for row in body["days"]] == [DAY]
    day, total = body["days"][0], body["total"]
    assert total["day"] is None
    assert {**day, "day": None} == total  # one day: the period is that day
    assert sent["bot"] >= 4  # at least one answer per bot turn
    assert total["messages_in"] == 5
    assert total["messages_out_bot"] == sent["bot"]
    assert total["messages_out_human"] == 1
    assert total["messages_out"] == sent["bot"] + 1
    assert total["conversations_responding"] == 2  # the buyer's CUIT, the asker's second
    # first answers of the day: the buyer 3 s, the asker 10 s, the leaver 2 s, all by the bot
    assert total["first_response"] == {
        "bot": {"count": 3, "p50_seconds": "3", "p95_seconds": "10"},
        "human": {"count": 0, "p50_seconds": None, "p95_seconds": None},
    }
    # every customer turn: 3, 3, 10, 2 s by the bot; the operator answered the asker's 2nd
    assert total["response"] == {
        "bot": {"count": 4, "p50_seconds": "3", "p95_seconds": "10"},
        "human": {"count": 1, "p50_seconds": "100", "p95_seconds": "100"},
    }
    assert total["seen_unanswered"] == 1  # Ana's message, read, no reply within the hour
    assert total["handoffs"] == {"talk_to_person": 1}
    assert total["handoffs_total"] == 1
    assert total["conversions"] == 1  # the buyer's order, created by whatsapp:<number>
    assert total["opt_outs"] == 1
    assert (total["channel"], total["campaign"]) == ("whatsapp", None)

    wide = client.get(METRICS, params={"from": "2026-03-01", "to": "2026-03-03"}, headers=reader)
    assert wide.status_code == 200, wide.text
    days = wide.json()["days"]
    assert [d["messages_in"] for d in days] == [0, 5, 0]
    assert wide.json()["total"]["seen_unanswered"] == 0  # 24 h have not passed yet

    default = client.get(METRICS, headers=reader).json()  # the last 30 days up to today
    assert (default["from"], default["to"]) == ("2026-02-01", DAY)
    assert default["total"]["messages_in"] == 5


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-03-05", "to": "2026-03-01"}, "from"),
        ({"from": "2025-01-01", "to": "2026-03-01"}, "to"),
        ({"channel": "email"}, "channel"),
        ({"window_hours": "0"}, "window_hours"),
    ],
)
def test_a_bad_query_is_a_problem_naming_the_field(
    container: Container, client: TestClient[Litestar], params: dict[str, str], field: str
) -> None:
    response = client.get(METRICS, params=params, headers=key(container, Role.READONLY))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["field"] == field


def test_no_key_no_metrics(client: TestClient[Litestar]) -> None:
    assert client.get(METRICS).status_code == 401


def test_a_date_that_is_not_a_date_is_refused(
    container: Container, client: TestClient[Litestar]
) -> None:
    response = client.get(METRICS, params={"from": "ayer"}, headers=key(container, Role.READONLY))
    assert response.status_code == 400, response.text


def test_perla_metrics_prints_the_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(metrics_cli, "console", Console(width=250, record=True))
    monkeypatch.setattr(metrics_cli, "err", Console(width=250, stderr=True, record=True))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERLA_")}
    env["PERLA_DATA_DIR"] = str(tmp_path / "data")
    runner = CliRunner()
    shown = runner.invoke(app, ["metrics", "--from", "2026-03-01", "--to", "2026-03-02"], env=env)
    assert shown.exit_code == 0, shown.output
    table = metrics_cli.console.export_text()
    assert "2026-03-01" in table
    assert "2026-03-02" in table
    assert "total" in table
    assert "Campaigns 2026-03-01 .. 2026-03-02" in table
    assert "no campaign runs in the period" in table
    unknown = runner.invoke(app, ["metrics", "--campaign", str(uuid4())], env=env)
    assert unknown.exit_code == 1
    assert "not_found" in metrics_cli.err.export_text()
    bad = runner.invoke(app, ["metrics", "--from", "2026-03-05", "--to", "2026-03-01"], env=env)
    assert bad.exit_code == 1
    assert "from" in metrics_cli.err.export_text()
    wrong = runner.invoke(app, ["metrics", "--from", "marzo"], env=env)
    assert wrong.exit_code == 1
    assert "not a date" in metrics_cli.err.export_text()


CAMPAIGNS = "/api/v1/metrics/campaigns"


def test_campaign_figures_without_runs_and_for_a_run_that_does_not_exist(
    container: Container, client: TestClient[Litestar]
) -> None:
    reader = key(container, Role.READONLY)
    empty = client.get(CAMPAIGNS, params={"from": DAY, "to": DAY}, headers=reader)
    assert empty.status_code == 200, empty.text
    assert empty.json()["runs"] == []
    assert empty.json()["survey_completion_rate"] is None
    unknown = str(uuid4())
    missing = client.get(CAMPAIGNS, params={"run": unknown}, headers=reader)
    assert missing.status_code == 404, missing.text
    gone = client.get(METRICS, params={"campaign": unknown}, headers=reader)
    assert gone.status_code == 404, gone.text
    bad = client.get(CAMPAIGNS, params={"run": "dormant"}, headers=reader)
    assert bad.status_code == 422, bad.text
    assert bad.json()["errors"][0]["field"] == "run"
    worse = client.get(METRICS, params={"campaign": "dormant"}, headers=reader)
    assert worse.status_code == 422, worse.text
    assert worse.json()["errors"][0]["field"] == "campaign"
    assert client.get(CAMPAIGNS).status_code == 401
