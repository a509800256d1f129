"""The activity summary use case on the memory adapter, its Spanish labels and numbers, the
campaign hook, and the page's session cookie (genuine, tampered, expired)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import pytest
from tests.unit.dashboard.fake_campaigns import dashboard_funnels

from perla_adapters.memory import FixedClock, InMemoryUnitOfWork, SequentialIds, StaticSecrets
from perla_core.access.model import Actor, Role
from perla_core.access.services import create_api_key, revoke_api_key
from perla_core.conversations.model import BOT, Conversation
from perla_core.dashboard import (
    CampaignFunnel,
    DayCount,
    FunnelStep,
    activity_summary,
    event_label,
    handoff_label,
    pipeline_label,
    session_actor,
    sign_in,
)
from perla_core.dashboard.campaigns import campaign_funnels
from perla_core.kernel.errors import InvalidValue, Unauthenticated
from perla_core.kernel.money import Money
from perla_core.messaging import TextMessage
from perla_entrypoints.http.dashboard import SessionSigner, decimal_text, money, number

READER = Actor("lucia", Role.READONLY)
ADMIN = Actor("admin", Role.ADMIN)
NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)


def test_a_genuine_cookie_names_its_key_until_it_expires() -> None:
    clock = FixedClock(NOW)
    signer = SessionSigner("s3cret", clock, timedelta(hours=12))
    key_id = UUID("12345678-1234-5678-1234-567812345678")
    cookie = signer.issue(key_id)
    assert signer.key_id(cookie) == key_id
    assert "s3cret" not in cookie
    assert "s3cret" not in repr(signer)
    clock.advance(timedelta(hours=12) - timedelta(seconds=1))
    assert signer.key_id(cookie) == key_id
    clock.advance(timedelta(seconds=1))
    assert signer.key_id(cookie) is None


def test_a_tampered_cookie_is_refused() -> None:
    signer = SessionSigner("s3cret", FixedClock(NOW), timedelta(hours=12))
    key_id, expires, signature = signer.issue(UUID(int=1)).split(".")
    other = SessionSigner("another", FixedClock(NOW), timedelta(hours=12)).issue(UUID(int=1))
    for forged in [
        f"{UUID(int=2).hex}.{expires}.{signature}",  # another key
        f"{key_id}.{int(expires) + 86_400}.{signature}",  # a longer life
        f"{key_id}.{expires}.{'0' * 64}",
        f"{key_id}.{expires}",
        f"{key_id}.-1.{signature}",
        other,  # signed with another secret
        "",
        None,
        "x" * 500,
        f"not-hex.{expires}.{signature}",
    ]:
        assert signer.key_id(forged) is None, forged


def test_a_session_needs_a_secret() -> None:
    with pytest.raises(ValueError, match="secret"):
        SessionSigner("", FixedClock(NOW), timedelta(hours=1))


def test_sign_in_gives_the_key_id_and_its_session_ends_when_the_key_is_revoked(
    uow: InMemoryUnitOfWork, clock: FixedClock, ids: SequentialIds, secrets: StaticSecrets
) -> None:
    issued = create_api_key("lucia", Role.READONLY, uow, clock, ids, secrets)
    signed = sign_in(issued.key, uow)
    assert signed.key_id == issued.id
    assert signed.actor == Actor("lucia", Role.READONLY)
    assert session_actor(issued.id, uow) == signed.actor
    with pytest.raises(Unauthenticated):
        sign_in(issued.key[:-1] + ("x" if issued.key[-1] != "x" else "y"), uow)
    with pytest.raises(Unauthenticated):
        sign_in("not a key", uow)
    with pytest.raises(Unauthenticated):
        session_actor(UUID(int=7), uow)
    revoke_api_key(issued.id, uow, clock, ADMIN)
    with pytest.raises(Unauthenticated):
        session_actor(issued.id, uow)
    with pytest.raises(Unauthenticated):
        sign_in(issued.key, uow)


def test_the_summary_of_an_empty_store_has_every_day_and_no_figures(
    uow: InMemoryUnitOfWork, clock: FixedClock
) -> None:
    clock.set(NOW)
    summary = activity_summary(uow, clock, READER)
    assert summary.as_of == NOW
    assert len(summary.days) == 30
    assert summary.days[-1] == date(2026, 3, 10)
    assert summary.orders_per_day[0] == DayCount(date(2026, 2, 9), 0)
    assert [d.count for d in summary.orders_per_day] == [0] * 30
    figures = summary.figures
    assert (figures.leads, figures.live_clients, figures.open_inquiries) == (0, 0, 0)
    assert (figures.orders_month, figures.revenue_month) == (0, ())
    assert figures.bot_response_p50 is None
    assert [s.total for s in summary.inquiries] == [0] * 6
    assert summary.campaigns == ()
    assert summary.recent == ()


def test_the_summary_counts_conversations_and_describes_events_in_spanish(
    uow: InMemoryUnitOfWork, clock: FixedClock, ids: SequentialIds
) -> None:
    clock.set(NOW)
    talk = Conversation.open(ids.new_id(), "5491100000001", NOW - timedelta(days=1))
    talk.receive(ids.new_id(), kind="text", text="hola", at=NOW - timedelta(days=1))
    talk.queue(
        ids.new_id(), TextMessage("¡Hola!"), author=BOT, at=NOW - timedelta(days=1, seconds=-4)
    )
    talk.hand_off(ids.new_id(), "talk_to_person", by=BOT, at=NOW - timedelta(days=1, seconds=-5))
    with uow:
        uow.conversations.add(talk)
        uow.commit()
    summary = activity_summary(uow, clock, READER, days=7, recent=5)
    assert len(summary.days) == 7
    assert summary.figures.messages_in == 1
    assert summary.figures.messages_out == 1
    assert summary.figures.handoffs == 1
    assert summary.figures.bot_response_p50 == Decimal(4)
    assert [r.handoffs_total for r in summary.metrics.days][-2:] == [1, 0]
    texts = {entry.text for entry in summary.recent}
    assert "Conversación derivada a un ejecutivo" in texts


@pytest.mark.parametrize(
    ("days", "recent", "field"), [(0, 20, "days"), (367, 20, "days"), (30, 0, "recent")]
)
def test_a_period_or_feed_out_of_bounds_names_its_field(
    uow: InMemoryUnitOfWork, clock: FixedClock, days: int, recent: int, field: str
) -> None:
    with pytest.raises(InvalidValue) as raised:
        activity_summary(uow, clock, READER, days=days, recent=recent)
    assert raised.value.field == field


def test_a_readonly_actor_is_enough_and_the_period_can_be_one_day(
    uow: InMemoryUnitOfWork, clock: FixedClock
) -> None:
    assert len(activity_summary(uow, clock, READER, days=1).days) == 1


def test_without_a_campaigns_read_there_are_no_funnels(uow: InMemoryUnitOfWork) -> None:
    assert campaign_funnels(uow, None) == ()


def test_the_campaigns_read_lights_up_the_funnels(
    uow: InMemoryUnitOfWork, clock: FixedClock
) -> None:
    summary = activity_summary(uow, clock, READER, campaigns=dashboard_funnels)
    assert summary.campaigns == (
        CampaignFunnel(
            "Clientes inactivos · marzo",
            (
                FunnelStep("Inactivos", 8000),
                FunnelStep("Enviadas", 7600),
                FunnelStep("Respondidas", 1200),
                FunnelStep("Recuperados", 90),
            ),
        ),
        CampaignFunnel("Otra", (FunnelStep("Enviadas", 3),)),
    )


def test_labels_are_spanish_with_a_readable_fallback() -> None:
    assert event_label("orders.order_placed") == "Pedido realizado"
    assert event_label("orders.something_new") == "Pedidos: Something new"
    assert event_label("nowhere") == "Nowhere: Nowhere"
    assert pipeline_label("lead", "meeting_held") == "Lead · Reunión realizada"
    assert pipeline_label("client", "live") == "Cliente · Activo"
    assert pipeline_label("client", "") == "Cliente · "
    assert handoff_label("talk_to_person") == "Pidió hablar con una persona"
    assert handoff_label("flow_error") == "Flow error"


@pytest.mark.parametrize(
    ("value", "text"),
    [(0, "0"), (999, "999"), (1000, "1.000"), (1234567, "1.234.567"), (-5000, "-5.000")],
)
def test_whole_numbers_use_a_dot_for_thousands(value: int, text: str) -> None:
    assert number(value) == text


def test_decimals_and_money_use_a_comma() -> None:
    assert decimal_text(Decimal("2.5")) == "2,5"
    assert decimal_text(Decimal("1234.500")) == "1.234,5"
    assert decimal_text(Decimal(3)) == "3"
    assert money(Money.of("1234567.5", "ARS")) == "1.234.567,50 ARS"
    assert money(Money.of("-3", "EUR")) == "-3,00 EUR"
    assert money(Money.of("100", "JPY")) == "100 JPY"
