"""The search index's promises, kept by the memory reference and by LanceDB (in ``tmp_path``).

Upserts replace by id (a price or stock change is an upsert), deletes ignore unknown ids,
filters apply before ranking, the three modes rank by full-text, vectors or both fused, a
model code is found however it is typed, and text or filter values that look like SQL are
only data. A ~200-product CCTV catalogue from ``bench/search_data.py`` checks the ranking on
realistic products.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from bench.search_data import Product, products

from perla_adapters.memory.search import InMemorySearchIndex
from perla_core.kernel.errors import InvalidValue
from perla_core.search.documents import MarkdownPage, chunk_markdown
from perla_core.search.embedding import HashingEmbedder
from perla_core.search.model import (
    DocumentKind,
    Retriever,
    SearchDocument,
    SearchFilters,
    SearchMode,
    SearchQuery,
)
from perla_core.search.ports import SearchIndex

CATALOGUE = products(200, seed=11)


def a_product(sku: str, title: str, **fields: object) -> SearchDocument:
    values: dict[str, object] = {"brand": "Hikvision", "category": "Cámaras IP", "in_stock": True,
                                 "price_ars": Decimal("100000")}  # fmt: skip
    values.update(fields)
    return SearchDocument(
        id=f"product:{sku}",
        kind=DocumentKind.PRODUCT,
        title=title,
        sku=sku,
        **values,  # type: ignore[arg-type]
    )


DOME = a_product(
    "DS-2CD1043G0-I", "Cámara IP domo Hikvision 4MP 2.8mm", text="Visión nocturna 30 m."
)
DOME_UF = a_product("DS-2CD1043G0-IUF", "Cámara IP domo Hikvision 4MP con micrófono")
BULLET = a_product(
    "IPC-HFW1230S-S5", "Cámara IP bullet Dahua 2MP exterior", brand="Dahua",
    in_stock=False, price_ars=Decimal("45000.50"),
)  # fmt: skip
DISK = a_product(
    "WD20PURZ", "Disco rígido Western Digital Purple 2TB", brand="Western Digital",
    category="Discos rígidos", price_ars=Decimal("90000"),
)  # fmt: skip
FAQ = chunk_markdown(
    MarkdownPage("envios", "# Envíos\n\nEnviamos a todo el país por Andreani; gratis en CABA.")
)


@pytest.fixture(params=["memory", "lancedb"])
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SearchIndex]:
    if request.param == "memory":
        yield InMemorySearchIndex(HashingEmbedder())
    else:
        lancedb_search = pytest.importorskip("perla_adapters.lancedb.search")
        yield lancedb_search.LanceDbSearchIndex(tmp_path / "index", HashingEmbedder())


def filled(index: SearchIndex) -> SearchIndex:
    assert index.upsert_many([DOME, DOME_UF, BULLET, DISK, *FAQ]) == 4 + len(FAQ)
    return index


def ids(index: SearchIndex, text: str, **kwargs: object) -> list[str]:
    return [h.id for h in index.search(SearchQuery(text, **kwargs))]  # type: ignore[arg-type]


class TestSearchIndexContract:
    def test_documents_come_back_field_by_field(self, index: SearchIndex) -> None:
        filled(index)
        assert index.count() == 5
        assert index.get(BULLET.id) == BULLET
        assert index.get("product:nope") is None

    @pytest.mark.parametrize("mode", list(SearchMode))
    def test_each_mode_finds_the_product_described(
        self, index: SearchIndex, mode: SearchMode
    ) -> None:
        filled(index)
        hits = index.search(SearchQuery("disco rígido de 2 teras", mode=mode))
        assert hits[0].id == DISK.id
        expected = (
            {Retriever.TEXT, Retriever.VECTOR}
            if mode is SearchMode.HYBRID
            else {Retriever(mode.value)}
        )
        assert hits[0].why == expected
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)

    @pytest.mark.parametrize(
        "typed", ["DS-2CD1043G0-I", "ds 2cd1043g0i", "DS2CD1043G0I", "ds.2cd1043g0-i"]
    )
    def test_a_model_code_typed_any_way_ranks_its_product_first(
        self, index: SearchIndex, typed: str
    ) -> None:
        filled(index)
        for mode in (SearchMode.TEXT, SearchMode.HYBRID):
            assert ids(index, f"¿tenés el {typed}?", mode=mode)[0] == DOME.id

    def test_a_partial_code_finds_every_product_it_starts(self, index: SearchIndex) -> None:
        filled(index)
        assert set(ids(index, "2CD1043", mode=SearchMode.TEXT)) == {DOME.id, DOME_UF.id}

    def test_filters_apply_before_ranking(self, index: SearchIndex) -> None:
        filled(index)
        assert ids(index, "cámara", filters=SearchFilters(brand="dahua")) == [BULLET.id]
        assert BULLET.id not in ids(index, "cámara bullet", filters=SearchFilters(in_stock=True))
        cheap = SearchFilters(min_price_ars=Decimal("45000.50"), max_price_ars=Decimal("90000"))
        assert set(ids(index, "cámara disco", filters=cheap)) == {BULLET.id, DISK.id}
        assert ids(index, "cámara", filters=SearchFilters(max_price_ars=Decimal("45000.49"))) == []
        faqs = ids(index, "envíos a todo el país", filters=SearchFilters(kind=DocumentKind.FAQ))
        assert faqs == [FAQ[0].id]
        category = SearchFilters(category="DISCOS RÍGIDOS")
        assert ids(index, "disco", filters=category, mode=SearchMode.VECTOR) == [DISK.id]

    def test_an_upsert_replaces_price_and_stock_in_place(self, index: SearchIndex) -> None:
        filled(index)
        index.upsert_many([a_product(BULLET.sku, BULLET.title, brand="Dahua", in_stock=True)])
        assert index.count() == 5
        assert ids(index, "bullet dahua", filters=SearchFilters(in_stock=True))[0] == BULLET.id
        stored = index.get(BULLET.id)
        assert stored is not None
        assert stored.price_ars == Decimal("100000")

    def test_deleted_documents_are_not_found_and_unknown_ids_are_ignored(
        self, index: SearchIndex
    ) -> None:
        filled(index)
        index.delete_many([DISK.id, "product:never-there"])
        assert index.count() == 4
        assert DISK.id not in ids(index, "disco rígido purple WD20PURZ")

    def test_clear_then_upsert_is_a_full_rebuild(self, index: SearchIndex) -> None:
        filled(index)
        index.clear()
        assert index.count() == 0
        assert ids(index, "cámara") == []
        index.upsert_many([DISK])
        assert ids(index, "disco") == [DISK.id]

    @pytest.mark.parametrize(
        "text",
        ["' OR 1=1 --", "x'); DROP TABLE search; --", 'id = "a" OR true', "", "???", "\x00\n"],
    )
    def test_text_that_looks_like_sql_is_only_searched_for(
        self, index: SearchIndex, text: str
    ) -> None:
        filled(index)
        known = {DOME.id, DOME_UF.id, BULLET.id, DISK.id, FAQ[0].id}
        for mode in SearchMode:
            assert set(ids(index, text, mode=mode)) <= known
        assert ids(index, text, filters=SearchFilters(brand="nadie")) == []
        assert index.count() == 5

    def test_filter_values_that_look_like_sql_match_nothing(self, index: SearchIndex) -> None:
        filled(index)
        for brand in ["x' OR '1'='1", "Hikvision' --", "dahua\\"]:
            assert ids(index, "cámara", filters=SearchFilters(brand=brand)) == []
        index.delete_many(["' OR '1'='1"])
        assert index.count() == 5

    def test_a_limit_outside_one_to_a_hundred_is_refused(self) -> None:
        with pytest.raises(InvalidValue):
            SearchQuery("cámara", limit=0)
        with pytest.raises(InvalidValue):
            SearchFilters(min_price_ars=Decimal(2), max_price_ars=Decimal(1))

    def test_on_a_realistic_catalogue_codes_and_features_rank_their_products(
        self, index: SearchIndex
    ) -> None:
        index.upsert_many(p.document() for p in CATALOGUE)
        assert index.count() == len(CATALOGUE)
        for product in CATALOGUE[:20]:
            assert (
                ids(index, f"che, ¿tenés el {product.sku.lower()}?")[0] == f"product:{product.sku}"
            )
        camera = next(p for p in CATALOGUE if p.family == "camera" and p.form == "domo")
        question = f"una camarita domo de {camera.mp} megas {camera.brand}"
        assert any(matches(camera, h) for h in ids(index, question))


def matches(camera: Product, hit_id: str) -> bool:
    return any(
        f"product:{p.sku}" == hit_id
        and (p.brand, p.form, p.mp) == (camera.brand, camera.form, camera.mp)
        for p in CATALOGUE
    )
