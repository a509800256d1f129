"""Reciprocal rank fusion and the offline hashing embedder."""

from __future__ import annotations

import math

from perla_core.search.embedding import HashingEmbedder, cosine
from perla_core.search.fusion import RRF_K, reciprocal_rank_fusion
from perla_core.search.model import DocumentKind, Retriever

P = DocumentKind.PRODUCT


def test_a_document_both_retrievers_found_beats_one_only_a_single_retriever_put_first() -> None:
    hits = reciprocal_rank_fusion(
        {Retriever.TEXT: [("a", P), ("b", P)], Retriever.VECTOR: [("c", P), ("b", P)]}, limit=3
    )
    assert [h.id for h in hits] == ["b", "a", "c"]
    assert hits[0].why == {Retriever.TEXT, Retriever.VECTOR}
    assert hits[0].score == 2 / (RRF_K + 2)
    assert hits[1].why == {Retriever.TEXT}


def test_fusion_breaks_ties_by_id_and_respects_the_limit() -> None:
    hits = reciprocal_rank_fusion(
        {Retriever.TEXT: [("z", P)], Retriever.VECTOR: [("y", P)]}, limit=1
    )
    assert [h.id for h in hits] == ["y"]


def test_the_embedder_is_deterministic_and_l2_normalised() -> None:
    first, again = HashingEmbedder().embed_many(["Cámara domo 4MP", "Cámara domo 4MP"])
    assert first == again == HashingEmbedder().embed("Cámara domo 4MP")
    assert len(first) == 256
    assert math.isclose(math.sqrt(sum(v * v for v in first)), 1.0)


def test_text_with_no_terms_embeds_to_zeros() -> None:
    assert not any(HashingEmbedder(32).embed("¿de la que?"))


def test_synonyms_and_misspellings_land_nearer_than_unrelated_products() -> None:
    embed = HashingEmbedder().embed
    product = embed("Cámara domo Hikvision 4MP")
    assert cosine(embed("camarita domo de 4 megas"), product) > cosine(
        embed("disco rígido 2TB"), product
    )
    assert cosine(embed("hikvison domo"), product) > cosine(embed("dahua bullet"), product)
    assert cosine(embed("domo"), embed("dome")) > 0.99
