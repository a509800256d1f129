"""Bulk imports of suppliers' hotel data, and the record each one leaves behind.

An import reads rows (CSV or JSON, see :mod:`.files`), turns each into a
:class:`~perla_core.hotels.model.HotelRecord`, stores the good ones in the directory in
batches, keeps going past a bad row (reported with its line and every invalid field), and ends
with a pass that reports likely duplicates already inside the directory. Its
:class:`HotelImport` is saved through the :class:`HotelImportLog` port as it goes, so its
status can be read while it runs (``GET /api/v1/hotels/imports/{id}``).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Final, Protocol
from uuid import UUID

import attrs

MAX_REPORTED: Final = 1000  # rejected rows and duplicate pairs kept in an import's report


class ImportStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


@attrs.frozen
class RejectedRow:
    """A row the import refused: its line in the file (a CSV's header is line 1; a JSON
    array's first object is row 1), its ref if it had one, and every ``(field, message)``."""

    line: int
    ref: str | None
    errors: tuple[tuple[str, str], ...]


@attrs.frozen
class DuplicatePair:
    """Two directory records that look like one hotel, how much (0..100) and why."""

    ref: str
    other_ref: str
    score: float
    reasons: tuple[str, ...]


@attrs.define(kw_only=True)
class HotelImport:
    """One import run: what file, by whom, how far it got and what it found.

    ``rejected`` and ``duplicates`` keep the first :data:`MAX_REPORTED` of each;
    ``rows_rejected`` and ``duplicates_found`` count them all.
    """

    id: UUID
    source: str
    file_name: str
    started_at: datetime
    started_by: str
    status: ImportStatus = ImportStatus.RUNNING
    finished_at: datetime | None = None
    rows_read: int = 0
    rows_stored: int = 0
    rows_rejected: int = 0
    rejected: list[RejectedRow] = attrs.field(factory=list)
    duplicates_found: int = 0
    duplicates: list[DuplicatePair] = attrs.field(factory=list)
    error: str | None = None


class HotelImportLog(Protocol):
    """Where import runs are kept (newest first when listed)."""

    def save(self, entry: HotelImport) -> None:
        """Insert the run, or replace the one with its id."""
        ...

    def get(self, import_id: UUID) -> HotelImport | None: ...

    def recent(self, limit: int = 20) -> list[HotelImport]:
        """The latest runs, newest ``started_at`` first."""
        ...
