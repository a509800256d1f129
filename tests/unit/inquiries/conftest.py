"""Fixtures of the inquiry tests."""

from __future__ import annotations

import pytest
from tests.unit.inquiries.builders import World


@pytest.fixture
def world() -> World:
    return World()
