"""Every operation of the OpenAPI schema, called with every role and with no key, answers as
ACCESS (the one table of who may do what) says.

An operation needs one permission (``read``, ``write_commercial``, ``administer``) or none
(``PUBLIC``: no API key; the route has its own check, a shared secret or a signed link).
A role without the permission gets 403 ``permission_denied`` naming it; a role with it gets
past the guards (path ids are random, so 404, 400 or 422 is the usual answer: anything but
401 and 403); no key gets 401 on every ``/api`` route, and a public route answers the same
whatever key is sent. An operation missing from ACCESS (a route added later) fails the walk,
as does an entry for an operation the schema no longer has.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final, Literal

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from tests.e2e.test_auth import PATH_IDS
from tests.security.conftest import key_of

from perla_core.access.model import ROLE_PERMISSIONS, Permission, Role
from perla_entrypoints.container import build_container
from perla_entrypoints.http import create_app

Json = dict[str, Any]
Walk = tuple[TestClient[Litestar], dict[Role, str]]
Need = Permission | Literal["public"]

PUBLIC: Final = "public"
READ: Final = Permission.READ
WRITE: Final = Permission.WRITE_COMMERCIAL
ADMINISTER: Final = Permission.ADMINISTER
REFUSALS: Final = (401, 403)
EXTRA_PATH_IDS: Final = ("{key}",)
"""Path parameters of routes outside ``/api`` (test_auth's PATH_IDS covers ``/api``)."""

ACCESS: dict[str, Need] = {
    "health": PUBLIC,
    "ready": PUBLIC,
    "advanceLead": WRITE,
    "convertLead": WRITE,
    "getLead": READ,
    "updateLead": WRITE,
    "grantBenchmarkAccess": WRITE,
    "listLeads": READ,
    "registerLead": WRITE,
    "advanceClient": WRITE,
    "clientActivity": READ,
    "getClient": READ,
    "updateClient": WRITE,
    "goLiveChecklist": READ,
    "goLive": WRITE,
    "listClients": READ,
    "recordTechnicalValidation": WRITE,
    "retryRegistration": WRITE,
    "testCredentialConnection": WRITE,
    "getCredential": READ,
    "editCredential": WRITE,
    "listCredentials": READ,
    "issueCredential": WRITE,
    "reactivateCredential": WRITE,
    "revokeCredential": WRITE,
    "rotateCredentialSecret": WRITE,
    "suspendCredential": WRITE,
    "addMarginRule": WRITE,
    "cancelScheduledChange": WRITE,
    "getMarginRule": READ,
    "removeMarginRule": WRITE,
    "changeMarginRule": WRITE,
    "policyDiff": READ,
    "disableMarginRule": WRITE,
    "enableMarginRule": WRITE,
    "getCommercialPolicy": READ,
    "policyHistory": READ,
    "priceRates": READ,
    "schedulePolicyChange": WRITE,
    "setPricedScope": WRITE,
    "getGlobalRules": READ,
    "setGlobalRules": ADMINISTER,
    "listApiKeys": ADMINISTER,
    "createApiKey": ADMINISTER,
    "revokeApiKey": ADMINISTER,
    "acknowledgeSupplierRequest": WRITE,
    "cancelSupplierRequest": WRITE,
    "getSupplierRequestCompleteness": READ,
    "listSupplierRequests": READ,
    "createSupplierRequest": WRITE,
    "getSupplierRequest": READ,
    "updateSupplierRequest": WRITE,
    "prefillSupplierRequest": WRITE,
    "rejectSupplierRequest": WRITE,
    "sendSupplierRequest": WRITE,
    "getHotelDirectory": READ,
    "getHotel": READ,
    "getHotelImport": READ,
    "listHotelImports": READ,
    "importHotels": WRITE,
    "matchHotel": READ,
    "addInquiryNote": WRITE,
    "assignInquiry": WRITE,
    "confirmInquiry": WRITE,
    "getInquiry": READ,
    "updateInquiry": WRITE,
    "handInquiryToBooking": WRITE,
    "listInquiries": READ,
    "registerInquiry": WRITE,
    "logInquiryCall": WRITE,
    "markInquiryExpired": WRITE,
    "markInquiryLost": WRITE,
    "replyToInquiry": WRITE,
    "scheduleInquiryReminder": WRITE,
    "sendInquiryQuote": WRITE,
    "countInquiriesByStage": READ,
    "unscheduleInquiryReminder": WRITE,
    "attachUnmatchedEmail": WRITE,
    "discardUnmatchedEmail": WRITE,
    "getUnmatchedEmail": READ,
    "listUnmatchedEmails": READ,
    "openInquiryFromUnmatchedEmail": WRITE,
    "receiveInboundEmail": WRITE,
    "addCustomerAddress": WRITE,
    "addCustomerContact": WRITE,
    "getCustomerAccount": READ,
    "saveCustomerAccount": WRITE,
    "removeCustomerAddress": WRITE,
    "updateCustomerAddress": WRITE,
    "removeCustomerContact": WRITE,
    "updateCustomerContact": WRITE,
    "listTitles": READ,
    "createTitle": ADMINISTER,
    "deleteTitle": ADMINISTER,
    "updateTitle": ADMINISTER,
    "listCustomerGroups": READ,
    "createCustomerGroup": ADMINISTER,
    "deleteCustomerGroup": ADMINISTER,
    "updateCustomerGroup": ADMINISTER,
    "getCustomerKpis": READ,
    "activateManager": ADMINISTER,
    "listManagers": READ,
    "createManager": ADMINISTER,
    "deactivateManager": ADMINISTER,
    "getManager": READ,
    "updateManager": ADMINISTER,
    "getManagerAssignment": READ,
    "setManagerAssignment": ADMINISTER,
    "cancelOrder": WRITE,
    "completeOrder": WRITE,
    "listOrders": READ,
    "createOrder": WRITE,
    "getOrder": READ,
    "updateOrder": WRITE,
    "placeOrder": WRITE,
    "getCartKpis": READ,
    "convertCart": WRITE,
    "listCarts": READ,
    "createCart": WRITE,
    "getCart": READ,
    "replaceCart": WRITE,
    "getCustomerServiceInbox": READ,
    "getConversation": READ,
    "handBackConversation": WRITE,
    "listConversations": READ,
    "replyToConversation": WRITE,
    "takeOverConversation": WRITE,
    "getProduct": READ,
    "upsertProduct": WRITE,
    "listProducts": READ,
    "setProductPrice": WRITE,
    "setProductStock": WRITE,
    "listFinancingRates": READ,
    "replaceFinancingRates": ADMINISTER,
    "simulateFinancing": READ,
    "confirmOrder": WRITE,
    "listOrderPayments": READ,
    "recordOrderPayment": WRITE,
    "sendOrderSummary": WRITE,
    "getCampaignMetrics": READ,
    "getConversationMetrics": READ,
    "cancelCampaignRun": WRITE,
    "getCampaignRun": READ,
    "pauseCampaignRun": WRITE,
    "previewDormantCampaign": READ,
    "resumeCampaignRun": WRITE,
    "startDormantCampaignRun": WRITE,
    "getAssistantConversation": READ,
    "listAssistantConversations": READ,
    "startAssistantConversation": READ,
    "sendAssistantMessage": READ,
    # personal data: export and erase everything about a person
    "exportPersonalData": ADMINISTER,
    "erasePersonalData": ADMINISTER,
    "submitWebFormInquiry": PUBLIC,
    "receiveZenviaEvent": PUBLIC,
    "receivePayment": PUBLIC,
    "getSignedDocument": PUBLIC,
}


def operations(app: Litestar) -> list[tuple[str, str, str, bool]]:
    """(operation id, method, path with ids filled in, public in the schema) of every
    operation of ``app``'s OpenAPI schema."""
    found: list[tuple[str, str, str, bool]] = []
    for template, item in (app.openapi_schema.paths or {}).items():
        path = template
        for name in (*PATH_IDS, *EXTRA_PATH_IDS):
            path = path.replace(name, "0190a0b0-0000-7000-8000-000000000000")
        assert "{" not in path, f"add {template}'s path parameter to test_auth's PATH_IDS"
        for method in ("get", "put", "post", "delete", "patch"):
            operation = getattr(item, method)
            if operation is None:
                continue
            assert operation.operation_id, f"{method.upper()} {template} has no operation id"
            public = not operation.security
            found.append((operation.operation_id, method.upper(), path, public))
    return found


@pytest.fixture(scope="module")
def walk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Walk]:
    """One app (its schema is built once) and a key per role for the whole module."""
    data: Path = tmp_path_factory.mktemp("route-roles")
    # the walks share the app: the web form's own limit (5 a minute) must not answer them
    container = build_container(
        database_url="memory://", data_dir=str(data), web_form_rate_limit=1000
    )
    container.storage().migrate()
    keys = {role: key_of(container, role, f"{role.value} key") for role in Role}
    with TestClient(create_app(container)) as client:
        yield client, keys
    container.storage().close()


