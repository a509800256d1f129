"""``perla assistant`` on a fresh SQLite data folder with the offline grammar, driven as a
person types: a lead is proposed, confirmed with «sí» and audited under the declared name;
the conversation is resumed with its pending proposal; a readonly person's request changes
nothing; another person cannot resume it; a bad role or id exits 2."""

from __future__ import annotations

import os
import re
from pathlib import Path
from uuid import UUID

import pytest
from rich.console import Console
from typer.testing import CliRunner, Result

from perla_core.access.model import Actor, Role
from perla_core.assistant.services import get_conversation, list_conversations
from perla_core.onboarding.ports import ClientQuery
from perla_core.onboarding.services import list_clients
from perla_entrypoints import assistant_cli
from perla_entrypoints.cli import app
from perla_entrypoints.container import Container, build_container
from perla_entrypoints.settings import Settings

REQUEST = "Registra un lead: Viajes Sol, España, correo ventas@viajessol.es"
ID = re.compile(r"Conversación ([0-9a-f-]{36})")


def env(tmp_path: Path) -> dict[str, str]:
    values = {k: v for k, v in os.environ.items() if not k.startswith("PERLA_")}
    values["PERLA_DATA_DIR"] = str(tmp_path / "data")
    return values


@pytest.fixture(autouse=True)
def wide_consoles(monkeypatch: pytest.MonkeyPatch) -> None:
    """Consoles made at import have the width of whatever terminal there was: give room."""
    monkeypatch.setattr(assistant_cli, "console", Console(width=200, highlight=False))
    monkeypatch.setattr(assistant_cli, "err", Console(width=200, stderr=True, highlight=False))


def perla(tmp_path: Path, lines: str, *args: str) -> Result:
    return CliRunner().invoke(app, ["assistant", *args], input=lines, env=env(tmp_path))


def stored(tmp_path: Path) -> Container:
    """A container on the data folder the command used."""
    return build_container(Settings.from_env(env(tmp_path)))


def leads_named(container: Container, text: str) -> list[str]:
    page = list_clients(ClientQuery(text=text), container.uow(), Actor("test", Role.READONLY))
    return [c.trade_name for c in page.items]


def test_a_lead_is_proposed_confirmed_and_audited_under_the_declared_name(
    tmp_path: Path,
) -> None:
    result = perla(tmp_path, f"{REQUEST}\nsí\nsalir\nno llega\n", "--as", "ana")

    assert result.exit_code == 0, result.output
    assert "asistente>" in result.output
    found = ID.search(result.output)
    assert found is not None, result.output
    conversation_id = UUID(found.group(1))
    container = stored(tmp_path)
    try:
        assert leads_named(container, "Viajes Sol") == ["Viajes Sol"]
        ana = Actor("ana", Role.AGENT)
        conversation = get_conversation(conversation_id, container.uow(), ana)
        assert conversation.owner == "ana"
        assert conversation.role == "agent"
        users = [e.text for e in conversation.entries if e.kind.value == "user"]
        assert users == [REQUEST, "sí"]  # «salir» ends the chat; nothing after it is read
        with container.uow() as uow:
            topics = [m.topic for m in uow.outbox.for_aggregate(conversation_id)]
        assert "assistant.change_applied" in topics
    finally:
        container.storage().close()


def test_a_conversation_is_resumed_with_its_pending_proposal_by_its_owner_only(
    tmp_path: Path,
) -> None:
    first = perla(tmp_path, f"{REQUEST}\n", "--as", "ana")
    assert first.exit_code == 0, first.output
    found = ID.search(first.output)
    assert found is not None, first.output
    conversation_id = found.group(1)

    other = perla(tmp_path, "sí\n", "--as", "luis", "--conversation", conversation_id)
    assert other.exit_code == 1
    assert "No tienes ninguna conversación" in other.output

    resumed = perla(tmp_path, "no\n", "--as", "ana", "--conversation", conversation_id)
    assert resumed.exit_code == 0, resumed.output
    assert "Retomando la conversación" in resumed.output
    assert "pendiente:" in resumed.output
    assert "Cancelado" in resumed.output
    container = stored(tmp_path)
    try:
        assert leads_named(container, "Viajes Sol") == []
        page = list_conversations(container.uow(), Actor("ana", Role.AGENT))
        assert [str(c.id) for c in page.items] == [conversation_id]
    finally:
        container.storage().close()


def test_a_readonly_person_cannot_write_through_the_assistant(tmp_path: Path) -> None:
    result = perla(tmp_path, f"{REQUEST}\nsí\n", "--as", "eva", "--role", "readonly")

    assert result.exit_code == 0, result.output
    container = stored(tmp_path)
    try:
        assert leads_named(container, "Viajes Sol") == []
        [conversation] = list_conversations(container.uow(), Actor("eva", Role.READONLY)).items
        read = get_conversation(conversation.id, container.uow(), Actor("eva", Role.READONLY))
        assert read.role == "readonly"
        assert read.pending is None
        assert read.proposal is None
        with container.uow() as uow:
            topics = [m.topic for m in uow.outbox.for_aggregate(conversation.id)]
        assert "assistant.change_applied" not in topics
    finally:
        container.storage().close()


@pytest.mark.parametrize(
    "args", [("--role", "boss"), ("--conversation", "not-an-id")], ids=["role", "id"]
)
def test_a_bad_role_or_conversation_id_exits_2(tmp_path: Path, args: tuple[str, str]) -> None:
    result = perla(tmp_path, "hola\n", *args)
    assert result.exit_code == 2
    assert "invalid_value" in result.output
