"""``perla catalog import`` and ``perla catalog show`` on a fresh SQLite data folder, as a user
runs them: the shipped sample imports with its malformed row reported, importing it again
changes nothing, a product shows its current price in ARS and USD and its stock, a product
whose price expired shows none, and a missing file exits 1."""

from __future__ import annotations

import os
from importlib.resources import as_file, files
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner, Result

from perla_entrypoints import catalogue_cli
from perla_entrypoints.cli import app

_BORDERS = str.maketrans(dict.fromkeys("│┃┏┓┗┛━─┡┩╇┳┻┼┴┬└┘┌┐", " "))


def env(tmp_path: Path) -> dict[str, str]:
    values = {k: v for k, v in os.environ.items() if not k.startswith("PERLA_")}
    values["PERLA_DATA_DIR"] = str(tmp_path / "data")
    values["PERLA_USD_ARS_RATE"] = "1250.50"
    values["COLUMNS"] = "200"
    return values


@pytest.fixture(autouse=True)
def wide_consoles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalogue_cli, "console", Console(width=200))
    monkeypatch.setattr(catalogue_cli, "err", Console(width=200, stderr=True))


def perla(tmp_path: Path, *args: str) -> Result:
    return CliRunner().invoke(app, ["catalog", *args], env=env(tmp_path))


def text_of(result: Result) -> str:
    return " ".join(result.output.translate(_BORDERS).split())


def test_the_shipped_sample_imports_with_its_malformed_row_reported_and_again_changes_nothing(
    tmp_path: Path,
) -> None:
    with as_file(files("perla_entrypoints") / "data" / "catalogue_sample.csv") as sample:
        first = perla(tmp_path, "import", str(sample))
        assert first.exit_code == 0, first.output
        out = text_of(first)
        assert "300 rows read: 299 products created" in out
        assert "1 rejected" in out
        assert "42 HIK-DS-2CE16D0T-ERR" in out
        assert "brand: a product needs its brand" in out
        assert "price: 'consultar' is not a number" in out

        again = perla(tmp_path, "import", str(sample), "--batch-size", "37")
        assert again.exit_code == 0, again.output
        assert "0 products created, 0 updated, 299 unchanged, 1 rejected" in text_of(again)


def test_a_product_shows_its_current_price_in_ars_and_usd_and_its_stock(tmp_path: Path) -> None:
    catalogue = tmp_path / "catalogo.csv"
    catalogue.write_text(
        "Código;Marca;Modelo;Categoría;Descripción;Resolución;Formato;PoE;IVA;Precio;Moneda;"
        "Vigencia hasta;Stock;Depósito\n"
        "DS-2CD1043G0-I;Hikvision;DS-2CD1043G0-I;cámara;Bullet IP 4 MP;4;bala;sí;10.5;62,40;USD;;"
        "7;CABA\n"
        "VIEJA-1;Dahua;HAC-HFW1200TL;camera;Precio vencido;2;bullet;no;21;19;USD;2020-12-31;0;"
        "Córdoba\n",
        encoding="utf-8",
    )
    imported = perla(tmp_path, "import", str(catalogue))
    assert imported.exit_code == 0, imported.output
    assert "2 products created" in text_of(imported)

    shown = text_of(perla(tmp_path, "show", "ds-2cd1043g0-i"))
    assert "DS-2CD1043G0-I Hikvision DS-2CD1043G0-I (camera)" in shown
    assert "62.40 USD = 78,031.20 ARS / 62.40 USD" in shown  # 62.40 x 1250.50
    assert "86,224.48 ARS with 10.5% VAT" in shown
    assert "form_factor=bullet" in shown
    assert "stock: 7 (CABA: 7)" in shown

    expired = text_of(perla(tmp_path, "show", "VIEJA-1"))
    assert "no current price" in expired
    assert "stock: 0 (Córdoba: 0)" in expired


def test_a_missing_file_or_sku_exits_1_with_a_clear_message(tmp_path: Path) -> None:
    missing = perla(tmp_path, "import", str(tmp_path / "nada.csv"))
    assert missing.exit_code == 1
    assert "no such file" in text_of(missing)
    no_sku = tmp_path / "sin_sku.csv"
    no_sku.write_text("marca,modelo\nHikvision,X\n", encoding="utf-8")
    unreadable = perla(tmp_path, "import", str(no_sku))
    assert unreadable.exit_code == 1
    assert "no column names the SKU" in text_of(unreadable)
    unknown = perla(tmp_path, "show", "NO-EXISTE")
    assert unknown.exit_code == 1
    assert "product NO-EXISTE does not exist" in text_of(unknown)


def test_reindex_rebuilds_the_lancedb_index_from_the_catalogue_and_the_faq_pages(
    tmp_path: Path,
) -> None:
    with as_file(files("perla_entrypoints") / "data" / "catalogue_sample.csv") as sample:
        assert perla(tmp_path, "import", str(sample)).exit_code == 0
    first = perla(tmp_path, "reindex")
    assert first.exit_code == 0, first.output
    assert "299 products, 11 FAQ chunks" in text_of(first)
    assert (tmp_path / "data" / "index").is_dir()
    again = perla(tmp_path, "reindex")  # a rebuild, not an append
    assert "299 products, 11 FAQ chunks" in text_of(again)
    missing = perla(tmp_path, "reindex", "--faq", str(tmp_path / "nowhere"))
    assert missing.exit_code == 1
    assert "no such folder" in text_of(missing)
