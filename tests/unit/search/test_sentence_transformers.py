"""The optional sentence-transformers embedder: a clear error without the package, and shape
handling checked against a fake module (torch is never installed for the tests)."""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest

from perla_adapters.embeddings.sentence_transformers import (
    EmbedderUnavailable,
    SentenceTransformersEmbedder,
)


class FakeModel:
    def __init__(self, name: str, **options: Any) -> None:
        self.name = name
        self.options = options

    def get_sentence_embedding_dimension(self) -> int:
        return 3

    def encode(self, texts: list[str], **_: Any) -> list[list[float]]:
        return [[1.0, 0.0, float(len(t))] for t in texts]


@pytest.fixture
def fake_package(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("sentence_transformers")
    module.SentenceTransformer = FakeModel  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "sentence_transformers", module)


def test_a_missing_package_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    with pytest.raises(EmbedderUnavailable, match="pip install sentence-transformers"):
        SentenceTransformersEmbedder()


@pytest.mark.usefixtures("fake_package")
def test_vectors_come_back_as_float_tuples_of_the_model_dimension() -> None:
    embedder = SentenceTransformersEmbedder("fake")
    assert embedder.dimension == 3
    assert embedder.embed_many(["ab", "c"]) == [(1.0, 0.0, 2.0), (1.0, 0.0, 1.0)]
    assert embedder.embed_many([]) == []
