"""Schemathesis over the whole OpenAPI document, against the app on PostgreSQL.

Every operation of ``/schema/openapi.json`` gets generated requests (an admin API key, the
webhooks' shared secret, the payments webhook's signature over the exact bytes sent) and every
answer must be no 5xx, a documented status code, a documented content type and headers, and a
body that matches the documented schema. Requests the server refuses (a 400 for an unknown
field, a 422 for a business rule) are fine as long as they are documented: this is not a
"schema-valid data is accepted" check, because the schema cannot carry every business rule.

Bounded for CI (a few derandomized examples per operation); ``nox -s fuzz`` runs many more.
No operation is skipped silently: :data:`EXCLUDED` names each one left out, with the reason,
and ``test_every_operation_is_fuzzed_or_excluded_with_a_reason`` fails on any other gap.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import attrs
import pytest
import requests
import schemathesis
from hypothesis import given
from litestar import Litestar
from litestar.testing import TestClient
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.schemas import OpenApiSchema
from tests.fuzz.budget import fuzz_settings

from perla_core.access.model import Role
from perla_core.access.services import create_api_key
from perla_core.orders.signing import SIGNATURE_HEADER, signature_of
from perla_entrypoints.container import build_container
from perla_entrypoints.http import create_app

pytestmark = pytest.mark.postgres

SCHEMA_PATH = "/schema/openapi.json"
ZENVIA_SECRET = "fuzz-zenvia-secret"
PAYMENTS_SECRET = "fuzz-payments-secret"
PAYMENTS_WEBHOOK = "/webhooks/payments"

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

UNLIMITED = 1_000_000
"""Every rate limit's value here: one client sends thousands of requests a minute, and the
limits would answer 429 to most and hide the routes behind them (tests/security proves the
limits themselves)."""

EXCLUDED: dict[tuple[str, str], str] = {}
"""``(METHOD, path)`` → why the operation is not fuzzed. Empty: every operation is."""


@attrs.frozen
class FuzzedApi:
    app: Any
    headers: dict[str, str]


@pytest.fixture(scope="module")
def fuzz_database(postgres_url: str) -> Iterator[str]:
    """A database of its own: the fuzzer writes whatever it likes, next to no other test."""
    import psycopg  # noqa: PLC0415 - an optional extra, present when postgres_url is
    from psycopg import sql  # noqa: PLC0415

    name = f"perla_fuzz_{secrets.token_hex(6)}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield postgres_url.rsplit("/", 1)[0] + f"/{name}"
        finally:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture(scope="module")
def fuzzed_api(fuzz_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzedApi]:
    """The app on a migrated PostgreSQL database, with an admin key and both webhook secrets."""
    data_dir: Path = tmp_path_factory.mktemp("fuzz")
    container = build_container(
        database_url=fuzz_database,
        data_dir=str(data_dir),
        zenvia_webhook_secret=ZENVIA_SECRET,
        payments_webhook_secret=PAYMENTS_SECRET,
        api_rate_limit=UNLIMITED,
        web_form_rate_limit=UNLIMITED,
        zenvia_webhook_rate_limit=UNLIMITED,
        payments_webhook_rate_limit=UNLIMITED,
    )
    container.storage().migrate()
    key = create_api_key(
        "fuzz admin",
        Role.ADMIN,
        container.uow(),
        container.clock(),
        container.ids(),
        container.secrets(),
    ).key
    settings = container.settings()
    headers = {
        "Authorization": f"Bearer {key}",
        settings.zenvia_webhook_header: ZENVIA_SECRET,
    }
    yield FuzzedApi(create_app(container), headers)
    container.storage().close()


def _load(app: Any) -> OpenApiSchema:
    config = SchemathesisConfig.from_dict({"seed": 20261124})
    return schemathesis.openapi.from_asgi(SCHEMA_PATH, app, config=config)


def _document_operations() -> list[tuple[str, str]]:
    """Every ``(METHOD, path)`` of the document, read at collection from an in-memory app."""
    with tempfile.TemporaryDirectory() as data_dir:
        app = create_app(build_container(database_url="memory://", data_dir=data_dir))
        document = app.openapi_schema.to_schema()
    return sorted(
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in HTTP_METHODS
    )


HTTP_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options", "trace"})
OPERATIONS = _document_operations()
FUZZED = [operation for operation in OPERATIONS if operation not in EXCLUDED]


@pytest.fixture(scope="module")
def api_schema(fuzzed_api: FuzzedApi) -> OpenApiSchema:
    """The document as the PostgreSQL-backed app serves it."""
    return _load(fuzzed_api.app)


def _signed(case: Case[Any], headers: dict[str, str]) -> dict[str, str]:
    """``headers`` plus the payments webhook's signature over the bytes requests will send."""
    if case.path != PAYMENTS_WEBHOOK:
        return headers
    kwargs = case.as_transport_kwargs(base_url="http://testserver")
    prepared = requests.Request(
        method=kwargs["method"], url=kwargs["url"], json=kwargs.get("json"), data=kwargs.get("data")
    ).prepare()
    body = prepared.body or b""
    raw = body.encode() if isinstance(body, str) else bytes(cast("bytes", body))
    return {**headers, SIGNATURE_HEADER: signature_of(PAYMENTS_SECRET, raw)}


