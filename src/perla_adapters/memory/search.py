"""The in-memory search index: exact scoring in Python, the reference for the contract.

Full-text is Okapi BM25 (k1 = 1.2, b = 0.75, Lucene's IDF) over
:func:`~perla_core.search.text.terms`; vectors are exact cosine over every filtered
document; hybrid fuses both rankings with :func:`~perla_core.search.fusion.reciprocal_rank_fusion`.
Each retriever contributes its best :data:`CANDIDATES` (or ``limit``, if larger) to the fusion,
as the LanceDB adapter does.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable

from perla_core.search.embedding import cosine
from perla_core.search.fusion import reciprocal_rank_fusion, single_ranking
from perla_core.search.model import (
    DocumentKind,
    Retriever,
    SearchDocument,
    SearchHit,
    SearchMode,
    SearchQuery,
)
from perla_core.search.ports import Embedder, Vector
from perla_core.search.text import terms

CANDIDATES = 50
K1 = 1.2
B = 0.75


class InMemorySearchIndex:
    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder
        self._docs: dict[str, SearchDocument] = {}
        self._tf: dict[str, Counter[str]] = {}
        self._lengths: dict[str, int] = {}
        self._vectors: dict[str, Vector] = {}
        self._postings: dict[str, set[str]] = {}
        self._total_length = 0

    def upsert_many(self, documents: Iterable[SearchDocument]) -> int:
        batch = list({d.id: d for d in documents}.values())
        vectors = self._embedder.embed_many([d.searchable_text for d in batch])
        for doc, vector in zip(batch, vectors, strict=True):
            self._remove(doc.id)
            tokens = terms(doc.searchable_text, for_index=True)
            counts = Counter(tokens)
            self._docs[doc.id] = doc
            self._tf[doc.id] = counts
            self._lengths[doc.id] = len(tokens)
            self._total_length += len(tokens)
            self._vectors[doc.id] = vector
            for term in counts:
                self._postings.setdefault(term, set()).add(doc.id)
        return len(batch)

    def _remove(self, doc_id: str) -> None:
        if doc_id not in self._docs:
            return
        for term in self._tf.pop(doc_id):
            self._postings[term].discard(doc_id)
        self._total_length -= self._lengths.pop(doc_id)
        del self._docs[doc_id], self._vectors[doc_id]

    def delete_many(self, ids: Iterable[str]) -> None:
        for doc_id in ids:
            self._remove(doc_id)

    def get(self, id: str) -> SearchDocument | None:
        return self._docs.get(id)

    def count(self) -> int:
        return len(self._docs)

    def clear(self) -> None:
        self.__init__(self._embedder)  # type: ignore[misc]

    def search(self, query: SearchQuery) -> list[SearchHit]:
        depth = max(CANDIDATES, query.limit)
        text_ranking: list[tuple[str, DocumentKind, float]] = []
        vector_ranking: list[tuple[str, DocumentKind, float]] = []
        if query.mode in (SearchMode.TEXT, SearchMode.HYBRID):
            text_ranking = self._bm25(query, depth)
        if query.mode in (SearchMode.VECTOR, SearchMode.HYBRID):
            vector_ranking = self._nearest(query, depth)
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

    def _bm25(self, query: SearchQuery, depth: int) -> list[tuple[str, DocumentKind, float]]:
        n = len(self._docs)
        if n == 0:
            return []
        average = self._total_length / n
        scores: dict[str, float] = {}
        for term in dict.fromkeys(terms(query.text)):
            posting = self._postings.get(term)
            if not posting:
                continue
            idf = math.log(1 + (n - len(posting) + 0.5) / (len(posting) + 0.5))
            for doc_id in posting:
                tf = self._tf[doc_id][term]
                norm = K1 * (1 - B + B * self._lengths[doc_id] / average)
                scores[doc_id] = scores.get(doc_id, 0.0) + idf * tf * (K1 + 1) / (tf + norm)
        accepted = [d for d in scores if query.filters.accepts(self._docs[d])]
        accepted.sort(key=lambda d: (-scores[d], d))
        return [(d, self._docs[d].kind, scores[d]) for d in accepted[:depth]]

    def _nearest(self, query: SearchQuery, depth: int) -> list[tuple[str, DocumentKind, float]]:
        (vector,) = self._embedder.embed_many([query.text])
        if not any(vector):
            return []
        scored = [
            (doc_id, cosine(vector, self._vectors[doc_id]))
            for doc_id, doc in self._docs.items()
            if query.filters.accepts(doc)
        ]
        scored.sort(key=lambda pair: (-pair[1], pair[0]))
        return [(d, self._docs[d].kind, s) for d, s in scored[:depth]]
