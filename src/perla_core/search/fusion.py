"""Reciprocal rank fusion of the full-text and vector rankings.

``score(d) = sum over rankings of 1 / (RRF_K + rank(d))`` with ranks from 1 (Cormack, Clarke
and Büttcher, SIGIR 2009). ``RRF_K = 60`` is the paper's constant and LanceDB's
``RRFReranker`` default: it damps the head of each list so that a document found by both
retrievers beats one that only a single retriever put first. Ranks, not raw scores, are fused,
so BM25 and cosine need no calibration against each other.
"""

from __future__ import annotations

from collections.abc import Sequence

from perla_core.search.model import DocumentKind, Retriever, SearchHit

RRF_K = 60


def reciprocal_rank_fusion(
    rankings: dict[Retriever, Sequence[tuple[str, DocumentKind]]], *, limit: int
) -> list[SearchHit]:
    """Fuse ranked ``(id, kind)`` lists, best first; ties broken by id for determinism."""
    scores: dict[str, float] = {}
    kinds: dict[str, DocumentKind] = {}
    why: dict[str, set[Retriever]] = {}
    for retriever, ranking in rankings.items():
        for rank, (doc_id, kind) in enumerate(ranking, start=1):
            scores[doc_id] = scores.get(doc_id, 0.0) + 1.0 / (RRF_K + rank)
            kinds[doc_id] = kind
            why.setdefault(doc_id, set()).add(retriever)
    ordered = sorted(scores, key=lambda d: (-scores[d], d))[:limit]
    return [SearchHit(d, kinds[d], scores[d], frozenset(why[d])) for d in ordered]


def single_ranking(
    retriever: Retriever, ranking: Sequence[tuple[str, DocumentKind, float]], *, limit: int
) -> list[SearchHit]:
    """One retriever's own scores, for the ``text`` and ``vector`` modes."""
    return [
        SearchHit(doc_id, kind, score, frozenset({retriever}))
        for doc_id, kind, score in ranking[:limit]
    ]
