"""The package as a user gets it: the sdist and the wheel ``python -m build`` makes, the wheel
installed with ``[all]`` into a fresh virtual environment, and ``perla demo`` run from there.

The wheel is built from the sdist (``python -m build``'s default), so a file missing from
the sdist breaks the wheel too. The fresh environment is made by uv when a ``uv`` binary is
there (``uv run`` sets ``$UV``), else by ``venv`` and pip; either way the versions installed
are the ones ``uv.lock`` pins (passed as constraints), so the test installs what the lock says
and needs only the package index (uv's cache makes it a matter of seconds).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PACKAGE_DATA = (
    "perla_core/py.typed",
    "perla_adapters/py.typed",
    "perla_entrypoints/py.typed",
    "perla_adapters/sql/migrations/env.py",
    "perla_adapters/sql/migrations/script.py.mako",
    "perla_adapters/sql/migrations/versions/0001_initial.py",
    "perla_entrypoints/data/flows/microcom.yaml",
    "perla_entrypoints/data/flows/dormant_survey.yaml",
    "perla_entrypoints/data/catalogue_sample.csv",
    "perla_entrypoints/data/hotels_sample.csv",
    "perla_entrypoints/data/financing_rates.yaml",
    "perla_entrypoints/data/faq/envios.md",
    "perla_entrypoints/static/dashboard/chart.umd.min.js",
    "perla_entrypoints/static/dashboard/dashboard.js",
    "perla_entrypoints/static/dashboard/dashboard.css",
    "perla_entrypoints/static/assistant/assistant.js",
    "perla_entrypoints/static/assistant/assistant.css",
)
"""Files perla reads at run time besides its modules (``importlib.resources``, alembic)."""


def _uv() -> str | None:
    return os.environ.get("UV") or shutil.which("uv")


def _run(argv: list[str | Path], *, timeout: float, **kwargs: object) -> str:
    result = subprocess.run(  # noqa: S603 - our own interpreter and tools, fixed arguments
        [str(arg) for arg in argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        **kwargs,  # type: ignore[call-overload]
    )
    assert result.returncode == 0, (
        f"{argv[:4]} exited {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    return str(result.stdout)


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist and the wheel, built as ``nox -s build`` builds them."""
    out = tmp_path_factory.mktemp("dist")
    uv = _uv()
    installer = ["--installer", "uv"] if uv else []
    env = os.environ | ({"UV": uv} if uv else {})
    _run(
        [sys.executable, "-m", "build", *installer, "--outdir", out, ROOT],
        timeout=180,
        env=env,
        cwd=out,
    )
    return out


def _wheel(dist: Path) -> Path:
    [wheel] = dist.glob("perla-*-py3-none-any.whl")
    return wheel


def _lock_constraints(target: Path) -> Path:
    """``name==version`` for every package ``uv.lock`` pins at one version (a name the lock
    resolves differently per platform or Python is left to the resolver)."""
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    packages = [p for p in lock["package"] if "registry" in p.get("source", {})]
    seen = Counter(p["name"] for p in packages)
    lines = sorted(f"{p['name']}=={p['version']}" for p in packages if seen[p["name"]] == 1)
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def _fresh_environment(where: Path, wheel: Path, constraints: Path) -> Path:
    """A new virtual environment holding the wheel with every extra; its ``bin`` folder."""
    requirement = f"{wheel}[all]"
    uv = _uv()
    if uv:
        _run([uv, "venv", "--quiet", "--python", sys.executable, where], timeout=120)
        python = where / "bin" / "python"
        _run(
            [uv, "pip", "install", "--quiet", "--python", python, "-c", constraints, requirement],
            timeout=600,
        )
    else:
        _run([sys.executable, "-m", "venv", where], timeout=120)
        python = where / "bin" / "python"
        _run(
            [python, "-m", "pip", "install", "--quiet", "-c", constraints, requirement],
            timeout=900,
        )
    return where / "bin"


