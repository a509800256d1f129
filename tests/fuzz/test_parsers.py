"""Every parser of outside data, fed arbitrary and structured-but-wrong input.

The property is the same for each: a typed perla error (a :class:`PerlaError` subclass, the
documented one where a parser documents it) or a valid result, never another exception. Over
HTTP, the webhooks answer a documented status, never a 500. Structured-but-wrong input starts
from a valid sample and mutates it: keys dropped, values replaced by any JSON, text garbled.

Bounded for CI; ``nox -s fuzz`` (``PERLA_FUZZ_LONG=1``) runs many more examples.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import io
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st
from litestar import Litestar
from litestar.testing import TestClient
from tests.fuzz.budget import fuzz_settings

from perla_adapters.flows.yaml_source import load_flow_text
from perla_adapters.mail.inbound import parse_inbound_email
from perla_adapters.memory import FixedClock, SequentialIds
from perla_adapters.memory.hotels import InMemoryHotelDirectory, InMemoryHotelImportLog
from perla_adapters.zenvia.wire import parse_event
from perla_core.catalogue.files import read_catalogue
from perla_core.catalogue.imports import parse_row
from perla_core.flows.parsing import FlowReport
from perla_core.hotels.files import read_rows
from perla_core.hotels.imports import import_hotels
from perla_core.kernel.errors import InvalidValue, PerlaError
from perla_core.mail.inbound import InboundEmail
from perla_core.messaging import InvalidWebhookEvent
from perla_core.orders.signing import SIGNATURE_HEADER, signature_of
from perla_entrypoints.container import build_container
from perla_entrypoints.http import create_app

Json = Any
FLOWS = Path(__file__).parents[2] / "src" / "perla_entrypoints" / "data" / "flows"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

# --- strategies ------------------------------------------------------------------------------

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(["", " ", "0", "-1", "1e400", "NaN", "2024-02-30", "\x00", "\ud800x", "…"]),
)
ANY_JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)


@st.composite
def mutated(draw: st.DrawFn, sample: Json) -> Json:
    """``sample`` with some of its keys dropped, values replaced by any JSON, or text garbled."""
    if isinstance(sample, dict):
        out: dict[str, Json] = {}
        for key, value in sample.items():
            action = draw(st.sampled_from(["keep", "keep", "mutate", "replace", "drop"]))
            if action == "keep":
                out[key] = value
            elif action == "mutate":
                out[key] = draw(mutated(value))
            elif action == "replace":
                out[key] = draw(ANY_JSON)
        out.update(draw(st.dictionaries(st.text(max_size=8), ANY_JSON, max_size=2)))
        return out
    if isinstance(sample, list):
        items = [draw(mutated(item)) for item in sample]
        return draw(st.sampled_from([items, [], items * 3, [*items, draw(ANY_JSON)]]))
    if isinstance(sample, str):
        return draw(st.one_of(st.just(sample), st.text(max_size=30), st.just(sample * 50)))
    return draw(st.one_of(st.just(sample), SCALARS))


def _typed_or_valid(parse: Callable[[], object], *typed: type[BaseException]) -> object | None:
    """Run ``parse``: its result, or ``None`` when it raised one of the ``typed`` errors."""
    try:
        return parse()
    except typed:
        return None


# --- Zenvia's webhook bodies -----------------------------------------------------------------

ZENVIA_INBOUND: dict[str, Json] = {
    "id": "3fcdb9f9-a44d-4bb2-944c-84cc104e2e9d",
    "timestamp": "2024-07-10T14:02:11.585Z",
    "type": "MESSAGE",
    "subscriptionId": "5d0f95c8-2430-4337-8077-df9c5a751354",
    "channel": "whatsapp",
    "direction": "IN",
    "message": {
        "id": "32f878df-7e22-4f76-a220-c9b9960f8f92",
        "from": "5491144445555",
        "to": "5491100000000",
        "direction": "IN",
        "channel": "whatsapp",
        "timestamp": "2024-07-10T14:02:10Z",
        "visitor": {"name": "Ana Souza"},
        "contents": [
            {"type": "text", "text": "Hola, ¿tienen cámaras?"},
            {"type": "file", "fileUrl": "https://x.example/a.jpg", "fileMimeType": "image/jpeg"},
            {"type": "location", "latitude": -34.6, "longitude": -58.4, "name": "Casa"},
        ],
    },
}
ZENVIA_STATUS: dict[str, Json] = {
    "id": "65690785-99d3-45a4-8d76-3c04529b795c",
    "timestamp": "2024-07-10T14:03:45.896Z",
    "type": "MESSAGE_STATUS",
    "channel": "whatsapp",
    "messageId": "7391518c-e719-468c-812a-ab00a8b442e4",
    "message": {"id": "7391518c-e719-468c-812a-ab00a8b442e4", "externalId": "ext-1"},
    "messageStatus": {
        "timestamp": "2024-07-10T11:03:44-03:00",
        "code": "REJECTED",
        "causes": [{"channelErrorCode": "131047", "reason": "window", "details": "re-engage"}],
    },
}
ZENVIA_EVENTS = st.one_of(ANY_JSON, mutated(ZENVIA_INBOUND), mutated(ZENVIA_STATUS))


@given(ZENVIA_EVENTS)
@fuzz_settings(ci=150, long=5000)
@example(ZENVIA_INBOUND)
@example(ZENVIA_STATUS)
def test_a_zenvia_event_is_read_or_refused_as_an_invalid_webhook_event(data: Json) -> None:
    _typed_or_valid(lambda: parse_event(data), InvalidWebhookEvent)


# --- the webhooks over HTTP (memory adapters: every byte the route reads) ----------------------

ZENVIA_SECRET = "fuzz-zenvia"
PAYMENTS_SECRET = "fuzz-payments"

PAYMENT: dict[str, Json] = {
    "payment_id": "pay-0001",
    "order_number": 1,
    "amount": "1250.50",
    "currency": "ARS",
    "method": "transfer",
    "paid_at": "2026-11-24T10:00:00-03:00",
}


@pytest.fixture(scope="module")
def webhooks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient[Litestar]]:
    """The app on the memory adapters, with both webhooks' secrets and no rate limits."""
    container = build_container(
        database_url="memory://",
        data_dir=str(tmp_path_factory.mktemp("webhooks")),
        zenvia_webhook_secret=ZENVIA_SECRET,
        payments_webhook_secret=PAYMENTS_SECRET,
        zenvia_webhook_rate_limit=1_000_000,
        payments_webhook_rate_limit=1_000_000,
    )
    container.storage().migrate()
    with TestClient(create_app(container)) as client:
        yield client
    container.storage().close()


