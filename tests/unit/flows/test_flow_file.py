"""A flow file is reloaded without restarting; a broken edit keeps the last good flow."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from perla_adapters.flows.yaml_source import FlowFile, InvalidFlowFile
from perla_core.flows.model import EndStep

GOOD = """\
flow: recarga
start: inicio
steps:
  inicio:
    type: end
    text: {text}
"""


def write(path: Path, text: str, tick: int) -> None:
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(tick * 1_000_000_000, tick * 1_000_000_000))


def test_an_edited_file_is_picked_up_on_the_next_read(tmp_path: Path) -> None:
    path = tmp_path / "flujo.yaml"
    write(path, GOOD.format(text="Chau"), 1)
    source = FlowFile(path)
    first = source.current()
    assert source.current() is first  # unchanged file: nothing re-read
    write(path, GOOD.format(text="Hasta luego"), 2)
    assert source.current().step("inicio") == EndStep("inicio", "Hasta luego")
    assert first.step("inicio") == EndStep("inicio", "Chau")


def test_a_broken_edit_keeps_the_last_good_flow_and_reports_why(tmp_path: Path) -> None:
    path = tmp_path / "flujo.yaml"
    write(path, GOOD.format(text="Chau"), 1)
    source = FlowFile(path)
    good = source.current()
    write(path, GOOD.format(text="Chau").replace("type: end", "type: fin"), 2)
    assert source.current() is good
    [problem] = source.problems
    assert (problem.source, problem.line, problem.path) == (str(path), 5, "steps.inicio.type")
    write(path, GOOD.format(text="Arreglado"), 3)
    assert source.reload() is True
    assert source.problems == ()


def test_a_file_that_never_loaded_cleanly_raises_with_its_problems(tmp_path: Path) -> None:
    path = tmp_path / "flujo.yaml"
    write(path, "flow: x\n", 1)
    with pytest.raises(InvalidFlowFile) as raised:
        FlowFile(path).current()
    assert raised.value.problems[0].message == "`start` is missing"


def test_touching_the_file_without_changing_it_does_not_parse_again(tmp_path: Path) -> None:
    path = tmp_path / "flujo.yaml"
    write(path, GOOD.format(text="Chau"), 1)
    source = FlowFile(path)
    source.current()
    write(path, GOOD.format(text="Chau"), 2)
    assert source.reload() is False
