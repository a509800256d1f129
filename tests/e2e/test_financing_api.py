"""Financing over HTTP (issue 8): an admin replaces the rates table, any key reads it and
simulates plans with their schedules (the suggested 3/6/9/12 when no count is given); only
admins replace it; 0 or 1000 instalments, an amount not above zero or under the minimum,
and a day without rates are 422 problems naming the field, with the allowed range."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

Headers = dict[str, str]
Json = dict[str, Any]
ProblemCheck = Callable[..., Json]

RATES = "/api/v1/financing/rates"
SIMULATIONS = "/api/v1/financing/simulations"
TABLE: Json = {
    "rules": [
        {"id": "sin-interes", "min_installments": 1, "max_installments": 6, "tna": "0",
         "valid_from": "2000-01-01", "minimum_amount": "10000.00"},
        {"id": "cuotas-7-24", "min_installments": 7, "max_installments": 24, "tna": "89.5",
         "valid_from": "2000-01-01", "minimum_amount": "10000.00",
         "origination_fee_percent": "1.5"},
    ]
}  # fmt: skip


@pytest.fixture
def rates(client: TestClient[Litestar], admin: Headers) -> Json:
    response = client.put(RATES, json=TABLE, headers=admin)
    assert response.status_code == 200, response.text
    body: Json = response.json()
    return body


def test_an_admin_replaces_the_table_and_a_reader_reads_it(
    client: TestClient[Litestar], rates: Json, reader: Headers
) -> None:
    assert [r["id"] for r in rates["rules"]] == ["sin-interes", "cuotas-7-24"]
    read = client.get(RATES, headers=reader).json()
    assert read == rates
    rule = read["rules"][1]
    assert rule["kind"] == "tna"
    assert rule["tna"] == "89.50"
    assert rule["monthly_rate"] == "7.3562"  # 89.5 x 30 / 365
    assert rule["minimum_amount"] == {"amount": "10000.00", "currency": "ARS"}
    assert client.get(RATES, params={"on": "1999-12-31"}, headers=reader).json() == {"rules": []}


def test_only_an_admin_replaces_the_table(
    client: TestClient[Litestar], rates: Json, agent: Headers, assert_problem: ProblemCheck
) -> None:
    assert_problem(client.put(RATES, json={"rules": []}, headers=agent), 403, "permission_denied")
    assert client.get(RATES, headers=agent).json() == rates


def test_a_simulation_returns_the_plan_and_its_schedule(
    client: TestClient[Litestar], rates: Json, reader: Headers
) -> None:
    response = client.post(
        SIMULATIONS, json={"amount": "120000", "installments": 12}, headers=reader
    )
    assert response.status_code == 200, response.text
    (plan,) = response.json()["plans"]
    assert plan["rule_id"] == "cuotas-7-24"
    assert plan["installment"] == {"amount": "15396.29", "currency": "ARS"}  # numpy-financial
    assert plan["fees"] == {"amount": "1800.00", "currency": "ARS"}
    assert plan["tna"] == "89.50"
    assert plan["assumptions"]["days_per_month"] == 30
    assert plan["assumptions"]["days_per_year"] == 365
    schedule = plan["schedule"]
    assert len(schedule) == 12
    assert schedule[-1]["balance"]["amount"] == "0.00"
    repaid = sum(Decimal(line["principal"]["amount"]) for line in schedule)
    assert repaid == Decimal("120000.00")
    assert Decimal(plan["cft_with_vat"]) > Decimal(plan["cft"]) > Decimal(plan["tea"])


def test_without_a_count_the_suggested_plans_come_back(
    client: TestClient[Litestar], rates: Json, reader: Headers
) -> None:
    response = client.post(SIMULATIONS, json={"amount": "50000.00"}, headers=reader)
    assert response.status_code == 200, response.text
    plans = response.json()["plans"]
    assert [p["installments"] for p in plans] == [3, 6, 9, 12]
    assert plans[0]["interest_free"] is True
    assert plans[0]["installment"]["amount"] == "16666.67"
    assert plans[0]["last_installment"]["amount"] == "16666.66"


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"amount": "50000", "installments": 0}, "installments", "financing_refused"),
        ({"amount": "50000", "installments": 1000}, "installments", "financing_refused"),
        ({"amount": "0", "installments": 3}, "amount", "invalid_value"),
        ({"amount": "-100", "installments": 3}, "amount", "invalid_value"),
        ({"amount": "9999.99", "installments": 3}, "amount", "financing_refused"),
        ({"amount": "abc", "installments": 3}, "amount", "invalid_value"),
    ],
)
def test_bad_simulations_are_422_problems_naming_the_field(
    client: TestClient[Litestar],
    rates: Json,
    reader: Headers,
    assert_problem: ProblemCheck,
    body: Json,
    field: str,
    code: str,
) -> None:
    problem = assert_problem(client.post(SIMULATIONS, json=body, headers=reader), 422, code)
    assert problem["errors"][0]["field"] == field, problem
    if field == "installments":
        assert "between 1 and 24 instalments" in problem["detail"]
        assert problem["min_installments"] == 1
        assert problem["max_installments"] == 24
    if code == "financing_refused" and field == "amount":
        assert "minimum amount ARS 10.000,00" in problem["detail"]


def test_no_rate_valid_today_is_a_422_problem(
    client: TestClient[Litestar], admin: Headers, assert_problem: ProblemCheck
) -> None:
    expired = {"rules": [{**TABLE["rules"][0], "valid_until": "2001-01-01"}]}
    assert client.put(RATES, json=expired, headers=admin).status_code == 200
    response = client.post(SIMULATIONS, json={"amount": "50000"}, headers=admin)
    problem = assert_problem(response, 422, "no_financing_rates")
    assert problem["errors"][0]["field"] == "rates"


def test_a_bad_table_is_refused_field_by_field_and_nothing_changes(
    client: TestClient[Litestar], rates: Json, admin: Headers, assert_problem: ProblemCheck
) -> None:
    bad = {"rules": [{"id": "x", "valid_from": "2026-01-01", "installments": 0, "tna": "abc"}]}
    problem = assert_problem(client.put(RATES, json=bad, headers=admin), 422, "invalid_input")
    fields = sorted(e["field"] for e in problem["errors"])
    assert fields == ["rules[0].installments", "rules[0].tna"]
    assert client.get(RATES, headers=admin).json() == rates