@pytest.fixture(scope="module")
def documented(webhooks: TestClient[Litestar]) -> dict[str, set[int]]:
    """Each webhook's documented statuses but the 5xx (the secrets are configured)."""
    app: Litestar = webhooks.app
    paths = app.openapi_schema.to_schema()["paths"]
    return {
        path: {int(s) for s in paths[path]["post"]["responses"] if int(s) < 500}
        for path in ("/webhooks/zenvia", "/webhooks/payments")
    }


def _bodies(*samples: Json) -> st.SearchStrategy[bytes]:
    """Raw bytes, any JSON, and each sample mutated, as the bytes sent."""
    as_json = st.one_of(ANY_JSON, *(mutated(s) for s in samples)).map(
        lambda value: json.dumps(value).encode()
    )
    return st.one_of(st.binary(max_size=300), as_json)


@given(_bodies(ZENVIA_INBOUND, ZENVIA_STATUS))
@fuzz_settings(ci=60, long=2000)
@example(json.dumps(ZENVIA_INBOUND).encode())
@example(b"\xff\xfe")
def test_the_zenvia_webhook_answers_any_body_with_a_documented_status(
    webhooks: TestClient[Litestar], documented: dict[str, set[int]], body: bytes
) -> None:
    response = webhooks.post(
        "/webhooks/zenvia",
        content=body,
        headers={"X-Perla-Webhook-Secret": ZENVIA_SECRET, "Content-Type": "application/json"},
    )
    assert response.status_code in documented["/webhooks/zenvia"], response.text


