"""``perla hotels import`` and ``perla hotels match`` on a fresh SQLite data folder, as a user
runs them: a supplier's file with a bad row and duplicates is imported and reported, the
packaged sample imports, a missing or malformed file exits 1 with a clear message, and a
one-line description finds its hotel."""

from __future__ import annotations

import json
import os
from importlib.resources import as_file, files
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner, Result

from perla_core.hotels.imports import ImportStatus
from perla_entrypoints import hotels_cli
from perla_entrypoints.cli import app
from perla_entrypoints.container import build_container

SUPPLIER_FILE = """\
\ufeffCódigo;Nombre;Cadena;Categoría;Dirección;C.P.;Ciudad;País;Latitud;Longitud;Teléfono;Notas
41-1;Hotel Inglaterra;;4 estrellas;Plaza Nueva, 7;41001;Sevilla;España;37,3887;-5,9955;954 22 49 70;
41-2;Hotel Alfonso XIII;Marriott;5*;C/ San Fernando 2;41004;Sevilla;ES;37,3823;-5,9929;954917000;
41-3;Pensión Sin País;;;Calle Feria, 5;41003;Sevilla;;norte;-5,99;;sin país
41-2;Alfonso XIII (otra vez);;;;;Sevilla;ES;;;;repetido
41-9;INGLATERRA HOTEL SEVILLA;;4*;Pza. Nueva 7;41001;Seville;ES;37,38872;-5,99545;+34 954224970;
"""


def env(tmp_path: Path) -> dict[str, str]:
    values = {k: v for k, v in os.environ.items() if not k.startswith("PERLA_")}
    values["PERLA_DATA_DIR"] = str(tmp_path / "data")
    values["COLUMNS"] = "200"  # rich wraps tables at the terminal's width
    return values


