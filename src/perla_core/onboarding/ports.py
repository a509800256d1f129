"""Storage and queries of leads and clients."""

from __future__ import annotations

import builtins
from typing import Protocol
from uuid import UUID

import attrs

from perla_core.kernel.pagination import Page, PageRequest
from perla_core.kernel.values import TaxId
from perla_core.onboarding.model import Client, ClientStatus, LeadStatus, Phase


def _upper(value: str | None) -> str | None:
    return value.strip().upper() if value else None


@attrs.frozen
class ClientQuery:
    """Filters for listing parties; ``text`` matches names, tax id and e-mail, accents ignored.

    Results are ordered newest first (by creation, then id), so pages are stable.
    """

    phase: Phase | None = None
    lead_status: LeadStatus | None = None
    client_status: ClientStatus | None = None
    country: str | None = attrs.field(default=None, converter=_upper)
    text: str | None = None
    page: PageRequest = attrs.field(factory=PageRequest)


class ClientRepository(Protocol):
    """Leads and clients. Joins the unit of work's transaction; never commits.

    ``save`` is optimistic: it writes only if the stored version equals ``client.version``,
    then increments it; otherwise it raises :class:`StaleVersion`. ``add`` and ``save`` raise
    :class:`AlreadyExists` when the tax id belongs to another party.
    """

    def add(self, client: Client) -> None: ...

    def save(self, client: Client) -> None: ...

    def get(self, client_id: UUID) -> Client:
        """Raises :class:`NotFound`."""
        ...

    def by_tax_id(self, tax_id: TaxId) -> Client | None: ...

    def list(self, query: ClientQuery) -> Page[Client]: ...

    @property
    def seen(self) -> builtins.list[Client]:
        """Aggregates added or read in this unit of work (their events go to the outbox)."""
        ...
