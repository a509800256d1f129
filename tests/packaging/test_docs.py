"""The docs site: the configuration reference generated from ``Settings`` is the committed one,
and ``mkdocs build --strict`` (what ``nox -s docs`` runs) builds the site offline."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import attrs
import pytest
from scripts.config_reference import OUTPUT, MissingDocstring, entries, main, render

from perla_entrypoints.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_the_committed_configuration_reference_is_up_to_date() -> None:
    assert OUTPUT == ROOT / "docs" / "configuration.md"
    assert OUTPUT.read_text(encoding="utf-8") == render(), (
        "docs/configuration.md is stale: run `python -m scripts.config_reference` "
        "(or `nox -s docs`) after changing src/perla_entrypoints/settings.py"
    )


def test_every_setting_is_a_row_with_its_variable_type_default_and_docstring() -> None:
    rows = {entry.variable: entry for entry in entries()}
    assert list(rows) == [f"PERLA_{field.name.upper()}" for field in attrs.fields(Settings)]
    port = rows["PERLA_PORT"]
    assert (port.type, port.default, port.doc) == (
        "int",
        "`8000`",
        "Port `perla serve` listens on.",
    )
    assert rows["PERLA_DATABASE_URL"].default == "unset"
    assert rows["PERLA_DATABASE_URL"].type == "str"
    assert rows["PERLA_REDIS_NAMESPACE"].default == '`"perla"`'
    assert rows["PERLA_DATA_DIR"].default.startswith("the per-user data folder")
    # reStructuredText literals become Markdown ones, and a docstring becomes one line
    assert "``" not in rows["PERLA_DATABASE_URL"].doc
    assert "`memory://`" in rows["PERLA_DATABASE_URL"].doc
    assert all("\n" not in entry.doc for entry in rows.values())


@attrs.frozen
class _Sample:
    documented: int = 1
    forgotten: str = "x"


_SAMPLE_SOURCE = '''
class _Sample:
    documented: int = 1
    """Has its docstring."""
    forgotten: str = "x"
'''


def test_a_setting_without_a_docstring_is_refused_by_name() -> None:
    with pytest.raises(MissingDocstring, match="'forgotten'"):
        entries(_Sample, _SAMPLE_SOURCE)


def test_check_mode_reports_a_stale_file_and_writes_nothing(tmp_path: Path) -> None:
    stale = tmp_path / "configuration.md"
    stale.write_text("# old\n", encoding="utf-8")
    assert main(["--check", "--output", str(stale)]) == 1
    assert stale.read_text(encoding="utf-8") == "# old\n"
    assert main(["--output", str(stale)]) == 0
    assert main(["--check", "--output", str(stale)]) == 0


def test_the_site_builds_in_strict_mode_without_outside_assets(tmp_path: Path) -> None:
    site = tmp_path / "site"
    env = os.environ | {"NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    pages = list(site.rglob("*.html"))
    for page in ("index", "getting-started", "ports", "configuration", "deploying", "scaling"):
        assert (site / f"{page}.html").exists()
    assert "PERLA_DATABASE_URL" in (site / "configuration.html").read_text(encoding="utf-8")
    changelog = (site / "changelog.html").read_text(encoding="utf-8")
    assert "Keep a Changelog" in changelog  # CHANGELOG.md included, not the snippet's marker
    assert "--8&lt;--" not in changelog
    outside = re.compile(r"<(?:script|link|img)\b[^>]*\b(?:src|href)=\"(?:https?:)?//", re.I)
    loads_outside = [p.name for p in pages if outside.search(p.read_text(encoding="utf-8"))]
    assert loads_outside == []
