"""The demo's reservations part (seeds 001 and 003): a guest's phone inquiry answered by e-mail,
two reminders (one sent, one cancelled by the guest's reply), a quote and its confirmation; then
the account-manager rules at work on a client's orders.

Runs on the container the demo built (embedded defaults: SQLite, the in-process broker, the
``.eml`` mail folder); e-mails leave through the outbox like everywhere else.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from uuid import UUID

from rich.console import Console
from rich.table import Table

from perla_adapters.mail.inbound import parse_inbound_email
from perla_core.access.model import SYSTEM, Actor, Role
from perla_core.customers import services as customers
from perla_core.customers.commands import SaveCustomerAccount
from perla_core.inquiries import services as inquiries
from perla_core.inquiries.commands import (
    ConfirmInquiry,
    HandToBooking,
    QuoteLineInput,
    RegisterInquiry,
    ReplyToInquiry,
    ScheduleReminder,
    SendQuote,
)
from perla_core.inquiries.values import Direction, ReminderStatus
from perla_core.managers import services as managers
from perla_core.managers.commands import CreateManager, SetDistributionRule
from perla_core.orders import services as orders
from perla_core.orders.commands import OrderLineInput, SaveOrder
from perla_entrypoints.container import Container

Step = Callable[..., None]
Settle = Callable[[Container], None]


def guest_reply(
    to: str, in_reply_to: str, references: tuple[str, ...], subject: str, text: str
) -> bytes:
    """The guest's answer as their mail client would send it (MIME bytes)."""
    message = EmailMessage()
    message["From"] = "Claire Dubois <claire.dubois@example.fr>"
    message["To"] = to
    message["Subject"] = subject if subject.lower().startswith("re:") else f"Re: {subject}"
    message["Message-ID"] = make_msgid(domain="example.fr")
    message["In-Reply-To"] = in_reply_to
    message["References"] = " ".join(references)
    message["Date"] = format_datetime(datetime.now(UTC))
    message.set_content(text)
    return bytes(message)


def inquiry_flow(
    container: Container, out: Console, ana: Actor, step: Step, settle: Settle
) -> None:
    clock, ids, secrets, uow = (
        container.clock(),
        container.ids(),
        container.secrets(),
        container.uow,
    )
    mailbox = container.inquiry_mailbox()
    out.rule("Reservations: a guest's inquiry (seed 001)")
    created: list[UUID] = []
    check_in = clock.now().date() + timedelta(days=45)
    step(
        "Register Claire Dubois's phone call: 2 adults, 3 nights",
        lambda: created.append(
            inquiries.register_inquiry(
                RegisterInquiry(
                    guest_name="Claire Dubois",
                    guest_email="claire.dubois@example.fr",
                    guest_phone="+33 6 12 34 56 78",
                    channel="phone",
                    check_in=check_in.isoformat(),
                    check_out=(check_in + timedelta(days=3)).isoformat(),
                    adults=2,
                    rooms=1,
                    message="Busca habitación doble con vistas, llegada tarde.",
                ),
                uow(),
                clock,
                ids,
                secrets,
                ana,
            )
        ),
    )
    inquiry_id = created[0]
    stage = {c.stage.value: c for c in inquiries.inquiry_stage_counts(uow(), ana)}["inquiry"]
    out.print(f"     'Consultas' shows {stage.total} ({stage.pending} pending action)")
    step(
        "Answer it by e-mail (threaded, through the outbox)",
        lambda: inquiries.reply_to_inquiry(
            ReplyToInquiry(
                inquiry_id,
                "Buenos días, Claire: tenemos disponible una doble superior con vistas. "
                "¿Le preparamos un presupuesto?",
            ),
            uow(),
            clock,
            ids,
            ana,
            mailbox,
        ),
    )
    settle(container)
    soon = clock.now() + timedelta(seconds=1)
    later = clock.now() + timedelta(days=2)
    step(
        "Schedule reminder 1 (in a second) and reminder 2 (in two days)",
        lambda: [
            inquiries.schedule_reminder(ScheduleReminder(inquiry_id, soon), uow(), clock, ids, ana),
            inquiries.schedule_reminder(
                ScheduleReminder(inquiry_id, later), uow(), clock, ids, ana
            ),
        ],
    )
    time.sleep(max(0.0, (soon - clock.now()).total_seconds()) + 0.05)
    handed = inquiries.send_due_reminders(uow(), clock, ids)
    settle(container)
    reminders = inquiries.get_inquiry(inquiry_id, uow(), ana).reminders
    sent = sum(1 for r in reminders if r.status is ReminderStatus.SENT)
    out.print(
        f"  ✓ The scheduler's tick hands over the reminder that is due ({handed}); "
        f"the outbox worker e-mails it: {sent} sent"
    )

    inquiry = inquiries.get_inquiry(inquiry_id, uow(), ana)
    last = [m for m in inquiry.messages if m.direction is Direction.OUTGOING][-1]
    assert last.message_id is not None
    raw = guest_reply(
        mailbox.address,
        last.message_id,
        (*last.references, last.message_id),
        last.subject or "Reserva",
        "Sí, por favor, envíenme el presupuesto.\n\n> Buenos días, Claire...",
    )
    step(
        "The guest answers (a MIME message handed to perla): matched by In-Reply-To",
        lambda: inquiries.receive_email(
            parse_inbound_email(raw), uow(), clock, ids, secrets, SYSTEM
        ),
    )
    inquiry = inquiries.get_inquiry(inquiry_id, uow(), ana)
    states = ", ".join(f"{r.status.value}" for r in inquiry.reminders)
    out.print(f"     reminders now: {states} (the guest's reply cancels the pending one)")
    valid = clock.now().date() + timedelta(days=7)
    step(
        "Send the quote: 3 nights in a superior double, breakfast included",
        lambda: inquiries.send_quote(
            SendQuote(
                inquiry_id,
                [
                    QuoteLineInput("Doble superior con vistas", "145.00", 3),
                    QuoteLineInput("Desayuno (2 personas)", "18.50", 3),
                ],
                valid.isoformat(),
            ),
            uow(),
            clock,
            ids,
            ana,
            mailbox,
        ),
    )
    settle(container)
    step(
        "The guest accepts: confirm, then hand it to booking",
        lambda: [
            inquiries.confirm_inquiry(ConfirmInquiry(inquiry_id), uow(), clock, ana),
            inquiries.hand_to_booking(
                HandToBooking(inquiry_id, booking_reference="RES-2026-0415"), uow(), clock, ana
            ),
        ],
    )
    inquiry = inquiries.get_inquiry(inquiry_id, uow(), ana)
    history = Table(title=f"Historial de {inquiry.reference}", show_lines=False)
    for column in ("#", "what", "who"):
        history.add_column(column)
    for entry in inquiry.history:
        history.add_row(str(entry.seq), entry.summary, entry.actor)
    out.print(history)


