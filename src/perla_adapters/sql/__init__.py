"""SQL adapters on SQLAlchemy Core: SQLite (the embedded default) and PostgreSQL.

``create_engine_for(url)`` builds the engine, ``migrate(engine)`` brings the schema to the
newest alembic revision, and ``SqlAlchemyUnitOfWork(engine, clock, ids)`` is the unit of work
every use case runs in.
"""

from perla_adapters.sql.credentials import SqlAlchemyCredentialRepository
from perla_adapters.sql.engine import (
    create_engine_for,
    current_revision,
    database_ready,
    downgrade,
    head_revision,
    migrate,
    normalise_url,
)
from perla_adapters.sql.hotels import SqlHotelDirectory, SqlHotelImportLog
from perla_adapters.sql.policies import (
    SqlAlchemyGlobalRulesRepository,
    SqlAlchemyPolicyRepository,
)
from perla_adapters.sql.suppliers import SqlAlchemySupplierRequestRepository
from perla_adapters.sql.tables import metadata
from perla_adapters.sql.uow import (
    SqlAlchemyApiKeyRepository,
    SqlAlchemyClientRepository,
    SqlAlchemyOutboxRepository,
    SqlAlchemyProcessedMessages,
    SqlAlchemyUnitOfWork,
)

__all__ = [
    "SqlAlchemyApiKeyRepository",
    "SqlAlchemyClientRepository",
    "SqlAlchemyCredentialRepository",
    "SqlAlchemyGlobalRulesRepository",
    "SqlAlchemyOutboxRepository",
    "SqlAlchemyPolicyRepository",
    "SqlAlchemyProcessedMessages",
    "SqlAlchemySupplierRequestRepository",
    "SqlAlchemyUnitOfWork",
    "SqlHotelDirectory",
    "SqlHotelImportLog",
    "create_engine_for",
    "current_revision",
    "database_ready",
    "downgrade",
    "head_revision",
    "metadata",
    "migrate",
    "normalise_url",
]