@pytest.fixture(autouse=True)
def wide_consoles(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command's consoles are made at import, at whatever width the terminal had then
    (80 columns without one, as under CI): give them room, so tables are not cut."""
    monkeypatch.setattr(hotels_cli, "console", Console(width=200))
    monkeypatch.setattr(hotels_cli, "err", Console(width=200, stderr=True))


def perla(tmp_path: Path, *args: str) -> Result:
    return CliRunner().invoke(app, ["hotels", *args], env=env(tmp_path))


_BORDERS = str.maketrans(dict.fromkeys("│┃┏┓┗┛━─┡┩╇┳┻┼┴┬└┘┌┐", " "))


def text_of(result: Result) -> str:
    """The output's words: rich wraps lines and draws tables."""
    return " ".join(result.output.translate(_BORDERS).split())


def supplier_file(tmp_path: Path) -> Path:
    path = tmp_path / "Proveedor Sevilla.csv"
    path.write_text(SUPPLIER_FILE, encoding="utf-8")
    return path


def test_a_suppliers_file_is_imported_with_its_bad_rows_and_duplicates_reported(
    tmp_path: Path,
) -> None:
    report = tmp_path / "report.json"
    result = perla(tmp_path, "import", str(supplier_file(tmp_path)), "--report", str(report))
    assert result.exit_code == 0, result.output
    out = text_of(result)
    assert "Proveedor Sevilla.csv imported as import:proveedor-sevilla" in out
    assert "5 rows read, 3 stored, 2 rejected, 1 likely duplicates" in out
    assert "ignored columns: Notas" in out
    assert "4 41-3 country: is required latitude: 'norte' is not a number of degrees" in out
    assert "5 41-2 ref: duplicate ref in this file: line 3 has this ref" in out
    assert "import:proveedor-sevilla:41-1 import:proveedor-sevilla:41-9 98" in out
    assert "same phone +34954224970" in out

    written = json.loads(report.read_text())
    assert written["status"] == "completed"
    assert (written["rows_read"], written["rows_stored"], written["rows_rejected"]) == (5, 3, 2)
    assert written["rejected"][0] == {
        "line": 4,
        "ref": "41-3",
        "errors": [
            {"field": "country", "message": "is required"},
            {"field": "latitude", "message": "'norte' is not a number of degrees"},
        ],
    }
    assert written["duplicates"][0]["other_ref"] == "import:proveedor-sevilla:41-9"
    assert written["columns"]["Teléfono"] == "phone"
    assert written["ignored_columns"] == ["Notas"]

    container = build_container(data_dir=tmp_path / "data")
    directory = container.hotel_directory()
    assert len(directory) == 3
    stored = directory.get("import:proveedor-sevilla:41-2")
    assert stored is not None
    assert (stored.name, stored.chain, stored.stars) == ("Hotel Alfonso XIII", "Marriott", 5)
    (run,) = container.hotel_import_log().recent()
    assert run.status is ImportStatus.COMPLETED
    assert run.rows_rejected == 2


def test_a_one_line_description_finds_the_imported_hotel(tmp_path: Path) -> None:
    imported = perla(tmp_path, "import", str(supplier_file(tmp_path)), "--no-dedup")
    assert imported.exit_code == 0, imported.output
    assert "likely duplicates" not in text_of(imported)

    result = perla(tmp_path, "match", "hotel alfonso xiii sevilla")
    assert result.exit_code == 0, result.output
    out = text_of(result)
    assert out.startswith("confident: the best scores")
    assert "import:proveedor-sevilla:41-2 Hotel Alfonso XIII Sevilla" in out

    as_json = perla(tmp_path, "match", "Inglaterra", "--city", "Sevilla", "--json")
    assert as_json.exit_code == 0, as_json.output
    answer = json.loads(as_json.stdout)
    assert answer["outcome"] in ("confident", "needs_review")
    assert {c["ref"] for c in answer["candidates"][:2]} == {
        "import:proveedor-sevilla:41-1",
        "import:proveedor-sevilla:41-9",
    }
    assert answer["candidates"][0]["reasons"]

    by_phone = perla(tmp_path, "match", "--phone", "954 91 70 00", "--country", "ES", "--json")
    assert by_phone.exit_code == 0, by_phone.output
    assert json.loads(by_phone.stdout)["candidates"][0]["ref"] == "import:proveedor-sevilla:41-2"


def test_a_description_that_says_not_where_to_look_exits_2_naming_the_field(
    tmp_path: Path,
) -> None:
    result = perla(tmp_path, "match", "Hotel Inglaterra")
    assert result.exit_code == 2
    assert "invalid_input" in result.output
    assert "city" in result.output
    assert perla(tmp_path, "match").exit_code == 2


def test_the_packaged_sample_imports_and_importing_it_again_replaces_its_hotels(
    tmp_path: Path,
) -> None:
    with as_file(files("perla_entrypoints").joinpath("data/hotels_sample.csv")) as sample:
        first = perla(tmp_path, "import", str(sample))
        again = perla(tmp_path, "import", str(sample), "--batch-size", "7")
    for result in (first, again):
        assert result.exit_code == 0, result.output
        assert "61 rows read, 60 stored, 1 rejected, 2 likely duplicates" in text_of(result)
    assert len(build_container(data_dir=tmp_path / "data").hotel_directory()) == 60

    result = perla(tmp_path, "match", "NH Collection Sevilla, Sevilla")
    assert result.exit_code == 0, result.output
    assert "confident" in result.output
    assert "import:hotels-sample:SVQ003" in result.output


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("hotels.json", '[{"name": "Hotel Sol", ', "file: is not valid JSON"),
        ("hotels.csv", "code;town;country\n1;Sevilla;ES\n", "a column naming the hotel"),
        ("hotels.csv", "", "a column naming the hotel"),
    ],
)
def test_a_malformed_file_exits_1_with_a_clear_message(
    tmp_path: Path, name: str, content: str, says: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = perla(tmp_path, "import", str(path))
    assert result.exit_code == 1
    assert f"cannot import {name}" in text_of(result)
    assert says in text_of(result)
    assert "Traceback" not in result.output


def test_a_missing_file_exits_1_without_a_traceback(tmp_path: Path) -> None:
    result = perla(tmp_path, "import", str(tmp_path / "nope.csv"))
    assert result.exit_code == 1
    assert "no such file" in result.output
    assert isinstance(result.exception, SystemExit)


def test_an_unknown_default_country_exits_2(tmp_path: Path) -> None:
    result = perla(tmp_path, "import", str(supplier_file(tmp_path)), "--country", "Atlantis")
    assert result.exit_code == 2
    assert "country" in result.output
