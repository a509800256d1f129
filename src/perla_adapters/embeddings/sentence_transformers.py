"""An :class:`~perla_core.search.ports.Embedder` on a sentence-transformers model.

The package is optional and heavy (torch): it is imported when the adapter is built, not
when this module is, and a missing package raises :class:`EmbedderUnavailable` saying what to
install. The model must already be installed or cached locally (``local_files_only``
unless ``allow_download``). A multilingual model such as
``paraphrase-multilingual-MiniLM-L12-v2`` suits Spanish questions.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

from perla_core.search.ports import Vector

DEFAULT_MODEL = "sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2"


class EmbedderUnavailable(RuntimeError):
    """The optional embedding package or model is not installed."""


class SentenceTransformersEmbedder:
    def __init__(
        self, model_name: str = DEFAULT_MODEL, *, device: str | None = None,
        allow_download: bool = False, batch_size: int = 64,
    ) -> None:  # fmt: skip
        try:
            module: Any = importlib.import_module("sentence_transformers")
        except ImportError as error:
            raise EmbedderUnavailable(
                "the sentence-transformers embedder needs the 'sentence-transformers' package "
                "(pip install sentence-transformers); the default HashingEmbedder needs nothing"
            ) from error
        self._model = module.SentenceTransformer(
            model_name, device=device, local_files_only=not allow_download
        )
        self._batch_size = batch_size
        self._dimension = int(self._model.get_sentence_embedding_dimension())

    @property
    def dimension(self) -> int:
        return self._dimension

    def embed_many(self, texts: Sequence[str]) -> list[Vector]:
        if not texts:
            return []
        matrix = self._model.encode(
            list(texts), batch_size=self._batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False,
        )  # fmt: skip
        vectors = [tuple(float(x) for x in row) for row in matrix]
        if any(len(v) != self._dimension for v in vectors):
            raise EmbedderUnavailable("the model returned vectors of an unexpected dimension")
        return vectors
