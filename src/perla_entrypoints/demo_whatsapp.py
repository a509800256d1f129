"""The demo's WhatsApp part (seed 004): a customer chats with MICROCOM's bot through Zenvia.

Everything runs offline on loopback: the Zenvia double and perla's own HTTP app are served in
threads on free ports; the double's webhook points at perla's ``/webhooks/zenvia`` with the
shared-secret header, and perla's messenger is a :class:`ZenviaMessenger` pointed at the
double. The sample catalogue is imported and the search index rebuilt first. The customer's
messages are events the double emits; perla's worker runs the bot, the outbox sends its answers
back through the double. The bot lists the Hikvision cameras in stock, proposes alternatives for
one that is out of stock and answers a shipping question from the FAQ pages; then the customer
asks for a person, an operator answers and hands the conversation back, and the bot answers
again. Then the customer buys: a cart by message (the bot asks the company's CUIT once),
instalments simulated and one chosen, the summary confirmed; the outbox issues the
pre-invoice PDF (stored, sent on WhatsApp, e-mailed to the executives) and records the order
in the management system; a signed payment webhook follows and the invoice is issued and sent.
The transcript is printed
as a chat from the conversation's record; the double counts what reached "WhatsApp".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import attrs
from dependency_injector import providers
from rich.console import Console
from rich.table import Table

from perla_adapters.loopback import serving
from perla_adapters.payments_sim import notify_payment
from perla_adapters.sim_control import SimulatorControl
from perla_adapters.zenvia import ZenviaMessenger
from perla_adapters.zenvia.simulator import ZenviaSimState, create_zenvia_simulator
from perla_core.access.model import Actor, Role
from perla_core.catalogue.files import read_catalogue
from perla_core.catalogue.imports import import_catalogue
from perla_core.conversations import get_conversation, hand_back, operator_reply
from perla_core.conversations.model import BOT, CONTACT, ConversationMessage
from perla_core.orders.model import Order
from perla_core.orders.ports import OrderQuery
from perla_core.search.model import DocumentKind, SearchFilters, SearchQuery
from perla_entrypoints.catalogue_cli import rebuild_search_index
from perla_entrypoints.container import Container, settings_of, uow_factory
from perla_entrypoints.financing_cli import ensure_default_rates
from perla_entrypoints.http import create_app

Step = Callable[..., None]
Settle = Callable[[Container], None]

CUSTOMER = "5491155550123"
CUSTOMER_NAME = "Martín"
OPERATOR = "laura.gomez@microcom.com.ar"
SIM_KEY = "demo-zenvia-token"
WEBHOOK_SECRET = "demo-webhook-secret"  # noqa: S105 - the demo's own double, on loopback
OPERATORS_EMAIL = "ventas@microcom.com.ar"
PAYMENTS_SECRET = "demo-payments-secret"  # noqa: S105 - the demo's own provider, on loopback
BUYER_CUIT = "20-12345678-6"
OUT_OF_STOCK_SKU = "HIK-DS-2CE16D0T-IRPF-6"
"""A camera of the sample catalogue with no stock in any warehouse."""


def sample_catalogue() -> Path:
    return Path(str(resources.files("perla_entrypoints") / "data" / "catalogue_sample.csv"))


def load_catalogue(container: Container) -> tuple[int, int, int]:
    """Import the sample catalogue into the demo's database and rebuild the search index;
    returns the products imported, and the products and FAQ chunks indexed."""
    path = sample_catalogue()
    run = import_catalogue(
        read_catalogue(path.read_text("utf-8"), path.name),
        uow_factory(container),
        clock=container.clock(),
        ids=container.ids(),
        actor=Actor("demo", Role.ADMIN),
    )
    products, chunks = rebuild_search_index(container)
    return run.created + run.updated + run.unchanged, products, chunks


@contextmanager
def _perla_on_zenvia(container: Container, sim_url: str) -> Iterator[str]:
    """perla's app served on loopback, its messenger pointed at the double; undone after."""
    settings = attrs.evolve(
        settings_of(container),
        zenvia_url=f"{sim_url}/v2",
        zenvia_api_token=SIM_KEY,
        zenvia_webhook_secret=WEBHOOK_SECRET,
        operators_email=OPERATORS_EMAIL,
        executives_email=OPERATORS_EMAIL,
        payments_webhook_secret=PAYMENTS_SECRET,
    )
    messenger = ZenviaMessenger(
        SIM_KEY, container.clock(), base_url=f"{sim_url}/v2", timeout=5.0, retries=1
    )
    container.settings.override(providers.Object(settings))
    container.messenger.override(providers.Object(messenger))
    try:
        with serving(create_app(container)) as perla_url:
            yield perla_url
    finally:
        container.messenger.reset_last_overriding()
        container.settings.reset_last_overriding()
        messenger.close()


