"""The guest's web form: no API key, a reference back and nothing else, a honeypot that
stores nothing, a rate limit per client IP, and problems naming the form's own fields."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

# the form is mounted once the rate limiter (perla_entrypoints.http.ratelimit) is in
pytest.importorskip("perla_entrypoints.http.ratelimit")

Headers = dict[str, str]
Json = dict[str, Any]
ProblemCheck = Callable[..., Json]

FORM = "/public/v1/inquiries"
INQUIRIES = "/api/v1/inquiries"


def _form(**overrides: Any) -> Json:
    today = datetime.now(UTC).date()
    body: Json = {
        "name": "Marta Ruiz",
        "email": "marta@example.com",
        "check_in": (today + timedelta(days=20)).isoformat(),
        "check_out": (today + timedelta(days=22)).isoformat(),
        "adults": 2,
        "message": "¿Tienen parking?",
        "form": "contacto",
    }
    body.update(overrides)
    return body


def test_a_guest_sends_the_form_without_a_key_and_gets_only_a_reference(
    client: TestClient[Litestar], agent: Headers
) -> None:
    response = client.post(FORM, json=_form())
    assert response.status_code == 202, response.text
    body = response.json()
    assert set(body) == {"status", "reference"}
    assert body["reference"].startswith("C-")
    listed = client.get(INQUIRIES, headers=agent).json()
    assert [i["reference"] for i in listed["items"]] == [body["reference"]]
    inquiry = client.get(f"{INQUIRIES}/{listed['items'][0]['id']}", headers=agent).json()
    assert (inquiry["channel"], inquiry["pending_action"]) == ("web_form", True)
    assert inquiry["guest"] == {"name": "Marta Ruiz", "email": "marta@example.com", "phone": None}
    assert inquiry["messages"][0]["text"] == "¿Tienen parking?"
    assert inquiry["history"][0]["actor"] == "system"


def test_a_filled_honeypot_looks_accepted_but_stores_nothing(
    client: TestClient[Litestar], agent: Headers
) -> None:
    response = client.post(FORM, json=_form(website="http://spam.example"))
    assert response.status_code == 202, response.text
    assert set(response.json()) == {"status", "reference"}
    assert client.get(INQUIRIES, headers=agent).json()["total"] == 0


def test_a_flood_from_one_address_is_refused_with_retry_after(
    client: TestClient[Litestar], assert_problem: ProblemCheck
) -> None:
    for n in range(5):
        accepted = client.post(FORM, json=_form(email=f"g{n}@example.com"))
        assert accepted.status_code == 202, accepted.text
    refused = client.post(FORM, json=_form())
    assert_problem(refused, 429, "rate_limited")
    assert 1 <= int(refused.headers["retry-after"]) <= 60


def test_bad_fields_are_named_as_the_form_names_them(
    client: TestClient[Litestar], assert_problem: ProblemCheck
) -> None:
    bad = client.post(FORM, json=_form(email="no-es-correo", check_in="2020-01-01"))
    problem = assert_problem(bad, 422, "invalid_input")
    assert {e["field"] for e in problem["errors"]} == {"email", "check_in"}
    nobody = client.post(FORM, json=_form(email=None))
    assert_problem(nobody, 422, "invalid_input", ["email"])
    missing = client.post(FORM, json={"email": "a@example.com"})
    assert_problem(missing, 400, "invalid_request", ["name"])
    unknown = client.post(FORM, json=_form(id="00000000-0000-0000-0000-000000000000"))
    assert_problem(unknown, 400, "invalid_request", ["id"])
