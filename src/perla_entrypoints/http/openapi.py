"""The OpenAPI document: served at ``/schema`` with an interactive reference (Scalar)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from litestar.datastructures import ResponseHeader
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme, Tag

import perla_core
from perla_entrypoints.http.problems import PROBLEM_JSON
from perla_entrypoints.http.schemas import Problem

BEARER = "apiKey"
SECURITY: list[dict[str, list[str]]] = [{BEARER: []}]

ETAG = ResponseHeader(
    name="ETag", description="The resource's version, quoted", documentation_only=True
)
LOCATION = ResponseHeader(
    name="Location", description="Where the resource lives", documentation_only=True
)
NO_STORE = ResponseHeader(
    name="Cache-Control",
    description="no-store: the body holds a secret shown this once",
    documentation_only=True,
)

_PROBLEMS: dict[int, str] = {
    400: "The request is malformed: unreadable JSON, a wrong type, an unknown key",
    401: "No API key, or an unknown or revoked one",
    403: "The key's role does not allow this",
    404: "Nothing with this id",
    409: "Conflict: an illegal transition, a stale version, a duplicate or conflicting rules",
    413: "The request body is too large",
    415: "The body's content type is not one the route reads",
    422: "A value or a business rule refused the request; errors names each field",
    429: "Too many requests from this source; retry after Retry-After",
    502: "Another system (Dome, PerlaHub) answered something perla cannot use",
    503: "A dependency or another system is unavailable; retry after Retry-After",
}


def doc(fn: Callable[..., Any]) -> str:
    """A use case's docstring, as the route's description."""
    return inspect.cleandoc(fn.__doc__ or "")


def responses(*statuses: int) -> dict[int, ResponseSpec]:
    """The problem-details answers a route may give, for the OpenAPI document."""
    return {
        status: ResponseSpec(
            data_container=Problem, description=_PROBLEMS[status], media_type=PROBLEM_JSON
        )
        for status in statuses
    }


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="perla",
        version=perla_core.__version__,
        description=(
            "PerlaHub's leads and clients, from the first contact to go-live: registration in "
            "Dome and PerlaHub, credentials, commercial policies and margin resolution."
        ),
        path="/schema",
        render_plugins=[ScalarRenderPlugin()],
        components=Components(
            security_schemes={
                BEARER: SecurityScheme(
                    type="http",
                    scheme="bearer",
                    description="An API key: Authorization: Bearer perla_<prefix>_<secret>",
                )
            }
        ),
        tags=[
            Tag(name="leads", description="Prospective clients, before conversion"),
            Tag(name="clients", description="Converted leads, through registration to go-live"),
            Tag(name="credentials", description="Clients' access to PerlaHub's B2B API"),
            Tag(
                name="commercial-policy",
                description="A client's margin rules, their history, and pricing with them",
            ),
            Tag(name="global-rules", description="PerlaHub's limits on every margin"),
            Tag(
                name="supplier-requests",
                description="Hotels to create as suppliers in Dome, e-mailed to the Suppliers team",
            ),
            Tag(name="hotels", description="The hotel directory: matching, imports, Dome's hotels"),
            Tag(name="inquiries", description="Guests' inquiries: replies, reminders, quotes"),
            Tag(name="public", description="The guests' web form (no key; rate-limited per IP)"),
            Tag(name="customers", description="A client's account, addresses, contacts, groups"),
            Tag(name="managers", description="Account managers and how orders are assigned"),
            Tag(name="orders", description="Orders, with the account-manager rules on save"),
            Tag(name="carts", description="Open, abandoned and converted carts, and their KPIs"),
            Tag(name="customer-service", description="Every thread still waiting for a reply"),
            Tag(
                name="assistant",
                description="The staff's assistant: conversations, proposals confirmed by «sí»",
            ),
            Tag(name="api-keys", description="Keys for this API (admin only)"),
            Tag(name="health", description="Liveness and readiness probes"),
        ],
        use_handler_docstrings=False,
    )
