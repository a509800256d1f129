"""The whole purchase by WhatsApp (issue 8), through the Zenvia webhook: a cart built by
message, the buyer's CUIT, financing simulated and chosen, the summary confirmed, the
pre-invoice issued, stored and sent, the order recorded in the management system, then a
signed payment webhook and the invoice."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dependency_injector import providers
from litestar import Litestar
from litestar.testing import TestClient
from tests.support.moto import MOTO_CREDENTIALS, REGION, moto_s3_server, new_bucket, s3_client
from tests.support.whatsapp import Say, customer

from perla_adapters.memory import InMemoryMailer
from perla_adapters.memory.documents import InMemoryDocumentStore
from perla_adapters.memory.dome import InMemoryDome
from perla_adapters.memory.messaging import InMemoryMessenger
from perla_core.access.model import Actor, Role
from perla_core.catalogue import services
from perla_core.catalogue.files import read_catalogue
from perla_core.catalogue.imports import import_catalogue
from perla_core.conversations.model import readable_text
from perla_core.documents.model import DocumentKind
from perla_core.messaging.messages import ButtonsMessage, FileMessage, ListMessage, OutgoingMessage
from perla_core.orders.model import OrderStatus
from perla_core.orders.ports import OrderQuery
from perla_core.orders.signing import SIGNATURE_HEADER, signature_of
from perla_core.outbox import deliver_outbox_message
from perla_entrypoints.catalogue_cli import rebuild_search_index
from perla_entrypoints.container import Container, build_container, settings_of, uow_factory
from perla_entrypoints.financing_cli import ensure_default_rates
from perla_entrypoints.http import create_app
from perla_entrypoints.workers import drain_outbox

from .test_catalogue_bot import CATALOGUE
from .test_webhooks import CUSTOMER, SECRET

HEADERS = {"X-Perla-Webhook-Secret": SECRET}
PAYMENTS_SECRET = "pagos-secreto-de-prueba"
ADMIN = Actor("test:admin", Role.ADMIN)
BUYER_CUIT = "20-12345678-6"
EXECUTIVES = "ventas@microcom.com.ar"


def _said(message: OutgoingMessage) -> str:
    lines = [readable_text(message)]
    if isinstance(message, ListMessage):
        lines += [f"{r.id} {r.title}: {r.description}" for s in message.sections for r in s.rows]
    if isinstance(message, ButtonsMessage):
        lines += [f"[{b.id}] {b.title}" for b in message.buttons]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    with moto_s3_server() as url:
        yield url


@pytest.fixture(params=["local", "s3"])
def store_settings(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The documents land in the local folder, or in S3 (moto's server, real boto3)."""
    if request.param == "local":
        return {"document_store": "local"}
    url = request.getfixturevalue("moto_url")
    return {
        "document_store": "s3",
        "s3_bucket": new_bucket(url),
        "s3_endpoint_url": url,
        "s3_region": REGION,
        "s3_access_key_id": MOTO_CREDENTIALS["access_key_id"],
        "s3_access_secret": MOTO_CREDENTIALS["secret_access_key"],
    }


@pytest.fixture
def container(tmp_path: Path, store_settings: dict[str, Any]) -> Iterator[Container]:
    built = build_container(
        database_url="memory://",
        data_dir=str(tmp_path),
        zenvia_webhook_secret=SECRET,
        payments_webhook_secret=PAYMENTS_SECRET,
        executives_email=EXECUTIVES,
        **store_settings,
    )
    built.mailer.override(providers.Singleton(InMemoryMailer))
    built.storage().migrate()
    rows = read_catalogue(CATALOGUE, "catalogo.csv")
    run = import_catalogue(
        rows, uow_factory(built), clock=built.clock(), ids=built.ids(), actor=ADMIN
    )
    assert run.rows_rejected == 0, run.rejected
    rebuild_search_index(built)
    assert ensure_default_rates(built.uow(), built.clock().now())
    yield built
    built.storage().close()


@pytest.fixture
def client(container: Container) -> Iterator[TestClient[Litestar]]:
    with TestClient(create_app(container)) as test_client:
        yield test_client


@pytest.fixture
def say(container: Container, client: TestClient[Litestar]) -> Say:
    return customer(container, client)


