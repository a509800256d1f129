"""The search index on a local LanceDB table (default folder ``$PERLA_DATA_DIR/index``).

One row per :class:`~perla_core.search.model.SearchDocument`, keyed by ``id``: upserts are a
``merge_insert`` on ``id``, deletes a ``delete`` by id. The ``terms`` column holds
:func:`~perla_core.search.text.index_text` (accents folded, Spanish stop words and stemming,
model-code prefixes) and carries LanceDB's native BM25 full-text index with a *whitespace*
tokenizer and no stemming, stop words or folding of its own: LanceDB's built-in Spanish
stemmer would not know our synonyms or code prefixes, and doing the normalisation in the core
keeps this adapter and the memory reference tokenising identically. ``vector`` holds the
:class:`~perla_core.search.ports.Embedder`'s vector (cosine distance, exact search unless an
ANN index is built with :meth:`LanceDbSearchIndex.build_vector_index`).

Filters become a SQL ``where`` applied before ranking (``prefilter``). Only typed values
reach it: kinds from the enum, booleans and integer cents formatted by Python, brand and
category lower-cased and quoted with :func:`sql_string` (single quotes doubled, control
characters refused). The query text never reaches SQL: it is normalised to ``[a-z0-9]``
tokens and passed to the full-text query as data.

Hybrid runs the full-text and the vector query, each for its best ``CANDIDATES`` rows, and
fuses them with :func:`~perla_core.search.fusion.reciprocal_rank_fusion` in Python, not
with LanceDB's hybrid query and ``RRFReranker``: the results are the same RRF (k = 60) but
ours keeps which retriever found each hit (``SearchHit.why``) and matches the memory
reference tie-break for tie-break.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

import lancedb
import pyarrow as pa
from lancedb.index import FTS, IvfPq

from perla_core.search.fusion import reciprocal_rank_fusion, single_ranking
from perla_core.search.model import (
    DocumentKind,
    Retriever,
    SearchDocument,
    SearchFilters,
    SearchHit,
    SearchMode,
    SearchQuery,
)
from perla_core.search.ports import Embedder
from perla_core.search.text import index_text, query_text

CANDIDATES = 50
BATCH = 5_000
DEFAULT_TABLE = "search"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CENT = Decimal("0.01")
T = TypeVar("T")


def sql_string(value: str) -> str:
    """A SQL string literal: single quotes doubled; control characters refused."""
    if _CONTROL.search(value):
        raise ValueError("control characters are not allowed in a filter value")
    return "'" + value.replace("'", "''") + "'"


def _cents(value: Decimal, rounding: str) -> int:
    return int((value / _CENT).to_integral_value(rounding=rounding))


def where_clause(filters: SearchFilters) -> str | None:
    """The filters as a LanceDB SQL predicate, or None when nothing is filtered."""
    parts: list[str] = []
    if filters.kind is not None:
        parts.append(f"kind = {sql_string(DocumentKind(filters.kind).value)}")
    if filters.brand is not None:
        parts.append(f"brand_key = {sql_string(filters.brand.casefold())}")
    if filters.category is not None:
        parts.append(f"category_key = {sql_string(filters.category.casefold())}")
    if filters.in_stock is not None:
        parts.append(f"in_stock = {'true' if filters.in_stock else 'false'}")
    if filters.min_price_ars is not None:
        low = _cents(filters.min_price_ars, ROUND_CEILING)
        parts.append(f"price_cents IS NOT NULL AND price_cents >= {low:d}")
    if filters.max_price_ars is not None:
        high = _cents(filters.max_price_ars, ROUND_FLOOR)
        parts.append(f"price_cents IS NOT NULL AND price_cents <= {high:d}")
    return " AND ".join(f"({p})" for p in parts) or None


def schema(dimension: int) -> pa.Schema:
    return pa.schema(
        [
            pa.field("id", pa.string(), nullable=False),
            pa.field("kind", pa.string(), nullable=False),
            pa.field("title", pa.string()),
            pa.field("text", pa.string()),
            pa.field("brand", pa.string()),
            pa.field("brand_key", pa.string()),
            pa.field("category", pa.string()),
            pa.field("category_key", pa.string()),
            pa.field("in_stock", pa.bool_()),
            pa.field("price_ars", pa.string()),
            pa.field("price_cents", pa.int64()),
            pa.field("sku", pa.string()),
            pa.field("terms", pa.string()),
            pa.field("vector", pa.list_(pa.float32(), dimension)),
        ]
    )


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


class LanceDbSearchIndex:
    """:class:`~perla_core.search.ports.SearchIndex` on LanceDB; see the module docstring."""

    def __init__(self, folder: Path, embedder: Embedder, *, table: str = DEFAULT_TABLE) -> None:
        self._db = lancedb.connect(str(folder))
        self._embedder = embedder
        self._name = table
        self._schema = schema(embedder.dimension)
        self._table = self._db.create_table(table, schema=self._schema, exist_ok=True)
        self._has_fts = self._fts_exists()

    @property
    def table(self) -> Any:
        """The LanceDB table (for the benchmark's bare queries and maintenance)."""
        return self._table

    def _fts_exists(self) -> bool:
        return any(ix.index_type == "FTS" for ix in self._table.list_indices())

    def _ensure_fts(self) -> None:
        if not self._has_fts and self._table.count_rows() > 0:
            config = FTS(
                base_tokenizer="whitespace",
                lower_case=False,
                stem=False,
                remove_stop_words=False,
                ascii_folding=False,
                max_token_length=64,
                with_position=False,
            )
            self._table.create_index("terms", config=config, replace=True)
            self._has_fts = True

    def _rows(self, batch: list[SearchDocument]) -> pa.Table:
        deduplicated = list({d.id: d for d in batch}.values())
        vectors = self._embedder.embed_many([d.searchable_text for d in deduplicated])
        columns: dict[str, list[Any]] = {name: [] for name in self._schema.names}
        for doc, vector in zip(deduplicated, vectors, strict=True):
            columns["id"].append(doc.id)
            columns["kind"].append(doc.kind.value)
            columns["title"].append(doc.title)
            columns["text"].append(doc.text)
            columns["brand"].append(doc.brand)
            columns["brand_key"].append(doc.brand.casefold())
            columns["category"].append(doc.category)
            columns["category_key"].append(doc.category.casefold())
            columns["in_stock"].append(doc.in_stock)
            price = doc.price_ars
            columns["price_ars"].append(None if price is None else str(price))
            columns["price_cents"].append(None if price is None else _cents(price, ROUND_FLOOR))
            columns["sku"].append(doc.sku)
            columns["terms"].append(index_text(doc.searchable_text))
            columns["vector"].append(vector)
        return pa.table(columns, schema=self._schema)

    def upsert_many(self, documents: Iterable[SearchDocument]) -> int:
        written = 0
        for batch in _batches(documents, BATCH):
            rows = self._rows(batch)
            (
                self._table.merge_insert("id")
                .when_matched_update_all()
                .when_not_matched_insert_all()
                .execute(rows)
            )
            written += rows.num_rows
        self._ensure_fts()
        return written

    def rebuild(self, documents: Iterable[SearchDocument]) -> int:
        """A full rebuild: a fresh table appended in batches, then the full-text index."""
        self.clear()
        written = 0
        for batch in _batches(documents, BATCH):
            rows = self._rows(batch)
            self._table.add(rows)
            written += rows.num_rows
        self._ensure_fts()
        return written

    def optimize(self) -> None:
        """Fold recent writes into the indexes (run after large incremental updates)."""
        self._table.optimize()

    def build_vector_index(self) -> None:
        """An IVF-PQ index for large tables; exact search is used until it exists."""
        self._table.create_index("vector", config=IvfPq(distance_type="cosine"), replace=True)

    def delete_many(self, ids: Iterable[str]) -> None:
        for batch in _batches(ids, 1_000):
            literals = ", ".join(sql_string(str(i)) for i in batch)
            self._table.delete(f"id IN ({literals})")

    def get(self, id: str) -> SearchDocument | None:
        rows = self._table.search().where(f"id = {sql_string(id)}").limit(1).to_list()
        if not rows:
            return None
        row = rows[0]
        return SearchDocument(
            id=row["id"],
            kind=DocumentKind(row["kind"]),
            title=row["title"],
            text=row["text"],
            brand=row["brand"],
            category=row["category"],
            in_stock=row["in_stock"],
            price_ars=None if row["price_ars"] is None else Decimal(row["price_ars"]),
            sku=row["sku"],
        )

    def count(self) -> int:
        return int(self._table.count_rows())

    def clear(self) -> None:
        self._db.drop_table(self._name)  # created in __init__, so it exists
        self._table = self._db.create_table(self._name, schema=self._schema)
        self._has_fts = False

    def search(self, query: SearchQuery) -> list[SearchHit]:
        depth = max(CANDIDATES, query.limit)
        where = where_clause(query.filters)
        text_ranking: list[tuple[str, DocumentKind, float]] = []
        vector_ranking: list[tuple[str, DocumentKind, float]] = []
        if query.mode in (SearchMode.TEXT, SearchMode.HYBRID):
            text_ranking = self._full_text(query_text(query.text), where, depth)
        if query.mode in (SearchMode.VECTOR, SearchMode.HYBRID):
            vector_ranking = self._nearest(query.text, where, depth)
        if query.mode is SearchMode.TEXT:
            return single_ranking(Retriever.TEXT, text_ranking, limit=query.limit)
        if query.mode is SearchMode.VECTOR:
            return single_ranking(Retriever.VECTOR, vector_ranking, limit=query.limit)
        return reciprocal_rank_fusion(
            {
                Retriever.TEXT: [(d, k) for d, k, _ in text_ranking],
                Retriever.VECTOR: [(d, k) for d, k, _ in vector_ranking],
            },
            limit=query.limit,
        )

    def _full_text(
        self, text: str, where: str | None, depth: int
    ) -> list[tuple[str, DocumentKind, float]]:
        if not text or not self._has_fts:
            return []
        builder = self._table.search(text, query_type="fts", fts_columns="terms")
        if where:
            builder = builder.where(where, prefilter=True)
        result = builder.select(["id", "kind", "_score"]).limit(depth).to_arrow()
        ids = result.column("id").to_pylist()
        kinds = result.column("kind").to_pylist()
        scores = result.column("_score").to_pylist()
        ranked = sorted(zip(ids, kinds, scores, strict=True), key=lambda r: (-r[2], r[0]))
        return [(i, DocumentKind(k), float(s)) for i, k, s in ranked]

    def _nearest(
        self, text: str, where: str | None, depth: int
    ) -> list[tuple[str, DocumentKind, float]]:
        (vector,) = self._embedder.embed_many([text])
        if not any(vector):
            return []
        builder: Any = self._table.search(
            list(vector), vector_column_name="vector", query_type="vector"
        )
        builder = builder.distance_type("cosine")
        if where:
            builder = builder.where(where, prefilter=True)
        result = builder.select(["id", "kind", "_distance"]).limit(depth).to_arrow()
        ids = result.column("id").to_pylist()
        kinds = result.column("kind").to_pylist()
        distances = result.column("_distance").to_pylist()
        ranked = sorted(
            (
                (i, k, 1.0 - float(d))
                for i, k, d in zip(ids, kinds, distances, strict=True)
                if not math.isnan(d)
            ),
            key=lambda r: (-r[2], r[0]),
        )
        return [(i, DocumentKind(k), s) for i, k, s in ranked]
