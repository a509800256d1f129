"""The WhatsApp bot answers from the catalogue (issue 7): the search index finds candidates,
prices and stock are read from the catalogue when the answer is composed, FAQ questions are
answered from the FAQ pages."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from dependency_injector import providers
from litestar import Litestar
from litestar.testing import TestClient

from perla_adapters.memory import InMemoryMailer
from perla_adapters.memory.messaging import InMemoryMessenger
from perla_core.access.model import Actor, Role
from perla_core.catalogue import services
from perla_core.catalogue.files import read_catalogue
from perla_core.catalogue.imports import import_catalogue
from perla_core.conversations.model import readable_text
from perla_core.messaging.messages import ListMessage, OutgoingMessage
from perla_entrypoints.catalogue_cli import rebuild_search_index
from perla_entrypoints.container import Container, build_container, uow_factory
from perla_entrypoints.http import create_app
from perla_entrypoints.workers import drain_conversations, drain_outbox

from .test_webhooks import CUSTOMER, SECRET, WEBHOOK, message_event

HEADERS = {"X-Perla-Webhook-Secret": SECRET}
ADMIN = Actor("test:admin", Role.ADMIN)

CATALOGUE = "".join(
    f"{line}\n"
    for line in (
        "sku,marca,modelo,categoria,descripcion,resolucion,formato,ubicacion,ir,lente,"
        "precio,moneda,stock CABA",
        "HIK-BULLET-2MP,Hikvision,DS-2CE16D0T-IRPF,camera,"
        '"Cámara bullet 2 MP exterior, lente 2.8 mm",2,bullet,outdoor,20,2.8,45999,ARS,10',
        "HIK-DOMO-2MP,Hikvision,DS-2CE56D0T-IRPF,camera,"
        '"Cámara domo 2 MP interior, lente 2.8 mm",2,dome,indoor,20,2.8,39999,ARS,3',
        "HIK-BULLET-4MP,Hikvision,DS-2CD1043G0-I,camera,"
        '"Cámara IP bullet 4 MP exterior, lente 4 mm",4,bullet,outdoor,30,4,89999,ARS,0',
        "HIK-BULLET-4MP-B,Hikvision,DS-2CD1047G0-L,camera,"
        '"Cámara IP bullet 4 MP color exterior, lente 4 mm",4,bullet,outdoor,30,4,94999,ARS,4',
        "DAH-BULLET-2MP,Dahua,HAC-B1A21,camera,"
        '"Cámara bullet 2 MP exterior, lente 3.6 mm",2,bullet,outdoor,20,3.6,29999,ARS,5',
    )
)


def _said(message: OutgoingMessage) -> str:
    """Everything a message shows the customer, a list's rows included."""
    lines = [readable_text(message)]
    if isinstance(message, ListMessage):
        lines += [f"{r.title}: {r.description}" for s in message.sections for r in s.rows]
    return "\n".join(lines)


@pytest.fixture
def container(tmp_path: Path) -> Iterator[Container]:
    built = build_container(
        database_url="memory://", data_dir=str(tmp_path), zenvia_webhook_secret=SECRET
    )
    built.mailer.override(providers.Singleton(InMemoryMailer))
    built.storage().migrate()
    rows = read_catalogue(CATALOGUE, "catalogo.csv")
    run = import_catalogue(
        rows, uow_factory(built), clock=built.clock(), ids=built.ids(), actor=ADMIN
    )
    assert run.rows_rejected == 0, run.rejected
    rebuild_search_index(built)
    yield built
    built.storage().close()


@pytest.fixture
def client(container: Container) -> Iterator[TestClient[Litestar]]:
    with TestClient(create_app(container)) as test_client:
        yield test_client


@pytest.fixture
def ask(container: Container, client: TestClient[Litestar]) -> Callable[[str], str]:
    """The customer writes ``text``; returns what the bot answered (all its messages' text)."""
    messenger = container.messenger()
    assert isinstance(messenger, InMemoryMessenger)

    def ask(text: str) -> str:
        before = len(messenger.messages_to(CUSTOMER))
        response = client.post(WEBHOOK, content=json.dumps(message_event(text)), headers=HEADERS)
        assert response.status_code == 202, response.text
        drain_conversations(container)
        replies = messenger.messages_to(CUSTOMER)[before:]
        return "\n".join(_said(m) for m in replies)

    return ask


def test_the_index_holds_every_product_and_the_faq_pages(container: Container) -> None:
    index = container.search_index()
    document = index.get("product:HIK-BULLET-2MP")
    assert document is not None
    assert (document.brand, document.category, document.in_stock) == ("Hikvision", "camera", True)
    assert document.price_ars == Decimal("45999")
    assert index.count() > 5  # the products and the FAQ chunks


def test_hikvision_cameras_are_listed_from_stock_with_their_prices(
    ask: Callable[[str], str],
) -> None:
    reply = ask("¿qué cámaras Hikvision tenés?")
    assert "DS-2CE16D0T-IRPF" in reply
    assert "$ 45.999,00" in reply
    assert "DS-2CE56D0T-IRPF" in reply
    assert "$ 39.999,00" in reply
    assert "DS-2CD1047G0-L" in reply
    assert "DS-2CD1043G0-I" not in reply  # out of stock
    assert "HAC-B1A21" not in reply  # Dahua
    assert "Todavía no puedo" not in reply


