"""The Litestar application factory: routes, auth, problem details and OpenAPI."""

from __future__ import annotations

from litestar import Litestar, Router

from perla_core.policies.pricing import PolicyIndexCache
from perla_entrypoints.container import Container, settings_of, uow_factory
from perla_entrypoints.http.api_keys import ApiKeyController
from perla_entrypoints.http.assistant import assistant_routes
from perla_entrypoints.http.assistant_page import assistant_page_routes
from perla_entrypoints.http.auth import ActorCache, api_key_guard
from perla_entrypoints.http.campaigns import campaign_routes
from perla_entrypoints.http.catalogue import catalogue_routes
from perla_entrypoints.http.clients import ClientController
from perla_entrypoints.http.conversations import ConversationController
from perla_entrypoints.http.credentials import CredentialController
from perla_entrypoints.http.customers import customer_routes
from perla_entrypoints.http.dashboard import dashboard_routes
from perla_entrypoints.http.dependencies import dependencies
from perla_entrypoints.http.documents import document_routes
from perla_entrypoints.http.financing import FinancingController
from perla_entrypoints.http.health import health, ready
from perla_entrypoints.http.hotels import hotel_routes
from perla_entrypoints.http.inquiries import inquiry_routes
from perla_entrypoints.http.leads import LeadController
from perla_entrypoints.http.metrics import MetricsController
from perla_entrypoints.http.observability import observability
from perla_entrypoints.http.openapi import SECURITY, openapi_config
from perla_entrypoints.http.orders import purchase_routes
from perla_entrypoints.http.payments import payment_webhook_routes
from perla_entrypoints.http.policies import CommercialPolicyController, GlobalRulesController
from perla_entrypoints.http.privacy import PrivacyController
from perla_entrypoints.http.problems import EXCEPTION_HANDLERS
from perla_entrypoints.http.public import public_routes
from perla_entrypoints.http.security import (
    api_rate_limit,
    cors_config,
    payments_webhook_limited,
    security_headers,
    zenvia_webhook_limited,
)
from perla_entrypoints.http.suppliers import supplier_requests
from perla_entrypoints.http.webhooks import webhook_routes


def create_app(container: Container) -> Litestar:
    """The HTTP API over ``container``'s adapters; nothing is built before this is called.

    Every ``/api/v1`` route needs an API key; ``/health``, ``/ready`` and ``/schema`` do not,
    nor the public web form (rate-limited) and Zenvia's webhook (a shared-secret header).
    The activity page (``/dashboard``, HTML, not in the schema) has its own login and session
    cookie (``http/dashboard.py``).
    One :class:`PolicyIndexCache` per app: repeated price batches reuse a policy's index until
    the policy changes.
    """
    settings = settings_of(container)
    cache = ActorCache(ttl=settings.auth_cache_seconds)
    api = Router(
        path="/",
        guards=[api_key_guard(cache, uow_factory(container)), *api_rate_limit(container)],
        security=SECURITY,
        route_handlers=[
            LeadController,
            ClientController,
            CredentialController,
            CommercialPolicyController,
            GlobalRulesController,
            ApiKeyController,
            supplier_requests(container),
            hotel_routes(container),
            inquiry_routes(container),
            customer_routes(),
            ConversationController,
            catalogue_routes(container),
            FinancingController,
            purchase_routes(container),
            MetricsController,
            campaign_routes(container),
            assistant_routes(container),
            PrivacyController,
        ],
    )
    observed_routes, observe = observability(container)
    app = Litestar(
        route_handlers=[
            health,
            ready,
            *observed_routes,
            api,
            public_routes(container),
            zenvia_webhook_limited(container, webhook_routes(container)),
            payments_webhook_limited(container, payment_webhook_routes(container)),
            document_routes(container),
            *dashboard_routes(container),
            *assistant_page_routes(container),
        ],
        dependencies=dependencies(container, cache, PolicyIndexCache()),
        exception_handlers=EXCEPTION_HANDLERS,
        request_max_body_size=settings.max_body_bytes,
        before_send=[security_headers],
        cors_config=cors_config(settings),
        openapi_config=openapi_config(),
        logging_config=None,
    )
    return observe(app)
