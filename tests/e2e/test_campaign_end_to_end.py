"""A dormant-client campaign end to end (issue 9): five dormant clients (four with WhatsApp
consent), a run started over HTTP and dispatched in-process, the templates in the in-memory
messenger; two clients answer the whole survey through the Zenvia webhook, one says BAJA, one
of those who answered buys; the outbox drained. Then the answers are in the client records,
and the run report's funnel, the metrics API's campaign figures and the activity page show the
same numbers; a later run leaves the opted-out number out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from dependency_injector import providers
from litestar import Litestar
from litestar.testing import TestClient
from tests.unit.campaigns.data import NOW, a_client, an_order, contact_of

from perla_adapters.memory import FixedClock, InMemoryMailer, SequentialIds
from perla_adapters.memory.messaging import InMemoryMessenger
from perla_core.access.model import Role
from perla_core.access.services import create_api_key
from perla_core.messaging.messages import TemplateMessage
from perla_entrypoints.campaign_handlers import dispatch_once
from perla_entrypoints.container import Container, build_container, uow_factory
from perla_entrypoints.http import create_app
from perla_entrypoints.workers import drain_conversations, drain_outbox

from .test_webhooks import SECRET, WEBHOOK, message_event

HEADERS = {"X-Perla-Webhook-Secret": SECRET}
COMPLETE = (  # the survey's answers down one branch: (typed text, tapped payload)
    ("Sí, mandame", "si"),
    ("no", None),
    ("Ahora instalo alarmas", None),
    ("Alarmas", "alarmas"),
)
RUNS = "/api/v1/campaigns"


@pytest.fixture(params=["memory", "sqlite"])
def container(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Container]:
    url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path}/perla.db"
    built = build_container(database_url=url, data_dir=str(tmp_path), zenvia_webhook_secret=SECRET)
    built.clock.override(providers.Object(FixedClock(NOW)))
    built.mailer.override(providers.Singleton(InMemoryMailer))
    built.storage().migrate()
    yield built
    built.storage().close()


@pytest.fixture
def client(container: Container) -> Iterator[TestClient[Litestar]]:
    with TestClient(create_app(container)) as test_client:
        yield test_client


def clock(container: Container) -> FixedClock:
    found = container.clock()
    assert isinstance(found, FixedClock)
    return found


def key(container: Container, role: Role) -> str:
    return create_api_key(
        f"{role.value} key",
        role,
        container.uow(),
        container.clock(),
        container.ids(),
        container.secrets(),
    ).key


def say(
    container: Container, client: TestClient[Litestar], n: int, text: str, payload: str | None
) -> None:
    """Client ``n`` writes (or taps) on WhatsApp a minute later; the bot answers."""
    clock(container).advance(timedelta(minutes=1))
    event: dict[str, Any] = message_event(text, contact=contact_of(n))
    if payload is not None:
        event["message"]["contents"] = [{"type": "text", "text": text, "payload": payload}]
    response = client.post(WEBHOOK, content=json.dumps(event), headers=HEADERS)
    assert response.status_code == 202, response.text
    drain_conversations(container)
    drain_outbox(container)


def templates_to(container: Container, n: int) -> int:
    messenger = container.messenger()
    assert isinstance(messenger, InMemoryMessenger)
    return sum(isinstance(m, TemplateMessage) for m in messenger.messages_to(contact_of(n)))


def start_and_send(
    container: Container, client: TestClient[Litestar], agent: dict[str, str]
) -> UUID:
    started = client.post(f"{RUNS}/dormant/runs", json={"rate_per_second": 10}, headers=agent)
    assert started.status_code == 201, started.text
    run_id = UUID(started.json()["id"])
    assert dispatch_once(container, run_id).state == "completed"
    drain_outbox(container)
    return run_id


def page_figures(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-figure="([a-z_0-9]+)" data-value="([^"]*)"', html))


def survey_row(html: str, run_id: UUID) -> dict[str, str]:
    row = re.search(rf'<tr data-run="{run_id}">(.*?)</tr>', html)
    assert row is not None, html
    return dict(re.findall(r'data-survey="([a-z_]+)" data-value="([^"]*)"', row.group(1)))


def test_a_dormant_campaign_from_the_first_template_to_the_page(
    container: Container, client: TestClient[Litestar]
) -> None:
    new_uow: Any = uow_factory(container)
    clients = {n: a_client(new_uow, n) for n in range(1, 5)}
    a_client(new_uow, 5, consent=False)
    agent = {"Authorization": f"Bearer {key(container, Role.AGENT)}"}
    reader_key = key(container, Role.READONLY)
    reader = {"Authorization": f"Bearer {reader_key}"}

    run_id = start_and_send(container, client, agent)
    assert [templates_to(container, n) for n in range(1, 6)] == [1, 1, 1, 1, 0]

    for n in (1, 2):  # two clients answer the whole survey
        for text, payload in COMPLETE:
            say(container, client, n, text, payload)
    say(container, client, 3, "BAJA", None)  # one opts out
    clock(container).advance(timedelta(days=2))
    an_order(new_uow, clients[1], clock(container).now(), SequentialIds(start=900))  # 1 buys
    drain_outbox(container)

    with container.uow() as uow:
        answers = {n: uow.customer_accounts.get(clients[n]) for n in (1, 2, 3, 4)}
        assert uow.opt_outs.is_opted_out(contact_of(3))
    for n in (1, 2):
        account = answers[n]
        assert account is not None
        assert account.survey_answers["quiere_info_stock"] == "si"
        assert account.survey_answers["mismo_rubro"] == "no"
        assert account.survey_answers["rubro_actual"] == "Ahora instalo alarmas"
        assert account.survey_answers["productos_interes"] == "alarmas"
    assert not any(a is not None and a.survey_answers for a in (answers[3], answers[4]))

    # the run report's funnel
    report = client.get(f"{RUNS}/runs/{run_id}", headers=reader)
    assert report.status_code == 200, report.text
    funnel = report.json()
    assert (funnel["dormant"], funnel["selected"], funnel["excluded"]["no_consent"]) == (5, 4, 1)
    assert (funnel["sent"], funnel["answered"], funnel["completed"]) == (4, 2, 2)
    assert (funnel["opted_out"], funnel["recovered"]) == (1, 1)

    # the metrics API: the run's figures, and its conversations
    today = NOW.date().isoformat()
    figures = client.get(
        "/api/v1/metrics/campaigns", params={"run": str(run_id)}, headers=reader
    ).json()
    [run] = figures["runs"]
    total = run["total"]
    assert (run["run_id"], run["campaign"]) == (str(run_id), "dormant")
    assert (total["sent"], total["answered"], total["completed"]) == (4, 2, 2)
    assert (total["opted_out"], total["recovered"]) == (1, 1)
    assert total["survey_completion_rate"] == figures["survey_completion_rate"] == "50.0"
    assert [d["day"] for d in run["days"]] == [today, (NOW + timedelta(days=2)).date().isoformat()]
    assert run["days"][0]["sent"] == 4
    assert run["days"][1]["recovered"] == 1  # the day of the order
    talk = client.get(
        "/api/v1/metrics/conversations", params={"campaign": str(run_id)}, headers=reader
    ).json()["total"]
    assert talk["messages_in"] == 2 * len(COMPLETE) + 1
    assert talk["opt_outs"] == 1  # from the opt-out registry
    assert talk["conversations_responding"] == 3

    # the page shows the same numbers
    login = client.post("/dashboard/login", data={"api_key": reader_key}, follow_redirects=False)
    assert login.status_code == 303, login.text
    page = client.get("/dashboard")
    assert page.status_code == 200, page.text
    shown = page_figures(page.text)
    assert (shown["opt_outs"], shown["survey_completion"]) == ("1", "50.0")
    assert "50,0 %" in page.text
    assert survey_row(page.text, run_id) == {
        "sent": "4",
        "answered": "2",
        "completed": "2",
        "survey_completion": "50.0",
        "opted_out": "1",
        "recovered": "1",
    }
    funnel_table = re.search(
        r'<table class="counts" data-table="campaign">(.*?)</table>', page.text
    )
    assert funnel_table is not None
    steps = dict(re.findall(r"<th scope=\"row\">([^<]+)</th><td>([\d.]+)</td>", funnel_table[1]))
    assert steps["Enviados"] == "4"
    assert (steps["Respondieron"], steps["Completaron"]) == ("2", "2")
    assert (steps["Bajas"], steps["Recuperados"]) == ("1", "1")

    # a later run (dormant again, long after) leaves the opted-out number out
    clock(container).advance(timedelta(days=400))
    second = start_and_send(container, client, agent)
    again = client.get(f"{RUNS}/runs/{second}", headers=reader).json()
    assert again["excluded"]["opted_out"] == 1
    assert (again["dormant"], again["sent"]) == (5, 3)
    assert [templates_to(container, n) for n in range(1, 6)] == [2, 2, 1, 2, 0]