def test_an_answer_reads_the_price_from_the_catalogue_not_from_the_index(
    container: Container, ask: Callable[[str], str]
) -> None:
    ask("hola")  # the import's events are delivered: the index follows the catalogue
    services.set_price(
        services.SetPrice(sku="HIK-BULLET-2MP", amount="47999", currency="ARS"),
        container.uow(),
        container.clock(),
        ADMIN,
    )
    stale = container.search_index().get("product:HIK-BULLET-2MP")
    assert stale is not None
    assert stale.price_ars == Decimal("45999")  # not reindexed yet
    reply = ask("¿qué cámaras Hikvision tenés?")
    assert "$ 47.999,00" in reply
    assert "45.999" not in reply


def test_the_index_follows_a_price_change_through_the_outbox(container: Container) -> None:
    drain_outbox(container)
    services.set_price(
        services.SetPrice(sku="HIK-DOMO-2MP", amount="41000", currency="ARS"),
        container.uow(),
        container.clock(),
        ADMIN,
    )
    drain_outbox(container)
    document = container.search_index().get("product:HIK-DOMO-2MP")
    assert document is not None
    assert document.price_ars == Decimal("41000")


def test_an_out_of_stock_product_gets_in_stock_alternatives(ask: Callable[[str], str]) -> None:
    reply = ask("¿tenés la DS-2CD1043G0-I?")
    assert "DS-2CD1043G0-I está sin stock ahora" in reply
    assert "Te propongo" in reply
    assert "DS-2CD1047G0-L" in reply  # the closest one in stock
    assert "$ 94.999,00" in reply


def test_a_shipping_question_is_answered_from_the_faq(ask: Callable[[str], str]) -> None:
    reply = ask("¿hacen envíos?")
    assert "Despachamos a todo el país" in reply
    assert len(reply) <= 4096


def test_a_product_nobody_sells_asks_for_more_details(ask: Callable[[str], str]) -> None:
    reply = ask("¿tenés la XYZ-9999Q?")
    assert "No encontré" in reply
    assert "más detalles" in reply


def test_a_warranty_question_is_answered_from_the_faq_not_handed_off(
    ask: Callable[[str], str],
) -> None:
    reply = ask("¿qué garantía tienen?")
    assert "garantía oficial del fabricante" in reply
    assert "Te paso con" not in reply


def test_a_follow_up_keeps_the_brand_and_product_and_changes_the_resolution(
    ask: Callable[[str], str],
) -> None:
    ask("¿qué cámaras Hikvision tenés?")

    reply = ask("¿y la de 4 megas?")

    assert "DS-2CD1047G0-L" in reply  # the Hikvision 4 MP in stock
    assert "DS-2CE16D0T-IRPF" not in reply  # 2 MP
    assert "HAC-B1A21" not in reply  # another brand


def test_a_follow_up_naming_another_brand_keeps_the_product_type(
    ask: Callable[[str], str],
) -> None:
    ask("¿qué cámaras Hikvision tenés?")

    reply = ask("¿y de Dahua?")

    assert "HAC-B1A21" in reply
    assert "$ 29.999,00" in reply
    assert "DS-2CE16D0T-IRPF" not in reply


def test_a_bare_quantity_is_about_the_product_just_discussed(ask: Callable[[str], str]) -> None:
    first = ask("¿cuánto sale la DS-2CE56D0T-IRPF?")
    assert "$ 39.999,00" in first

    enough = ask("¿tenés 2?")
    too_many = ask("¿y tenés 10?")

    assert "DS-2CE56D0T-IRPF" in enough
    assert "DS-2CE56D0T-IRPF" in too_many
    assert enough != too_many  # 3 in stock: 2 can be sold, 10 cannot
    assert "3" in too_many


def test_a_new_question_starts_a_new_topic(ask: Callable[[str], str]) -> None:
    ask("¿qué cámaras Hikvision tenés?")

    reply = ask("¿qué cámaras Dahua tenés?")

    assert "HAC-B1A21" in reply
    assert "DS-2CE16D0T-IRPF" not in reply


def test_tapping_a_listed_product_answers_about_that_product(
    container: Container, client: TestClient[Litestar]
) -> None:
    messenger = container.messenger()
    assert isinstance(messenger, InMemoryMessenger)
    event = message_event("DS-2CE56D0T-IRPF")
    event["message"]["contents"] = [
        {"type": "text", "text": "DS-2CE56D0T-IRPF", "payload": "product:HIK-DOMO-2MP"}
    ]

    response = client.post(WEBHOOK, content=json.dumps(event), headers=HEADERS)
    assert response.status_code == 202, response.text
    drain_conversations(container)

    reply = "\n".join(_said(m) for m in messenger.messages_to(CUSTOMER))
    assert "$ 39.999,00" in reply
    assert "no te entendí" not in reply
