"""The stage of the e-mail fault tests: supplier requests sent through the outbox by ``perla
worker`` subprocesses to an SMTP server in this process.

:class:`MailingPerla` is :class:`bench.campaign_sending.Perla` with perla's mailer pointed at a
loopback SMTP port (plain SMTP, no login); :func:`send_supplier_requests` creates and sends
``count`` complete requests in this process (each one outbox message, topic
``suppliers.supplier_request_send_requested``, handler ``mail.supplier_request``).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from uuid import UUID

import attrs
import psycopg
from aiosmtpd.smtp import SMTP as SmtpServer
from aiosmtpd.smtp import Envelope, Session
from bench.campaign_sending import Perla
from tests.contract.builders import complete_hotel
from tests.support.smtp import Mailbox, Received, parse

from perla_core.access.model import Actor, Role
from perla_core.suppliers import services as suppliers
from perla_core.suppliers.commands import CreateSupplierRequest, SendSupplierRequest
from perla_entrypoints.container import Container

AGENT = Actor("ana", Role.AGENT)
SUPPLIERS = "suppliers@perlatours.com"
HANDLER = "mail.supplier_request"
TOPIC = "suppliers.supplier_request_send_requested"


@attrs.frozen
class MailingPerla(Perla):
    """perla's processes with the mailer on ``127.0.0.1:smtp_port``."""

    smtp_port: int = 25

    def env(self) -> dict[str, str]:
        env = super().env()
        env.update(
            PERLA_SMTP_HOST="127.0.0.1",
            PERLA_SMTP_PORT=str(self.smtp_port),
            PERLA_SMTP_SECURITY="none",
            PERLA_SUPPLIERS_EMAIL=SUPPLIERS,
        )
        return env


@attrs.define
class SlowMailbox(Mailbox):
    """A mailbox that takes ``seconds`` over each message's data (a slow mail server)."""

    seconds: float = 0.0

    async def handle_DATA(self, server: SmtpServer, session: Session, envelope: Envelope) -> str:
        await asyncio.sleep(self.seconds)
        return await super().handle_DATA(server, session, envelope)


def send_supplier_requests(container: Container, count: int) -> list[UUID]:
    """``count`` complete requests created and sent (made *sending*) as an agent."""
    uow, clock = container.uow, container.clock()
    ids: list[UUID] = []
    for number in range(count):
        command = CreateSupplierRequest(**complete_hotel(name=f"Hotel Playa {number:03d}"))
        request_id = suppliers.create_supplier_request(
            command, uow(), clock, container.ids(), AGENT
        )
        suppliers.send_supplier_request(SendSupplierRequest(request_id), uow(), clock, AGENT)
        ids.append(request_id)
    return ids


def statuses(container: Container, request_ids: list[UUID]) -> Counter[str]:
    return Counter(
        suppliers.get_supplier_request(r, container.uow(), AGENT).status.value for r in request_ids
    )


def per_request(received: list[Received]) -> Counter[str]:
    """E-mails received per supplier request (its Message-ID names it)."""
    return Counter(str(parse(r.content)["Message-ID"]) for r in received)


def message_id(request_id: UUID) -> str:
    return f"<supplier-request.{request_id}@perla>"


def processed(database_url: str) -> Counter[str]:
    """How many times ``mail.supplier_request`` was recorded per outbox message."""
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT message_id FROM processed_messages WHERE handler = %s", (HANDLER,)
        ).fetchall()
    return Counter(str(row[0]) for row in rows)


def outbox_rows(database_url: str) -> list[tuple[str, int, str | None]]:
    """The supplier sends' outbox rows: status, attempts, last error."""
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT status, attempts, last_error FROM outbox WHERE topic = %s", (TOPIC,)
        ).fetchall()
    return [(str(r[0]), int(r[1]), r[2]) for r in rows]
