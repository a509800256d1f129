"""The activity page over HTTP (Litestar's TestClient) on memory and SQLite: the login, the
session cookie, the HTML's figures against the API's, and the page's static files."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from tests.browser.scenario import SYSTEM_ADMIN, api_figures, dashboard_container, fill

from perla_adapters.memory import FixedClock
from perla_core.access.model import Role
from perla_core.access.services import create_api_key, revoke_api_key
from perla_entrypoints.container import Container
from perla_entrypoints.http import create_app
from perla_entrypoints.http.dashboard import SESSION_COOKIE

FIGURE = re.compile(r'data-figure="([a-z_0-9]+)" data-value="([^"]*)"')


@pytest.fixture(params=["memory", "sqlite"])
def container(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Container]:
    url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path}/perla.db"
    with dashboard_container(url, tmp_path) as built:
        yield built


@pytest.fixture
def client(container: Container) -> Iterator[TestClient[Litestar]]:
    with TestClient(create_app(container)) as test_client:
        yield test_client


def a_key(container: Container, role: Role = Role.READONLY) -> tuple[str, str]:
    issued = create_api_key(
        f"{role.value} key",
        role,
        container.uow(),
        container.clock(),
        container.ids(),
        container.secrets(),
    )
    return str(issued.id), issued.key


def log_in(client: TestClient[Litestar], key: str) -> None:
    response = client.post("/dashboard/login", data={"api_key": key}, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/dashboard"


def figures(html: str) -> dict[str, str]:
    return {name: unescape(value) for name, value in FIGURE.findall(html)}


def test_without_a_session_the_page_sends_staff_to_the_login_form(
    client: TestClient[Litestar],
) -> None:
    response = client.get("/dashboard", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard/login"
    form = client.get("/dashboard/login")
    assert form.status_code == 200
    assert form.headers["content-type"].startswith("text/html")
    assert '<form method="post" action="/dashboard/login"' in form.text
    assert 'name="api_key" type="password"' in form.text


@pytest.mark.parametrize("wrong", ["", "not-a-key", "perla_000000000000_guessed-secret"])
def test_a_wrong_key_gets_the_form_again_with_a_401_and_no_cookie(
    client: TestClient[Litestar], wrong: str
) -> None:
    response = client.post("/dashboard/login", data={"api_key": wrong}, follow_redirects=False)
    assert response.status_code == 401
    assert "La clave no es válida o fue revocada." in response.text
    assert "set-cookie" not in response.headers
    if wrong:
        assert wrong not in response.text
    assert client.get("/dashboard", follow_redirects=False).status_code == 303


def test_a_known_prefix_with_a_wrong_secret_is_refused(
    container: Container, client: TestClient[Litestar]
) -> None:
    _, key = a_key(container)
    forged = key[:-4] + ("aaaa" if not key.endswith("aaaa") else "bbbb")
    response = client.post("/dashboard/login", data={"api_key": forged}, follow_redirects=False)
    assert response.status_code == 401
    assert forged not in response.text


@pytest.mark.parametrize("role", list(Role))
def test_any_role_logs_in_with_a_signed_http_only_strict_cookie_that_holds_no_key(
    container: Container, client: TestClient[Litestar], role: Role
) -> None:
    key_id, key = a_key(container, role)
    response = client.post("/dashboard/login", data={"api_key": key}, follow_redirects=False)
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert {"httponly", "path", "max-age", "samesite"} <= attributes
    assert "samesite=strict" in cookie.lower()
    assert "path=/dashboard" in cookie.lower()
    assert key not in cookie
    assert key.split("_", 2)[2] not in cookie  # the secret (it may hold underscores)
    value = cookie.split(";")[0].split("=", 1)[1]
    assert value.split(".")[0] == key_id.replace("-", "")
    page = client.get("/dashboard", follow_redirects=False)
    assert page.status_code == 200
    assert f"{role.value} key" in page.text


def test_the_page_shows_the_apis_figures_in_spanish(
    container: Container, client: TestClient[Litestar]
) -> None:
    fill(container, client)
    _, key = a_key(container)
    log_in(client, key)
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    assert "script-src 'self'" in page.headers["content-security-policy"]
    shown = figures(page.text)
    expected = api_figures(client, {"Authorization": f"Bearer {key}"})
    assert shown == expected
    # Norte and the WhatsApp buyer (its CUIT made a lead); Brisa became a client, Sur was lost
    assert expected["leads"] == "2"
    assert expected["open_inquiries"] == "1"
    assert expected["orders_month"] == "1"
    assert expected["revenue_month"] == "EUR:160.00"
    assert expected["handoffs"] == "1"
    html = page.text
    assert "<h1>Resumen de actividad</h1>" in html
    assert "160,00 EUR" in html
    assert "Lead · Nuevo" in html
    assert "Lead · Perdido" in html
    assert "Cliente · Registrado" in html  # Dome and PerlaHub's doubles registered it
    assert "Pidió hablar con una persona" in html
    assert "Sin campañas todavía." in html
    assert "Nuevo lead registrado" in html
    assert "Pedido realizado" in html
    assert '<canvas id="chart-messages"' in html
    assert '<script type="application/json" id="dashboard-data">' in html
    assert "<script>" not in html  # no inline script: the CSP forbids them


def test_the_charts_series_cover_thirty_days_up_to_today(
    container: Container, client: TestClient[Litestar]
) -> None:
    fill(container, client)
    _, key = a_key(container)
    log_in(client, key)
    html = client.get("/dashboard").text
    found = re.search(r'id="dashboard-data">(.*?)</script>', html)
    assert found is not None
    import json  # noqa: PLC0415 - only here

    series = json.loads(found.group(1))
    assert len(series["labels"]) == 30
    assert series["labels"][-1] == "02/03"
    assert series["messages_in"][-1] == 5
    assert sum(series["messages_in"][:-1]) == 0
    assert series["handoffs"][-1] == 1
    assert series["orders"][-1] == 1


def test_a_tampered_or_expired_cookie_sends_back_to_the_login(
    container: Container, client: TestClient[Litestar]
) -> None:
    _, key = a_key(container)
    log_in(client, key)
    genuine = client.cookies[SESSION_COOKIE]
    key_id, expires, signature = genuine.split(".")
    for forged in (
        f"{key_id}.{int(expires) + 3600}.{signature}",
        f"{key_id}.{expires}.{signature[:-1]}{'1' if signature.endswith('0') else '0'}",
        f"{'0' * 32}.{expires}.{signature}",
        "garbage",
    ):
        client.cookies.clear()
        client.cookies.set(SESSION_COOKIE, forged)
        assert client.get("/dashboard", follow_redirects=False).status_code == 303, forged
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, genuine)
    assert client.get("/dashboard", follow_redirects=False).status_code == 200
    clock = container.clock()
    assert isinstance(clock, FixedClock)
    clock.advance(timedelta(hours=12))
    assert client.get("/dashboard", follow_redirects=False).status_code == 303


def test_revoking_the_key_ends_its_sessions_at_once(
    container: Container, client: TestClient[Litestar]
) -> None:
    key_id, key = a_key(container)
    log_in(client, key)
    assert client.get("/dashboard", follow_redirects=False).status_code == 200
    from uuid import UUID  # noqa: PLC0415

    revoke_api_key(UUID(key_id), container.uow(), container.clock(), SYSTEM_ADMIN)
    assert client.get("/dashboard", follow_redirects=False).status_code == 303
    again = client.post("/dashboard/login", data={"api_key": key}, follow_redirects=False)
    assert again.status_code == 401


def test_logging_out_clears_the_cookie(container: Container, client: TestClient[Litestar]) -> None:
    _, key = a_key(container)
    log_in(client, key)
    response = client.post("/dashboard/logout", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard/login"
    assert f"{SESSION_COOKIE}=" in response.headers["set-cookie"]
    assert SESSION_COOKIE not in client.cookies
    assert client.get("/dashboard", follow_redirects=False).status_code == 303


def test_a_logged_in_visit_to_the_form_goes_to_the_page(
    container: Container, client: TestClient[Litestar]
) -> None:
    _, key = a_key(container)
    log_in(client, key)
    response = client.get("/dashboard/login", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard"


def test_the_vendored_chart_library_and_its_licence_are_served_without_a_cdn(
    client: TestClient[Litestar],
) -> None:
    script = client.get("/dashboard/static/chart.umd.min.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert "Chart.js v4" in script.text[:200]
    licence = client.get("/dashboard/static/chart.js-LICENSE.md")
    assert licence.status_code == 200
    assert "MIT" in licence.text or "Permission is hereby granted" in licence.text
    assert client.get("/dashboard/static/dashboard.js").status_code == 200
    assert client.get("/dashboard/static/dashboard.css").status_code == 200
    assert client.get("/dashboard/static/../http/dashboard.py").status_code == 404


def test_the_html_routes_are_not_in_the_openapi_document(client: TestClient[Litestar]) -> None:
    paths = client.get("/schema/openapi.json").json()["paths"]
    assert not [path for path in paths if path.startswith("/dashboard")]
