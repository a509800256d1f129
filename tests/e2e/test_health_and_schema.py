"""Probes and the OpenAPI document: reachable without a key, complete and honest."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, get_args

import pytest
from dependency_injector import providers
from litestar import Litestar
from litestar.testing import TestClient

import perla_core
from perla_core.kernel.events import EVENT_TYPES
from perla_entrypoints.container import Container, build_container
from perla_entrypoints.http import create_app
from perla_entrypoints.http.schemas import Activity

Json = dict[str, Any]
ProblemCheck = Callable[..., Json]

POLICY = "/api/v1/clients/{client_id}/commercial-policy"
OPERATIONS = {
    ("GET", "/health"): "health",
    ("GET", "/ready"): "ready",
    ("POST", "/public/v1/inquiries"): "submitWebFormInquiry",
    ("POST", "/webhooks/zenvia"): "receiveZenviaEvent",
    ("POST", "/webhooks/payments"): "receivePayment",
    ("GET", "/documents/{key}"): "getSignedDocument",
    ("GET", "/api/v1/conversations"): "listConversations",
    ("GET", "/api/v1/conversations/{contact}"): "getConversation",
    ("POST", "/api/v1/conversations/{contact}/take-over"): "takeOverConversation",
    ("POST", "/api/v1/conversations/{contact}/hand-back"): "handBackConversation",
    ("POST", "/api/v1/conversations/{contact}/reply"): "replyToConversation",
    ("POST", "/api/v1/leads"): "registerLead",
    ("GET", "/api/v1/leads"): "listLeads",
    ("GET", "/api/v1/leads/{client_id}"): "getLead",
    ("PATCH", "/api/v1/leads/{client_id}"): "updateLead",
    ("POST", "/api/v1/leads/{client_id}/transitions"): "advanceLead",
    ("POST", "/api/v1/leads/{client_id}/convert"): "convertLead",
    ("GET", "/api/v1/clients"): "listClients",
    ("GET", "/api/v1/clients/{client_id}"): "getClient",
    ("PATCH", "/api/v1/clients/{client_id}"): "updateClient",
    ("POST", "/api/v1/clients/{client_id}/transitions"): "advanceClient",
    ("GET", "/api/v1/clients/{client_id}/activity"): "clientActivity",
    ("POST", "/api/v1/leads/{client_id}/benchmark-access"): "grantBenchmarkAccess",
    ("POST", "/api/v1/clients/{client_id}/registration/retry"): "retryRegistration",
    ("POST", "/api/v1/clients/{client_id}/technical-validations"): "recordTechnicalValidation",
    ("GET", "/api/v1/clients/{client_id}/go-live"): "goLiveChecklist",
    ("POST", "/api/v1/clients/{client_id}/go-live"): "goLive",
    ("POST", "/api/v1/clients/{client_id}/credentials"): "issueCredential",
    ("GET", "/api/v1/clients/{client_id}/credentials"): "listCredentials",
    ("GET", "/api/v1/credentials/{credential_id}"): "getCredential",
    ("PATCH", "/api/v1/credentials/{credential_id}"): "editCredential",
    ("POST", "/api/v1/credentials/{credential_id}/suspend"): "suspendCredential",
    ("POST", "/api/v1/credentials/{credential_id}/reactivate"): "reactivateCredential",
    ("POST", "/api/v1/credentials/{credential_id}/revoke"): "revokeCredential",
    ("POST", "/api/v1/credentials/{credential_id}/rotate-secret"): "rotateCredentialSecret",
    ("POST", "/api/v1/credentials/{credential_id}/connection-test"): "testCredentialConnection",
    ("GET", f"{POLICY}"): "getCommercialPolicy",
    ("POST", f"{POLICY}/rules"): "addMarginRule",
    ("GET", f"{POLICY}/rules/{{rule_id}}"): "getMarginRule",
    ("PATCH", f"{POLICY}/rules/{{rule_id}}"): "changeMarginRule",
    ("DELETE", f"{POLICY}/rules/{{rule_id}}"): "removeMarginRule",
    ("POST", f"{POLICY}/rules/{{rule_id}}/enable"): "enableMarginRule",
    ("POST", f"{POLICY}/rules/{{rule_id}}/disable"): "disableMarginRule",
    ("PUT", f"{POLICY}/priced-scope"): "setPricedScope",
    ("GET", f"{POLICY}/history"): "policyHistory",
    ("GET", f"{POLICY}/diff"): "policyDiff",
    ("POST", f"{POLICY}/scheduled-changes"): "schedulePolicyChange",
    ("DELETE", f"{POLICY}/scheduled-changes/{{schedule_id}}"): "cancelScheduledChange",
    ("POST", f"{POLICY}/price"): "priceRates",
    ("GET", "/api/v1/global-rules"): "getGlobalRules",
    ("PUT", "/api/v1/global-rules"): "setGlobalRules",
    ("POST", "/api/v1/api-keys"): "createApiKey",
    ("GET", "/api/v1/api-keys"): "listApiKeys",
    ("DELETE", "/api/v1/api-keys/{key_id}"): "revokeApiKey",
    ("POST", "/api/v1/supplier-requests"): "createSupplierRequest",
    ("GET", "/api/v1/supplier-requests"): "listSupplierRequests",
    ("GET", "/api/v1/supplier-requests/{request_id}"): "getSupplierRequest",
    ("PATCH", "/api/v1/supplier-requests/{request_id}"): "updateSupplierRequest",
    (
        "GET",
        "/api/v1/supplier-requests/{request_id}/completeness",
    ): "getSupplierRequestCompleteness",
    ("POST", "/api/v1/supplier-requests/{request_id}/send"): "sendSupplierRequest",
    ("POST", "/api/v1/supplier-requests/{request_id}/acknowledge"): "acknowledgeSupplierRequest",
    ("POST", "/api/v1/supplier-requests/{request_id}/reject"): "rejectSupplierRequest",
    ("POST", "/api/v1/supplier-requests/{request_id}/cancel"): "cancelSupplierRequest",
    ("POST", "/api/v1/supplier-requests/{request_id}/prefill"): "prefillSupplierRequest",
    ("POST", "/api/v1/hotels/match"): "matchHotel",
    ("GET", "/api/v1/hotels"): "getHotelDirectory",
    ("GET", "/api/v1/hotels/{ref}"): "getHotel",
    ("POST", "/api/v1/hotels/imports"): "importHotels",
    ("GET", "/api/v1/hotels/imports"): "listHotelImports",
    ("GET", "/api/v1/hotels/imports/{import_id}"): "getHotelImport",
    # customers, managers, orders and carts (seeds 002 and 003)
    ("GET", "/api/v1/clients/{client_id}/account"): "getCustomerAccount",
    ("PATCH", "/api/v1/clients/{client_id}/account"): "saveCustomerAccount",
    ("POST", "/api/v1/clients/{client_id}/addresses"): "addCustomerAddress",
    ("PATCH", "/api/v1/clients/{client_id}/addresses/{address_id}"): "updateCustomerAddress",
    ("DELETE", "/api/v1/clients/{client_id}/addresses/{address_id}"): "removeCustomerAddress",
    ("POST", "/api/v1/clients/{client_id}/contacts"): "addCustomerContact",
    ("PATCH", "/api/v1/clients/{client_id}/contacts/{contact_id}"): "updateCustomerContact",
    ("DELETE", "/api/v1/clients/{client_id}/contacts/{contact_id}"): "removeCustomerContact",
    ("GET", "/api/v1/titles"): "listTitles",
    ("POST", "/api/v1/titles"): "createTitle",
    ("PATCH", "/api/v1/titles/{title_id}"): "updateTitle",
    ("DELETE", "/api/v1/titles/{title_id}"): "deleteTitle",
    ("GET", "/api/v1/customer-groups"): "listCustomerGroups",
    ("POST", "/api/v1/customer-groups"): "createCustomerGroup",
    ("PATCH", "/api/v1/customer-groups/{group_id}"): "updateCustomerGroup",
    ("DELETE", "/api/v1/customer-groups/{group_id}"): "deleteCustomerGroup",
    ("GET", "/api/v1/kpis/customers"): "getCustomerKpis",
    ("GET", "/api/v1/managers"): "listManagers",
    ("POST", "/api/v1/managers"): "createManager",
    ("GET", "/api/v1/managers/{manager_id}"): "getManager",
    ("PATCH", "/api/v1/managers/{manager_id}"): "updateManager",
    ("POST", "/api/v1/managers/{manager_id}/activate"): "activateManager",
    ("POST", "/api/v1/managers/{manager_id}/deactivate"): "deactivateManager",
    ("GET", "/api/v1/manager-assignment"): "getManagerAssignment",
    ("PUT", "/api/v1/manager-assignment"): "setManagerAssignment",
    ("GET", "/api/v1/metrics/conversations"): "getConversationMetrics",
    ("GET", "/api/v1/metrics/campaigns"): "getCampaignMetrics",
    ("POST", "/api/v1/campaigns/dormant/preview"): "previewDormantCampaign",
    ("POST", "/api/v1/campaigns/dormant/runs"): "startDormantCampaignRun",
    ("GET", "/api/v1/campaigns/runs/{run_id}"): "getCampaignRun",
    ("POST", "/api/v1/campaigns/runs/{run_id}/pause"): "pauseCampaignRun",
    ("POST", "/api/v1/campaigns/runs/{run_id}/resume"): "resumeCampaignRun",
    ("POST", "/api/v1/campaigns/runs/{run_id}/cancel"): "cancelCampaignRun",
    ("GET", "/api/v1/catalogue/products"): "listProducts",
    ("GET", "/api/v1/catalogue/products/{sku}"): "getProduct",
    ("PUT", "/api/v1/catalogue/products/{sku}"): "upsertProduct",
    ("PUT", "/api/v1/catalogue/products/{sku}/price"): "setProductPrice",
    ("PUT", "/api/v1/catalogue/products/{sku}/stock/{warehouse}"): "setProductStock",
    ("GET", "/api/v1/financing/rates"): "listFinancingRates",
    ("PUT", "/api/v1/financing/rates"): "replaceFinancingRates",
    ("POST", "/api/v1/financing/simulations"): "simulateFinancing",
    ("GET", "/api/v1/orders"): "listOrders",
    ("POST", "/api/v1/orders"): "createOrder",
    ("GET", "/api/v1/orders/{order_id}"): "getOrder",
    ("PATCH", "/api/v1/orders/{order_id}"): "updateOrder",
    ("POST", "/api/v1/orders/{order_id}/place"): "placeOrder",
    ("POST", "/api/v1/orders/{order_id}/complete"): "completeOrder",
    ("POST", "/api/v1/orders/{order_id}/cancel"): "cancelOrder",
    ("POST", "/api/v1/orders/{order_id}/summary"): "sendOrderSummary",
    ("POST", "/api/v1/orders/{order_id}/confirm"): "confirmOrder",
    ("GET", "/api/v1/orders/{order_id}/payments"): "listOrderPayments",
    ("POST", "/api/v1/orders/{order_id}/payments"): "recordOrderPayment",
    ("GET", "/api/v1/carts"): "listCarts",
    ("POST", "/api/v1/carts"): "createCart",
    ("GET", "/api/v1/carts/kpis"): "getCartKpis",
    ("GET", "/api/v1/carts/{cart_id}"): "getCart",
    ("PUT", "/api/v1/carts/{cart_id}"): "replaceCart",
    ("POST", "/api/v1/carts/{cart_id}/convert"): "convertCart",
    ("GET", "/api/v1/customer-service/inbox"): "getCustomerServiceInbox",
    # guests' inquiries and the e-mail that feeds them (seed 001)
    ("POST", "/api/v1/inquiries"): "registerInquiry",
    ("GET", "/api/v1/inquiries"): "listInquiries",
    ("GET", "/api/v1/inquiries/stages"): "countInquiriesByStage",
    ("GET", "/api/v1/inquiries/{inquiry_id}"): "getInquiry",
    ("PATCH", "/api/v1/inquiries/{inquiry_id}"): "updateInquiry",
    ("POST", "/api/v1/inquiries/{inquiry_id}/reply"): "replyToInquiry",
    ("POST", "/api/v1/inquiries/{inquiry_id}/calls"): "logInquiryCall",
    ("POST", "/api/v1/inquiries/{inquiry_id}/notes"): "addInquiryNote",
    ("POST", "/api/v1/inquiries/{inquiry_id}/reminders"): "scheduleInquiryReminder",
    (
        "DELETE",
        "/api/v1/inquiries/{inquiry_id}/reminders/{reminder_id}",
    ): "unscheduleInquiryReminder",
    ("POST", "/api/v1/inquiries/{inquiry_id}/quote"): "sendInquiryQuote",
    ("POST", "/api/v1/inquiries/{inquiry_id}/confirm"): "confirmInquiry",
    ("POST", "/api/v1/inquiries/{inquiry_id}/hand-to-booking"): "handInquiryToBooking",
    ("POST", "/api/v1/inquiries/{inquiry_id}/lost"): "markInquiryLost",
    ("POST", "/api/v1/inquiries/{inquiry_id}/expired"): "markInquiryExpired",
    ("POST", "/api/v1/inquiries/{inquiry_id}/assign"): "assignInquiry",
    ("POST", "/api/v1/inbound-emails"): "receiveInboundEmail",
    ("GET", "/api/v1/inbound-emails/unmatched"): "listUnmatchedEmails",
    ("GET", "/api/v1/inbound-emails/unmatched/{unmatched_id}"): "getUnmatchedEmail",
    ("POST", "/api/v1/inbound-emails/unmatched/{unmatched_id}/attach"): "attachUnmatchedEmail",
    (
        "POST",
        "/api/v1/inbound-emails/unmatched/{unmatched_id}/open-inquiry",
    ): "openInquiryFromUnmatchedEmail",
    ("POST", "/api/v1/inbound-emails/unmatched/{unmatched_id}/discard"): "discardUnmatchedEmail",
    ("POST", "/api/v1/assistant/conversations"): "startAssistantConversation",
    ("GET", "/api/v1/assistant/conversations"): "listAssistantConversations",
    ("GET", "/api/v1/assistant/conversations/{conversation_id}"): "getAssistantConversation",
    ("POST", "/api/v1/assistant/conversations/{conversation_id}/messages"): "sendAssistantMessage",
    ("POST", "/api/v1/privacy/exports"): "exportPersonalData",
    ("POST", "/api/v1/privacy/erasures"): "erasePersonalData",
}


class DownStorage:
    def unit_of_work(self) -> Any:
        raise AssertionError("not used")

    def hotel_directory(self) -> Any:
        raise AssertionError("not used")

    def hotel_import_log(self) -> Any:
        raise AssertionError("not used")

    def migrate(self) -> None:
        return None

    def ready(self) -> bool:
        return False

    def close(self) -> None:
        return None


class UnreachableRedis:
    def ping(self) -> bool:
        raise ConnectionError("redis is down")


class RedisLikeBroker:
    client = UnreachableRedis()


def test_health_answers_without_a_key(client: TestClient[Litestar]) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_reports_database_and_broker(client: TestClient[Litestar]) -> None:
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}


@pytest.mark.parametrize("down", ["database", "broker"])
def test_ready_is_503_with_retry_after_while_a_dependency_is_down(
    container: Container,
    client: TestClient[Litestar],
    assert_problem: ProblemCheck,
    down: str,
) -> None:
    if down == "database":
        container.storage.override(providers.Object(DownStorage()))
    else:
        container.broker.override(providers.Object(RedisLikeBroker()))
    response = client.get("/ready")
    problem = assert_problem(response, 503, "unavailable")
    assert response.headers["retry-after"] == "5"
    assert problem[down] == "unavailable"
    assert {"database", "broker"} - {down} <= {k for k in problem if problem[k] == "ok"}


def test_creating_the_app_builds_no_adapter_and_ready_reports_one_that_cannot_be_built() -> None:
    container = build_container(database_url="memory://")

    def refuse() -> Any:
        raise AssertionError("storage built while creating the app")

    container.storage.override(providers.Callable(refuse))
    container.broker.override(providers.Callable(refuse))
    with TestClient(create_app(container)) as client:
        assert client.get("/health").status_code == 200
        not_ready = client.get("/ready")
    assert not_ready.status_code == 503
    assert not_ready.json()["database"] == not_ready.json()["broker"] == "unavailable"


def test_the_openapi_document_lists_every_route_with_an_operation_id(
    client: TestClient[Litestar],
) -> None:
    response = client.get("/schema/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["info"] == {
        "title": "perla",
        "version": perla_core.__version__,
        "description": document["info"]["description"],
    }
    found = {
        (method.upper(), path): operation["operationId"]
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    }
    assert found == OPERATIONS
    for path, operations in document["paths"].items():
        for operation in operations.values():
            assert operation["description"], path
            assert operation["tags"], path
            if path.startswith("/api/"):
                assert operation["security"] == [{"apiKey": []}]
                assert "401" in operation["responses"]
            else:
                assert "security" not in operation
    schemes = document["components"]["securitySchemes"]
    assert schemes["apiKey"]["type"] == "http"
    assert schemes["apiKey"]["scheme"] == "bearer"


def test_route_descriptions_are_the_use_cases_docstrings(client: TestClient[Litestar]) -> None:
    paths = client.get("/schema/openapi.json").json()["paths"]
    assert paths["/api/v1/leads"]["post"]["description"].startswith("Record a new lead")
    assert paths["/api/v1/leads/{client_id}/convert"]["post"]["description"].startswith(
        "Make a lead a client"
    )
    go_live = paths["/api/v1/clients/{client_id}/go-live"]["post"]["description"]
    assert go_live.startswith("Put the client live")
    issue = paths["/api/v1/clients/{client_id}/credentials"]["post"]["description"]
    assert "shown this once" in issue
    price = paths[f"{POLICY}/price"]["post"]["description"]
    assert price.startswith("Price a batch of rates")


def test_the_secret_is_only_in_the_answers_that_create_it(client: TestClient[Litestar]) -> None:
    schemas = client.get("/schema/openapi.json").json()["components"]["schemas"]
    holding = sorted(
        name
        for name, schema in schemas.items()
        if {"secret", "secret_digest"} & set(schema.get("properties", {}))
    )
    assert holding == ["IssuedCredentialOut"]


def test_the_openapi_document_describes_bodies_and_problems(
    client: TestClient[Litestar],
) -> None:
    document = client.get("/schema/openapi.json").json()
    schemas = document["components"]["schemas"]
    party = schemas["PartyOut"]["properties"]
    for field in (
        "id",
        "version",
        "phase",
        "status",
        "tax_id",
        "phone",
        "allowed_actions",
        "missing_for_conversion",
        "created_at",
    ):
        assert field in party
    for field in ("onboarding", "estimate", "benchmark", "registration", "live_at"):
        assert field in party
    assert sorted(schemas["LeadIn"]["required"]) == ["country", "trade_name"]
    assert schemas["MoneyIn"]["properties"]["amount"]["type"] == "string"
    assert schemas["DetailsPatch"]["required"] == ["version"]
    actions = schemas["LeadTransitionIn"]["properties"]["action"]["enum"]
    assert "grant_benchmark_access" in actions
    register = document["paths"]["/api/v1/leads"]["post"]
    assert "application/problem+json" in register["responses"]["422"]["content"]
    assert {"201", "400", "401", "403", "409", "413", "422"} <= set(register["responses"])


def test_every_event_of_a_clients_timeline_has_an_activity_entry() -> None:
    tags = {kind.__struct_config__.tag for kind in get_args(Activity)}
    about_the_client = {
        name for name in EVENT_TYPES if name.startswith(("onboarding.", "policies."))
    }
    assert about_the_client <= tags


def test_the_interactive_reference_is_served_without_a_key(
    client: TestClient[Litestar],
) -> None:
    response = client.get("/schema")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "perla" in response.text
