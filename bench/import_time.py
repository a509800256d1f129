"""Cold import time of perla_core against ``import attrs``, each in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys

from bench.harness import Figure, median

PROBE = "import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"
ALL_CORE = (
    "import pkgutil, importlib, perla_core; "
    "[importlib.import_module(m.name) for m in "
    "pkgutil.walk_packages(perla_core.__path__, 'perla_core.')]"
)


def cold(stmt: str, runs: int) -> float:
    samples = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", PROBE.format(stmt=stmt)],
            capture_output=True,
            text=True,
            check=True,
        )
        samples.append(float(out.stdout.strip()))
    return median(samples)


def run(runs: int = 15) -> list[Figure]:
    attrs_time = cold("import attrs", runs)
    core_time = cold("import perla_core", runs)
    everything = cold(ALL_CORE, runs)
    return [
        Figure(
            "cold import perla_core",
            "ms",
            core_time * 1e3,
            attrs_time * 1e3,
            "import attrs",
            goal="info",
        ),
        Figure(
            "cold import of every perla_core module",
            "ms",
            everything * 1e3,
            attrs_time * 1e3,
            "import attrs",
            goal="info",
            note="validators load phonenumbers/stdnum lazily",
        ),
    ]