@pytest.mark.parametrize(("method", "path"), FUZZED, ids=[f"{m} {p}" for m, p in FUZZED])
def test_every_answer_is_documented_and_no_5xx(
    method: str, path: str, api_schema: OpenApiSchema, fuzzed_api: FuzzedApi
) -> None:
    operation = api_schema[path][method]

    @given(case=operation.as_strategy())
    @fuzz_settings(ci=8, long=300)
    def answers_within_its_schema(case: Case[Any]) -> None:
        case.call_and_validate(headers=_signed(case, fuzzed_api.headers), checks=CHECKS)

    answers_within_its_schema()


def test_every_operation_is_fuzzed_or_excluded_with_a_reason(api_schema: OpenApiSchema) -> None:
    """The served document has exactly the operations fuzzed here plus the excluded ones."""
    results = list(api_schema.get_all_operations())
    assert all(isinstance(result, Ok) for result in results), "the document has errors"
    served = {
        (result.ok().method.upper(), result.ok().path)
        for result in results
        if isinstance(result, Ok)
    }
    assert len(served) > 100, "the document lost its operations"
    assert served == set(OPERATIONS)
    assert set(EXCLUDED) <= served, set(EXCLUDED) - served
    assert all(reason.strip() for reason in EXCLUDED.values())
    assert set(FUZZED) | set(EXCLUDED) == served


# --- what the fuzzer found, pinned ------------------------------------------------------------


@pytest.fixture(scope="module")
def client(fuzzed_api: FuzzedApi) -> Iterator[TestClient[Litestar]]:
    with TestClient(fuzzed_api.app) as test_client:
        yield test_client


def test_text_with_a_nul_character_is_refused_naming_the_field_not_a_500(
    client: TestClient[Litestar], fuzzed_api: FuzzedApi
) -> None:
    lead = {"trade_name": "Sol\x00", "country": "ES", "email": "a@sol.es", "markets": ["ES"]}
    created = client.post("/api/v1/leads", json=lead, headers=fuzzed_api.headers)
    searched = client.get("/api/v1/inquiries", params={"q": "a\x00"}, headers=fuzzed_api.headers)
    assert created.status_code == 422, created.text
    assert created.json()["errors"][0]["field"] == "trade_name"
    assert searched.status_code == 422, searched.text
    assert searched.json()["errors"][0]["field"] == "search_text"


def test_a_sku_outside_latin_1_gets_a_percent_encoded_location(
    client: TestClient[Litestar], fuzzed_api: FuzzedApi
) -> None:
    product = {"brand": "Sol", "model": "Ñ-1", "category": "power"}
    response = client.put(
        "/api/v1/catalogue/products/CÁM-😀", json=product, headers=fuzzed_api.headers
    )
    assert response.status_code == 201, response.text
    assert response.headers["location"] == "/api/v1/catalogue/products/C%C3%81M-%F0%9F%98%80"


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/api/v1/leads", {"offset": 10**20}, 400),
        ("/api/v1/clients", {"offset": 1_000_000_001}, 400),
        ("/api/v1/carts/kpis", {"abandoned_after_hours": 10**12}, 400),
        ("/api/v1/carts", {"abandoned_after_hours": 87_601}, 400),
        ("/api/v1/metrics/conversations", {"window_hours": 10**20}, 422),
    ],
)
def test_numbers_past_what_the_database_or_the_calendar_holds_are_refused(
    client: TestClient[Litestar],
    fuzzed_api: FuzzedApi,
    path: str,
    params: dict[str, int],
    status: int,
) -> None:
    response = client.get(path, params=params, headers=fuzzed_api.headers)
    assert response.status_code == status, response.text
