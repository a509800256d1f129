"""API keys, roles and permissions.

A key is ``perla_<prefix>_<secret>``: the prefix finds the row, the secret is stored only as
a SHA-256 digest (the secret has 256 bits of entropy, so a slow hash adds nothing) and
compared in constant time. The whole key is shown once, when it is created.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from enum import StrEnum
from uuid import UUID

import attrs

from perla_core.kernel.errors import InvalidValue, PermissionDenied, Unauthenticated

KEY_PREFIX = "perla"


class Role(StrEnum):
    ADMIN = "admin"
    AGENT = "agent"
    READONLY = "readonly"


class Permission(StrEnum):
    READ = "read"
    WRITE_COMMERCIAL = "write_commercial"
    ADMINISTER = "administer"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.AGENT: frozenset({Permission.READ, Permission.WRITE_COMMERCIAL}),
    Role.READONLY: frozenset({Permission.READ}),
}


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise InvalidValue(f"{value!r} is not a role (one of: {allowed})", field="role") from None


@attrs.frozen
class Actor:
    """Who performs a command: a person or service, with the role that bounds it."""

    name: str
    role: Role
    channel: str = "api"

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise PermissionDenied(
                f"role {self.role.value!r} may not {permission.value.replace('_', ' ')}",
                role=self.role.value,
                permission=permission.value,
            )


SYSTEM = Actor("system", Role.ADMIN, channel="system")


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@attrs.define(eq=False)
class ApiKey:
    """A stored API key: never the secret, only its digest."""

    id: UUID
    name: str
    role: Role
    prefix: str
    secret_digest: str = attrs.field(repr=False)
    created_at: datetime
    revoked_at: datetime | None = None
    version: int = 0
    events: list[object] = attrs.field(factory=list, repr=False)

    @classmethod
    def issue(
        cls, *, key_id: UUID, name: str, role: Role, prefix: str, secret: str, now: datetime
    ) -> ApiKey:
        name = name.strip()
        if not name or len(name) > 100:
            raise InvalidValue("a key needs a name of 1 to 100 characters", field="name")
        return cls(key_id, name, role, prefix, digest(secret), now)

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def matches(self, secret: str) -> bool:
        return hmac.compare_digest(self.secret_digest, digest(secret))

    def revoke(self, now: datetime) -> None:
        if self.revoked_at is None:
            self.revoked_at = now

    def actor(self) -> Actor:
        return Actor(self.name, self.role)


def split_key(token: str) -> tuple[str, str]:
    """``perla_<prefix>_<secret>`` -> (prefix, secret); anything else is unauthenticated."""
    parts = token.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
        raise Unauthenticated("the API key is malformed")
    return parts[1], parts[2]
