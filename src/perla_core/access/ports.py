"""Storage of API keys."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from perla_core.access.model import ApiKey


class ApiKeyRepository(Protocol):
    """API keys by id and by their public prefix. Joins the unit of work's transaction."""

    def add(self, key: ApiKey) -> None: ...

    def save(self, key: ApiKey) -> None: ...

    def get(self, key_id: UUID) -> ApiKey:
        """Raises :class:`NotFound`."""
        ...

    def by_prefix(self, prefix: str) -> ApiKey | None: ...

    def list(self) -> list[ApiKey]: ...
