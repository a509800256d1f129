"""Credentials: a client's access to PerlaHub's B2B API, and their JSON.

``/api/v1/clients/{client_id}/credentials`` issues and lists a client's credentials;
``/api/v1/credentials/{credential_id}`` reads, edits, suspends, reactivates, revokes, rotates
the secret and runs PerlaHub's connection test. The secret is in the body of the two answers
that create it (issue, rotate), with ``Cache-Control: no-store``, and nowhere else: neither it
nor its digest is in any other response.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Response, get, patch, post
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from msgspec import UNSET, Meta, Struct, UnsetType

from perla_core.credentials import services
from perla_core.credentials.commands import (
    EditCredential,
    IssueCredential,
    ReactivateCredential,
    RecordConnectionTest,
    RevokeCredential,
    RotateCredentialSecret,
    SuspendCredential,
)
from perla_core.credentials.model import (
    DEFAULT_RATE_LIMIT,
    ConnectionTest,
    Credential,
    CredentialStatus,
    Environment,
    IssuedSecret,
    Product,
)
from perla_entrypoints.http.auth import CAN_WRITE
from perla_entrypoints.http.dependencies import (
    ActorDep,
    ClockDep,
    IdsDep,
    NewUow,
    PolicyForDep,
    SecretsDep,
    TesterDep,
)
from perla_entrypoints.http.openapi import ETAG, LOCATION, NO_STORE, doc, responses
from perla_entrypoints.http.schemas import (
    CountryCode,
    CurrencyCode,
    ProductText,
    StrictBody,
    Version,
    one_of,
)

CREDENTIALS = "/api/v1/credentials"

EnvironmentText = Annotated[str, one_of([e.value for e in Environment], "test or live")]
Network = Annotated[str, Meta(description="An IPv4/IPv6 address or network, e.g. 81.45.12.0/24")]
RateLimit = Annotated[int, Meta(description="Requests per minute")]
PolicyRevision = Annotated[
    int | None,
    Meta(description="The policy revision it sells with; null follows the current policy"),
]
Reason = Annotated[str | None, Meta(description="Why (kept with the change)")]

# --- requests -------------------------------------------------------------------------------


class CredentialIn(StrictBody):
    """A new credential for a client with a validated record."""

    environment: EnvironmentText
    products: list[ProductText]
    currencies: list[CurrencyCode]
    markets: Annotated[list[CountryCode], Meta(description="Empty: every market")] = msgspec.field(
        default_factory=list
    )
    ip_allowlist: list[Network] = msgspec.field(default_factory=list)
    rate_limit_per_minute: RateLimit = DEFAULT_RATE_LIMIT
    policy_revision: PolicyRevision = None
    label: str | None = None
    username: Annotated[
        str | None, Meta(description="Chosen public username; derived from the id if absent")
    ] = None

    def to_command(self, client_id: UUID) -> IssueCredential:
        return IssueCredential(
            client_id=client_id,
            environment=self.environment,
            products=tuple(self.products),
            currencies=tuple(self.currencies),
            markets=tuple(self.markets),
            ip_allowlist=tuple(self.ip_allowlist),
            rate_limit_per_minute=self.rate_limit_per_minute,
            policy_revision=self.policy_revision,
            label=self.label,
            username=self.username,
        )


class CredentialPatch(StrictBody):
    """Changes to an active credential: an absent key keeps the field, ``null`` clears it."""

    version: Version
    products: list[ProductText] | UnsetType = UNSET
    currencies: list[CurrencyCode] | UnsetType = UNSET
    markets: list[CountryCode] | UnsetType = UNSET
    ip_allowlist: list[Network] | UnsetType = UNSET
    rate_limit_per_minute: RateLimit | UnsetType = UNSET
    policy_revision: PolicyRevision | UnsetType = UNSET
    label: str | UnsetType | None = UNSET

    def to_command(self, credential_id: UUID) -> EditCredential:
        changes: dict[str, Any] = {}
        for name, value in msgspec.structs.asdict(self).items():
            if name == "version" or value is UNSET:
                continue
            changes[name] = tuple(value) if isinstance(value, list) else value
        return EditCredential(credential_id=credential_id, expected_version=self.version, **changes)


class CredentialStepIn(StrictBody):
    reason: Reason = None
    version: Version | None = None


class CredentialVersionIn(StrictBody):
    version: Version | None = None


# --- responses ------------------------------------------------------------------------------


class ConnectionTestOut(Struct, kw_only=True):
    at: datetime
    ok: bool
    latency_ms: int
    message: str

    @classmethod
    def of(cls, test: ConnectionTest) -> ConnectionTestOut:
        return cls(at=test.at, ok=test.ok, latency_ms=test.latency_ms, message=test.message)


class CredentialOut(Struct, kw_only=True):
    """A credential as stored: never its secret, nor the secret's digest."""

    id: UUID
    client_id: UUID
    version: int
    environment: Environment
    username: str
    status: CredentialStatus
    status_reason: str | None
    products: list[Product]
    currencies: list[str]
    markets: list[str]
    ip_allowlist: list[str]
    rate_limit_per_minute: int
    policy_revision: int | None
    label: str | None
    created_at: datetime
    updated_at: datetime
    secret_rotated_at: datetime
    revoked_at: datetime | None
    last_connection_test: ConnectionTestOut | None
    allowed_actions: list[str]

    @classmethod
    def of(cls, credential: Credential) -> CredentialOut:
        test = credential.last_connection_test
        return cls(
            id=credential.id,
            client_id=credential.client_id,
            version=credential.version,
            environment=credential.environment,
            username=credential.username,
            status=credential.status,
            status_reason=credential.status_reason,
            products=list(credential.products),
            currencies=list(credential.currencies),
            markets=list(credential.markets),
            ip_allowlist=[str(n) for n in credential.ip_allowlist],
            rate_limit_per_minute=credential.rate_limit_per_minute,
            policy_revision=credential.policy_revision,
            label=credential.label,
            created_at=credential.created_at,
            updated_at=credential.updated_at,
            secret_rotated_at=credential.secret_rotated_at,
            revoked_at=credential.revoked_at,
            last_connection_test=None if test is None else ConnectionTestOut.of(test),
            allowed_actions=credential.allowed_actions(),
        )


