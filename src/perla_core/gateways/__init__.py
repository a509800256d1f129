"""Ports to the other systems perla talks to, with their request/answer values and errors.

``DomeGateway`` (back office / ERP) and ``PerlaHubGateway`` (the B2B platform); their wire
contracts are ``docs/contracts/dome.md`` and ``docs/contracts/perlahub.md``. Every adapter
raises the errors of :mod:`perla_core.gateways.errors` and honours idempotency keys
(:mod:`perla_core.gateways.idempotency`).
"""

from perla_core.gateways.dome import (
    DomeAddress,
    DomeContact,
    DomeCustomer,
    DomeCustomerRequest,
    DomeGateway,
    DomeSupplier,
    DomeSupplierRequest,
)
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
from perla_core.gateways.idempotency import check_idempotency_key, idempotency_key
from perla_core.gateways.perlahub import (
    BenchmarkAccess,
    BenchmarkAccessRequest,
    ConnectionTestOutcome,
    CredentialStatus,
    CredentialUpsert,
    Environment,
    MarginKind,
    PerlaHubAgency,
    PerlaHubAgencyRequest,
    PerlaHubCredential,
    PerlaHubGateway,
    PerlaHubPolicy,
    PolicyRule,
    digest_secret,
)

__all__ = [
    "BenchmarkAccess",
    "BenchmarkAccessRequest",
    "ConnectionTestOutcome",
    "CredentialStatus",
    "CredentialUpsert",
    "DomeAddress",
    "DomeContact",
    "DomeCustomer",
    "DomeCustomerRequest",
    "DomeGateway",
    "DomeSupplier",
    "DomeSupplierRequest",
    "Environment",
    "ExternalAuthenticationFailed",
    "ExternalConflict",
    "ExternalError",
    "ExternalNotFound",
    "ExternalProtocolError",
    "ExternalRejected",
    "ExternalUnavailable",
    "MarginKind",
    "PerlaHubAgency",
    "PerlaHubAgencyRequest",
    "PerlaHubCredential",
    "PerlaHubGateway",
    "PerlaHubPolicy",
    "PolicyRule",
    "RemoteFieldError",
    "check_idempotency_key",
    "digest_secret",
    "idempotency_key",
]