def _headers(path: str, response: Any) -> str | None:
    """The security headers every answer carries; no CORS header without configured origins."""
    headers = response.headers
    missing = [
        name
        for name, value in (
            ("x-content-type-options", "nosniff"),
            ("referrer-policy", "no-referrer"),
            ("x-frame-options", "DENY"),
        )
        if headers.get(name) != value
    ]
    if path.startswith("/api/") and "no-store" not in headers.get("cache-control", ""):
        missing.append("cache-control: no-store")
    if any(name.startswith("access-control-") for name in headers):
        missing.append("no CORS header (no origin is configured)")
    return f"{response.status_code} without {', '.join(missing)}" if missing else None


def _problem(response: Any) -> Json:
    assert response.headers.get("content-type") == "application/problem+json", response.text
    body: Json = response.json()
    return body


def _public(client: TestClient[Litestar], method: str, path: str, response: Any) -> str | None:
    """A public route answers a key as it answers no key, and never refuses for a role."""
    anonymous = client.request(method, path, json={"x": 1}).status_code
    status = response.status_code
    problem = _problem(response) if status in REFUSALS else {}
    if status != anonymous or problem.get("code") == "unauthenticated" or "role" in problem:
        return f"a public route answered {status} to an API key ({anonymous} to none)"
    return None