class IssuedCredentialOut(Struct, kw_only=True):
    """A credential and its secret, shown this once: store it now, it cannot be read again."""

    credential: CredentialOut
    secret: Annotated[str, Meta(description="Shown once; perla keeps only a digest")]


# --- routes ---------------------------------------------------------------------------------


def credential_response(
    credential: CredentialOut, status: int = HTTP_200_OK
) -> Response[CredentialOut]:
    return Response(credential, status_code=status, headers={"ETag": f'"{credential.version}"'})


def secret_response(
    issued: IssuedSecret, credential: Credential, status: int, location: str | None = None
) -> Response[IssuedCredentialOut]:
    headers = {"ETag": f'"{credential.version}"', "Cache-Control": "no-store", "Pragma": "no-cache"}
    if location is not None:
        headers["Location"] = location
    body = IssuedCredentialOut(credential=CredentialOut.of(credential), secret=issued.secret)
    return Response(body, status_code=status, headers=headers)


class CredentialController(Controller):
    path = "/api/v1"
    tags = ["credentials"]

    @post(
        "/clients/{client_id:uuid}/credentials",
        operation_id="issueCredential",
        summary="Issue a credential to a client",
        description=doc(services.issue_credential),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_201_CREATED,
        response_headers=[ETAG, LOCATION, NO_STORE],
        responses=responses(400, 401, 403, 404, 409, 413, 422),
    )
    def issue_credential(
        self,
        client_id: FromPath[UUID],
        data: JSONBody[CredentialIn],
        uows: NewUow,
        clock: ClockDep,
        ids: IdsDep,
        secrets: SecretsDep,
        policy_for: PolicyForDep,
        actor: ActorDep,
    ) -> Response[IssuedCredentialOut]:
        issued = services.issue_credential(
            data.to_command(client_id), uows(), clock, ids, secrets, policy_for, actor
        )
        credential = services.get_credential(issued.credential_id, uows(), actor)
        location = f"{CREDENTIALS}/{credential.id}"
        return secret_response(issued, credential, HTTP_201_CREATED, location)

    @get(
        "/clients/{client_id:uuid}/credentials",
        operation_id="listCredentials",
        summary="List a client's credentials",
        description=doc(services.list_credentials),
        sync_to_thread=True,
        responses=responses(401, 404),
    )
    def list_credentials(
        self, client_id: FromPath[UUID], uows: NewUow, actor: ActorDep
    ) -> list[CredentialOut]:
        return [CredentialOut.of(c) for c in services.list_credentials(client_id, uows(), actor)]

    @get(
        "/credentials/{credential_id:uuid}",
        operation_id="getCredential",
        summary="Get a credential",
        description=doc(services.get_credential),
        sync_to_thread=True,
        response_headers=[ETAG],
        responses=responses(401, 404),
    )
    def get_credential(
        self, credential_id: FromPath[UUID], uows: NewUow, actor: ActorDep
    ) -> Response[CredentialOut]:
        credential = services.get_credential(credential_id, uows(), actor)
        return credential_response(CredentialOut.of(credential))

    @patch(
        "/credentials/{credential_id:uuid}",
        operation_id="editCredential",
        summary="Edit an active credential",
        description=doc(services.edit_credential),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        response_headers=[ETAG],
        responses=responses(400, 401, 403, 404, 409, 413, 422),
    )
    def edit_credential(
        self,
        credential_id: FromPath[UUID],
        data: JSONBody[CredentialPatch],
        uows: NewUow,
        clock: ClockDep,
        policy_for: PolicyForDep,
        actor: ActorDep,
    ) -> Response[CredentialOut]:
        services.edit_credential(data.to_command(credential_id), uows(), clock, policy_for, actor)
        return self._read(credential_id, uows, actor)

    @post(
        "/credentials/{credential_id:uuid}/suspend",
        operation_id="suspendCredential",
        summary="Suspend a credential",
        description=doc(services.suspend_credential),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        response_headers=[ETAG],
        responses=responses(400, 401, 403, 404, 409, 413, 422),
    )
    def suspend_credential(
        self,
        credential_id: FromPath[UUID],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
        data: JSONBody[CredentialStepIn | None] = None,
    ) -> Response[CredentialOut]:
        body = data or CredentialStepIn()
        command = SuspendCredential(
            credential_id=credential_id, expected_version=body.version, reason=body.reason
        )
        services.suspend_credential(command, uows(), clock, actor)
        return self._read(credential_id, uows, actor)

    @post(
        "/credentials/{credential_id:uuid}/reactivate",
        operation_id="reactivateCredential",
        summary="Reactivate a suspended credential",
        description=doc(services.reactivate_credential),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        response_headers=[ETAG],
        responses=responses(400, 401, 403, 404, 409, 413, 422),
    )
    def reactivate_credential(
        self,
        credential_id: FromPath[UUID],
        uows: NewUow,
        clock: ClockDep,
        policy_for: PolicyForDep,
        actor: ActorDep,
        data: JSONBody[CredentialVersionIn | None] = None,
    ) -> Response[CredentialOut]:
        command = ReactivateCredential(
            credential_id=credential_id, expected_version=None if data is None else data.version
        )
        services.reactivate_credential(command, uows(), clock, policy_for, actor)
        return self._read(credential_id, uows, actor)

    @post(
        "/credentials/{credential_id:uuid}/revoke",
        operation_id="revokeCredential",
        summary="Revoke a credential for good",
        description=doc(services.revoke_credential),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        response_headers=[ETAG],
        responses=responses(400, 401, 403, 404, 409, 413, 422),
    )
    def revoke_credential(
        self,
        credential_id: FromPath[UUID],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
        data: JSONBody[CredentialStepIn | None] = None,
    ) -> Response[CredentialOut]:
        body = data or CredentialStepIn()
        command = RevokeCredential(
            credential_id=credential_id, expected_version=body.version, reason=body.reason
        )
        services.revoke_credential(command, uows(), clock, actor)
        return self._read(credential_id, uows, actor)

    @post(
        "/credentials/{credential_id:uuid}/rotate-secret",
        operation_id="rotateCredentialSecret",
        summary="Replace a credential's secret",
        description=doc(services.rotate_credential_secret),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        response_headers=[ETAG, NO_STORE],
        responses=responses(400, 401, 403, 404, 409, 413, 422),
    )
    def rotate_secret(
        self,
        credential_id: FromPath[UUID],
        uows: NewUow,
        clock: ClockDep,
        secrets: SecretsDep,
        actor: ActorDep,
        data: JSONBody[CredentialVersionIn | None] = None,
    ) -> Response[IssuedCredentialOut]:
        command = RotateCredentialSecret(
            credential_id=credential_id, expected_version=None if data is None else data.version
        )
        issued = services.rotate_credential_secret(command, uows(), clock, secrets, actor)
        credential = services.get_credential(credential_id, uows(), actor)
        return secret_response(issued, credential, HTTP_200_OK)

    @post(
        "/credentials/{credential_id:uuid}/connection-test",
        operation_id="testCredentialConnection",
        summary="Run PerlaHub's connection test with a credential",
        description=doc(services.record_connection_test),
        guards=[CAN_WRITE],
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        response_headers=[ETAG],
        responses=responses(401, 403, 404, 409, 422, 502, 503),
    )
    def connection_test(
        self,
        credential_id: FromPath[UUID],
        uows: NewUow,
        clock: ClockDep,
        tester: TesterDep,
        actor: ActorDep,
    ) -> Response[CredentialOut]:
        command = RecordConnectionTest(credential_id=credential_id)
        services.record_connection_test(command, uows(), clock, tester, actor)
        return self._read(credential_id, uows, actor)

    @staticmethod
    def _read(credential_id: UUID, uows: NewUow, actor: ActorDep) -> Response[CredentialOut]:
        credential = services.get_credential(credential_id, uows(), actor)
        return credential_response(CredentialOut.of(credential))
