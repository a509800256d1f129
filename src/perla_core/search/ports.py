"""The search ports: an index that ranks documents and an embedder that turns text into vectors."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from perla_core.search.model import SearchDocument, SearchHit, SearchQuery

Vector = tuple[float, ...]


class Embedder(Protocol):
    """Text to fixed-size, L2-normalised vectors. Deterministic for a given model."""

    @property
    def dimension(self) -> int: ...

    def embed_many(self, texts: Sequence[str]) -> list[Vector]:
        """One vector per text, in order; an empty input gives an empty list."""
        ...


class SearchIndex(Protocol):
    """Products and document chunks ranked by full-text, vectors or both (fused).

    Writes are idempotent: ``upsert_many`` replaces documents by id (a price or stock
    change is an upsert of the product), ``delete_many`` ignores unknown ids. ``search``
    applies :class:`~perla_core.search.model.SearchFilters` before ranking and returns at
    most ``query.limit`` hits, best first; text that matches nothing gives an empty list,
    never an error, whatever characters it holds. ``clear`` empties the index (a full
    rebuild is ``clear`` then ``upsert_many`` of everything).
    """

    def upsert_many(self, documents: Iterable[SearchDocument]) -> int:
        """Insert or replace; returns how many documents were written."""
        ...

    def delete_many(self, ids: Iterable[str]) -> None: ...

    def search(self, query: SearchQuery) -> list[SearchHit]: ...

    def get(self, id: str) -> SearchDocument | None: ...

    def count(self) -> int: ...

    def clear(self) -> None: ...
