"""Catalogue files (issue 7): Spanish and English headers, ``;`` or ``,``, JSON, stock per
warehouse columns; an import reports each malformed row with its line and every bad field,
keeps going, works in batches, and lets a row that fails on storing sink no other row; the
seeded sample generator and the shipped sample agree."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from bench import catalogue_data

from perla_adapters.memory import FixedClock, InMemoryStore, InMemoryUnitOfWork, SequentialIds
from perla_core.access.model import Actor, Role
from perla_core.catalogue import services
from perla_core.catalogue.files import read_catalogue
from perla_core.catalogue.imports import import_catalogue
from perla_core.catalogue.model import ExchangeRate
from perla_core.catalogue.ports import CatalogueUnitOfWork, ProductQuery
from perla_core.kernel.errors import InvalidInput, PermissionDenied

ADMIN = Actor("ana", Role.ADMIN)
READER = Actor("rita", Role.READONLY)
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


class World:
    def __init__(self) -> None:
        self.clock = FixedClock(NOW)
        self.ids = SequentialIds()
        self.store = InMemoryStore()
        self.rate = ExchangeRate(Decimal(1000), NOW.date())

    def uow(self) -> CatalogueUnitOfWork:
        return InMemoryUnitOfWork(self.store, self.clock, self.ids)

    def load(self, text: str, name: str = "c.csv", **kw: object) -> object:
        return import_catalogue(
            read_catalogue(text, name),
            self.uow,
            clock=self.clock,
            ids=self.ids,
            actor=ADMIN,
            **kw,  # type: ignore[arg-type]
        )


def test_spanish_headers_semicolons_and_stock_columns_are_recognised() -> None:
    rows = read_catalogue(
        "Código;Marca;Modelo;Categoría;Descripción;Resolución;Lente;PoE;IVA;Precio;Moneda;"
        "Stock CABA;Stock Córdoba;Color\n"
        "HIK-1;Hikvision;DS-1;cámara;Domo;2;2.8;si;10.5;1.234,50;ARS;3;0;blanco\n",
        "catalogo.csv",
    )
    row = next(iter(rows))
    assert row.line == 2
    assert row.fields["sku"] == "HIK-1"
    assert row.fields["price"] == "1.234,50"
    assert row.stock == {"CABA": "3", "Córdoba": "0"}
    assert rows.ignored == ["Color"]
    assert rows.columns["Stock Córdoba"] == "stock Córdoba"


def test_json_lists_with_english_keys_are_read_with_stock_and_warehouse() -> None:
    rows = list(
        read_catalogue(
            '{"products": [{"code": "A-1", "brand": "Dahua", "model": "XVR", "category": "dvr",'
            ' "price": 45.5, "currency": "USD", "stock": 4, "warehouse": "Córdoba"}, 7]}',
            "x.json",
        )
    )
    assert rows[0].fields["price"] == "45.5"
    assert rows[0].stock == {"Córdoba": "4"}
    assert rows[1].problems == (("row", "is not an object"),)


def test_a_file_without_a_sku_column_or_with_broken_json_is_refused() -> None:
    with pytest.raises(InvalidInput, match="SKU"):
        read_catalogue("marca,modelo\nX,Y\n", "a.csv")
    with pytest.raises(InvalidInput, match="invalid JSON"):
        read_catalogue("[{", "a.json")


def test_malformed_rows_are_reported_with_their_line_and_every_field_and_the_rest_imported() -> (
    None
):
    world = World()
    report = world.load(
        "sku,marca,modelo,categoria,precio,moneda,vigencia_desde,vigencia_hasta,stock,deposito\n"
        "A-1,Hikvision,DS-1,camera,10.50,USD,,,3,CABA\n"
        "A-2,,XVR,grabadora,diez,EUR,,,-2,CABA\n"
        "A-3,Dahua,IPC,camera,20,USD,2026-01-01,31/12/2025,1,CABA\n"
        "A-4,Dahua,IPC,camera,20,USD,2025-01-01,30/06/2026,0,CABA\n"
        "A-5,Dahua,IPC,camera,20,USD,1,2,3\n",
        batch_size=1,
    )
    assert report.rows_read == 5  # type: ignore[attr-defined]
    assert report.created == 2  # type: ignore[attr-defined]
    rejected = {r.line: r for r in report.rejected}  # type: ignore[attr-defined]
    assert sorted(rejected) == [3, 4, 6]
    assert {f for f, _ in rejected[3].errors} == {
        "brand",
        "category",
        "price",
        "currency",
        "stock CABA",
    }
    assert [f for f, _ in rejected[4].errors] == ["valid_until"]
    assert "row" in {f for f, _ in rejected[6].errors}
    a4 = services.get_product("A-4", world.uow(), world.clock, world.rate, ADMIN)
    assert a4.price is None  # its price expired on 30/06/2026
    assert a4.product.prices[0].valid_until == datetime(2026, 7, 1, tzinfo=UTC)


def test_an_import_needs_a_writer_and_reads_need_a_reader() -> None:
    world = World()
    with pytest.raises(PermissionDenied):
        import_catalogue([], world.uow, clock=world.clock, ids=world.ids, actor=READER)
    world.load("sku,marca,modelo,categoria\nA-1,X,Y,cable\n")
    assert (
        services.get_product("a-1", world.uow(), world.clock, world.rate, READER).total_stock == 0
    )


def test_a_row_that_fails_on_storing_sinks_no_other_row_of_its_batch() -> None:
    world = World()
    world.load("sku,marca,modelo,categoria\nA-1,X,Y,cable\n")

    class Failing:
        """A unit of work whose adds fail for one SKU (as a database constraint would)."""

        def __init__(self) -> None:
            self.inner = world.uow()

        def __enter__(self) -> Failing:
            self.inner.__enter__()
            original = self.inner.products.add

            def add(product: object) -> None:
                if product.sku == "B-2":  # type: ignore[attr-defined]
                    raise InvalidInput([])
                original(product)  # type: ignore[arg-type]

            self.inner.products.add = add  # type: ignore[method-assign]
            return self

        def __exit__(self, *exc: object) -> None:
            self.inner.__exit__(None, None, None)

        @property
        def products(self) -> object:
            return self.inner.products

        def commit(self) -> None:
            self.inner.commit()

    report = import_catalogue(
        read_catalogue("sku,marca,modelo,categoria\nB-1,X,Y,cable\nB-2,X,Y,cable\n", "c.csv"),
        Failing,  # type: ignore[arg-type]
        clock=world.clock,
        ids=world.ids,
        actor=ADMIN,
    )
    assert report.created == 1
    assert [r.sku for r in report.rejected] == ["B-2"]


def test_the_generator_is_deterministic_realistic_and_scales() -> None:
    rows = catalogue_data.generate(600, seed=3, expired=4)
    assert rows == catalogue_data.generate(600, seed=3, expired=4)
    assert len({r["sku"] for r in rows}) == 600
    assert {r["moneda"] for r in rows} == {"ARS", "USD"}
    assert sum(1 for r in rows if r["vigencia_hasta"]) == 4
    assert any(r["stock CABA"] == r["stock Córdoba"] == "0" for r in rows)
    assert {r["categoria"] for r in rows} >= {"camera", "dvr", "nvr", "kit", "disk", "switch"}
    assert any(r["modelo"] == "DS-2CE16D0T-IRPF" for r in rows)


def test_the_shipped_sample_is_the_generators_and_imports_with_one_row_refused() -> None:
    sample = catalogue_data.SAMPLE_PATH.read_text(encoding="utf-8")
    rows = catalogue_data.generate(299, expired=2)
    rows.insert(40, catalogue_data.malformed_row())
    assert sample == catalogue_data.to_csv(rows)
    world = World()
    report = world.load(sample)
    assert (report.created, report.rows_rejected) == (299, 1)  # type: ignore[attr-defined]
    assert report.rejected[0].line == 42  # type: ignore[attr-defined]
    views = services.list_products(
        ProductQuery(in_stock=False), world.uow(), world.clock, world.rate, ADMIN
    )
    assert views.total > 0
