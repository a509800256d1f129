"""A supplier request reaches the Suppliers team by e-mail through the outbox, exactly once,
even when the mail server is down at the moment it is sent (seed 000, issue 4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from dependency_injector import providers
from tests.contract.builders import complete_hotel
from tests.support.smtp import free_port, loopback_smtp, parse

from perla_adapters.memory import FixedClock
from perla_core.access.model import Actor, Role
from perla_core.kernel.errors import PreconditionFailed
from perla_core.suppliers import services as suppliers
from perla_core.suppliers.commands import CreateSupplierRequest, SendSupplierRequest
from perla_core.suppliers.model import SupplierRequestStatus
from perla_entrypoints.container import Container, build_container
from perla_entrypoints.workers import drain_outbox

AGENT = Actor("ana", Role.AGENT)


def _container(tmp_path: Path, smtp_port: int, clock: FixedClock) -> Container:
    container = build_container(
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path}/s.db",
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        smtp_security="none",
        suppliers_email="suppliers@perlatours.com",
    )
    container.clock.override(providers.Object(clock))
    container.storage().migrate()
    return container


def test_with_the_mail_server_down_the_request_waits_and_is_sent_once_when_it_returns(
    tmp_path: Path,
) -> None:
    clock = FixedClock(datetime(2026, 5, 4, 10, 0, tzinfo=UTC))
    port = free_port()
    container = _container(tmp_path, port, clock)
    uow = container.uow
    request_id = suppliers.create_supplier_request(
        CreateSupplierRequest(**complete_hotel()), uow(), clock, container.ids(), AGENT
    )
    suppliers.send_supplier_request(SendSupplierRequest(request_id), uow(), clock, AGENT)

    drain_outbox(container)  # nothing listens on the port yet: the send fails
    waiting = suppliers.get_supplier_request(request_id, uow(), AGENT)
    assert waiting.status is SupplierRequestStatus.SENDING
    with uow() as opened:
        [queued] = [
            m
            for m in opened.outbox.for_aggregate(request_id)
            if m.topic == "suppliers.supplier_request_send_requested"
        ]
    assert queued.status.value == "pending"
    assert "unavailable" in (queued.last_error or "")

    with loopback_smtp(port=port) as server:
        clock.advance(timedelta(minutes=10))  # past the outbox's retry delay
        drain_outbox(container)
        clock.advance(timedelta(hours=2))
        drain_outbox(container)  # nothing left to send: no second e-mail
        arrived = list(server.mailbox.received)

    assert len(arrived) == 1
    message = parse(arrived[0].content)
    assert message["To"] == "suppliers@perlatours.com"
    assert "Hotel Playa Victoria" in message["Subject"]
    assert "Cádiz" in message["Subject"]
    assert message["Message-ID"] == f"<supplier-request.{request_id}@perla>"
    names = {part.get_filename() for part in message.iter_attachments()}
    assert any(n and n.endswith(".json") for n in names)
    assert any(n and n.endswith(".csv") for n in names)
    sent = suppliers.get_supplier_request(request_id, uow(), AGENT)
    assert sent.status is SupplierRequestStatus.SENT


def test_an_incomplete_request_is_never_queued_for_sending(tmp_path: Path) -> None:
    clock = FixedClock(datetime(2026, 5, 4, 10, 0, tzinfo=UTC))
    container = _container(tmp_path, free_port(), clock)
    request_id = suppliers.create_supplier_request(
        CreateSupplierRequest(name="Hostal Sol", city="Sevilla", country="ES"),
        container.uow(),
        clock,
        container.ids(),
        AGENT,
    )
    completeness = suppliers.supplier_request_completeness(request_id, container.uow(), AGENT)
    assert not completeness.complete
    assert "iban" in completeness.missing_fields
    with pytest.raises(PreconditionFailed) as refused:
        suppliers.send_supplier_request(
            SendSupplierRequest(request_id), container.uow(), clock, AGENT
        )
    assert "iban" in refused.value.missing
    with container.uow() as uow:
        topics = {m.topic for m in uow.outbox.for_aggregate(request_id)}
    assert topics == {"suppliers.supplier_request_created"}
