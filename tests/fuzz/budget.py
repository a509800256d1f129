"""Fuzzing: bounded in the ordinary suite, many more examples under ``nox -s fuzz``.

``PERLA_FUZZ_LONG=1`` (set by ``nox -s fuzz``) raises every example count from its CI value to
its long value. Examples are derandomized: a CI failure reproduces on any machine.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

LONG = os.environ.get("PERLA_FUZZ_LONG") == "1"


def examples(ci: int, long: int) -> int:
    """How many examples a property runs: ``ci`` in the suite, ``long`` under ``nox -s fuzz``."""
    return long if LONG else ci


def fuzz_settings(ci: int, long: int) -> settings:
    """Deterministic settings with no deadline (PostgreSQL and the first import are slow)."""
    return settings(
        max_examples=examples(ci, long),
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
