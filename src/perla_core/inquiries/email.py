"""The e-mails perla writes to a guest: an agent's reply, a reminder, a quote.

Pure rendering, no sending: each function returns an :class:`EmailContent` (subject, plain
text, simple HTML) in Spain's Spanish, addressing the guest as *usted*. The inquiry stores it
as the outgoing message, and the outbox handler sends exactly that. Every subject carries the
inquiry's reference as a tag (``[C-1A2B3C4D]``), so an answer that loses its headers still
finds its inquiry. Rendering the same input twice gives the same text (no clock, no
randomness).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from perla_core.inquiries.matching import strip_reply_prefixes, subject_references
from perla_core.inquiries.model import Inquiry
from perla_core.inquiries.values import (
    MAX_SUBJECT,
    EmailContent,
    InquiryMailbox,
    InquiryStage,
    Party,
    Quote,
    Reminder,
    Stay,
    date_es,
    line,
    money_es,
    paragraph,
)

MAX_REPLY_TEXT = 20_000
DEFAULT_SIGNATURE = "Reservas"

DEFAULT_REMINDER_TEXT = (
    "Le escribimos para hacer un seguimiento de su consulta. ¿Ha tenido ocasión de revisar "
    "nuestra respuesta?\n\n"
    "Si tiene cualquier duda o desea cambiar algún detalle, basta con que responda a este "
    "correo y le atenderemos encantados."
)
DEFAULT_QUOTE_REMINDER_TEXT = (
    "Le escribimos para recordarle el presupuesto que le enviamos{validity}. ¿Ha tenido "
    "ocasión de revisarlo?\n\n"
    "Si desea confirmar la reserva, o cambiar algún detalle, basta con que responda a este "
    "correo."
)
DEFAULT_QUOTE_INTRO = "Gracias por su interés. Le enviamos el presupuesto que nos solicitó:"
QUOTE_CLOSING = "Para confirmar la reserva, responda a este correo indicándonoslo."


def tagged(subject: str, reference: str) -> str:
    """``subject`` with ``[reference]`` at the end, unless it already carries it."""
    if reference in subject_references(subject):
        return subject
    suffix = f" [{reference}]"
    return subject[: MAX_SUBJECT - len(suffix)].rstrip() + suffix


def reply_subject(inquiry: Inquiry, subject: str | None = None) -> str:
    """The agent's subject, or ``Re:`` the guest's last one (``Su consulta`` when there is
    none), tagged with the reference."""
    chosen = line(subject, "subject", MAX_SUBJECT)
    if chosen is None:
        parent = inquiry.latest_guest_email()
        base = strip_reply_prefixes(parent.subject) if parent and parent.subject else ""
        chosen = f"Re: {base}" if base else "Su consulta"
    return tagged(chosen, inquiry.reference)


def render_reply(
    inquiry: Inquiry, text: str, mailbox: InquiryMailbox, subject: str | None = None
) -> EmailContent:
    """An agent's answer, as written, with the hotel's signature and the reference."""
    body = paragraph(text, "text", MAX_REPLY_TEXT, required=True)
    assert body is not None
    subject_line = reply_subject(inquiry, subject)
    footer = _footer(inquiry, mailbox)
    plain = "\n".join([body, "", "-- ", *footer, ""])
    html = _html(subject_line, [_paragraphs(body), _signature_html(footer)])
    return EmailContent(subject_line, plain, html)


def render_reminder(inquiry: Inquiry, reminder: Reminder, mailbox: InquiryMailbox) -> EmailContent:
    """A follow-up: the agent's text, or the default one (about the quote when there is one)."""
    quote = inquiry.current_quote if inquiry.stage is InquiryStage.QUOTED else None
    if reminder.text:
        body = reminder.text
    elif quote is not None:
        body = DEFAULT_QUOTE_REMINDER_TEXT.format(
            validity=f", válido hasta el {date_es(quote.valid_until)}"
        )
    else:
        body = DEFAULT_REMINDER_TEXT
    topic = "su presupuesto" if quote is not None else "su consulta"
    subject_line = tagged(f"Recordatorio: {topic}{_stay_suffix(inquiry.stay)}", inquiry.reference)
    greeting = _greeting(inquiry)
    closing = ["Un cordial saludo,", *_footer(inquiry, mailbox)]
    plain = "\n".join([greeting, "", body, "", *closing, ""])
    html = _html(
        subject_line,
        [f"<p>{escape(greeting)}</p>", _paragraphs(body), _signature_html(closing)],
    )
    return EmailContent(subject_line, plain, html)


