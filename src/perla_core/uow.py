"""The unit of work: one transaction per use case.

``with uow:`` opens it; only an explicit ``uow.commit()`` persists; leaving the block without
committing, or with an exception, rolls back. On commit the unit of work collects the events
of every aggregate its repositories saw and writes them to the outbox in the same
transaction. After a commit or a rollback the same unit of work can go on with a new
transaction inside the block. Repositories never commit.
"""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from perla_core.access.ports import ApiKeyRepository
from perla_core.onboarding.ports import ClientRepository
from perla_core.outbox import OutboxRepository, ProcessedMessages


class UnitOfWork(Protocol):
    @property
    def clients(self) -> ClientRepository: ...

    @property
    def api_keys(self) -> ApiKeyRepository: ...

    @property
    def outbox(self) -> OutboxRepository: ...

    @property
    def processed(self) -> ProcessedMessages: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...
