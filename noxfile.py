"""nox is the front door: ``uv run nox -s tests lint typecheck bench``.

Sessions run inside the environment ``uv run`` prepared from the committed ``uv.lock`` (all
extras and the dev group), so nothing is installed twice and every machine resolves the same
versions.
"""

from __future__ import annotations

import os
import shutil

import nox

nox.options.default_venv_backend = "none"
nox.options.sessions = ["lint", "typecheck", "tests"]
nox.options.error_on_missing_interpreters = True

SOURCES = ("src", "tests", "bench", "scripts", "noxfile.py")


@nox.session
def tests(session: nox.Session) -> None:
    """The whole pytest suite (PostgreSQL and Redis suites fail, not skip, under CI=true)."""
    workers = os.environ.get("PERLA_TEST_WORKERS", "2")
    session.run("pytest", "-n", workers, "--dist", "loadfile", *session.posargs)


@nox.session
def fuzz(session: nox.Session) -> None:
    """The long fuzzing run: schemathesis over the whole API on PostgreSQL and every parser of
    outside data, with many more examples than the bounded run in ``tests`` (tests/fuzz)."""
    session.run("pytest", "tests/fuzz", *session.posargs, env={"PERLA_FUZZ_LONG": "1"})


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check, ruff format --check and the import-linter contracts (the hexagon)."""
    session.run("ruff", "check", *SOURCES)
    session.run("ruff", "format", "--check", *SOURCES)
    session.run("lint-imports")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over src and tests."""
    session.run("mypy", "src", "tests", "bench")


@nox.session
def bench(session: nox.Session) -> None:
    """Speed figures, each printed as a ratio against a baseline measured in the same run."""
    session.run("python", "-m", "bench", *session.posargs)


@nox.session
def docs(session: nox.Session) -> None:
    """The docs site: regenerate the configuration reference, then ``mkdocs build --strict``
    into ``site/`` (offline: no web fonts, no CDN)."""
    session.run("python", "-m", "scripts.config_reference")
    session.run("mkdocs", "build", "--strict", *session.posargs)


@nox.session
def build(session: nox.Session) -> None:
    """The sdist and the wheel into ``dist/`` (``python -m build``; its isolated build
    environment is made by uv when uv is there, which is faster than pip)."""
    installer = ["--installer", "uv"] if os.environ.get("UV") or shutil.which("uv") else []
    session.run("python", "-m", "build", *installer, "--outdir", "dist", *session.posargs)
