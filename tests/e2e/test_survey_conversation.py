"""A campaign's survey runs in the contact's WhatsApp conversation (issue 9, item 2): the first
question leaves as an approved template, the contact's answers go down the tree as interactive
messages, and the end records the answers (or the opt-out) for the campaigns."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dependency_injector import providers
from litestar import Litestar
from litestar.testing import TestClient
from tests.support.whatsapp import Say, customer

from perla_adapters.memory import InMemoryMailer
from perla_adapters.memory.messaging import InMemoryMessenger
from perla_core.conversations.services import contact_key
from perla_core.conversations.survey import start_survey
from perla_core.messaging.messages import (
    ButtonsMessage,
    ListMessage,
    OutgoingMessage,
    TemplateMessage,
    TextMessage,
)
from perla_core.outbox import OutboxMessage
from perla_entrypoints.container import Container, build_container
from perla_entrypoints.http import create_app
from perla_entrypoints.workers import drain_outbox

from .test_webhooks import CUSTOMER, SECRET

HEADERS = {"X-Perla-Webhook-Secret": SECRET}
SURVEY = "reactivacion_dormidos"
TEMPLATE = TemplateMessage("reactivacion_dormidos_v1", (("nombre", "Martín"),))


@pytest.fixture
def container(tmp_path: Path) -> Iterator[Container]:
    built = build_container(
        database_url="memory://", data_dir=str(tmp_path), zenvia_webhook_secret=SECRET
    )
    built.mailer.override(providers.Singleton(InMemoryMailer))
    built.storage().migrate()
    yield built
    built.storage().close()


@pytest.fixture
def client(container: Container) -> Iterator[TestClient[Litestar]]:
    with TestClient(create_app(container)) as test_client:
        yield test_client


@pytest.fixture
def say(container: Container, client: TestClient[Litestar]) -> Say:
    return customer(container, client)


def _survey_sent(container: Container) -> list[OutgoingMessage]:
    with container.uow() as work:
        start_survey(
            work,
            contact=CUSTOMER,
            contact_name="Martín",
            sender="5491100000000",
            flow_name=SURVEY,
            template=TEMPLATE,
            run_ref="run-1:client-1",
            now=container.clock().now(),
            ids=container.ids(),
        )
        work.commit()
    drain_outbox(container)
    messenger = container.messenger()
    assert isinstance(messenger, InMemoryMessenger)
    return messenger.messages_to(CUSTOMER)


def _events(container: Container, topic: str) -> list[OutboxMessage]:
    with container.uow() as work:
        conversation = work.conversations.get(contact_key(CUSTOMER))
        assert conversation is not None
        return [m for m in work.outbox.for_aggregate(conversation.id) if m.topic == topic]


def _payload(message: OutboxMessage) -> dict[str, Any]:
    return {name: getattr(message.event, name) for name in dir(message.event)}


def test_the_survey_goes_down_the_tree_and_records_the_answers(
    container: Container, say: Say
) -> None:
    [template] = _survey_sent(container)
    assert template == TEMPLATE

    second = say("Sí, mandame", payload="si")
    assert isinstance(second[0], ButtonsMessage)
    assert "mismo rubro" in second[0].body
    third = say("no")  # typed: the button's title
    assert isinstance(third[0], TextMessage)
    assert "A qué te dedicás" in third[0].text
    fourth = say("Ahora instalo alarmas " + "x" * 10_000)  # a very long free-text answer
    assert isinstance(fourth[0], ListMessage)
    say("Alarmas", payload="alarmas")

    [finished] = _events(container, "conversations.survey_finished")
    data = _payload(finished)
    assert data["outcome"] == "completed"
    assert data["run_ref"] == "run-1:client-1"
    answers = dict(data["answers"])
    assert answers["quiere_info_stock"] == "si"
    assert answers["mismo_rubro"] == "no"
    assert answers["rubro_actual"].startswith("Ahora instalo alarmas")
    assert len(answers["rubro_actual"]) == 1000
    assert answers["productos_interes"] == "alarmas"

    after = say("hola")  # back in the sales bot
    assert any("asistente de MICROCOM" in getattr(m, "text", "") for m in after)


def test_an_opt_out_in_the_survey_is_recorded_once_and_ends_it(
    container: Container, say: Say
) -> None:
    _survey_sent(container)

    said = say("No me escriban más", payload="baja")

    assert isinstance(said[0], TextMessage)
    assert "no te vamos a enviar más mensajes" in said[0].text
    [opted_out] = _events(container, "conversations.contact_opted_out")
    assert _payload(opted_out)["contact"] == contact_key(CUSTOMER)
    [finished] = _events(container, "conversations.survey_finished")
    assert _payload(finished)["outcome"] == "opted_out"


def test_baja_typed_to_the_sales_bot_is_an_opt_out_too(container: Container, say: Say) -> None:
    say("hola")
    say("BAJA")

    [opted_out] = _events(container, "conversations.contact_opted_out")
    assert _payload(opted_out)["source"] == "microcom_ventas"
    assert not _events(container, "conversations.survey_finished")
