"""The hotel directory over HTTP: an import uploaded as a file, its status and report, a match
from a partial description, and a supplier request pre-filled from the confident match."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

Headers = dict[str, str]
Json = dict[str, Any]
ProblemCheck = Callable[..., Json]

HOTELS = "/api/v1/hotels"
SAMPLE = resources.files("perla_entrypoints") / "data" / "hotels_sample.csv"


def _import_sample(client: TestClient[Litestar], agent: Headers) -> Json:
    response = client.post(
        f"{HOTELS}/imports",
        content=SAMPLE.read_bytes(),
        params={"file_name": "hotels_sample.csv", "source": "hotelbeds"},
        headers={**agent, "content-type": "text/csv"},
    )
    assert response.status_code == 202, response.text
    started: Json = response.json()
    assert response.headers["location"] == f"{HOTELS}/imports/{started['id']}"
    status = client.get(response.headers["location"], headers=agent)
    assert status.status_code == 200
    done: Json = status.json()
    return done


@pytest.mark.parametrize("container", ["memory", "sqlite"], indirect=True)
def test_an_uploaded_file_is_imported_and_reported(
    client: TestClient[Litestar], agent: Headers, reader: Headers
) -> None:
    report = _import_sample(client, agent)
    assert report["status"] == "completed"
    assert report["source"] == "hotelbeds"
    assert report["rows_read"] == report["rows_stored"] + report["rows_rejected"]
    assert report["rows_rejected"] >= 1
    assert report["rejected"][0]["errors"], report["rejected"]
    assert report["duplicates_found"] >= 1
    assert report["duplicates"][0]["reasons"]

    directory = client.get(HOTELS, headers=reader).json()
    assert directory["hotels"] == report["rows_stored"]
    assert directory["latest_import"]["id"] == report["id"]
    listed = client.get(f"{HOTELS}/imports", headers=reader).json()
    assert [run["id"] for run in listed] == [report["id"]]


def test_a_partial_name_and_a_city_find_the_hotel(
    client: TestClient[Litestar], agent: Headers, reader: Headers
) -> None:
    _import_sample(client, agent)
    found = client.post(
        f"{HOTELS}/match", json={"name": "alfonso xiii", "city": "sevilla"}, headers=reader
    )
    assert found.status_code == 200, found.text
    body = found.json()
    assert body["outcome"] == "confident", body
    assert body["best"]["hotel"]["name"] == "Hotel Alfonso XIII"
    assert body["best"]["ref"] == "hotelbeds:SVQ001"
    assert body["best"]["reasons"]
    assert 0 < body["scored"] < 60

    one_line = client.post(
        f"{HOTELS}/match", json={"text": "Hotel Inglaterra, Sevilla"}, headers=reader
    ).json()
    assert one_line["best"]["hotel"]["name"] == "Hotel Inglaterra"

    record = client.get(f"{HOTELS}/hotelbeds:SVQ001", headers=reader)
    assert record.status_code == 200
    assert record.json()["phone"] == "+34954917000"


def test_nothing_alike_is_a_new_hotel(
    client: TestClient[Litestar], agent: Headers, reader: Headers
) -> None:
    _import_sample(client, agent)
    body = client.post(
        f"{HOTELS}/match", json={"name": "Pensión La Gaviota", "city": "Sevilla"}, headers=reader
    ).json()
    assert body["outcome"] == "new_hotel"


def test_bad_queries_and_files_are_refused_naming_the_field(
    client: TestClient[Litestar],
    agent: Headers,
    reader: Headers,
    assert_problem: ProblemCheck,
) -> None:
    nowhere = client.post(f"{HOTELS}/match", json={"name": "Hotel Sol"}, headers=reader)
    assert_problem(nowhere, 422, "invalid_input", ["city"])
    off_earth = client.post(
        f"{HOTELS}/match", json={"name": "Sol", "latitude": 91, "longitude": 2}, headers=reader
    )
    assert_problem(off_earth, 422, "invalid_input", ["latitude"])
    broken = client.post(
        f"{HOTELS}/imports",
        content=b'{"hotels": [',
        params={"file_name": "hotels.json"},
        headers={**agent, "content-type": "application/json"},
    )
    body = assert_problem(broken, 422, "invalid_input")
    assert body["errors"][0]["field"] == "file"
    assert client.get(f"{HOTELS}/imports", headers=reader).json() == []
    refused = client.post(
        f"{HOTELS}/imports",
        content=SAMPLE.read_bytes(),
        params={"file_name": "hotels_sample.csv"},
        headers={**reader, "content-type": "text/csv"},
    )
    assert_problem(refused, 403, "permission_denied")
    missing = client.get(f"{HOTELS}/nobody:1", headers=reader)
    assert_problem(missing, 404, "not_found")


def test_a_confident_match_pre_fills_a_supplier_request(
    client: TestClient[Litestar], agent: Headers, assert_problem: ProblemCheck
) -> None:
    _import_sample(client, agent)
    match = client.post(
        f"{HOTELS}/match", json={"name": "Inglaterra", "city": "Sevilla"}, headers=agent
    ).json()
    ref = match["best"]["ref"]

    created = client.post(
        "/api/v1/supplier-requests",
        json={"name": "Hotel Inglaterra", "matched_hotel_ref": ref},
        headers=agent,
    )
    assert created.status_code == 201, created.text
    request = created.json()
    assert request["matched_hotel_ref"] == ref
    assert request["city"] == "Sevilla"
    assert request["country"] == "ES"
    assert request["phone"] == "+34954224970"
    assert request["address"]

    draft = client.post(
        "/api/v1/supplier-requests", json={"name": "Hotel Alfonso XIII"}, headers=agent
    ).json()
    prefill = client.post(
        f"/api/v1/supplier-requests/{draft['id']}/prefill",
        json={"hotel_ref": "hotelbeds:SVQ001", "version": draft["version"]},
        headers=agent,
    )
    assert prefill.status_code == 200, prefill.text
    outcome = prefill.json()
    assert "city" in outcome["filled"]
    assert "matched_hotel_ref" in outcome["filled"]
    assert "name" in outcome["kept"]
    assert outcome["request"]["stars"] == 5

    unknown = client.post(
        "/api/v1/supplier-requests",
        json={"name": "Hotel X", "matched_hotel_ref": "hotelbeds:NOPE"},
        headers=agent,
    )
    assert_problem(unknown, 422, "invalid_value", ["matched_hotel_ref"])