def _user_env(data: Path) -> dict[str, str]:
    """The environment of a user's shell: no PERLA_* setting, nothing pointing at this
    checkout or at the project's virtual environment."""
    hidden = ("PERLA_", "PYTHON", "VIRTUAL_ENV", "UV_", "CONDA")
    env = {k: v for k, v in os.environ.items() if not k.startswith(hidden)}
    env["PERLA_DATA_DIR"] = str(data)
    env["COLUMNS"] = "200"  # rich wraps at the terminal's width: keep the last line whole
    return env


def test_the_wheel_carries_the_package_data_and_the_entry_point(dist: Path) -> None:
    with zipfile.ZipFile(_wheel(dist)) as wheel:
        names = set(wheel.namelist())
        [entry_points] = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        scripts = wheel.read(entry_points).decode()
        [metadata] = [n for n in names if n.endswith(".dist-info/METADATA")]
        requires = wheel.read(metadata).decode()
    missing = [path for path in PACKAGE_DATA if path not in names]
    assert missing == []
    migrations = [
        n for n in names if re.fullmatch(r"perla_adapters/sql/migrations/versions/\d{4}_\w+\.py", n)
    ]
    assert len(migrations) == len(
        list((ROOT / "src/perla_adapters/sql/migrations/versions").glob("[0-9]*.py"))
    )
    assert "perla = perla_entrypoints.cli:main" in scripts
    assert "Provides-Extra: all" in requires
    assert not [n for n in names if n.startswith(("tests/", "bench/", "scripts/", "docs/"))]


def test_the_sdist_holds_the_sources_and_nothing_generated(dist: Path) -> None:
    [sdist] = dist.glob("perla-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = [name.split("/", 1)[1] for name in archive.getnames() if "/" in name]
    for expected in ("pyproject.toml", "uv.lock", "README.md", "CHANGELOG.md", "mkdocs.yml"):
        assert expected in names
    assert "src/perla_entrypoints/data/financing_rates.yaml" in names
    generated = [n for n in names if n.startswith(("site/", "dist/", ".venv", ".nox/"))]
    assert generated == []
    assert not [n for n in names if "__pycache__" in n]


def test_the_version_is_the_changelogs_newest_release(dist: Path) -> None:
    version = _wheel(dist).name.split("-")[1]
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    releases = re.findall(r"^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}$", changelog, re.MULTILINE)
    assert releases, "CHANGELOG.md has no release heading"
    assert releases[0] == version, "bump the version and the changelog together"


def test_the_wheel_installs_with_every_extra_and_runs_the_demo(dist: Path, tmp_path: Path) -> None:
    wheel = _wheel(dist)
    bin_dir = _fresh_environment(
        tmp_path / "venv", wheel, _lock_constraints(tmp_path / "constraints.txt")
    )
    env = _user_env(tmp_path / "data")

    # the code that runs is the wheel's, not this checkout's
    where = _run(
        [bin_dir / "python", "-c", "import perla_entrypoints; print(perla_entrypoints.__file__)"],
        timeout=60,
        env=env,
        cwd=tmp_path,
    )
    assert Path(where.strip()).is_relative_to(tmp_path / "venv")
    # every extra's library came along
    _run(
        [bin_dir / "python", "-c", "import psycopg, psycopg_pool, redis, boto3, anthropic"],
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    version = _run([bin_dir / "perla", "--version"], timeout=60, env=env, cwd=tmp_path)
    assert version.strip() == f"perla {wheel.name.split('-')[1]}"

    out = _run(
        [bin_dir / "perla", "demo", "--data-dir", tmp_path / "demo"],
        timeout=300,
        env=env,
        cwd=tmp_path,
    )
    last = [line for line in out.splitlines() if line.strip()][-1]
    assert "Viajes Ñandú is now a live client" in last
    assert ", 0 pending." in last  # the outbox delivered everything
    assert (tmp_path / "demo" / "perla.db").exists()
