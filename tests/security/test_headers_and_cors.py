"""Security headers on answers the route walk does not make (unknown paths, 500s, the HTML
pages, preflights), and CORS only for the configured origins.

Every operation of the schema is checked for the headers (and for no CORS header without
configured origins) by ``test_route_roles``' walk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from dependency_injector import providers
from litestar.testing import TestClient
from tests.security.conftest import Built, key_of

from perla_core.access.model import Role
from perla_entrypoints.container import build_container
from perla_entrypoints.http import create_app
from perla_entrypoints.http.assistant_page import PAGE_CSP
from perla_entrypoints.http.dashboard import CONTENT_SECURITY_POLICY

Json = dict[str, Any]
ProblemCheck = Callable[..., Json]

APP = "https://app.perlatours.com"
ADMIN_PAGE = "https://admin.perlatours.com"
STRANGER = "https://evil.example"
LEAD = {"trade_name": "Viajes Brisa", "country": "ES", "email": "hola@viajesbrisa.es"}
BASELINE = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


@pytest.fixture(scope="module")
def cors(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    """One app allowing two origins, for the module."""
    data = tmp_path_factory.mktemp("cors")
    container = build_container(
        database_url="memory://", data_dir=str(data), cors_origins=f"{APP}, {ADMIN_PAGE}"
    )
    container.storage().migrate()
    with TestClient(create_app(container)) as client:
        yield container, client
    container.storage().close()


def _has_baseline(response: Any) -> None:
    for name, value in BASELINE.items():
        assert response.headers.get(name) == value, (name, response.status_code)


class BrokenClock:
    def now(self) -> datetime:
        raise RuntimeError("clock exploded")


def test_errors_outside_any_route_carry_the_headers_too(cors: Built) -> None:
    container, client = cors
    unknown = client.get("/nothing/here")
    assert unknown.status_code == 404
    _has_baseline(unknown)
    api_unknown = client.get("/api/v1/nothing")
    assert api_unknown.status_code in (401, 404)
    _has_baseline(api_unknown)
    assert api_unknown.headers["cache-control"] == "no-store"
    # a 500 as well
    agent = {"Authorization": f"Bearer {key_of(container, Role.AGENT)}"}
    with container.clock.override(providers.Object(BrokenClock())):
        failed = client.post("/api/v1/leads", json=LEAD, headers=agent)
    assert failed.status_code == 500
    _has_baseline(failed)
    assert failed.headers["cache-control"] == "no-store"


def test_the_html_pages_keep_their_own_policy_and_get_the_rest(cors: Built) -> None:
    _, client = cors
    login = client.get("/dashboard/login")
    assert login.status_code == 200, login.text
    assistant = client.get("/assistant", follow_redirects=False)
    assert assistant.status_code == 303, assistant.text
    for response, policy in ((login, CONTENT_SECURITY_POLICY), (assistant, PAGE_CSP)):
        _has_baseline(response)
        assert response.headers["content-security-policy"] == policy
        assert response.headers["cache-control"] == "no-store"


def test_the_probes_are_not_marked_no_store_but_are_protected(cors: Built) -> None:
    _, client = cors
    for path in ("/health", "/ready"):
        response = client.get(path)
        assert response.status_code == 200
        _has_baseline(response)
        assert "no-store" not in response.headers.get("cache-control", "")


def test_a_configured_origin_gets_cors_and_a_working_preflight(cors: Built) -> None:
    container, client = cors
    reader = {"Authorization": f"Bearer {key_of(container, Role.READONLY)}"}
    for origin in (APP, ADMIN_PAGE):
        preflight = client.options(
            "/api/v1/leads",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        assert preflight.status_code in (200, 204), preflight.text
        assert preflight.headers["access-control-allow-origin"] == origin
        assert "POST" in preflight.headers["access-control-allow-methods"]
        allowed = preflight.headers["access-control-allow-headers"].lower()
        assert "authorization" in allowed
        assert "content-type" in allowed
        _has_baseline(preflight)
        listed = client.get("/api/v1/leads", headers={**reader, "Origin": origin})
        assert listed.status_code == 200
        assert listed.headers["access-control-allow-origin"] == origin
        assert "retry-after" in listed.headers["access-control-expose-headers"].lower()
        assert "access-control-allow-credentials" not in listed.headers


def test_another_origin_gets_no_cors_header(cors: Built) -> None:
    container, client = cors
    reader = {"Authorization": f"Bearer {key_of(container, Role.READONLY)}"}
    preflight = client.options(
        "/api/v1/leads",
        headers={"Origin": STRANGER, "Access-Control-Request-Method": "DELETE"},
    )
    assert preflight.status_code >= 400
    assert "access-control-allow-origin" not in preflight.headers
    listed = client.get("/api/v1/leads", headers={**reader, "Origin": STRANGER})
    assert listed.status_code == 200  # not a browser: CORS only tells browsers what to allow
    assert "access-control-allow-origin" not in listed.headers


def test_without_configured_origins_no_cors_header_is_sent(
    app_with: Callable[..., Built],
) -> None:
    container, client = app_with()
    reader = {"Authorization": f"Bearer {key_of(container, Role.READONLY)}"}
    listed = client.get("/api/v1/leads", headers={**reader, "Origin": APP})
    preflight = client.options(
        "/api/v1/leads", headers={"Origin": APP, "Access-Control-Request-Method": "GET"}
    )
    for response in (listed, preflight):
        assert not [h for h in response.headers if h.startswith("access-control-")]
        _has_baseline(response)
