"""Fixtures of the conversation tests."""

from __future__ import annotations

import pytest
from tests.unit.conversations.builders import World


@pytest.fixture
def world() -> World:
    return World()
