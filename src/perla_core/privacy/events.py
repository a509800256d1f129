"""What a personal-data request leaves behind (outbox topics ``privacy.*``): the audit trail.

The events name the person only by the hash of the identifier they were found by
(:attr:`~perla_core.privacy.identifiers.PersonIdentifier.hash`); their ``aggregate_id`` is
derived from it, so one person's requests form one timeline in the outbox.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID

import attrs

from perla_core.kernel.events import domain_event


@domain_event("privacy.personal_data_exported")
@attrs.frozen
class PersonalDataExported:
    """An export was produced; ``sections`` are ``area:count`` of what it held."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    identifier_kind: str
    subject_hash: str
    sections: tuple[str, ...]


@domain_event("privacy.personal_data_erased")
@attrs.frozen
class PersonalDataErased:
    """An erasure ran; ``erased`` and ``kept`` are ``area:count`` of the records touched."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    identifier_kind: str
    subject_hash: str
    erased: tuple[str, ...]
    kept: tuple[str, ...]


@domain_event("privacy.raw_messages_blanked")
@attrs.frozen
class RawMessagesBlanked:
    """The retention job blanked raw messages received before ``before``."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    before: datetime
    received_events: int
    messages: int
