"""Credentials through HTTP: only for clients with a validated record, checked against
PerlaHub's technical rules and the client's commercial policy, the secret shown once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from perla_adapters.memory.perlahub import InMemoryPerlaHub
from perla_core.access.model import digest
from perla_core.gateways.errors import (
    ExternalAuthenticationFailed,
    ExternalConflict,
    ExternalError,
    ExternalNotFound,
    ExternalProtocolError,
    ExternalRejected,
    ExternalUnavailable,
    RemoteFieldError,
)
from perla_entrypoints.container import Container

Headers = dict[str, str]
Json = dict[str, Any]
ProblemCheck = Callable[..., Json]

CREDENTIAL_KEYS = {
    "id",
    "client_id",
    "version",
    "environment",
    "username",
    "status",
    "status_reason",
    "products",
    "currencies",
    "markets",
    "ip_allowlist",
    "rate_limit_per_minute",
    "policy_revision",
    "label",
    "created_at",
    "updated_at",
    "secret_rotated_at",
    "revoked_at",
    "last_connection_test",
    "allowed_actions",
}


def credentials_of(client: TestClient[Litestar], headers: Headers, party: Json) -> list[Json]:
    response = client.get(f"/api/v1/clients/{party['id']}/credentials", headers=headers)
    assert response.status_code == 200, response.text
    found: list[Json] = response.json()
    return found


def stored(client: TestClient[Litestar], headers: Headers, credential: Json) -> Json:
    response = client.get(f"/api/v1/credentials/{credential['id']}", headers=headers)
    assert response.status_code == 200, response.text
    body: Json = response.json()
    return body


def perlahub_of(container: Container) -> InMemoryPerlaHub:
    perlahub = container.perlahub()
    assert isinstance(perlahub, InMemoryPerlaHub)
    return perlahub


def test_the_secret_is_shown_once_and_never_again(
    container: Container,
    client: TestClient[Litestar],
    agent: Headers,
    reader: Headers,
    priced_client: Json,
    credential_payload: Callable[..., Json],
    drain: Callable[[], int],
) -> None:
    url = f"/api/v1/clients/{priced_client['id']}/credentials"
    issued = client.post(url, json=credential_payload(label="Booking engine"), headers=agent)
    assert issued.status_code == 201, issued.text
    assert issued.headers["cache-control"] == "no-store"
    body = issued.json()
    assert set(body) == {"credential", "secret"}
    assert set(body["credential"]) == CREDENTIAL_KEYS
    secret, credential = body["secret"], body["credential"]
    assert len(secret) >= 40
    assert credential["status"] == "active"
    assert credential["username"].startswith("ph-live-")
    cred_url = issued.headers["location"]
    assert issued.headers["etag"] == f'"{credential["version"]}"'

    drain()
    agency = priced_client["registration"]["perlahub_agency_id"]
    assert perlahub_of(container).secret_digest(agency, credential["id"]) == (
        f"sha256:{digest(secret)}"
    )

    edited = client.patch(
        cred_url, json={"version": credential["version"], "label": "BE"}, headers=agent
    )
    assert edited.status_code == 200, edited.text
    suspended = client.post(f"{cred_url}/suspend", json={"reason": "audit"}, headers=agent)
    responses = [
        edited,
        suspended,
        client.get(cred_url, headers=reader),
        client.get(url, headers=reader),
        client.get(f"/api/v1/clients/{priced_client['id']}", headers=reader),
        client.get(f"/api/v1/clients/{priced_client['id']}/activity", headers=reader),
        client.get(f"/api/v1/clients/{priced_client['id']}/go-live", headers=reader),
    ]
    for response in responses:
        assert response.status_code == 200, response.text
        # every /api/v1 answer is no-store (http/security.py); none shows the secret again
        for text in (secret, digest(secret)):
            assert text not in response.text


def test_rotating_the_secret_shows_the_new_one_once_and_the_old_one_stops_matching(
    container: Container,
    client: TestClient[Litestar],
    agent: Headers,
    issued_credential: Json,
    drain: Callable[[], int],
) -> None:
    url = f"/api/v1/credentials/{issued_credential['id']}"
    rotated = client.post(
        f"{url}/rotate-secret", json={"version": issued_credential["version"]}, headers=agent
    )
    assert rotated.status_code == 200, rotated.text
    assert rotated.headers["cache-control"] == "no-store"
    new_secret = rotated.json()["secret"]
    assert new_secret != issued_credential["secret"]
    assert rotated.json()["credential"]["version"] == issued_credential["version"] + 1
    with container.uow() as uow:
        credential = uow.credentials.get(UUID(rotated.json()["credential"]["id"]))
    assert credential.matches(new_secret)
    assert not credential.matches(issued_credential["secret"])
    drain()
    agency = client.get(f"/api/v1/clients/{issued_credential['client_id']}", headers=agent).json()[
        "registration"
    ]["perlahub_agency_id"]
    assert perlahub_of(container).secret_digest(agency, issued_credential["id"]) == (
        f"sha256:{digest(new_secret)}"
    )
    assert new_secret not in client.get(url, headers=agent).text


def test_a_credential_is_edited_suspended_reactivated_and_revoked(
    client: TestClient[Litestar],
    agent: Headers,
    issued_credential: Json,
    assert_problem: ProblemCheck,
) -> None:
    url = f"/api/v1/credentials/{issued_credential['id']}"
    edited = client.patch(
        url,
        json={
            "version": issued_credential["version"],
            "rate_limit_per_minute": 120,
            "markets": ["pt", "ES"],
            "label": "XML feed",
        },
        headers=agent,
    )
    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert (body["rate_limit_per_minute"], body["markets"], body["label"]) == (
        120,
        ["ES", "PT"],
        "XML feed",
    )
    assert edited.headers["etag"] == f'"{body["version"]}"'

    suspended = client.post(f"{url}/suspend", json={"reason": "unpaid invoice"}, headers=agent)
    assert (suspended.json()["status"], suspended.json()["status_reason"]) == (
        "suspended",
        "unpaid invoice",
    )
    frozen = stored(client, agent, issued_credential)
    refused = client.patch(url, json={"version": frozen["version"], "label": "x"}, headers=agent)
    body = assert_problem(refused, 409, "illegal_transition")
    assert body["allowed"] == ["reactivate", "revoke", "rotate_secret"]
    test = client.post(f"{url}/connection-test", headers=agent)
    assert_problem(test, 409, "illegal_transition")
    assert stored(client, agent, issued_credential) == frozen

    reactivated = client.post(f"{url}/reactivate", headers=agent)
    assert reactivated.status_code == 200, reactivated.text
    assert reactivated.json()["status"] == "active"
    revoked = client.post(f"{url}/revoke", json={"reason": "replaced"}, headers=agent)
    assert revoked.json()["status"] == "revoked"
    assert revoked.json()["revoked_at"] is not None
    assert revoked.json()["allowed_actions"] == []
    final = stored(client, agent, issued_credential)
    for action in ("reactivate", "suspend", "revoke", "rotate-secret"):
        assert_problem(client.post(f"{url}/{action}", headers=agent), 409, "illegal_transition")
    assert stored(client, agent, issued_credential) == final
    assert [c["status"] for c in credentials_of(client, agent, {"id": final["client_id"]})] == [
        "revoked"
    ]


@pytest.mark.parametrize(
    ("party", "missing"),
    [
        ("lead", ["converted_to_client", "registered_in_dome"]),
        ("client_party", ["registered_in_dome", "registered_in_perlahub", "validated_record"]),
        ("registered_client", ["validated_record"]),
    ],
)
def test_credentials_for_a_lead_or_an_unvalidated_client_are_refused(
    request: pytest.FixtureRequest,
    client: TestClient[Litestar],
    agent: Headers,
    register: Callable[..., Json],
    credential_payload: Callable[..., Json],
    assert_problem: ProblemCheck,
    party: str,
    missing: list[str],
) -> None:
    target: Json = (
        register(email="otra@agencia.es") if party == "lead" else request.getfixturevalue(party)
    )
    before = client.get(f"/api/v1/leads/{target['id']}", headers=agent).json()
    response = client.post(
        f"/api/v1/clients/{target['id']}/credentials", json=credential_payload(), headers=agent
    )
    body = assert_problem(response, 422, "precondition_failed", ["client_id"])
    assert body["missing"][: len(missing)] == missing
    assert "validated record" in body["detail"]
    assert credentials_of(client, agent, target) == []
    assert client.get(f"/api/v1/leads/{target['id']}", headers=agent).json() == before


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"products": ["transfers"]}, ["products"]),
        ({"currencies": ["USD"]}, ["currencies"]),
        (
            {"products": ["hotels", "transfers"], "currencies": ["EUR", "GBP"]},
            ["products", "currencies"],
        ),
        ({"ip_allowlist": []}, ["ip_allowlist"]),
        ({"ip_allowlist": ["10.1.0.0/24"]}, ["ip_allowlist"]),
        ({"ip_allowlist": ["81.0.0.0/8"]}, ["ip_allowlist"]),
        ({"rate_limit_per_minute": 10_000, "environment": "test"}, ["rate_limit_per_minute"]),
    ],
)
def test_a_configuration_the_rules_or_the_policy_refuse_names_each_field(
    client: TestClient[Litestar],
    agent: Headers,
    priced_client: Json,
    credential_payload: Callable[..., Json],
    assert_problem: ProblemCheck,
    overrides: Json,
    fields: list[str],
) -> None:
    response = client.post(
        f"/api/v1/clients/{priced_client['id']}/credentials",
        json=credential_payload(**overrides),
        headers=agent,
    )
    assert_problem(response, 422, "credential_refused", fields)
    assert credentials_of(client, agent, priced_client) == []


def test_a_client_without_a_commercial_policy_gets_no_credential(
    client: TestClient[Litestar],
    agent: Headers,
    validated_client: Json,
    credential_payload: Callable[..., Json],
    assert_problem: ProblemCheck,
) -> None:
    response = client.post(
        f"/api/v1/clients/{validated_client['id']}/credentials",
        json=credential_payload(),
        headers=agent,
    )
    assert_problem(response, 422, "credential_refused", ["commercial_policy"])
    assert credentials_of(client, agent, validated_client) == []


@pytest.mark.parametrize(
    ("overrides", "status", "fields"),
    [
        ({"products": ["hotels", "cruises"]}, 422, ["products[1]"]),
        ({"currencies": ["EURO"]}, 422, ["currencies[0]"]),
        ({"markets": ["ES", "Spain"]}, 422, ["markets[1]"]),
        ({"ip_allowlist": ["999.1.1.1"]}, 422, ["ip_allowlist[0]"]),
        ({"environment": "production"}, 422, ["environment"]),
        ({"username": "No Spaces!"}, 422, ["username"]),
        ({"rate_limit_per_minute": 0}, 422, ["rate_limit_per_minute"]),
        ({"rate_limit_per_minute": 1.5}, 400, ["rate_limit_per_minute"]),
        ({"secret": "mine"}, 400, ["secret"]),
        ({"products": "hotels"}, 400, ["products"]),
    ],
)
def test_unknown_codes_and_bad_values_in_a_credential_are_refused(
    client: TestClient[Litestar],
    agent: Headers,
    priced_client: Json,
    credential_payload: Callable[..., Json],
    assert_problem: ProblemCheck,
    overrides: Json,
    status: int,
    fields: list[str],
) -> None:
    response = client.post(
        f"/api/v1/clients/{priced_client['id']}/credentials",
        json=credential_payload(**overrides),
        headers=agent,
    )
    assert_problem(response, status, response.json()["code"], fields)
    assert credentials_of(client, agent, priced_client) == []


@pytest.mark.parametrize(
    ("method", "suffix", "body", "status", "code", "fields"),
    [
        ("PATCH", "", {"version": 0, "label": "x"}, 409, "stale_version", ["version"]),
        ("PATCH", "", {"label": "x"}, 400, "invalid_request", ["version"]),
        (
            "PATCH",
            "",
            {"version": 1, "ip_allowlist": []},
            422,
            "credential_refused",
            ["ip_allowlist"],
        ),
        (
            "PATCH",
            "",
            {"version": 1, "currencies": ["JPY"]},
            422,
            "credential_refused",
            ["currencies"],
        ),
        ("PATCH", "", {"version": 1, "username": "x"}, 400, "invalid_request", ["username"]),
        ("POST", "/suspend", {"version": 7}, 409, "stale_version", ["version"]),
        ("POST", "/suspend", {"reason": "x" * 501}, 422, "invalid_value", ["reason"]),
        ("POST", "/reactivate", {}, 409, "illegal_transition", ["status"]),
        ("POST", "/reactivate", {"reason": "x"}, 400, "invalid_request", ["reason"]),
        ("POST", "/revoke", {"version": 7}, 409, "stale_version", ["version"]),
        ("POST", "/rotate-secret", {"version": 7}, 409, "stale_version", ["version"]),
    ],
)
def test_a_refused_credential_change_leaves_it_as_it_was(
    container: Container,
    client: TestClient[Litestar],
    agent: Headers,
    issued_credential: Json,
    assert_problem: ProblemCheck,
    drain: Callable[[], int],
    method: str,
    suffix: str,
    body: Json,
    status: int,
    code: str,
    fields: list[str],
) -> None:
    before = stored(client, agent, issued_credential)
    pushed = len(perlahub_of(container).calls)
    url = f"/api/v1/credentials/{issued_credential['id']}{suffix}"
    assert_problem(client.request(method, url, json=body, headers=agent), status, code, fields)
    assert stored(client, agent, issued_credential) == before
    drain()
    assert len(perlahub_of(container).calls) == pushed  # nothing sent to PerlaHub


def test_perlahub_down_during_a_connection_test_is_503_and_records_nothing(
    container: Container,
    client: TestClient[Litestar],
    agent: Headers,
    issued_credential: Json,
    assert_problem: ProblemCheck,
) -> None:
    before = stored(client, agent, issued_credential)
    perlahub_of(container).fail_next(1, operation="connection.test")
    response = client.post(
        f"/api/v1/credentials/{issued_credential['id']}/connection-test", headers=agent
    )
    body = assert_problem(response, 503, "external_unavailable")
    assert response.headers["retry-after"] == "5"
    assert body["system"] == "perlahub"
    assert stored(client, agent, issued_credential) == before

    again = client.post(
        f"/api/v1/credentials/{issued_credential['id']}/connection-test", headers=agent
    )
    assert again.status_code == 200
    assert again.json()["last_connection_test"]["ok"] is True


def test_a_connection_test_perlahub_refuses_is_recorded_as_failed(
    client: TestClient[Litestar],
    agent: Headers,
    priced_client: Json,
    credential_payload: Callable[..., Json],
) -> None:
    issued = client.post(
        f"/api/v1/clients/{priced_client['id']}/credentials",
        json=credential_payload(),
        headers=agent,
    ).json()["credential"]
    # not pushed to PerlaHub yet (the outbox has not run): PerlaHub does not know it
    tested = client.post(f"/api/v1/credentials/{issued['id']}/connection-test", headers=agent)
    assert tested.status_code == 200, tested.text
    outcome = tested.json()["last_connection_test"]
    assert outcome["ok"] is False
    assert issued["username"] in outcome["message"]
    checklist = client.get(f"/api/v1/clients/{priced_client['id']}/go-live", headers=agent).json()
    item = next(i for i in checklist["items"] if i["key"] == "connection_test")
    assert item["passed"] is False
    assert "failed" in item["detail"]


@pytest.mark.parametrize(
    ("error", "status", "code", "retry_after"),
    [
        (
            ExternalUnavailable("perlahub", "overloaded", retry_after=12.5),
            503,
            "external_unavailable",
            "13",
        ),
        (ExternalProtocolError("perlahub", "answered HTML"), 502, "external_protocol_error", None),
        (
            ExternalAuthenticationFailed("perlahub", "perla's key was refused", remote_status=401),
            502,
            "external_authentication_failed",
            None,
        ),
        (ExternalNotFound("perlahub", "agency", "AG000001"), 502, "external_not_found", None),
        (
            ExternalRejected("perlahub", "refused", errors=[RemoteFieldError("username", "bad")]),
            422,
            "external_rejected",
            None,
        ),
        (
            ExternalConflict("perlahub", "busy", reason="revision_conflict"),
            409,
            "external_conflict",
            None,
        ),
    ],
)
def test_what_perlahub_answers_to_a_connection_test_maps_to_a_clear_problem(
    container: Container,
    client: TestClient[Litestar],
    agent: Headers,
    issued_credential: Json,
    assert_problem: ProblemCheck,
    error: ExternalError,
    status: int,
    code: str,
    retry_after: str | None,
) -> None:
    before = stored(client, agent, issued_credential)
    perlahub_of(container).fail_next(1, error, operation="connection.test")
    response = client.post(
        f"/api/v1/credentials/{issued_credential['id']}/connection-test", headers=agent
    )
    body = assert_problem(response, status, code)
    assert body["system"] == "perlahub"
    assert response.headers.get("retry-after") == retry_after
    assert stored(client, agent, issued_credential) == before