def _without_key(response: Any) -> str | None:
    if response.status_code != 401 or _problem(response)["code"] != "unauthenticated":
        return f"{response.status_code} without a key, not 401"
    if response.headers.get("www-authenticate") != "Bearer":
        return "401 without WWW-Authenticate: Bearer"
    return None


def _as_role(role: Role, need: Permission, response: Any) -> str | None:
    status = response.status_code
    if need in ROLE_PERMISSIONS[role]:
        return f"{role} refused with {status}: {response.text}" if status in REFUSALS else None
    if status != 403:
        return f"{role} lacks {need} but got {status}"
    problem = _problem(response)
    if (problem["code"], problem.get("role"), problem.get("permission")) != (
        "permission_denied",
        role.value,
        need.value,
    ):
        return f"{role} refused for the wrong reason: {problem}"
    return None


def _check(client: TestClient[Litestar], role: Role | None, keys: dict[Role, str]) -> list[str]:
    """Walks every operation as ``role`` (``None``: no key) and returns what differs from
    ACCESS."""
    headers = {} if role is None else {"Authorization": f"Bearer {keys[role]}"}
    wrong: list[str] = []
    walked = operations(client.app)
    for operation_id, method, path, public in walked:
        need = ACCESS.get(operation_id)
        where = f"{operation_id} ({method} {path})"
        if need is None:
            wrong.append(f"{where} is not in ACCESS: say who may call it")
            continue
        if public != (need == PUBLIC):
            wrong.append(f"{where}: the schema's security does not match ACCESS's {need}")
        response = client.request(method, path, headers=headers, json={"x": 1})
        if (error := _headers(path, response)) is not None:
            wrong.append(f"{where}: {error}")
        if need == PUBLIC:
            error = _public(client, method, path, response)
        elif role is None:
            error = _without_key(response)
        else:
            error = _as_role(role, need, response)
        if error is not None:
            wrong.append(f"{where}: {error}")
    listed = {operation_id for operation_id, *_ in walked}
    wrong.extend(f"{gone} is in ACCESS but not in the schema" for gone in set(ACCESS) - listed)
    return wrong


@pytest.mark.parametrize("role", [None, *Role], ids=["no key", *(r.value for r in Role)])
def test_every_operation_answers_each_role_as_the_access_table_says(
    walk: Walk, role: Role | None
) -> None:
    client, keys = walk
    wrong = _check(client, role, keys)
    assert not wrong, "\n".join(wrong)


def test_the_table_names_every_permission_and_public_routes_are_few() -> None:
    assert set(ACCESS.values()) == {PUBLIC, READ, WRITE, ADMINISTER}
    public = sorted(operation for operation, need in ACCESS.items() if need == PUBLIC)
    assert public == [
        "getSignedDocument",
        "health",
        "ready",
        "receivePayment",
        "receiveZenviaEvent",
        "submitWebFormInquiry",
    ]


def test_an_operation_missing_from_the_table_fails_the_walk(
    walk: Walk, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, keys = walk
    monkeypatch.delitem(ACCESS, "registerLead")
    monkeypatch.setitem(ACCESS, "removedLongAgo", READ)
    wrong = _check(client, Role.ADMIN, keys)
    assert wrong == [
        "registerLead (POST /api/v1/leads) is not in ACCESS: say who may call it",
        "removedLongAgo is in ACCESS but not in the schema",
    ]


def test_a_wrong_table_entry_fails_the_walk(walk: Walk, monkeypatch: pytest.MonkeyPatch) -> None:
    client, keys = walk
    monkeypatch.setitem(ACCESS, "listLeads", ADMINISTER)
    monkeypatch.setitem(ACCESS, "createApiKey", WRITE)
    wrong = _check(client, Role.AGENT, keys)
    assert len(wrong) == 2, wrong
    wrong.sort()
    assert wrong[0].startswith("createApiKey (POST /api/v1/api-keys): agent refused with 403")
    assert wrong[1].startswith("listLeads (GET /api/v1/leads): agent lacks administer but got 200")
