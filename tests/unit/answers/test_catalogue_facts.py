"""The catalogue as answers and the index see it: :class:`CatalogueFacts` reads prices and
stock at answer time, :func:`product_document` is what the index ranks, :func:`index_product`
follows the catalogue idempotently."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from perla_adapters.memory import FixedClock, InMemoryStore, InMemoryUnitOfWork, SequentialIds
from perla_adapters.memory.search import InMemorySearchIndex
from perla_core.access.model import Actor, Role
from perla_core.answers import Question, answer_question
from perla_core.answers.catalogue import (
    CatalogueFacts,
    catalogue_documents,
    index_product,
    product_document,
)
from perla_core.catalogue import services
from perla_core.catalogue.files import read_catalogue
from perla_core.catalogue.imports import import_catalogue
from perla_core.catalogue.model import ExchangeRate
from perla_core.catalogue.ports import CatalogueUnitOfWork
from perla_core.kernel.money import Money
from perla_core.search.embedding import HashingEmbedder
from perla_core.search.model import DocumentKind, SearchFilters, SearchQuery

ADMIN = Actor("ana", Role.ADMIN)
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
CSV = (
    "sku,marca,modelo,categoria,descripcion,resolucion,formato,ubicacion,ir,lente,poe,"
    "precio,moneda,stock CABA,stock Córdoba\n"
    'HIK-1,Hikvision,DS-2CD1043G0-I,camera,"Cámara IP bullet 4 MP, lente 2.8 mm",4,bullet,'
    "outdoor,30,2.8,si,100,USD,2,3\n"
    'HIK-2,Hikvision,DS-2CE56D0T-IRPF,camera,"Domo 2 MP",2,dome,indoor,20,2.8,no,'
    "39999,ARS,0,0\n"
    "DAH-1,Dahua,XVR1B04,dvr,,,,,,,,,ARS,1,0\n"
)


class World:
    def __init__(self) -> None:
        self.clock = FixedClock(NOW)
        self.ids = SequentialIds()
        self.store = InMemoryStore()
        self.rate = ExchangeRate(Decimal(1000), NOW.date())
        import_catalogue(
            read_catalogue(CSV, "c.csv"), self.uow, clock=self.clock, ids=self.ids, actor=ADMIN
        )
        self.facts = CatalogueFacts(self.uow, self.clock, self.rate)

    def uow(self) -> CatalogueUnitOfWork:
        return InMemoryUnitOfWork(self.store, self.clock, self.ids)

    def view(self, sku: str) -> services.ProductView:
        return services.get_product(sku, self.uow(), self.clock, self.rate, ADMIN)


def test_facts_carry_the_current_price_in_both_currencies_and_the_total_stock() -> None:
    world = World()
    facts = world.facts.facts_for(["HIK-1", "NOPE-1"])
    assert list(facts) == ["HIK-1"]
    hik = facts["HIK-1"]
    assert (hik.brand, hik.model, hik.category, hik.form_factor) == (
        "Hikvision",
        "DS-2CD1043G0-I",
        "camera",
        "bullet",
    )
    assert hik.price_usd == Money(Decimal("100"), "USD")
    assert hik.price_ars == Money(Decimal("100000"), "ARS")
    assert (hik.stock_total, hik.in_stock, hik.as_of) == (5, True, NOW)
    assert (hik.resolution_mp, hik.ir_range_m, hik.lens, hik.poe, hik.outdoor) == (
        Decimal(4),
        30,
        "2.8 mm",
        True,
        True,
    )
    assert hik.title == "Cámara IP bullet 4 MP, lente 2.8 mm"


def test_facts_without_a_price_or_description_still_read() -> None:
    dvr = World().facts.facts_for(["DAH-1"])["DAH-1"]
    assert (dvr.price_ars, dvr.price_usd) == (None, None)
    assert dvr.title == "DVR grabador Dahua XVR1B04"


def test_facts_are_read_again_at_each_answer() -> None:
    world = World()
    services.set_stock(
        services.SetStock(sku="HIK-1", warehouse="CABA", quantity=0),
        world.uow(),
        world.clock,
        ADMIN,
    )
    assert world.facts.facts_for(["HIK-1"])["HIK-1"].stock_total == 3


def test_a_product_document_has_its_words_and_filters() -> None:
    document = product_document(World().view("HIK-1"))
    assert (document.id, document.kind, document.sku) == (
        "product:HIK-1",
        DocumentKind.PRODUCT,
        "HIK-1",
    )
    assert document.title == "Hikvision DS-2CD1043G0-I"
    assert (document.brand, document.category, document.in_stock) == ("Hikvision", "camera", True)
    assert document.price_ars == Decimal("100000")
    for word in ("cámara", "4 MP", "bullet", "exterior", "lente 2.8 mm", "PoE", "IR 30 m"):
        assert word in document.text
    out = product_document(World().view("HIK-2"))
    assert (out.in_stock, out.price_ars) == (False, Decimal("39999"))


def test_index_product_upserts_idempotently_and_deletes_a_vanished_product() -> None:
    world = World()
    index = InMemorySearchIndex(HashingEmbedder())
    assert index_product("HIK-1", world.uow(), world.clock, world.rate, index)
    assert not index_product("HIK-1", world.uow(), world.clock, world.rate, index)  # unchanged
    assert index.count() == 1
    services.set_price(
        services.SetPrice(sku="HIK-1", amount="120", currency="USD"),
        world.uow(),
        world.clock,
        ADMIN,
    )
    assert index_product("HIK-1", world.uow(), world.clock, world.rate, index)
    index.upsert_many([product_document(world.view("HIK-2"))])
    world.store.products.pop(next(k for k, p in world.store.products.items() if p.sku == "HIK-2"))
    assert not index_product("HIK-2", world.uow(), world.clock, world.rate, index)
    assert index.get("product:HIK-2") is None


def test_the_whole_catalogue_becomes_documents_and_answers_come_from_the_facts() -> None:
    world = World()
    index = InMemorySearchIndex(HashingEmbedder())
    index.upsert_many(catalogue_documents(world.uow, world.clock, world.rate))
    assert index.count() == 3
    hits = index.search(
        SearchQuery("cámara hikvision", SearchFilters(brand="Hikvision", in_stock=True))
    )
    assert [h.id for h in hits] == ["product:HIK-1"]
    answer = answer_question(Question("¿la DS-2CD1043G0-I?"), world.facts, skus=["HIK-1"])
    assert "$ 100.000,00" in getattr(answer, "text", "")
