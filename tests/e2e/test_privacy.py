"""A person's data over HTTP and the CLI, on the SQL adapters: an admin exports it, erases
it (invoices kept, with the reason), and finds nothing more; other roles are refused; the
retention command blanks old raw messages."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from tests.e2e.conftest import Headers
from tests.unit.privacy.data import (
    BUSINESS_ID,
    CONTACT,
    CONVERSATION_ID,
    E164,
    EMAIL,
    MARTA_TEXT,
    NIF,
    PARTY_ID,
    PHONE,
    seed,
)
from typer.testing import CliRunner

from perla_core.conversations.model import Conversation
from perla_core.privacy.identifiers import parse_identifier
from perla_entrypoints.cli import app
from perla_entrypoints.container import Container, build_container
from perla_entrypoints.settings import Settings

Json = dict[str, Any]
ProblemCheck = Callable[..., Json]

EXPORTS = "/api/v1/privacy/exports"
ERASURES = "/api/v1/privacy/erasures"


@pytest.fixture
def seeded(container: Container) -> Container:
    seed(container.uow)
    return container


@pytest.mark.parametrize("container", ["sqlite"], indirect=True)
def test_an_admin_exports_erases_and_finds_nothing_more(
    seeded: Container, client: TestClient[Litestar], admin: Headers
) -> None:
    exported = client.post(EXPORTS, json={"email": EMAIL.upper()}, headers=admin)
    assert exported.status_code == 200, exported.text
    sections = exported.json()["sections"]
    assert {c["role"] for c in sections["clients"]} == {"party", "contact"}
    assert sections["inquiries"][0]["messages"][0]["text"] == MARTA_TEXT
    assert [d["number"] for d in sections["billing_documents"]] == [1]
    assert len(sections["assistant_conversations"]) == 1
    by_phone = client.post(EXPORTS, json={"phone": PHONE}, headers=admin).json()["sections"]
    assert by_phone["conversations"][0]["contact"] == CONTACT
    assert by_phone["received_events"][0]["payload"]["visitor_name"] == "Marta"
    assert by_phone["campaign_recipients"][0]["answers"] == [["p1", "sí"]]
    assert {a["client_id"] for a in by_phone["customer_accounts"]} == {
        str(PARTY_ID),
        str(BUSINESS_ID),
    }

    erased = client.post(ERASURES, json={"email": EMAIL}, headers=admin)
    assert erased.status_code == 200, erased.text
    kept = {k["area"]: k["reason"] for k in erased.json()["kept"]}
    assert "RGPD art. 17.3.b" in kept["billing_documents"]
    assert "Ley 25.326" in kept["billing_documents"]
    phone = client.post(ERASURES, json={"phone": E164}, headers=admin).json()
    assert {e["area"] for e in phone["erased"]} >= {"conversations", "received_events"}
    assert {k["area"] for k in phone["kept"]} == {"campaign_opt_outs"}

    for body in ({"email": EMAIL}, {"phone": PHONE}):
        again = client.post(EXPORTS, json=body, headers=admin).json()["sections"]
        personal = ("clients", "inquiries", "conversations", "received_events", "campaign_opt_outs")
        assert all(again[area] == [] for area in personal), again
    by_tax_id = client.post(EXPORTS, json={"tax_id": NIF, "country": "ES"}, headers=admin).json()
    [party] = by_tax_id["sections"]["clients"]
    assert party["client"]["email"] is None
    assert party["client"]["tax_id"] == {"country": "ES", "number": NIF}  # on the invoice

    with seeded.uow() as uow:
        assert uow.opt_outs.is_opted_out(E164)
        assert uow.conversations.get(CONTACT) is None
        conversation = uow.conversations.get_by_id(CONVERSATION_ID)
        assert [m.text for m in conversation.messages] == [None]
        assert uow.customer_accounts.get(PARTY_ID) is not None
        audit = [
            m
            for m in uow.outbox.for_aggregate(parse_identifier(email=EMAIL).subject_id)
            if m.topic == "privacy.personal_data_erased"
        ]
        assert len(audit) == 1
        assert "marta" not in repr(audit[0].event).lower()


def test_only_an_admin_handles_personal_data_named_by_one_valid_identifier(
    seeded: Container,
    client: TestClient[Litestar],
    admin: Headers,
    agent: Headers,
    reader: Headers,
    assert_problem: ProblemCheck,
) -> None:
    for path in (EXPORTS, ERASURES):
        for headers in (agent, reader):
            response = client.post(path, json={"email": EMAIL}, headers=headers)
            assert_problem(response, 403, "permission_denied")
    bad: list[tuple[Json, str]] = [
        ({}, "identifier"),
        ({"email": EMAIL, "phone": PHONE}, "identifier"),
        ({"phone": "12"}, "phone"),
        ({"tax_id": NIF}, "country"),
    ]
    for body, field in bad:
        response = client.post(ERASURES, json=body, headers=admin)
        assert_problem(response, 422, "invalid_value", [field])
    unknown = client.post(ERASURES, json={"name": "Marta"}, headers=admin)
    assert unknown.status_code == 400, unknown.text
    with seeded.uow() as uow:
        assert uow.clients.get(PARTY_ID).email is not None


def _env(tmp_path: Path) -> dict[str, str]:
    values = {k: v for k, v in os.environ.items() if not k.startswith("PERLA_")}
    values["PERLA_DATA_DIR"] = str(tmp_path / "data")
    values["PERLA_RAW_MESSAGE_RETENTION_DAYS"] = "30"
    return values


def test_the_cli_exports_erases_and_applies_retention(tmp_path: Path) -> None:
    container = build_container(Settings.from_env(_env(tmp_path)))
    container.storage().migrate()
    seed(container.uow)
    old = datetime.now(UTC) - timedelta(days=90)
    with container.uow() as uow:
        conversation = Conversation.open(UUID(int=99), "5491155550000", old)
        conversation.receive(UUID(int=98), kind="text", text="viejo", at=old)
        uow.conversations.add(conversation)
        uow.commit()
    container.storage().close()
    runner = CliRunner()
    out = tmp_path / "marta.json"
    exported = runner.invoke(
        app, ["privacy", "export", "--email", EMAIL, "--output", str(out)], env=_env(tmp_path)
    )
    assert exported.exit_code == 0, exported.output
    assert json.loads(out.read_text())["sections"]["inquiries"]
    refused = runner.invoke(app, ["privacy", "erase", "--email", EMAIL], env=_env(tmp_path))
    assert refused.exit_code == 2
    erased = runner.invoke(app, ["privacy", "erase", "--email", EMAIL, "--yes"], env=_env(tmp_path))
    assert erased.exit_code == 0, erased.output
    assert json.loads(erased.stdout)["kept"]
    bad = runner.invoke(app, ["privacy", "export"], env=_env(tmp_path))
    assert bad.exit_code == 2
    blanked = runner.invoke(app, ["privacy", "retention"], env=_env(tmp_path))
    assert blanked.exit_code == 0, blanked.output
    assert "1 message(s)" in blanked.stdout
    again = runner.invoke(app, ["privacy", "retention"], env=_env(tmp_path))
    assert "0 message(s)" in again.stdout


def test_the_scheduler_blanks_old_raw_messages_on_its_first_tick(tmp_path: Path) -> None:
    from perla_entrypoints.scheduler import start_scheduler_thread  # noqa: PLC0415

    container = build_container(database_url="memory://", data_dir=str(tmp_path))
    old = datetime.now(UTC) - timedelta(days=400)
    with container.uow() as uow:
        conversation = Conversation.open(UUID(int=99), "5491155550000", old)
        conversation.receive(UUID(int=98), kind="text", text="viejo", at=old)
        uow.conversations.add(conversation)
        uow.commit()
    thread, stop = start_scheduler_thread(container)
    try:
        deadline = time.monotonic() + 10
        text: str | None = "viejo"
        while text is not None and time.monotonic() < deadline:
            time.sleep(0.05)
            with container.uow() as uow:
                text = uow.conversations.get_by_id(UUID(int=99)).messages[0].text
        assert text is None
    finally:
        stop.set()
        thread.join(5)
