"""``perla financing rates`` and ``perla financing simulate`` on a fresh SQLite data folder:
the shipped defaults load and show, a CSV replaces them, a simulation prints its schedule,
and bad input (a count out of range, an amount under the minimum, a bad file) exits 1 with
the field and the allowed range."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner, Result

from perla_adapters.memory import FixedClock, InMemoryStore, InMemoryUnitOfWork, SequentialIds
from perla_entrypoints import financing_cli
from perla_entrypoints.cli import app

_BORDERS = str.maketrans(dict.fromkeys("│┃┏┓┗┛━─┡┩╇┳┻┼┴┬└┘┌┐", " "))


def env(tmp_path: Path) -> dict[str, str]:
    values = {k: v for k, v in os.environ.items() if not k.startswith("PERLA_")}
    values["PERLA_DATA_DIR"] = str(tmp_path / "data")
    values["COLUMNS"] = "200"
    return values


@pytest.fixture(autouse=True)
def wide_consoles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(financing_cli, "console", Console(width=200))
    monkeypatch.setattr(financing_cli, "err", Console(width=200, stderr=True))


def perla(tmp_path: Path, *args: str) -> Result:
    return CliRunner().invoke(app, ["financing", *args], env=env(tmp_path))


def text_of(result: Result) -> str:
    return " ".join(result.output.translate(_BORDERS).split())


def test_the_defaults_load_show_and_simulate(tmp_path: Path) -> None:
    empty = perla(tmp_path, "rates")
    assert empty.exit_code == 0, empty.output
    assert "the rates table is empty" in empty.output
    loaded = perla(tmp_path, "rates", "--defaults")
    assert loaded.exit_code == 0, loaded.output
    shown = text_of(loaded)
    assert "loaded 6 rules" in shown
    assert "sin-interes-1-3" in shown
    assert "cuotas-19-24" in shown
    assert "sin interés" in shown
    simulated = perla(tmp_path, "simulate", "150000", "--installments", "12", "--on", "2026-11-24")
    assert simulated.exit_code == 0, simulated.output
    text = text_of(simulated)
    assert "12 cuotas de 17,015.46 ARS (cuotas-10-12)" in text  # numpy-financial: 17015.46
    assert "TNA 62.00 %" in text
    suggested = perla(tmp_path, "simulate", "60000", "--on", "2026-11-24")
    assert suggested.exit_code == 0, suggested.output
    assert text_of(suggested).count("cuotas de") == 4


def test_a_csv_replaces_the_table(tmp_path: Path) -> None:
    rates = tmp_path / "tasas.csv"
    rates.write_text(
        "id;installments;tna;valid_from;minimum_amount\n"
        "contado;1;0;2026-01-01;\n"
        "doce;12;89,5;2026-01-01;10000\n",
        encoding="utf-8",
    )
    loaded = perla(tmp_path, "rates", "--load", str(rates))
    assert loaded.exit_code == 0, loaded.output
    assert "loaded 2 rules" in text_of(loaded)
    refused = perla(tmp_path, "simulate", "150000", "-n", "6", "--on", "2026-11-24")
    assert refused.exit_code == 1
    assert "installments: 6 instalments are not offered: one of 1, 12 instalments" in text_of(
        refused
    )
    low = perla(tmp_path, "simulate", "5000", "-n", "12", "--on", "2026-11-24")
    assert low.exit_code == 1
    assert "amount: 12 instalments need a minimum amount ARS 10.000,00" in text_of(low)


def test_a_bad_file_exits_1_naming_each_field_and_changes_nothing(tmp_path: Path) -> None:
    assert perla(tmp_path, "rates", "--defaults").exit_code == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("- {id: x, installments: 0, tna: abc, valid_from: 2026-01-01}\n")
    result = perla(tmp_path, "rates", "--load", str(bad))
    assert result.exit_code == 1
    assert "rules[0].installments" in result.output
    assert "rules[0].tna" in result.output
    missing = perla(tmp_path, "rates", "--load", str(tmp_path / "none.json"))
    assert missing.exit_code == 1
    assert "no such file" in missing.output
    assert "loaded" not in text_of(perla(tmp_path, "rates"))
    assert "cuotas-19-24" in text_of(perla(tmp_path, "rates"))


def test_ensure_default_rates_loads_only_into_an_empty_table() -> None:
    store, clock = InMemoryStore(), FixedClock()
    ids = SequentialIds()
    assert financing_cli.ensure_default_rates(InMemoryUnitOfWork(store, clock, ids), clock.now())
    assert len(store.financing_rates) == 6
    again = financing_cli.ensure_default_rates(InMemoryUnitOfWork(store, clock, ids), clock.now())
    assert again is False
