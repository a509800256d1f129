"""One person (Marta) spread over every area, and a stranger, for the privacy tests (any unit
of work: the memory one, or SQL through a container)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import attrs

from perla_core.assistant.model import AssistantConversation, Entry, EntryKind
from perla_core.campaigns.model import CampaignConfig, CampaignRun, RunRecipient
from perla_core.conversations.model import Conversation
from perla_core.customers.model import ContactAccount, ContactRole, CustomerAccount
from perla_core.documents.model import BillingDocumentRecord, DocumentKind
from perla_core.inquiries.model import Inquiry
from perla_core.inquiries.values import (
    Channel,
    Direction,
    Guest,
    InquiryMessage,
    MessageKind,
)
from perla_core.kernel.money import Money
from perla_core.kernel.values import Email, Phone, TaxId
from perla_core.onboarding.model import Address, Client, Contact
from perla_core.onboarding.model import ContactRole as ClientContactRole
from perla_core.orders.model import Order, OrderChannel
from perla_core.uow import UnitOfWork

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
LONG_AGO = NOW - timedelta(days=400)
LATELY = NOW - timedelta(days=10)

EMAIL = "Marta.Gomez@Example.com"
PHONE = "+34 600 11 12 22"
E164 = "+34600111222"
CONTACT = "34600111222"
NIF = "12345678Z"
MARTA_TEXT = "Hola, soy Marta y vivo en la calle del Pez 3"

PARTY_ID = UUID(int=1)
BUSINESS_ID = UUID(int=2)
INQUIRY_ID = UUID(int=3)
STRANGER_INQUIRY_ID = UUID(int=4)
CONVERSATION_ID = UUID(int=5)
ORDER_ID = UUID(int=6)
INVOICE_ID = UUID(int=7)
RUN_ID = UUID(int=8)
ASSISTANT_ID = UUID(int=9)
OLD_CONVERSATION_ID = UUID(int=10)

NewUow = Callable[[], UnitOfWork]


@attrs.frozen
class Seeded:
    order_number: int


def _inquiry(inquiry_id: UUID, reference: str, guest: Guest, text: str) -> Inquiry:
    inquiry = Inquiry(
        id=inquiry_id,
        reference=reference,
        reply_token=f"token-{reference}",
        channel=Channel.EMAIL,
        guest=guest,
        created_at=LATELY,
        created_by="guest",
        last_activity_at=LATELY,
        notes=f"notas sobre {guest.name}",
    )
    inquiry.messages.append(
        InquiryMessage(
            id=UUID(int=inquiry_id.int + 1000),
            direction=Direction.INCOMING,
            kind=MessageKind.GUEST_MESSAGE,
            channel=Channel.EMAIL,
            at=LATELY,
            author="guest",
            text=text,
            subject="Reserva",
            message_id=f"<{reference}@example.com>",
            sender=str(guest.email),
            sender_name=guest.name,
        )
    )
    return inquiry


def seed(new_uow: NewUow) -> Seeded:
    """Marta as a private buyer (invoiced), as a contact of a travel agency, as a guest, on
    WhatsApp (conversation, webhook event, campaign recipient, opt-out) and as the owner of an
    assistant conversation; and a stranger's inquiry."""
    email, phone, nif = Email.parse(EMAIL), Phone.parse(PHONE), TaxId.parse(NIF, "ES")
    billing = Address("Calle del Pez 3", "Madrid", "28004", "ES", default_billing=True)
    home = Address("Calle Sol 9", "Cádiz", "11001", "ES", label="casa")
    with new_uow() as uow:
        uow.clients.add(
            Client(
                id=PARTY_ID,
                trade_name="Marta Gómez",
                legal_name="Marta Gómez Ruiz",
                country="ES",
                created_at=LONG_AGO,
                updated_at=LONG_AGO,
                tax_id=nif,
                email=email,
                phone=phone,
                notes="prefiere llamadas por la tarde",
                addresses=(billing, home),
            )
        )
        uow.clients.add(
            Client(
                id=BUSINESS_ID,
                trade_name="Viajes Brisa",
                country="ES",
                created_at=LONG_AGO,
                updated_at=LONG_AGO,
                email=Email.parse("hola@viajesbrisa.es"),
                contacts=(
                    Contact(ClientContactRole.COMMERCIAL, "Marta Gómez", email=email),
                    Contact(
                        ClientContactRole.ADMINISTRATION,
                        "Pedro Ruiz",
                        email=Email.parse("pedro@viajesbrisa.es"),
                    ),
                ),
            )
        )
        uow.customer_accounts.add(
            CustomerAccount(
                BUSINESS_ID,
                LONG_AGO,
                LONG_AGO,
                contacts=(
                    ContactAccount(UUID(int=21), ContactRole.SALES, "Marta", phone=phone),
                    ContactAccount(UUID(int=22), ContactRole.SALES, "Pedro"),
                ),
            )
        )
        account = CustomerAccount(PARTY_ID, LONG_AGO, LONG_AGO, survey_answers={"p1": "sí"})
        account.whatsapp_consent = True
        uow.customer_accounts.add(account)
        uow.inquiries.add(_inquiry(INQUIRY_ID, "INQ-1", Guest("Marta Gómez", email), MARTA_TEXT))
        uow.inquiries.add(
            _inquiry(
                STRANGER_INQUIRY_ID,
                "INQ-2",
                Guest("Luis Vidal", Email.parse("luis@example.org")),
                "Hola, soy Luis",
            )
        )
        conversation = Conversation.open(CONVERSATION_ID, CONTACT, LATELY, contact_name="Marta")
        conversation.receive(UUID(int=51), kind="text", text=MARTA_TEXT, at=LATELY)
        conversation.fields["nombre"] = "Marta"
        uow.conversations.add(conversation)
        uow.received_events.add_if_new(
            "evt-marta",
            CONTACT,
            "message",
            {"visitor_name": "Marta", "contents": [{"type": "text", "text": MARTA_TEXT}]},
            LATELY,
        )
        uow.opt_outs.add(CONTACT, LATELY, "survey")
        uow.campaigns.add_run(CampaignRun(RUN_ID, CampaignConfig.create(), LATELY, "test"))
        recipient = RunRecipient(RUN_ID, PARTY_ID, CONTACT)
        uow.campaigns.add_recipients([recipient])
        uow.campaigns.save_recipient(attrs.evolve(recipient, answers=(("p1", "sí"),)))
        number = uow.orders.next_number()
        order = Order.create(
            order_id=ORDER_ID,
            number=number,
            client_id=PARTY_ID,
            currency="EUR",
            channel=OrderChannel.CART,
            lines=[],
            now=LATELY,
            actor="test",
        )
        uow.orders.add(order)
        uow.billing_documents.add(
            BillingDocumentRecord(
                id=INVOICE_ID,
                kind=DocumentKind.INVOICE,
                series="A-0001",
                number=1,
                order_id=ORDER_ID,
                buyer_tax_id=nif,
                total=Money(Decimal("121.00"), "EUR"),
                issued_at=LATELY,
                storage_key="invoices/A-0001-1.pdf",
                sha256="0" * 64,
                size=1000,
            )
        )
        assistant = AssistantConversation.start(
            conversation_id=ASSISTANT_ID, owner=email.value, role="admin", now=LATELY
        )
        assistant.append(Entry(EntryKind.USER, LATELY, "¿qué pedidos tengo?"))
        uow.assistant_conversations.add(assistant)
        uow.commit()
    return Seeded(order_number=number)
