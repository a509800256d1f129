"""The flows perla ships, loaded once for the tests."""

from __future__ import annotations

from perla_adapters.flows.yaml_source import load_flow_text
from perla_core.flows.model import Flow
from perla_entrypoints.flow_cli import SHIPPED, shipped_flow_text


def shipped(kind: str) -> Flow:
    report = load_flow_text(*shipped_flow_text(SHIPPED[kind]))
    assert report.flow is not None, [str(p) for p in report.problems]
    return report.flow
