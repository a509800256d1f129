"""``/api/v1/api-keys``: keys for this API, managed by admins. A key is shown once."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, delete, get, post
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from perla_core.access import services
from perla_core.access.model import Actor, ApiKey, Permission, parse_role
from perla_core.uow import UnitOfWork
from perla_entrypoints.http.auth import CAN_ADMINISTER
from perla_entrypoints.http.dependencies import (
    ActorDep,
    AuthCacheDep,
    ClockDep,
    IdsDep,
    NewUow,
    SecretsDep,
)
from perla_entrypoints.http.openapi import doc, responses
from perla_entrypoints.http.schemas import ApiKeyIn, ApiKeyOut, IssuedKeyOut


def list_api_keys(uow: UnitOfWork, actor: Actor) -> list[ApiKey]:
    """Every API key, revoked ones included, oldest first (never their secrets)."""
    # perla_core.access.services has no listing use case yet; this is its stand-in.
    actor.require(Permission.ADMINISTER)
    with uow:
        return uow.api_keys.list()


class ApiKeyController(Controller):
    path = "/api/v1/api-keys"
    tags = ["api-keys"]
    guards = [CAN_ADMINISTER]

    @post(
        operation_id="createApiKey",
        summary="Create an API key",
        description=doc(services.create_api_key),
        sync_to_thread=True,
        status_code=HTTP_201_CREATED,
        responses=responses(400, 401, 403, 413, 422),
    )
    def create_api_key(
        self,
        data: JSONBody[ApiKeyIn],
        uows: NewUow,
        clock: ClockDep,
        ids: IdsDep,
        secrets: SecretsDep,
        actor: ActorDep,
    ) -> IssuedKeyOut:
        issued = services.create_api_key(
            data.name, parse_role(data.role), uows(), clock, ids, secrets, actor
        )
        return IssuedKeyOut.of(issued)

    @get(
        operation_id="listApiKeys",
        summary="List API keys",
        description=doc(list_api_keys),
        sync_to_thread=True,
        responses=responses(401, 403),
    )
    def list_api_keys(self, uows: NewUow, actor: ActorDep) -> list[ApiKeyOut]:
        return [ApiKeyOut.of(k) for k in list_api_keys(uows(), actor)]

    @delete(
        "/{key_id:uuid}",
        operation_id="revokeApiKey",
        summary="Revoke an API key",
        description="Revoke an API key; requests with it are refused from now on.",
        sync_to_thread=True,
        responses=responses(401, 403, 404),
    )
    def revoke_api_key(
        self,
        key_id: FromPath[UUID],
        uows: NewUow,
        clock: ClockDep,
        actor: ActorDep,
        auth_cache: AuthCacheDep,
    ) -> None:
        services.revoke_api_key(key_id, uows(), clock, actor)
        auth_cache.clear()
