"""Search: retrieval quality on a labelled Spanish question set, and LanceDB speed at 100k.

- quality: a 2,000-product catalogue (``bench/search_data.py``) plus FAQ pages in a LanceDB
  index; the questions of ``bench/search_eval.py`` (codes, punctuation, partial codes,
  misspellings, features, Rioplatense phrasing); recall@5 and MRR of full-text only, vectors
  only and hybrid (goal: hybrid recall@5 >= 0.9);
- build: a full rebuild of a 100,000-product table (normalise, embed, write, FTS index), rows/s;
- latency: p95 of a hybrid search through :class:`LanceDbSearchIndex` against a bare LanceDB
  query of the same kind on the same table (LanceDB's own hybrid query with its RRF reranker,
  given the already-normalised text and the already-computed vector), and the same for
  full-text only and vectors only (goal: at most 1.5x).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from lancedb.rerankers import RRFReranker

from bench.harness import Figure, p
from bench.search_data import documents, products
from bench.search_eval import Question, questions
from perla_adapters.lancedb.search import LanceDbSearchIndex
from perla_core.search.documents import MarkdownPage, chunk_pages
from perla_core.search.embedding import HashingEmbedder
from perla_core.search.model import SearchMode, SearchQuery
from perla_core.search.ports import SearchIndex
from perla_core.search.text import query_text

EVAL_PRODUCTS = 2_000
SCALE_PRODUCTS = 100_000
LATENCY_QUERIES = 200
K = 5

FAQ = [
    MarkdownPage(
        "envios",
        "# Envíos\n\n## Costos\n\nEnviamos a todo el país por Andreani y OCA. En CABA y GBA el "
        "envío es sin cargo desde $150.000.\n\n## Plazos\n\nDe 24 a 72 horas hábiles "
        "según la zona.",
    ),
    MarkdownPage(
        "garantia",
        "# Garantía\n\nTodos los productos tienen 12 meses de garantía oficial del fabricante. "
        "Los discos rígidos tienen 3 años.\n\n## Cómo hacer un reclamo\n\nEscribinos con el número "
        "de factura y el número de serie.",
    ),
    MarkdownPage(
        "pagos",
        "# Medios de pago\n\nTransferencia bancaria, Mercado Pago, tarjetas de crédito en cuotas "
        "y efectivo en el local.",
    ),
]


def evaluate(index: SearchIndex, qs: list[Question], mode: SearchMode) -> tuple[float, float]:
    found = 0
    reciprocal = 0.0
    for q in qs:
        hits = index.search(SearchQuery(q.text, limit=10, mode=mode))
        skus = [h.id.removeprefix("product:") for h in hits]
        rank = next((i for i, s in enumerate(skus, start=1) if s in q.expected), None)
        if rank is not None:
            reciprocal += 1.0 / rank
            found += rank <= K
    return found / len(qs), reciprocal / len(qs)


def quality(folder: Path) -> list[Figure]:
    catalogue = products(EVAL_PRODUCTS)
    index = LanceDbSearchIndex(folder, HashingEmbedder(), table="eval")
    index.rebuild([*(x.document() for x in catalogue), *chunk_pages(FAQ)])
    qs = questions(catalogue)
    figures = []
    for mode in (SearchMode.TEXT, SearchMode.VECTOR, SearchMode.HYBRID):
        recall, mrr = evaluate(index, qs, mode)
        goal = "hybrid >= 0.9" if mode is SearchMode.HYBRID else ""
        figures.append(
            Figure(f"search recall@5 {mode.value} ({len(qs)} questions)", "", recall, goal=goal)
        )
        figures.append(Figure(f"search MRR {mode.value}", "", mrr))
    return figures


def _latency(run: object, texts: list[str]) -> list[float]:
    samples = []
    for text in texts:
        start = time.perf_counter()
        run(text)  # type: ignore[operator]
        samples.append(time.perf_counter() - start)
    return samples


def scale(folder: Path) -> list[Figure]:
    embedder = HashingEmbedder()
    index = LanceDbSearchIndex(folder, embedder, table="scale")
    start = time.perf_counter()
    written = index.rebuild(documents(SCALE_PRODUCTS, seed=99))
    build = time.perf_counter() - start
    catalogue = products(EVAL_PRODUCTS)
    texts = [q.text for q in questions(catalogue)][:LATENCY_QUERIES]
    table = index.table
    prepared = {t: (query_text(t), list(embedder.embed(t))) for t in texts}
    reranker = RRFReranker(return_score="relevance")

    def bare(mode: SearchMode, text: str) -> object:
        terms, vector = prepared[text]
        if mode is SearchMode.TEXT:
            q = table.search(terms, query_type="fts", fts_columns="terms")
        elif mode is SearchMode.VECTOR:
            q = table.search(vector, vector_column_name="vector").distance_type("cosine")
        else:
            q = (
                table.search(query_type="hybrid", vector_column_name="vector", fts_columns="terms")
                .vector(vector)
                .text(terms)
                .distance_type("cosine")
                .rerank(reranker)
            )
        return q.select(["id", "kind"]).limit(50).to_arrow()

    figures = [Figure(f"search index full build ({written:,} products)", "rows/s", written / build)]
    for mode in (SearchMode.HYBRID, SearchMode.TEXT, SearchMode.VECTOR):
        ours = _latency(lambda t, m=mode: index.search(SearchQuery(t, limit=K, mode=m)), texts)
        theirs = _latency(lambda t, m=mode: bare(m, t), texts)
        figures.append(
            Figure(
                f"search p95 {mode.value} at {SCALE_PRODUCTS:,}",
                "ms",
                p(ours, 0.95) * 1000,
                baseline=p(theirs, 0.95) * 1000,
                baseline_name=f"bare LanceDB {mode.value}",
                goal="<= 1.5x",
            )
        )
    return figures


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory() as tmp:
        return [*quality(Path(tmp)), *scale(Path(tmp))]


if __name__ == "__main__":
    from bench.harness import report

    report(run())
