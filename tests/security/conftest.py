"""The attack-surface suite reuses the end-to-end fixtures (a container on the in-memory
adapters, a ``TestClient``, an API key per role, the problem check) and adds ``app_with``:
an app over a container built with the settings a test needs (limits, secrets, origins)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from tests.e2e.conftest import (  # noqa: F401 - fixtures, found by name
    admin,
    agent,
    assert_problem,
    client,
    client_party,
    container,
    credential_payload,
    drain,
    issued_credential,
    keys,
    lead_payload,
    priced_client,
    reader,
    register,
    registered_client,
    rule_payload,
    validated_client,
)

from perla_core.access.model import Role
from perla_core.access.services import create_api_key
from perla_entrypoints.container import Container, build_container
from perla_entrypoints.http import create_app

Built = tuple[Container, TestClient[Litestar]]


def key_of(built: Container, role: Role = Role.AGENT, name: str = "test") -> str:
    """A fresh API key of ``role``, issued as ``perla apikey create`` does."""
    return create_api_key(name, role, built.uow(), built.clock(), built.ids(), built.secrets()).key


@pytest.fixture
def app_with(tmp_path: Path) -> Iterator[Callable[..., Built]]:
    """``app_with(**settings)``: a container on the in-memory adapters with ``settings`` and a
    ``TestClient`` over its app, both closed at the end of the test."""
    with ExitStack() as stack:

        def build(**settings: Any) -> Built:
            built = build_container(
                database_url="memory://", data_dir=str(tmp_path / "data"), **settings
            )
            built.storage().migrate()
            stack.callback(built.storage().close)
            test_client = stack.enter_context(TestClient(create_app(built)))
            return built, test_client

        yield build
