"""Commercial policies through HTTP: margin rules within PerlaHub's global rules, conflicts
refused naming both rules, an audit entry and a revision per change, history, diff, scheduled
changes, and pricing a batch of rates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from perla_core.policies.pricing import PolicyIndex

Headers = dict[str, str]
Json = dict[str, Any]
ProblemCheck = Callable[..., Json]


def policy_url(party: Json) -> str:
    return f"/api/v1/clients/{party['id']}/commercial-policy"


def policy_of(client: TestClient[Litestar], headers: Headers, party: Json) -> Json:
    response = client.get(policy_url(party), headers=headers)
    assert response.status_code == 200, response.text
    body: Json = response.json()
    return body


def rate(**overrides: Any) -> Json:
    body: Json = {
        "hotel": "H1",
        "channel": "web",
        "supplier": "S1",
        "booking_date": "2030-01-10",
        "stay_date": "2030-02-01",
        "net": "100.00",
        "currency": "EUR",
    }
    body.update(overrides)
    return body


def test_rules_are_added_changed_disabled_enabled_and_removed_each_with_a_revision(
    client: TestClient[Litestar],
    agent: Headers,
    reader: Headers,
    validated_client: Json,
    rule_payload: Callable[..., Json],
) -> None:
    url = policy_url(validated_client)
    assert client.get(url, headers=reader).status_code == 404  # no policy before its first rule

    added = client.post(f"{url}/rules", json=rule_payload(), headers=agent)
    assert added.status_code == 201, added.text
    policy = added.json()
    rule = policy["rules"][0]
    assert added.headers["location"] == f"{url}/rules/{rule['id']}"
    assert added.headers["etag"] == f'"{policy["version"]}"'
    assert (policy["revision"], rule["kind"], rule["value"], rule["margin"]) == (
        1,
        "percent",
        "12.5",
        "12.5% of net",
    )
    assert client.get(added.headers["location"], headers=reader).json() == rule

    rule_url = f"{url}/rules/{rule['id']}"
    changed = client.patch(
        rule_url,
        json={
            "version": policy["version"],
            "reason": "better terms",
            "value": "10",
            "hotels": ["H1", "H2"],
            "stay_from": "2030-01-01",
            "stay_to": "2030-12-31",
        },
        headers=agent,
    )
    assert changed.status_code == 200, changed.text
    rule = changed.json()["rules"][0]
    assert (rule["value"], rule["hotels"], rule["stay_from"]) == ("10", ["H1", "H2"], "2030-01-01")

    disabled = client.post(f"{rule_url}/disable", json={"reason": "paused"}, headers=agent)
    assert disabled.json()["rules"][0]["active"] is False
    enabled = client.post(f"{rule_url}/enable", json={"reason": "back on"}, headers=agent)
    assert enabled.json()["rules"][0]["active"] is True
    again = client.post(f"{rule_url}/enable", json={"reason": "twice"}, headers=agent)
    assert again.json()["revision"] == enabled.json()["revision"]  # nothing changed, no entry

    scope = {"currencies": ["eur", "USD"], "products": ["hotels"], "reason": "dollars too"}
    scoped = client.put(f"{url}/priced-scope", json=scope, headers=agent)
    assert (scoped.json()["currencies"], scoped.json()["products"]) == (["EUR", "USD"], ["hotels"])

    removed = client.delete(
        rule_url, params={"reason": "replaced", "version": scoped.json()["version"]}, headers=agent
    )
    assert removed.status_code == 200, removed.text
    assert removed.json()["rules"] == []

    history = client.get(f"{url}/history", headers=reader).json()
    assert [(e["revision"], e["action"], e["reason"]) for e in history] == [
        (1, "add_rule", "launch terms agreed with the client"),
        (2, "change_rule", "better terms"),
        (3, "disable_rule", "paused"),
        (4, "enable_rule", "back on"),
        (5, "set_priced", "dollars too"),
        (6, "remove_rule", "replaced"),
    ]
    assert {e["actor"] for e in history} == {"agent key"}
    assert history[1]["before"]["value"] == "12.5"
    assert history[1]["after"]["value"] == "10"
    assert history[5]["after"] is None

    diff = client.get(f"{url}/diff", params={"from": 1, "to": 5}, headers=reader).json()
    assert diff["added"] == diff["removed"] == []
    [rule_diff] = diff["changed"]
    assert {c["field"] for c in rule_diff["changes"]} == {"value", "hotels", "stay_period"}
    assert diff["scope"] == [
        {"field": "currencies", "before": [], "after": ["EUR", "USD"]},
        {
            "field": "products",
            "before": [],
            "after": ["hotels"],
        },
    ]
    whole = client.get(f"{url}/diff", params={"from": 0, "to": 6}, headers=reader).json()
    assert whole["added"] == whole["changed"] == []

    activity = client.get(f"/api/v1/clients/{validated_client['id']}/activity", headers=reader)
    policy_entries = [e for e in activity.json() if e["type"].startswith("policies.")]
    assert [e["type"] for e in policy_entries] == [
        "policies.policy_created",
        "policies.rule_added",
        "policies.rule_changed",
        "policies.rule_disabled",
        "policies.rule_enabled",
        "policies.priced_scope_changed",
        "policies.rule_removed",
    ]
    assert policy_entries[2]["changed"] == ["value", "stay_period", "hotels"]


def test_an_overlapping_rule_at_the_same_priority_is_refused_naming_both_and_the_overlap(
    client: TestClient[Litestar],
    agent: Headers,
    priced_client: Json,
    rule_payload: Callable[..., Json],
    assert_problem: ProblemCheck,
) -> None:
    url = policy_url(priced_client)
    before = policy_of(client, agent, priced_client)
    base = before["rules"][0]
    overlapping = rule_payload(
        name="Summer hotels", hotels=["H1"], booking_from="2030-06-01", booking_to="2030-08-31"
    )
    response = client.post(f"{url}/rules", json=overlapping, headers=agent)
    body = assert_problem(response, 409, "policy_conflict", ["priority"])
    assert body["rule_name"] == "Summer hotels"
    assert (body["conflicting_rule_id"], body["conflicting_rule_name"]) == (
        base["id"],
        base["name"],
    )
    assert body["overlap"]["hotels"] == ["H1"]
    assert body["overlap"]["booking_period"] == {"start": "2030-06-01", "end": "2030-08-31"}
    assert "Base margin" in body["detail"]
    assert "Summer hotels" in body["detail"]
    assert policy_of(client, agent, priced_client) == before

    higher = client.post(f"{url}/rules", json={**overlapping, "priority": 5}, headers=agent)
    assert higher.status_code == 201, higher.text
    summer = next(r for r in higher.json()["rules"] if r["name"] == "Summer hotels")
    lowered = client.patch(
        f"{url}/rules/{summer['id']}",
        json={"version": higher.json()["version"], "reason": "same level", "priority": 0},
        headers=agent,
    )
    assert_problem(lowered, 409, "policy_conflict")
    assert policy_of(client, agent, priced_client) == higher.json()


@pytest.fixture
def strict_global_rules(client: TestClient[Litestar], admin: Headers) -> Json:
    limits: Json = {
        "min_margin_percent": "2",
        "max_margin_percent": "30",
        "allowed_channels": ["web", "api"],
        "max_fixed_margin": {"EUR": "50"},
    }
    response = client.put("/api/v1/global-rules", json=limits, headers=admin)
    assert response.status_code == 200, response.text
    assert response.json() == {**limits, "allowed_channels": ["api", "web"]}
    return limits


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"value": "45"}, "value"),
        ({"value": "1.5"}, "value"),
        ({"kind": "fixed", "value": "60", "currency": "EUR"}, "value"),
        ({"channels": ["fax"]}, "channels"),
    ],
)
def test_a_margin_outside_perlahubs_global_rules_is_refused(
    client: TestClient[Litestar],
    agent: Headers,
    validated_client: Json,
    rule_payload: Callable[..., Json],
    assert_problem: ProblemCheck,
    strict_global_rules: Json,
    overrides: Json,
    field: str,
) -> None:
    response = client.post(
        f"{policy_url(validated_client)}/rules", json=rule_payload(**overrides), headers=agent
    )
    body = assert_problem(response, 422, "invalid_value", [field])
    assert "PerlaHub" in body["detail"]
    assert client.get(policy_url(validated_client), headers=agent).status_code == 404


@pytest.mark.parametrize(
    ("overrides", "status", "fields"),
    [
        ({"booking_from": "2030-02-01", "booking_to": "2030-01-01"}, 422, ["booking_period"]),
        (
            {"stay_from": "2030-05-01", "stay_to": "2030-04-30"},
            422,
            ["stay_period"],
        ),
        ({"booking_to": "2030-02-30"}, 400, ["booking_to"]),
        ({"kind": "fixed", "value": "5", "currency": "XXX"}, 422, ["currency"]),
        ({"kind": "fixed", "value": "5"}, 422, ["currency"]),
        ({"kind": "percent", "value": "5", "currency": "EUR"}, 422, ["currency"]),
        ({"kind": "markup"}, 422, ["kind"]),
        ({"value": "lots"}, 422, ["value"]),
        ({"value": 12.5}, 400, ["value"]),
        ({"priority": 10_001}, 422, ["priority"]),
        ({"hotels": [""]}, 422, ["hotels"]),
        ({"reason": "   "}, 422, ["reason"]),
        ({"reason": None}, 400, ["reason"]),
        ({"version": 3}, 409, ["version"]),
        ({"colour": "red"}, 400, ["colour"]),
    ],
)
def test_a_refused_rule_stores_nothing(
    client: TestClient[Litestar],
    agent: Headers,
    validated_client: Json,
    rule_payload: Callable[..., Json],
    assert_problem: ProblemCheck,
    overrides: Json,
    status: int,
    fields: list[str],
) -> None:
    body = rule_payload(**overrides)
    if overrides.get("reason", "") is None:
        del body["reason"]
    response = client.post(f"{policy_url(validated_client)}/rules", json=body, headers=agent)
    assert_problem(response, status, response.json()["code"], fields)
    assert client.get(policy_url(validated_client), headers=agent).status_code == 404


@pytest.mark.parametrize(
    ("method", "suffix", "body", "params", "status", "code", "fields"),
    [
        (
            "PATCH",
            "/rules/{rule}",
            {"version": 0, "reason": "x", "value": "9"},
            None,
            409,
            "stale_version",
            ["version"],
        ),
        (
            "PATCH",
            "/rules/{rule}",
            {"reason": "x", "value": "9"},
            None,
            400,
            "invalid_request",
            ["version"],
        ),
        (
            "PATCH",
            "/rules/{rule}",
            {"version": 2, "reason": "x"},
            None,
            422,
            "invalid_value",
            ["rule"],
        ),
        (
            "PATCH",
            "/rules/{rule}",
            {"version": 2, "reason": "x", "stay_from": "2030-01-01"},
            None,
            422,
            "invalid_input",
            ["stay_period"],
        ),
        (
            "PATCH",
            "/rules/{rule}",
            {"version": 2, "reason": "x", "booking_to": "2019-01-01"},
            None,
            422,
            "invalid_input",
            ["booking_period"],
        ),
        (
            "POST",
            "/rules/{rule}/disable",
            {"reason": "x", "version": 9},
            None,
            409,
            "stale_version",
            ["version"],
        ),
        ("POST", "/rules/{rule}/disable", {}, None, 400, "invalid_request", ["reason"]),
        ("DELETE", "/rules/{rule}", None, {}, 400, "invalid_request", ["reason"]),
        (
            "DELETE",
            "/rules/{rule}",
            None,
            {"reason": "x", "version": 9},
            409,
            "stale_version",
            ["version"],
        ),
        ("DELETE", "/rules/{unknown}", None, {"reason": "x"}, 404, "not_found", None),
        (
            "PUT",
            "/priced-scope",
            {"currencies": ["EURO"], "products": [], "reason": "x"},
            None,
            422,
            "invalid_value",
            ["currencies"],
        ),
        (
            "PUT",
            "/priced-scope",
            {"currencies": ["EUR"], "reason": "x"},
            None,
            400,
            "invalid_request",
            ["products"],
        ),
        ("GET", "/diff", None, {"from": 0, "to": 9}, 422, "invalid_value", ["to"]),
        ("GET", "/diff", None, {"from": -1, "to": 1}, 422, "invalid_value", ["from"]),
        ("GET", "/diff", None, {"from": "one", "to": 1}, 400, "invalid_request", ["from"]),
        ("GET", "/diff", None, {"from": 0}, 400, "invalid_request", ["to"]),
    ],
)
def test_a_refused_policy_change_leaves_the_policy_as_it_was(
    client: TestClient[Litestar],
    agent: Headers,
    priced_client: Json,
    assert_problem: ProblemCheck,
    method: str,
    suffix: str,
    body: Json | None,
    params: Json | None,
    status: int,
    code: str,
    fields: list[str] | None,
) -> None:
    before = policy_of(client, agent, priced_client)
    path = suffix.format(rule=before["rules"][0]["id"], unknown=priced_client["id"])
    response = client.request(
        method, f"{policy_url(priced_client)}{path}", json=body, params=params, headers=agent
    )
    assert_problem(response, status, code, fields)
    assert policy_of(client, agent, priced_client) == before


def test_policies_are_for_clients_not_leads(
    client: TestClient[Litestar],
    agent: Headers,
    register: Callable[..., Json],
    rule_payload: Callable[..., Json],
    assert_problem: ProblemCheck,
) -> None:
    lead = register()
    response = client.post(f"{policy_url(lead)}/rules", json=rule_payload(), headers=agent)
    body = assert_problem(response, 422, "precondition_failed", ["client_id"])
    assert "lead" in body["detail"]
    priced = client.post(f"{policy_url(lead)}/price", json={"rates": [rate()]}, headers=agent)
    assert_problem(priced, 404, "not_found")


def test_a_change_is_scheduled_for_later_and_can_be_cancelled(
    client: TestClient[Litestar],
    agent: Headers,
    reader: Headers,
    priced_client: Json,
    rule_payload: Callable[..., Json],
    assert_problem: ProblemCheck,
) -> None:
    url = policy_url(priced_client)
    change = {"action": "add_rule", **rule_payload(name="Summer", priority=3)}
    del change["reason"]
    plan = {
        "effective_at": "2099-07-01T00:00:00+02:00",
        "reason": "summer campaign",
        "change": change,
    }
    scheduled = client.post(f"{url}/scheduled-changes", json=plan, headers=agent)
    assert scheduled.status_code == 201, scheduled.text
    policy = scheduled.json()
    [pending] = policy["scheduled_changes"]
    assert scheduled.headers["location"] == f"{url}/scheduled-changes/{pending['id']}"
    assert (pending["status"], pending["reason"], pending["scheduled_by"]) == (
        "pending",
        "summer campaign",
        "agent key",
    )
    assert pending["effective_at"] == "2099-06-30T22:00:00Z"
    assert pending["change"]["action"] == "add_rule"
    assert [r["name"] for r in policy["rules"]] == ["Base margin"]  # not yet

    cancelled = client.delete(
        f"{url}/scheduled-changes/{pending['id']}",
        params={"reason": "campaign dropped"},
        headers=agent,
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["scheduled_changes"][0]["status"] == "cancelled"
    twice = client.delete(
        f"{url}/scheduled-changes/{pending['id']}", params={"reason": "again"}, headers=agent
    )
    assert_problem(twice, 409, "illegal_transition")
    history = client.get(f"{url}/history", headers=reader).json()
    assert [e["action"] for e in history][-2:] == ["schedule_change", "cancel_scheduled"]


@pytest.mark.parametrize(
    ("plan", "status", "fields"),
    [
        (
            {
                "effective_at": "2020-01-01T00:00:00+00:00",
                "change": {"action": "set_priced", "products": ["hotels"]},
            },
            422,
            ["effective_at"],
        ),
        (
            {
                "effective_at": "2099-01-01T00:00:00",
                "change": {"action": "set_priced", "products": ["hotels"]},
            },
            400,
            ["effective_at"],
        ),
        (
            {"effective_at": "2099-01-01T00:00:00Z", "change": {"action": "explode"}},
            400,
            ["change.action"],
        ),
        (
            {
                "effective_at": "2099-01-01T00:00:00Z",
                "change": {
                    "action": "remove_rule",
                    "rule_id": "01900000-0000-7000-8000-000000000000",
                },
            },
            404,
            None,
        ),
        (
            {"effective_at": "2099-01-01T00:00:00Z", "change": {"action": "set_priced"}},
            422,
            ["currencies"],
        ),
    ],
)
def test_a_refused_schedule_stores_nothing(
    client: TestClient[Litestar],
    agent: Headers,
    priced_client: Json,
    assert_problem: ProblemCheck,
    plan: Json,
    status: int,
    fields: list[str] | None,
) -> None:
    before = policy_of(client, agent, priced_client)
    response = client.post(
        f"{policy_url(priced_client)}/scheduled-changes",
        json={**plan, "reason": "later"},
        headers=agent,
    )
    assert_problem(response, status, response.json()["code"], fields)
    assert policy_of(client, agent, priced_client) == before


def test_a_batch_of_rates_is_priced_in_order_with_the_rule_and_the_reason(
    client: TestClient[Litestar],
    agent: Headers,
    reader: Headers,
    priced_client: Json,
    rule_payload: Callable[..., Json],
) -> None:
    url = policy_url(priced_client)
    base = policy_of(client, agent, priced_client)["rules"][0]
    hotel_rule = client.post(
        f"{url}/rules",
        json=rule_payload(
            name="H2 fixed", kind="fixed", value="15", currency="EUR", hotels=["H2"], priority=1
        ),
        headers=agent,
    ).json()["rules"][1]
    batch = [
        rate(),
        rate(hotel="H2"),
        rate(hotel="H2", currency="USD", net="100"),
        rate(net="100", min_selling="120"),
        rate(net="100", max_selling="105.004"),
        rate(booking_date="2019-12-31"),
    ]
    response = client.post(f"{url}/price", json={"rates": batch}, headers=reader)
    assert response.status_code == 200, response.text
    priced = response.json()["rates"]
    assert [(p["selling"]["amount"], p["margin"]["amount"]) for p in priced] == [
        ("112.50", "12.50"),
        ("115.00", "15.00"),
        ("112.50", "12.50"),
        ("120.00", "20.00"),
        ("105.00", "5.00"),
        ("100.00", "0.00"),
    ]
    assert [p["rule_id"] for p in priced] == [
        base["id"],
        hotel_rule["id"],
        base["id"],
        base["id"],
        base["id"],
        None,
    ]
    assert [p["clamped"] for p in priced] == [None, None, None, "floor", "ceiling", None]
    assert priced[2]["selling"]["currency"] == "USD"
    assert priced[0]["reason"] == "margin rule 'Base margin': 12.5% of net"
    assert "sold at net" in priced[5]["reason"]
    assert [p["hotel"] for p in priced] == ["H1", "H2", "H2", "H1", "H1", "H1"]


@pytest.mark.parametrize(
    ("rates", "status", "fields"),
    [
        ([rate(), rate(net=99.5)], 400, ["rates[1].net"]),
        ([rate(currency="EURO")], 422, ["rates[0].currency"]),
        ([rate(net="-1")], 422, ["rates[0].net"]),
        ([rate(hotel=" ")], 422, ["rates[0].hotel"]),
        ([rate(min_selling="200", max_selling="100")], 422, ["rates[0].max_selling"]),
        ([rate(stay_date="soon")], 400, ["rates[0].stay_date"]),
        ([rate(room="double")], 400, ["rates[0].room"]),
    ],
)
def test_a_bad_rate_in_a_batch_is_named(
    client: TestClient[Litestar],
    reader: Headers,
    priced_client: Json,
    assert_problem: ProblemCheck,
    rates: list[Json],
    status: int,
    fields: list[str],
) -> None:
    response = client.post(
        f"{policy_url(priced_client)}/price", json={"rates": rates}, headers=reader
    )
    assert_problem(response, status, response.json()["code"], fields)


def test_repeated_batches_reuse_the_policys_index_until_the_policy_changes(
    client: TestClient[Litestar],
    agent: Headers,
    priced_client: Json,
    rule_payload: Callable[..., Json],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    builds: list[int] = []
    build = PolicyIndex.build

    def counting(rules: Any) -> PolicyIndex:
        builds.append(1)
        return build(rules)

    monkeypatch.setattr(PolicyIndex, "build", counting)
    url = policy_url(priced_client)
    for _ in range(3):
        assert (
            client.post(f"{url}/price", json={"rates": [rate()]}, headers=agent).status_code == 200
        )
    assert len(builds) == 1
    client.post(
        f"{url}/rules", json=rule_payload(name="H9", hotels=["H9"], priority=2), headers=agent
    )
    assert client.post(f"{url}/price", json={"rates": [rate()]}, headers=agent).status_code == 200
    assert len(builds) == 2


@pytest.mark.parametrize(
    ("rules", "status", "fields"),
    [
        ({"min_margin_percent": "20", "max_margin_percent": "10"}, 422, ["max_margin_percent"]),
        ({"min_margin_percent": "-100", "max_margin_percent": "10"}, 422, ["min_margin_percent"]),
        ({"min_margin_percent": "0", "max_margin_percent": 10.5}, 400, ["max_margin_percent"]),
        (
            {
                "min_margin_percent": "0",
                "max_margin_percent": "10",
                "max_fixed_margin": {"EURO": "5"},
            },
            422,
            ["max_fixed_margin"],
        ),
        (
            {
                "min_margin_percent": "0",
                "max_margin_percent": "10",
                "max_fixed_margin": {"EUR": "-5"},
            },
            422,
            ["max_fixed_margin"],
        ),
        ({"min_margin_percent": "0"}, 400, ["max_margin_percent"]),
    ],
)
def test_refused_global_rules_leave_the_old_ones_in_place(
    client: TestClient[Litestar],
    admin: Headers,
    assert_problem: ProblemCheck,
    rules: Json,
    status: int,
    fields: list[str],
) -> None:
    before = client.get("/api/v1/global-rules", headers=admin).json()
    assert before == {
        "min_margin_percent": "0",
        "max_margin_percent": "100",
        "allowed_channels": None,
        "max_fixed_margin": {},
    }
    response = client.put("/api/v1/global-rules", json=rules, headers=admin)
    assert_problem(response, status, response.json()["code"], fields)
    assert client.get("/api/v1/global-rules", headers=admin).json() == before