def manager_rules(
    container: Container, out: Console, client_id: UUID, step: Step
) -> dict[str, str]:
    """Seed 003 on a live client: its manager goes on each new order; once that manager is
    inactive, round robin picks another, who is then linked to the client."""
    clock, ids, uow = container.clock(), container.ids(), container.uow
    admin = Actor("admin@perlatours.com", Role.ADMIN)
    out.rule("Account managers (seed 003)")
    people = {}
    for name, email in (
        ("Marta Ruiz", "marta.ruiz@perlatours.com"),
        ("Jorge Vidal", "jorge.vidal@perlatours.com"),
        ("Lucía Sanz", "lucia.sanz@perlatours.com"),
    ):
        people[name] = managers.create_manager(
            CreateManager(name=name, email=email), uow(), clock, ids, admin
        )
    names = {manager_id: name for name, manager_id in people.items()}
    managers.set_distribution_rule(SetDistributionRule("round_robin"), uow(), admin)
    customers.save_customer_account(
        SaveCustomerAccount(client_id, manager_id=people["Marta Ruiz"]), uow(), clock, admin
    )
    out.print("     Viajes Ñandú's record names Marta Ruiz as its manager; rule: round robin")
    seen: dict[str, str] = {}

    def order(label: str) -> None:
        saved = orders.save_order(
            SaveOrder(
                client_id=client_id,
                currency="EUR",
                lines=[OrderLineInput("Paquete Sevilla 3 noches", 2, "420.00")],
            ),
            uow(),
            clock,
            ids,
            admin,
        )
        who = names.get(saved.manager_id, "—") if saved.manager_id else "—"
        client = names.get(saved.client_manager_id, "—") if saved.client_manager_id else "—"
        seen[label] = who
        out.print(
            f"     order {saved.number}: manager {who} ({saved.assignment.reason.value}); "
            f"client's manager {client}"
        )

    step("A new order takes the client's manager", lambda: order("first"))
    step(
        "Marta is away: deactivate her",
        lambda: managers.deactivate_manager(people["Marta Ruiz"], uow(), clock, admin),
    )
    step(
        "The next order goes to the round robin's pick, who joins the client",
        lambda: order("second"),
    )
    return seen