def text_of(messages: list[OutgoingMessage]) -> str:
    return "\n".join(_said(m) for m in messages)


def test_a_whole_purchase_by_whatsapp_from_cart_to_invoice(
    container: Container, client: TestClient[Litestar], say: Say
) -> None:
    asked = text_of(say("agregame 2 DS-2CE16D0T-IRPF"))
    assert "CUIT" in asked

    wrong = text_of(say("20-12345678-0"))
    assert "no es válido" in wrong

    cart = text_of(say(BUYER_CUIT))
    assert "2 x" in cart
    assert "DS-2CE16D0T-IRPF" in cart or "HIK-BULLET-2MP" in cart
    assert "$ 91.998,00" in cart  # 2 x 45.999,00 before VAT
    assert "Total con IVA: $ 111.317,58" in cart  # + 21 % VAT

    more = text_of(say("quiero 3 de la HAC-B1A21"))
    assert "3 x" in more
    assert "$ 89.997,00" in more

    plans = say("Simular cuotas", payload="financing")
    assert any(isinstance(m, ListMessage) for m in plans)
    listed = text_of(plans)
    assert "plan:3" in listed
    assert "plan:12" in listed

    chosen = text_of(say("6 cuotas", payload="plan:6"))
    assert "6 cuotas de" in chosen
    assert "CFT" in chosen

    summary = say("Confirmar pedido", payload="confirm")
    assert any(isinstance(m, ButtonsMessage) for m in summary)
    shown = text_of(summary)
    assert "Resumen de tu pedido" in shown
    assert "[confirm] Confirmar" in shown
    assert "Financiación: 6 cuotas" in shown

    done = text_of(say("Confirmar", payload="confirm"))
    assert "Confirmamos tu compra" in done

    # the outbox issued the pre-invoice, sent it to the client and the executives, and
    # recorded the order in the management system
    documents = [m for m in _sent(container) if isinstance(m, FileMessage)]
    assert [d.file_name for d in documents] == ["PF-0001-00000001.pdf"]
    mailer = container.mailer()
    assert isinstance(mailer, InMemoryMailer)
    [mail] = mailer.sent
    assert EXECUTIVES in (*mail.to, *mail.cc)
    assert mail.attachments[0].data.startswith(b"%PDF")
    order = _confirmed_order(container)
    assert order.status is OrderStatus.RECORDED
    assert order.pre_invoice is not None
    dome = container.dome()
    assert isinstance(dome, InMemoryDome)

    # a signed payment webhook for the whole total: the invoice follows
    body = json.dumps(
        {
            "payment_id": "mp-0001",
            "order_number": order.number,
            "amount": str(order.total_with_vat.amount),
            "currency": "ARS",
            "method": "transferencia",
        }
    ).encode()
    response = client.post(
        "/webhooks/payments",
        content=body,
        headers={SIGNATURE_HEADER: signature_of(PAYMENTS_SECRET, body)},
    )
    assert response.status_code in (200, 201), response.text
    again = client.post(
        "/webhooks/payments",
        content=body,
        headers={SIGNATURE_HEADER: signature_of(PAYMENTS_SECRET, body)},
    )
    assert again.status_code in (200, 201), again.text
    drain_outbox(container)

    paid = _confirmed_order(container)
    assert paid.status is OrderStatus.INVOICED
    assert paid.invoice is not None
    files = [m.file_name for m in _sent(container) if isinstance(m, FileMessage)]
    assert files == ["PF-0001-00000001.pdf", "A-0001-00000001.pdf"]
    assert len(mailer.sent) == 2
    with container.uow() as work:
        issued = work.billing_documents.for_order(paid.id)
    assert sorted(r.kind for r in issued) == sorted(
        [DocumentKind.PRE_INVOICE, DocumentKind.INVOICE]
    )
    store = container.document_store()
    for record in issued:
        assert store.get(record.storage_key).startswith(b"%PDF")
    if settings_of(container).document_store == "s3":  # the PDFs are in the bucket itself
        bucket = settings_of(container).s3_bucket
        url = settings_of(container).s3_endpoint_url
        assert url is not None
        listed = s3_client(url).list_objects_v2(Bucket=bucket)["Contents"]
        assert len(listed) == 2
        assert {d.url.split("?")[0].rsplit("/", 1)[-1] for d in documents} <= {
            o["Key"].rsplit("/", 1)[-1] for o in listed
        }