def render_quote(inquiry: Inquiry, quote: Quote, mailbox: InquiryMailbox) -> EmailContent:
    """The quote: the stay, the party, one row per line, the total and the validity date."""
    subject_line = tagged(
        f"Presupuesto para su estancia{_stay_suffix(inquiry.stay)}", inquiry.reference
    )
    greeting = _greeting(inquiry)
    intro = quote.message or DEFAULT_QUOTE_INTRO
    facts = _facts(inquiry.stay, inquiry.party)
    rows = [
        (
            item.description,
            str(item.quantity),
            money_es(item.unit_price),
            money_es(item.amount),
        )
        for item in quote.lines
    ]
    total = money_es(quote.total)
    validity = f"Presupuesto válido hasta el {date_es(quote.valid_until)} (incluido)."
    closing = ["Un cordial saludo,", *_footer(inquiry, mailbox)]
    plain = "\n".join(
        [
            greeting,
            "",
            intro,
            "",
            *facts,
            *([""] if facts else []),
            *_text_table(rows, total),
            "",
            validity,
            QUOTE_CLOSING,
            "",
            *closing,
            "",
        ]
    )
    html = _html(
        subject_line,
        [
            f"<p>{escape(greeting)}</p>",
            _paragraphs(intro),
            _paragraphs("\n".join(facts)) if facts else "",
            _html_table(rows, total),
            f"<p>{escape(validity)}<br>\n{escape(QUOTE_CLOSING)}</p>",
            _signature_html(closing),
        ],
    )
    return EmailContent(subject_line, plain, html)


# --- pieces -------------------------------------------------------------------------------------


def _greeting(inquiry: Inquiry) -> str:
    return f"Estimado/a {inquiry.guest.name}:"


def _footer(inquiry: Inquiry, mailbox: InquiryMailbox) -> list[str]:
    return [
        mailbox.display_name or DEFAULT_SIGNATURE,
        f"Referencia de su consulta: {inquiry.reference}",
    ]


def _stay_suffix(stay: Stay | None) -> str:
    if stay is None:
        return ""
    return f" del {date_es(stay.check_in)} al {date_es(stay.check_out)}"


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _facts(stay: Stay | None, party: Party | None) -> list[str]:
    facts: list[str] = []
    if stay is not None:
        nights = _plural(stay.nights, "noche", "noches")
        facts.append(
            f"Estancia: del {date_es(stay.check_in)} al {date_es(stay.check_out)} ({nights})"
        )
    if party is not None:
        people = [_plural(party.adults, "adulto", "adultos")]
        if party.children:
            people.append(_plural(party.children, "niño", "niños"))
        people.append(_plural(party.rooms, "habitación", "habitaciones"))
        facts.append(f"Ocupación: {', '.join(people)}")
    return facts


_HEADERS = ("Concepto", "Cant.", "Precio", "Importe")


def _text_table(rows: Sequence[tuple[str, str, str, str]], total: str) -> list[str]:
    widths = [max(len(r[i]) for r in [_HEADERS, *rows]) for i in range(4)]
    widths[3] = max(widths[3], len(total))

    def fmt(row: tuple[str, str, str, str]) -> str:
        return (
            f"  {row[0]:<{widths[0]}}  {row[1]:>{widths[1]}}  {row[2]:>{widths[2]}}  "
            f"{row[3]:>{widths[3]}}"
        ).rstrip()

    rule = "  " + "-" * (sum(widths) + 6)
    total_label = "TOTAL"
    total_line = f"  {total_label:<{sum(widths[:3]) + 4}}  {total:>{widths[3]}}"
    return [fmt(_HEADERS), rule, *(fmt(r) for r in rows), rule, total_line]


_TD = "padding:4px 8px;border-bottom:1px solid #eee"
_TD_NUM = _TD + ";text-align:right;white-space:nowrap"
_TH = "padding:4px 8px;border-bottom:1px solid #999;text-align:left"
_TH_NUM = _TH.replace("text-align:left", "text-align:right")


def _html_table(rows: Sequence[tuple[str, str, str, str]], total: str) -> str:
    head = "".join(
        f'<th scope="col" style="{_TH if i == 0 else _TH_NUM}">{escape(h)}</th>'
        for i, h in enumerate(_HEADERS)
    )
    body = "\n".join(
        f'<tr><td style="{_TD}">{escape(r[0])}</td>'
        + "".join(f'<td style="{_TD_NUM}">{escape(cell)}</td>' for cell in r[1:])
        + "</tr>"
        for r in rows
    )
    foot = (
        f'<tr><th scope="row" colspan="3" style="{_TH}">TOTAL</th>'
        f'<td style="{_TD_NUM};font-weight:bold">{escape(total)}</td></tr>'
    )
    return (
        '<table style="border-collapse:collapse;margin:8px 0 16px 0">\n'
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n<tfoot>{foot}</tfoot>\n"
        "</table>"
    )


def _paragraphs(text: str) -> str:
    blocks = [b.strip() for b in text.split("\n\n") if b.strip()]
    return "\n".join(f"<p>{escape(b).replace(chr(10), '<br>' + chr(10))}</p>" for b in blocks)


def _signature_html(lines: Sequence[str]) -> str:
    return "<p>" + "<br>\n".join(escape(x) for x in lines) + "</p>"


def _html(subject: str, parts: Sequence[str]) -> str:
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="es">',
            f'<head><meta charset="utf-8"><title>{escape(subject)}</title></head>',
            '<body style="font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#1a1a1a">',
            *(p for p in parts if p),
            "</body>",
            "</html>",
            "",
        ]
    )