def whatsapp_conversation(
    container: Container, out: Console, step: Step, settle: Settle
) -> dict[str, object]:
    """Run the WhatsApp scenario and print its transcript; returns its figures."""
    figures: dict[str, int] = {}

    def catalogue() -> None:
        imported, products, chunks = load_catalogue(container)
        ensure_default_rates(container.uow(), container.clock().now())
        figures.update(
            catalogue_products=imported, indexed_products=products, indexed_faq_chunks=chunks
        )

    step("WhatsApp: the sample catalogue is imported and the search index rebuilt", catalogue)
    sim = ZenviaSimState()
    sender = settings_of(container).whatsapp_sender
    operator = Actor(OPERATOR, Role.AGENT)
    with (
        serving(create_zenvia_simulator(api_key=SIM_KEY, state=sim)) as sim_url,
        _perla_on_zenvia(container, sim_url) as perla_url,
    ):
        double = SimulatorControl(sim_url)
        header = settings_of(container).zenvia_webhook_header
        double.set_webhook(f"{perla_url}/webhooks/zenvia", {header: WEBHOOK_SECRET})

        def customer_says(text: str, payload: str | None = None) -> None:
            spec = {"type": "MESSAGE", "from": CUSTOMER, "to": sender, "text": text}
            if payload is not None:
                spec["payload"] = payload
            delivered = double.emit(spec | {"visitorName": CUSTOMER_NAME})
            statuses = [d["status"] for d in delivered]
            if statuses != [202]:
                raise RuntimeError(f"perla's webhook answered {statuses}")
            settle(container)

        def operator_answers_hands_back_and_customer_thanks() -> None:
            text = f"Hola {CUSTOMER_NAME}, soy Laura. ¿En qué te ayudo?"
            clock, ids = container.clock(), container.ids()
            operator_reply(CUSTOMER, text, container.uow(), clock, ids, operator)
            hand_back(CUSTOMER, container.uow(), clock, operator)
            settle(container)
            customer_says("gracias")

        step(
            "WhatsApp: the customer says hola (Zenvia → webhook → bot)",
            lambda: customer_says("hola"),
        )
        step(
            "WhatsApp: asks for Hikvision cameras (a list of the models in stock, SQL prices)",
            lambda: customer_says("¿tenés cámaras Hikvision?"),
        )
        step(
            "WhatsApp: asks for a camera out of stock (in-stock alternatives)",
            lambda: customer_says(f"¿tenés la {OUT_OF_STOCK_SKU}?"),
        )
        step(
            "WhatsApp: asks about shipping (answered from the FAQ pages)",
            lambda: customer_says("¿hacen envíos a Córdoba?"),
        )
        step(
            "WhatsApp: 'pasame con un vendedor' hands it over again",
            lambda: customer_says("pasame con un vendedor"),
        )
        step(
            "WhatsApp: an operator answers and hands it back; the customer says gracias",
            operator_answers_hands_back_and_customer_thanks,
        )
        _purchase(container, step, settle, customer_says, perla_url)
        with sim.lock:
            reached = len(sim.messages)
            delivered = list(sim.messages.values())
    record = get_conversation(CUSTOMER, container.uow(), Actor(OPERATOR, Role.READONLY))
    out.print(_transcript(record.messages))
    for rows in _list_rows(delivered):
        out.print(rows)
    out.print(
        f"[bold green]✓[/] {len(record.messages)} WhatsApp messages, {reached} of them "
        f"delivered through the Zenvia double; {len(record.handoffs)} handoffs "
        f"(operators e-mailed at {OPERATORS_EMAIL}); the bot owns the chat again: "
        f"{record.owner.value == 'bot'}."
    )
    order = _latest_order(container)
    with container.uow() as work:
        documents = work.billing_documents.for_order(order.id)
    for document in documents:
        out.print(
            f"[bold green]✓[/] {document.kind.label} {document.full_number}: {document.total}, "
            f"{document.size} bytes at {document.storage_key}"
        )
    out.print(
        f"[bold green]✓[/] order N° {order.number} is {order.status.value}: ERP reference "
        f"{order.erp_reference}, paid {order.paid_amount} {order.currency}."
    )
    return {
        "order_status": order.status.value,
        "billing_documents": len(documents),
        "whatsapp_messages": len(record.messages),
        "whatsapp_delivered": reached,
        "whatsapp_handoffs": len(record.handoffs),
        "whatsapp_owner": record.owner.value,
        **figures,
    }


