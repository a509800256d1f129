"""``perla orders pay`` and ``perla orders expire`` on a fresh SQLite data folder: a payment by
hand counts once however many times it is given, a wrong order or currency exits 1, and idle
carts expire."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from rich.console import Console
from tests.unit.orders.builders import a_shelf
from typer.testing import CliRunner, Result

from perla_core.access.model import SYSTEM
from perla_core.orders import sales
from perla_entrypoints import orders_cli
from perla_entrypoints.cli import app
from perla_entrypoints.container import build_container
from perla_entrypoints.settings import Settings


def env(tmp_path: Path) -> dict[str, str]:
    values = {k: v for k, v in os.environ.items() if not k.startswith("PERLA_")}
    values["PERLA_DATA_DIR"] = str(tmp_path / "data")
    values["COLUMNS"] = "200"
    return values


@pytest.fixture(autouse=True)
def wide_consoles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(orders_cli, "console", Console(width=200))
    monkeypatch.setattr(orders_cli, "err", Console(width=200, stderr=True))


def perla(tmp_path: Path, *args: str) -> Result:
    return CliRunner().invoke(app, ["orders", *args], env=env(tmp_path))


def confirmed_order(tmp_path: Path, *, confirm: bool = True, idle: timedelta | None = None) -> int:
    """A confirmed WhatsApp order of one 12,100.00 ARS camera (VAT included) in the folder."""
    container = build_container(Settings.from_env(env(tmp_path)))
    container.storage().migrate()
    uow, clock, shelf = container.uow, container.clock(), a_shelf()
    from perla_core.onboarding.commands import RegisterLead  # noqa: PLC0415
    from perla_core.onboarding.services import register_lead  # noqa: PLC0415

    lead = RegisterLead(trade_name="Seguridad Sur", country="AR", email="hola@sur.com.ar")
    client_id = register_lead(lead, uow(), clock, container.ids(), SYSTEM)
    started = sales.start_order_for_client(uow(), clock, container.ids(), SYSTEM,
                                           client_id=client_id)  # fmt: skip
    sales.add_item(uow(), shelf, clock, SYSTEM, order_id=started.order_id, sku="CAM-1", quantity=1)
    if confirm:
        sent = sales.send_summary(uow(), clock, SYSTEM, order_id=started.order_id)
        sales.confirm_order(uow(), shelf, clock, SYSTEM, order_id=started.order_id,
                            summary_version=sent.summary_version)  # fmt: skip
    if idle is not None:
        with uow() as tx:
            order = tx.orders.get(started.order_id)
            order.updated_at -= idle
            tx.orders.save(order)
            tx.commit()
    container.storage().close()
    return started.number


def test_a_payment_by_hand_counts_once_and_bad_ones_exit_1(tmp_path: Path) -> None:
    number = confirmed_order(tmp_path)

    first = perla(tmp_path, "pay", str(number), "--amount", "12100", "--payment-id", "R-7")
    again = perla(tmp_path, "pay", str(number), "--amount", "12100", "--payment-id", "R-7")
    wrong = perla(tmp_path, "pay", "999", "--amount", "1", "--payment-id", "R-8")
    other = perla(tmp_path, "pay", str(number), "--amount", "1", "--payment-id", "R-9",
                  "--currency", "USD")  # fmt: skip

    assert first.exit_code == 0, first.output
    assert "balance 0.00 ARS" in first.output
    assert "already recorded" in again.output
    assert "paid 12,100.00 ARS of 12,100.00 ARS" in again.output
    assert (wrong.exit_code, other.exit_code) == (1, 1)
    assert "not_found" in wrong.output
    assert "currency" in other.output


def test_expire_cancels_idle_carts_once(tmp_path: Path) -> None:
    confirmed_order(tmp_path, confirm=False, idle=timedelta(hours=3))

    kept = perla(tmp_path, "expire", "--idle-minutes", "600")
    first = perla(tmp_path, "expire")
    again = perla(tmp_path, "expire")

    assert first.exit_code == 0, first.output
    assert "1 idle orders expired" in first.output
    assert "0 idle orders expired" in again.output
    assert "0 idle orders expired" in kept.output
