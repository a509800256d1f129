"""A small harness: measure, summarise, print figures as ratios against a baseline."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence

import attrs
from rich.console import Console
from rich.table import Table


@attrs.frozen
class Figure:
    """One result: perla's value, the baseline's, and what the ratio should stay under/over."""

    name: str
    unit: str
    value: float
    baseline: float | None = None
    baseline_name: str = ""
    goal: str = ""
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.baseline == 0:
            return None
        return self.value / self.baseline


def timings(fn: Callable[[], object], *, repeat: int, warmup: int = 3) -> list[float]:
    """Seconds per call of ``fn`` over ``repeat`` calls after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def p(samples: Sequence[float], q: float) -> float:
    """The q-quantile (0..1) of ``samples``."""
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples)


def report(figures: Sequence[Figure], console: Console | None = None) -> None:
    out = console or Console()
    table = Table(title="perla bench (ratios measured in the same run)")
    for col in ("figure", "perla", "baseline", "ratio", "goal", "note"):
        table.add_column(col)
    for f in figures:
        ratio = f"{f.ratio:.2f}x" if f.ratio is not None else "—"
        base = f"{f.baseline:.4g} {f.unit} ({f.baseline_name})" if f.baseline is not None else "—"
        table.add_row(f.name, f"{f.value:.4g} {f.unit}", base, ratio, f.goal, f.note)
    out.print(table)
    for f in figures:  # plain lines too, easy to grep in CI logs and notes
        ratio = f" ratio={f.ratio:.2f}" if f.ratio is not None else ""
        print(f"BENCH {f.name}: {f.value:.4g} {f.unit}{ratio} {f.goal}".rstrip())
