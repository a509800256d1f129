"""``HttpPerlaHubGateway``: the PerlaHub port over its HTTP API (``docs/contracts/perlahub.md``).

Creates are POSTs with an ``Idempotency-Key``; credential and policy pushes are PUTs (with a
key too); revocation is a DELETE; reads are GETs: all of them are retried on timeouts,
connection errors, 408, 429 and 5xx. The connection test is a POST without a key and is never
retried: it reports what happened this time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from urllib.parse import quote

import httpx

from perla_adapters.http_support import JsonHttpClient, RetryPolicy, decode, wire_converter
from perla_adapters.perlahub.wire import ConnectionTestRequest, PolicyPush
from perla_core.gateways.perlahub import (
    BenchmarkAccess,
    BenchmarkAccessRequest,
    ConnectionTestOutcome,
    CredentialUpsert,
    Environment,
    PerlaHubAgency,
    PerlaHubAgencyRequest,
    PerlaHubCredential,
    PerlaHubPolicy,
    PolicyRule,
)

SYSTEM = "perlahub"


def _seg(value: str) -> str:
    return quote(value, safe="")


class HttpPerlaHubGateway:
    """PerlaHub's agencies, benchmark logins, credentials, policies and connection tests.

    ``timeout`` is per attempt, in seconds; ``retries`` is how many times an idempotent call
    is repeated after the first attempt; ``backoff``/``max_backoff`` shape the waits (tests
    make them tiny) and ``max_retry_after`` is the longest ``Retry-After`` slept inline.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 10.0,
        retries: int = 3,
        backoff: float = 0.25,
        max_backoff: float = 8.0,
        max_retry_after: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._http = JsonHttpClient(
            SYSTEM,
            base_url,
            api_key,
            timeout=timeout,
            retry=RetryPolicy(retries, backoff, max_backoff, max_retry_after),
            transport=transport,
            sleep=sleep,
        )
        self._wire = wire_converter()

    def __repr__(self) -> str:
        return f"HttpPerlaHubGateway({self._http!r})"

    def close(self) -> None:
        self._http.close()

    # --- agencies ------------------------------------------------------------------------

    def create_agency(self, request: PerlaHubAgencyRequest, idempotency_key: str) -> PerlaHubAgency:
        data = self._http.request(
            "POST",
            "/api/v1/agencies",
            body=self._wire.unstructure(request),
            idempotency_key=idempotency_key,
        )
        return decode(self._wire, SYSTEM, data, PerlaHubAgency, "agency")

    def get_agency(self, agency_id: str) -> PerlaHubAgency:
        data = self._http.request(
            "GET", f"/api/v1/agencies/{_seg(agency_id)}", resource=("agency", agency_id)
        )
        return decode(self._wire, SYSTEM, data, PerlaHubAgency, "agency")

    # --- benchmark access ----------------------------------------------------------------

    def grant_benchmark_access(
        self, request: BenchmarkAccessRequest, idempotency_key: str
    ) -> BenchmarkAccess:
        data = self._http.request(
            "POST",
            "/api/v1/benchmark-accesses",
            body=self._wire.unstructure(request),
            idempotency_key=idempotency_key,
        )
        return decode(self._wire, SYSTEM, data, BenchmarkAccess, "benchmark access")

    def revoke_benchmark_access(self, access_id: str) -> BenchmarkAccess:
        data = self._http.request(
            "DELETE",
            f"/api/v1/benchmark-accesses/{_seg(access_id)}",
            resource=("benchmark access", access_id),
        )
        return decode(self._wire, SYSTEM, data, BenchmarkAccess, "benchmark access")

    # --- credentials ---------------------------------------------------------------------

    def upsert_credential(
        self, request: CredentialUpsert, idempotency_key: str
    ) -> PerlaHubCredential:
        data = self._http.request(
            "PUT",
            f"/api/v1/agencies/{_seg(request.agency_id)}/credentials/{_seg(request.credential_id)}",
            body=self._wire.unstructure(request),
            idempotency_key=idempotency_key,
            resource=("agency", request.agency_id),
        )
        return decode(self._wire, SYSTEM, data, PerlaHubCredential, "credential")

    def get_credential(self, agency_id: str, credential_id: str) -> PerlaHubCredential:
        data = self._http.request(
            "GET",
            f"/api/v1/agencies/{_seg(agency_id)}/credentials/{_seg(credential_id)}",
            resource=("credential", credential_id),
        )
        return decode(self._wire, SYSTEM, data, PerlaHubCredential, "credential")

    # --- policies ------------------------------------------------------------------------

    def push_policy(
        self, agency_id: str, rules: Sequence[PolicyRule], revision: int, idempotency_key: str
    ) -> PerlaHubPolicy:
        data = self._http.request(
            "PUT",
            f"/api/v1/agencies/{_seg(agency_id)}/policy",
            body=self._wire.unstructure(PolicyPush(revision, tuple(rules))),
            idempotency_key=idempotency_key,
            resource=("agency", agency_id),
        )
        return decode(self._wire, SYSTEM, data, PerlaHubPolicy, "policy")

    def get_policy(self, agency_id: str) -> PerlaHubPolicy:
        data = self._http.request(
            "GET",
            f"/api/v1/agencies/{_seg(agency_id)}/policy",
            resource=("policy of agency", agency_id),
        )
        return decode(self._wire, SYSTEM, data, PerlaHubPolicy, "policy")

    # --- connection test -----------------------------------------------------------------

    def test_connection(
        self, agency_id: str, credential_username: str, environment: Environment
    ) -> ConnectionTestOutcome:
        data = self._http.request(
            "POST",
            f"/api/v1/agencies/{_seg(agency_id)}/connection-tests",
            body=self._wire.unstructure(ConnectionTestRequest(credential_username, environment)),
            ok=(200,),
            resource=("agency", agency_id),
        )
        return decode(self._wire, SYSTEM, data, ConnectionTestOutcome, "connection test")