@given(_bodies(PAYMENT))
@fuzz_settings(ci=60, long=2000)
@example(json.dumps(PAYMENT).encode())
@example(b'{"payment_id": "p", "order_number": 1, "amount": 1e999, "currency": "ARS"}')
def test_the_payments_webhook_answers_any_signed_body_with_a_documented_status(
    webhooks: TestClient[Litestar], documented: dict[str, set[int]], body: bytes
) -> None:
    response = webhooks.post(
        "/webhooks/payments",
        content=body,
        headers={
            SIGNATURE_HEADER: signature_of(PAYMENTS_SECRET, body),
            "Content-Type": "application/json",
        },
    )
    assert response.status_code in documented["/webhooks/payments"], response.text


# --- inbound e-mails (MIME → InboundEmail) ----------------------------------------------------

HEADER_LINES = st.sampled_from(
    [
        b"From: =?utf-8?q?Luc=C3=ADa?= <lucia@sol.es>",
        b"From: <>",
        b"To: reservas+AbC123@perlatours.com",
        b"Subject: =?iso-8859-1?b?SG9sYQ==?=",
        b"Subject: =?x-unknown?q?=FF?=",
        b"Message-ID: <a@b>",
        b"In-Reply-To: <",
        b"Date: Tue, 31 Feb 2026 25:61:00 +9999",
        b"Content-Type: multipart/mixed; boundary=XX",
        b"Content-Type: multipart/alternative",
        b"Content-Type: text/html; charset=bogus",
        b"Content-Transfer-Encoding: base64",
        b"Content-Transfer-Encoding: quoted-printable",
        b"Content-Disposition: attachment; filename*=utf-8''%FF",
        b"\tfolded",
    ]
)
BODY_LINES = st.one_of(
    st.binary(max_size=40),
    st.sampled_from([b"--XX", b"--XX--", b"<p>Hola</p>", b"=C3=A1", b"SGVsbG8=", b"=\xff", b""]),
)


@st.composite
def mime_messages(draw: st.DrawFn) -> bytes:
    headers = draw(st.lists(HEADER_LINES, max_size=8))
    body = draw(st.lists(BODY_LINES, max_size=8))
    newline = draw(st.sampled_from([b"\n", b"\r\n"]))
    return newline.join([*headers, b"", *body])


@given(st.one_of(st.binary(max_size=500), mime_messages()))
@fuzz_settings(ci=150, long=5000)
def test_any_bytes_are_an_inbound_email_or_an_invalid_value(raw: bytes) -> None:
    email = _typed_or_valid(lambda: parse_inbound_email(raw, received_at=NOW), InvalidValue)
    assert email is None or isinstance(email, InboundEmail)


# --- catalogue and hotel files (CSV, JSON) ----------------------------------------------------

CATALOGUE_ROW: dict[str, Json] = {
    "sku": "CAM-001",
    "marca": "Hikvision",
    "modelo": "DS-2CD1043G2",
    "categoria": "camera",
    "precio": "125.50",
    "moneda": "USD",
    "stock": "12",
    "deposito": "central",
    "iva": "21",
}
HOTEL_ROW: dict[str, Json] = {
    "name": "Hotel Sol",
    "address": "Calle Mayor 1",
    "city": "Madrid",
    "country": "ES",
    "stars": "4*",
    "phone": "+34 910 000 000",
    "email": "info@sol.es",
    "latitude": "40.41",
    "longitude": "-3.70",
    "ref": "H-1",
}


def _csv_text(rows: list[dict[str, Json]], delimiter: str) -> str:
    columns = sorted({str(key) for row in rows for key in row})
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([json.dumps(row[c]) if c in row else "" for c in columns])
    return out.getvalue()


