"""In-memory adapters: first-class fakes of every port, for unit tests and users' tests.

They keep the same promises as the real adapters (optimistic versions, rollback unless
committed, idempotency keys), proven by the contract suites in ``tests/contract``.
"""

from perla_adapters.memory.clock import FixedClock, SequentialIds, StaticSecrets
from perla_adapters.memory.hotels import InMemoryHotelDirectory, InMemoryHotelImportLog
from perla_adapters.memory.mailer import InMemoryMailer
from perla_adapters.memory.queue import RecordingTaskQueue
from perla_adapters.memory.uow import InMemoryStore, InMemoryUnitOfWork

__all__ = [
    "FixedClock",
    "InMemoryHotelDirectory",
    "InMemoryHotelImportLog",
    "InMemoryMailer",
    "InMemoryStore",
    "InMemoryUnitOfWork",
    "RecordingTaskQueue",
    "SequentialIds",
    "StaticSecrets",
]