def _purchase(
    container: Container,
    step: Step,
    settle: Settle,
    customer_says: Callable[..., None],
    perla_url: str,
) -> None:
    """The purchase steps: cart, CUIT, instalments, summary, confirmation, payment."""
    model = _a_camera_in_stock(container)

    def cart() -> None:
        customer_says(f"agregame 2 {model}")
        customer_says(BUYER_CUIT)

    def payment() -> None:
        order = _latest_order(container)
        status, answer = notify_payment(
            f"{perla_url}/webhooks/payments",
            PAYMENTS_SECRET,
            {
                "payment_id": f"demo-{order.number}",
                "order_number": order.number,
                "amount": str(order.total_with_vat.amount),
                "currency": order.currency,
                "method": "transferencia",
            },
        )
        if status >= 300:
            raise RuntimeError(f"perla's payments webhook answered {status}: {answer}")
        settle(container)

    step(f"WhatsApp: 'agregame 2 {model}' (the bot asks the buyer's CUIT, then the cart)", cart)
    step(
        "WhatsApp: taps 'Simular cuotas' (3, 6, 9 and 12 from the rates table)",
        lambda: customer_says("Simular cuotas", payload="financing"),
    )
    step(
        "WhatsApp: picks 6 cuotas (French amortisation, TNA/TEA/CFT; stored on the order)",
        lambda: customer_says("6 cuotas", payload="plan:6"),
    )
    step(
        "WhatsApp: taps 'Confirmar pedido' (the summary with Confirmar/Modificar/Cancelar)",
        lambda: customer_says("Confirmar pedido", payload="confirm"),
    )
    step(
        "WhatsApp: confirms (prices re-checked; pre-invoice PDF stored, sent, ERP recorded)",
        lambda: customer_says("Confirmar", payload="confirm"),
    )
    step("Payments: a signed payment webhook for the total (the invoice follows)", payment)


def _a_camera_in_stock(container: Container) -> str:
    """The model of a camera of the sample catalogue with stock (what the customer buys)."""
    query = SearchQuery(
        "cámara Hikvision",
        SearchFilters(kind=DocumentKind.PRODUCT, category="camera", in_stock=True),
        limit=1,
    )
    [hit] = container.search_index().search(query)
    document = container.search_index().get(hit.id)
    assert document is not None
    return document.title.removeprefix(document.brand).strip()


def _latest_order(container: Container) -> Order:
    with container.uow() as work:
        page = work.orders.list(OrderQuery())
    latest: Order = page.items[0]
    return latest


def _list_rows(delivered: list[dict[str, Any]]) -> Iterator[Table]:
    """The rows of each WhatsApp list the double received (the transcript shows its body)."""
    for message in delivered:
        for content in message.get("contents") or ():
            if not isinstance(content, dict) or content.get("type") != "list":
                continue
            for section in content.get("sections") or ():
                table = Table(title=f"WhatsApp list: {section.get('title', '')}")
                table.add_column("model")
                table.add_column("price · stock")
                for row in section.get("rows") or ():
                    table.add_row(str(row.get("title", "")), str(row.get("description", "")))
                yield table


def _transcript(messages: list[ConversationMessage]) -> Table:
    table = Table(title=f"WhatsApp with {CUSTOMER_NAME} (+{CUSTOMER})", show_lines=False)
    table.add_column("who")
    table.add_column("message")
    table.add_column("status")
    for m in messages:
        who = {CONTACT: f"[cyan]{CUSTOMER_NAME}[/]", BOT: "[magenta]bot[/]"}.get(
            m.author, f"[yellow]{m.author.split('@')[0]}[/]"
        )
        table.add_row(who, m.text or "—", "" if m.status is None else m.status.value)
    return table