def files(row: dict[str, Json]) -> st.SearchStrategy[tuple[str, str]]:
    """``(file name, text)``: any text, or rows mutated from ``row`` as CSV or JSON."""
    rows = st.lists(mutated(row), max_size=4)
    as_csv = st.tuples(rows, st.sampled_from([",", ";", "\t", "|"])).map(
        lambda args: ("rows.csv", _csv_text(*args))
    )
    as_json = st.one_of(rows, ANY_JSON, st.builds(lambda r: {"items": r}, rows)).map(
        lambda value: ("rows.json", json.dumps(value))
    )
    as_lines = rows.map(lambda r: ("rows.jsonl", "\n".join(json.dumps(x) for x in r)))
    as_text = st.tuples(st.sampled_from(["x.csv", "x.json", "x.txt"]), st.text(max_size=300))
    return st.one_of(as_csv, as_json, as_lines, as_text)


@given(files(CATALOGUE_ROW))
@fuzz_settings(ci=100, long=3000)
@example(("rows.csv", 'sku,brand\nA,"x\rb"'))  # long run: a lone CR (csv.Error)
@example(("rows.csv", "sku\r\nA\rB\n"))
@example(("rows.csv", "sku,marca,modelo,categoria,precio\nA,b,c,camera,1e26"))  # long run
def test_a_catalogue_file_is_rows_or_a_typed_error_and_each_row_parses_or_is_refused(
    file: tuple[str, str],
) -> None:
    name, text = file
    try:
        rows = list(read_catalogue(text, name))
    except PerlaError:
        return
    for row in rows:
        with contextlib.suppress(PerlaError):
            parse_row(row, NOW)


@given(files(HOTEL_ROW))
@fuzz_settings(ci=100, long=3000)
@example(("rows.json", '[{"name": "\\ud800x"}]'))  # long run: a lone surrogate (hash)
def test_a_hotel_file_is_imported_or_refused_with_a_typed_error(file: tuple[str, str]) -> None:
    name, text = file

    def run() -> object:
        return import_hotels(
            read_rows(text, name),
            InMemoryHotelDirectory(),
            InMemoryHotelImportLog(),
            clock=FixedClock(),
            ids=SequentialIds(),
            source="fuzz",
            file_name=name,
            actor="fuzz",
        )

    _typed_or_valid(run, PerlaError)


# --- flow and survey YAML ---------------------------------------------------------------------

SHIPPED = {path.name: yaml.safe_load(path.read_text(encoding="utf-8")) for path in FLOWS.glob("*")}
YAML_SCRAPS = st.sampled_from(
    ["steps:", "  - ", "start: x", "&a [*a]", "!!python/object:os.system", "? [a]\n: b", "\t", "{"]
)


@st.composite
def flow_texts(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["mutated", "text", "scraps"]))
    if kind == "mutated":
        sample = copy.deepcopy(SHIPPED[draw(st.sampled_from(sorted(SHIPPED)))])
        return yaml.safe_dump(draw(mutated(sample)), allow_unicode=True)
    if kind == "scraps":
        return "\n".join(draw(st.lists(YAML_SCRAPS, max_size=10)))
    return draw(st.text(max_size=300))


def test_the_shipped_flow_and_survey_are_valid() -> None:
    """The mutations start from valid files (else the fuzzing below proves little)."""
    assert sorted(SHIPPED) == ["dormant_survey.yaml", "microcom.yaml"]
    for name in SHIPPED:
        report = load_flow_text((FLOWS / name).read_text(encoding="utf-8"), name)
        assert report.ok, report.errors


@given(flow_texts())
@fuzz_settings(ci=60, long=2000)
@example("&a [*a]")  # found by the long run: a recursive alias (RecursionError)
@example("steps: &s {start: *s}")
@example("[" * 5000 + "]" * 5000)
@example("start: a\nsteps:\n  a:\n    type: [menu]")  # long run: an unhashable type
def test_any_flow_or_survey_yaml_gives_a_report_never_an_exception(text: str) -> None:
    report = load_flow_text(text, "fuzz.yaml")
    assert isinstance(report, FlowReport)
    assert (report.flow is not None) == report.ok
