"""The data the activity page is tested with, made through the HTTP API and Zenvia's webhook
on a fixed clock: leads (one converted to a client, one lost), a placed order, a phone
inquiry, and the WhatsApp conversations of ``tests/e2e/test_metrics_api.py`` (a purchase by
WhatsApp, a handoff with an operator's reply that is read and never answered, an opt-out).

Also :func:`api_figures`: the key figures as the API reports them, to check the page against.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

from dependency_injector import providers
from litestar import Litestar
from litestar.testing import TestClient
from tests.e2e.test_catalogue_bot import CATALOGUE
from tests.e2e.test_metrics_api import ADMIN, T0, conversations_of, key
from tests.e2e.test_webhooks import SECRET

from perla_adapters.memory import FixedClock, InMemoryMailer
from perla_core.access.model import Role
from perla_core.catalogue.files import read_catalogue
from perla_core.catalogue.imports import import_catalogue
from perla_entrypoints.catalogue_cli import rebuild_search_index
from perla_entrypoints.container import Container, build_container, uow_factory

Json = dict[str, Any]
LEADS = "/api/v1/leads"
ORDERS = "/api/v1/orders"
NOW = T0 + timedelta(hours=2)
"""When the page is looked at: after the conversations (the clock stays here)."""
OPEN_STAGES = ("inquiry", "quoted", "confirmed")


@contextmanager
def dashboard_container(url: str, data_dir: Path) -> Iterator[Container]:
    """A container on ``url`` with the catalogue imported and a fixed clock before ``T0``."""
    built = build_container(
        database_url=url,
        data_dir=str(data_dir),
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
    try:
        yield built
    finally:
        built.storage().close()


def _ok(response: Any, status: int = 200) -> Json:
    assert response.status_code == status, response.text
    body: Json = response.json()
    return body


def _lead(name: str, tax_id: str | None = None) -> Json:
    body: Json = {
        "trade_name": name,
        "country": "ES",
        "email": "hola@viajesbrisa.es",
        "phone": "+34 943 71 19 52",
        "markets": ["es"],
        "source": "fitur",
    }
    if tax_id is not None:
        body["tax_id"] = tax_id
    return body


def fill(container: Container, client: TestClient[Litestar]) -> None:
    """Everything the page shows, through the API (see the module docstring)."""
    agent = key(container, Role.AGENT)
    _ok(client.post(LEADS, json=_lead("Viajes Norte"), headers=agent), 201)
    lost = _ok(client.post(LEADS, json=_lead("Viajes Sur"), headers=agent), 201)
    _ok(
        client.post(
            f"{LEADS}/{lost['id']}/transitions",
            json={"action": "mark_lost", "reason": "sin interés"},
            headers=agent,
        )
    )
    party = _convert(
        client, agent, _ok(client.post(LEADS, json=_lead("Viajes Brisa"), headers=agent), 201)
    )
    line = {"description": "Noche en doble", "quantity": 2, "unit_price": "80.00"}
    order = _ok(
        client.post(
            ORDERS,
            json={"client_id": party["id"], "currency": "EUR", "lines": [line]},
            headers=agent,
        ),
        201,
    )
    clock = container.clock()
    assert isinstance(clock, FixedClock)
    clock.set(T0 - timedelta(minutes=30))
    _ok(
        client.post(
            f"{ORDERS}/{order['id']}/place", json={"version": order["version"]}, headers=agent
        )
    )
    today = T0.astimezone(UTC).date()
    inquiry = {
        "guest_name": "Lucía Gómez",
        "guest_email": "lucia.gomez@example.com",
        "channel": "phone",
        "check_in": (today + timedelta(days=30)).isoformat(),
        "check_out": (today + timedelta(days=33)).isoformat(),
        "adults": 2,
        "message": "Pregunta por una doble con vistas al mar",
    }
    _ok(client.post("/api/v1/inquiries", json=inquiry, headers=agent), 201)
    conversations_of(container, client)
    assert clock.now() == NOW


def _convert(client: TestClient[Litestar], agent: dict[str, str], lead: Json) -> Json:
    url = f"{LEADS}/{lead['id']}"
    details = {
        "version": lead["version"],
        "legal_name": "Viajes Brisa S.L.",
        "tax_id": "B58378431",
        "business_type": "travel_agency",
        "addresses": [
            {
                "line1": "Calle Mayor 1",
                "city": "Madrid",
                "postal_code": "28013",
                "country": "ES",
                "default_billing": True,
            }
        ],
        "contacts": [
            {"role": "administration", "name": "Lucía Pérez", "email": "lucia@viajesbrisa.es"}
        ],
    }
    _ok(client.patch(url, json=details, headers=agent))
    _ok(client.post(f"{url}/transitions", json={"action": "mark_contacted"}, headers=agent))
    return _ok(client.post(f"{url}/convert", json={}, headers=agent))


def api_figures(client: Any, headers: dict[str, str]) -> dict[str, str]:
    """The page's key figures as the API gives them (``client``: a TestClient or httpx)."""

    def total(path: str, **params: str) -> int:
        found: int = _ok(client.get(path, params=params, headers=headers))["total"]
        return found

    stages = _ok(client.get("/api/v1/inquiries/stages", headers=headers))["stages"]
    metrics = _ok(client.get("/api/v1/metrics/conversations", headers=headers))["total"]
    surveys = _ok(client.get("/api/v1/metrics/campaigns", headers=headers))
    placed = _ok(client.get(ORDERS, params={"status": "placed"}, headers=headers))["items"]
    leads = total(LEADS) - total(LEADS, status="lost") - total(LEADS, status="won")
    return {
        "leads": str(leads),
        "live_clients": str(total("/api/v1/clients", status="live")),
        "open_inquiries": str(sum(s["total"] for s in stages if s["stage"] in OPEN_STAGES)),
        "orders_month": str(len(placed)),
        "revenue_month": ";".join(
            f"{o['total']['currency']}:{o['total']['amount']}" for o in placed
        ),
        "messages_in": str(metrics["messages_in"]),
        "messages_out": str(metrics["messages_out"]),
        "handoffs": str(metrics["handoffs_total"]),
        "bot_response_p50": metrics["response"]["bot"]["p50_seconds"] or "",
        "seen_unanswered": str(metrics["seen_unanswered"]),
        "opt_outs": str(metrics["opt_outs"]),
        "survey_completion": surveys["survey_completion_rate"] or "",
    }


SYSTEM_ADMIN = ADMIN
"""The actor tests revoke keys as."""