def test_a_price_change_before_the_confirmation_shows_a_new_summary(
    container: Container, say: Say
) -> None:
    say("agregame 2 DS-2CE16D0T-IRPF")
    say(BUYER_CUIT)
    say("Confirmar pedido", payload="confirm")
    _change_price(container, "HIK-BULLET-2MP", "49999")

    again = text_of(say("Confirmar", payload="confirm"))

    assert "cambió" in again
    assert "$ 49.999,00" in again
    assert "Confirmamos tu compra" not in again
    done = text_of(say("Confirmar", payload="confirm"))
    assert "Confirmamos tu compra" in done


def test_quantities_beyond_stock_and_unknown_products_get_clear_answers(
    container: Container, say: Say
) -> None:
    say("agregame 1 DS-2CE16D0T-IRPF")
    say(BUYER_CUIT)

    too_many = text_of(say("cambiá a 50"))
    unknown = text_of(say("agregame 2 XYZ-9999Q"))
    removed = text_of(say("sacá la DS-2CE16D0T-IRPF"))

    assert "stock" in too_many
    assert "¿Qué modelo" in unknown
    assert "saqué" in removed
    assert "Tu carrito está vacío." in removed


def _sent(container: Container) -> list[OutgoingMessage]:
    messenger = container.messenger()
    assert isinstance(messenger, InMemoryMessenger)
    return messenger.messages_to(CUSTOMER)


def _confirmed_order(container: Container) -> Any:
    with container.uow() as work:
        page = work.orders.list(OrderQuery())
    [order] = [o for o in page.items if o.status is not OrderStatus.CANCELLED]
    return order


def _change_price(container: Container, sku: str, price: str) -> None:
    services.set_price(
        services.SetPrice(sku=sku, amount=price, currency="ARS"),
        container.uow(),
        container.clock(),
        ADMIN,
    )


def test_a_tapped_product_then_a_quantity_and_typed_instalments(
    container: Container, say: Say
) -> None:
    say("¿qué cámaras Hikvision tenés?")
    detail = text_of(say("DS-2CE56D0T-IRPF", payload="product:HIK-DOMO-2MP"))
    assert "$ 39.999,00" in detail

    say("quiero 2")
    cart = text_of(say(BUYER_CUIT))
    assert "2 x" in cart
    assert "HIK-DOMO-2MP" in cart

    plan = text_of(say("lo pago en 3 cuotas"))
    assert "3 cuotas de" in plan
    assert "sin interés" in plan
    refused = text_of(say("y en 100 cuotas?"))
    assert "En 100 cuotas no lo puedo financiar" in refused
    assert "de 1 a 24 cuotas" in refused


def test_a_store_outage_at_confirmation_keeps_the_order_and_leaves_no_gap(
    container: Container, say: Say
) -> None:
    down = InMemoryDocumentStore(container.clock())
    down.available = False
    container.document_store.override(providers.Object(down))
    say("agregame 1 DS-2CE16D0T-IRPF")
    say(BUYER_CUIT)
    say("Confirmar pedido", payload="confirm")

    done = text_of(say("Confirmar", payload="confirm"))

    assert "Confirmamos tu compra" in done  # the client's confirmation stands
    waiting = _confirmed_order(container)
    assert waiting.status is OrderStatus.CONFIRMED  # no pre-invoice while the store is down
    assert not [m for m in _sent(container) if isinstance(m, FileMessage)]

    container.document_store.reset_last_overriding()  # back: the outbox's retry issues number 1
    with container.uow() as work:
        messages = work.outbox.for_aggregate(waiting.id)
    [confirmed] = [m for m in messages if m.topic == "orders.order_confirmed"]
    deliver_outbox_message(confirmed.id, container.uow(), container.handlers(), container.clock())
    drain_outbox(container)

    issued = _confirmed_order(container)
    assert issued.status is OrderStatus.RECORDED
    assert issued.pre_invoice is not None
    assert (issued.pre_invoice.series, issued.pre_invoice.number) == ("PF-0001", 1)
    files = [m.file_name for m in _sent(container) if isinstance(m, FileMessage)]
    assert files == ["PF-0001-00000001.pdf"]
