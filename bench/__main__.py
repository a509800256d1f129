"""``python -m bench [name ...]``: run the benchmarks and print their figures."""

from __future__ import annotations

import importlib
import sys

from bench.harness import Figure, report

BENCHES = [
    "import_time",
    "http_get_client",
    "pricing",
    "registration",
    "hotel_matching",
    "hotel_directory",
    "inquiries",
    "webhooks",
    "search",
    "financing",
    "purchase",
    "campaigns",
    "campaign_sending",
    "assistant_eval",
    "assistant_heldout",
    "assistant_turn",
    "load",
]


def main(argv: list[str]) -> int:
    chosen = argv or BENCHES
    figures: list[Figure] = []
    for name in chosen:
        module = importlib.import_module(f"bench.{name}")
        figures.extend(module.run())
    report(figures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
