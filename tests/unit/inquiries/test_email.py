"""What the guest reads: Spain's Spanish, *usted*, amounts as Spain writes them, the
reference in every subject, and HTML that shows the text instead of running it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

import attrs
import pytest
from tests.unit.inquiries.builders import MAILBOX

from perla_core.inquiries.email import (
    render_quote,
    render_reminder,
    render_reply,
    reply_subject,
    tagged,
)
from perla_core.inquiries.matching import (
    looks_like_reply,
    reply_tokens,
    strip_reply_prefixes,
    subject_references,
)
from perla_core.inquiries.model import Inquiry, message_from_email
from perla_core.inquiries.values import (
    Channel,
    Guest,
    InquiryStage,
    Party,
    Quote,
    Reminder,
    ReminderStatus,
    Stay,
    money_es,
    parse_quote_lines,
)
from perla_core.kernel.money import Money
from perla_core.kernel.values import Email
from perla_core.mail.inbound import InboundEmail

NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
INQUIRY_ID = UUID("00000000-0000-7000-8000-0000c0ffee01")


def an_inquiry(**fields: object) -> Inquiry:
    email = InboundEmail(
        message_id="<abc@mail.example.com>",
        sender="lucia@example.com",
        sender_name="Lucía Pérez",
        to=(MAILBOX.address,),
        subject="RE: Fwd: Habitación <doble> & vistas",
        text="Hola",
        received_at=NOW,
    )
    inquiry = Inquiry.register(
        inquiry_id=INQUIRY_ID,
        reply_token="0123456789ab",
        channel=Channel.EMAIL,
        guest=Guest("Lucía Pérez", Email("lucia@example.com")),
        first_message=message_from_email(email, UUID(int=1)),
        now=NOW,
        actor="inbound-mail",
        stay=Stay(date(2026, 8, 1), date(2026, 8, 5)),
        party=Party(2, 1, 1),
    )
    for key, value in fields.items():
        setattr(inquiry, key, value)
    return inquiry


def a_quote(message: str | None = None) -> Quote:
    lines, total = parse_quote_lines(
        [
            {
                "description": "Habitación doble vista mar (noche)",
                "unit_price": "1250",
                "quantity": 4,
            },
            {"description": "Cuna <bebé>", "unit_price": "0", "quantity": 1},
        ]
    )
    return Quote(UUID(int=7), lines, total, date(2026, 1, 31), NOW, "ana.agent", message)


def test_the_reference_tags_every_subject_once() -> None:
    assert tagged("Su consulta", "C-C0FFEE01") == "Su consulta [C-C0FFEE01]"
    assert tagged("Re: Su consulta [C-C0FFEE01]", "C-C0FFEE01") == "Re: Su consulta [C-C0FFEE01]"
    assert len(tagged("x" * 400, "C-C0FFEE01")) == 300


def test_a_reply_subject_answers_the_guests_own_without_stacking_prefixes() -> None:
    assert reply_subject(an_inquiry()) == "Re: Habitación <doble> & vistas [C-C0FFEE01]"


def test_a_reply_keeps_the_agents_words_and_adds_the_signature_and_reference() -> None:
    content = render_reply(an_inquiry(), "Buenos días:\n\nSí, <tenemos> sitio.", MAILBOX)

    assert content.text == (
        "Buenos días:\n\nSí, <tenemos> sitio.\n\n-- \n"
        "Reservas · Hotel Playa Victoria\nReferencia de su consulta: C-C0FFEE01\n"
    )
    assert "<p>Sí, &lt;tenemos&gt; sitio.</p>" in content.html
    assert '<html lang="es">' in content.html
    assert "<title>Re: Habitación &lt;doble&gt; &amp; vistas [C-C0FFEE01]</title>" in content.html


def test_the_default_reminder_is_in_spanish_and_addresses_the_guest_as_usted() -> None:
    reminder = Reminder(UUID(int=9), NOW, ReminderStatus.SCHEDULED, NOW, "ana.agent")

    content = render_reminder(an_inquiry(), reminder, MAILBOX)

    assert content.subject == "Recordatorio: su consulta del 01/08/2026 al 05/08/2026 [C-C0FFEE01]"
    assert content.text.splitlines()[:3] == [
        "Estimado/a Lucía Pérez:",
        "",
        "Le escribimos para hacer un seguimiento de su consulta. ¿Ha tenido ocasión de "
        "revisar nuestra respuesta?",
    ]
    assert content.text.endswith(
        "Un cordial saludo,\nReservas · Hotel Playa Victoria\n"
        "Referencia de su consulta: C-C0FFEE01\n"
    )


def test_a_reminder_about_a_quote_mentions_its_validity() -> None:
    inquiry = an_inquiry()
    inquiry.quotes.append(a_quote())
    inquiry.stage = InquiryStage.QUOTED
    reminder = Reminder(UUID(int=9), NOW, ReminderStatus.SCHEDULED, NOW, "ana.agent")

    content = render_reminder(inquiry, reminder, MAILBOX)

    assert content.subject.startswith("Recordatorio: su presupuesto")
    assert "el presupuesto que le enviamos, válido hasta el 31/01/2026" in content.text


def test_the_quote_lists_the_stay_the_party_the_lines_and_the_total() -> None:
    content = render_quote(an_inquiry(), a_quote(), MAILBOX)

    assert (
        content.subject == "Presupuesto para su estancia del 01/08/2026 al 05/08/2026 [C-C0FFEE01]"
    )
    text = content.text
    for expected in (
        "Gracias por su interés. Le enviamos el presupuesto que nos solicitó:",
        "Estancia: del 01/08/2026 al 05/08/2026 (4 noches)",
        "Ocupación: 2 adultos, 1 niño, 1 habitación",
        "  Concepto                            Cant.      Precio     Importe\n",
        "  Habitación doble vista mar (noche)      4  1.250,00 €  5.000,00 €\n",
        "  Cuna <bebé>                             1      0,00 €      0,00 €\n",
        "  TOTAL                                                  5.000,00 €\n",
        "Presupuesto válido hasta el 31/01/2026 (incluido).",
        "Para confirmar la reserva, responda a este correo indicándonoslo.",
    ):
        assert expected in text, expected
    assert "Cuna &lt;bebé&gt;" in content.html
    assert "<tfoot>" in content.html


def test_an_agents_message_opens_the_quote() -> None:
    content = render_quote(an_inquiry(), a_quote("Le ofrecemos nuestra mejor tarifa:"), MAILBOX)

    assert content.text.splitlines()[2] == "Le ofrecemos nuestra mejor tarifa:"


@pytest.mark.parametrize(
    ("money", "text"),
    [
        (Money.of("1234.5", "EUR"), "1.234,50 €"),
        (Money.of("0", "EUR"), "0,00 €"),
        (Money.of("1000000", "USD"), "1.000.000,00 USD"),
        (Money.of("1500", "JPY"), "1.500 JPY"),
    ],
)
def test_amounts_are_written_as_in_spain(money: Money, text: str) -> None:
    assert money_es(money) == text


def test_quote_totals_are_exact_decimals() -> None:
    lines, total = parse_quote_lines(
        [{"description": "Noche", "unit_price": "33.33", "quantity": 3, "currency": "eur"}]
    )

    assert total == Money(Decimal("99.99"), "EUR")
    assert lines[0].unit_price.currency == "EUR"


def test_threading_helpers_read_tags_tokens_and_prefixes() -> None:
    assert subject_references("Re: [c-c0ffee01] y [C-00000002] [C-C0FFEE01]") == (
        "C-C0FFEE01",
        "C-00000002",
    )
    assert reply_tokens(
        ["reservas+0123456789AB@hotel.es", "otro@hotel.es", "x+short@hotel.es"]
    ) == ("0123456789ab",)
    assert strip_reply_prefixes("RE: Fwd: RV: Habitación") == "Habitación"
    assert strip_reply_prefixes("Reserva de grupo") == "Reserva de grupo"
    plain = InboundEmail(
        message_id="<a@b.example>",
        sender="a@b.example",
        sender_name=None,
        to=(),
        subject="Reserva de grupo",
        text="",
        received_at=NOW,
    )
    assert not looks_like_reply(plain)
    assert looks_like_reply(attrs.evolve(plain, subject="Re: x"))
    assert looks_like_reply(attrs.evolve(plain, in_reply_to="<x@y.example>"))
