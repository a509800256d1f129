"""``perla financing``: the rates table and simulations.

``perla financing rates`` shows the rates table; ``perla financing rates --load FILE``
replaces it with a CSV, JSON or YAML file (keys in :mod:`perla_core.financing.records`);
``--defaults`` loads the shipped ``data/financing_rates.yaml``. ``perla financing simulate
AMOUNT --installments N`` prints one plan with its schedule (without ``--installments``, the
suggested 3/6/9/12). :func:`ensure_default_rates` loads the shipped rates into an empty table
(for demos and first setups).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.console import Console
from rich.table import Table

from perla_core.access.model import SYSTEM
from perla_core.financing import services
from perla_core.financing.model import RateRule, RateTable
from perla_core.financing.plans import FinancingPlan
from perla_core.financing.ports import FinancingUnitOfWork
from perla_core.financing.records import rules_from_records
from perla_core.kernel.errors import InvalidInput, InvalidValue, PerlaError
from perla_core.kernel.money import Money
from perla_core.kernel.text import decode_file
from perla_entrypoints.container import uow_factory
from perla_entrypoints.hotels_cli import _actor, _opened

financing_app = typer.Typer(
    help="Financing: the rates table and instalment simulations.", no_args_is_help=True
)

console = Console()
err = Console(stderr=True)


def default_rates_path() -> Path:
    return Path(str(resources.files("perla_entrypoints") / "data" / "financing_rates.yaml"))


def parse_rates_text(text: str, name: str) -> list[object]:
    """The records of a rates file: a CSV (``.csv``, ``,`` or ``;``) with one rule per row, or
    a YAML or JSON list (or ``{"rules": [...]}``)."""
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        first = text.split("\n", 1)[0]
        delimiter = ";" if first.count(";") > first.count(",") else ","
        reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
        return [{k.strip().lower(): v for k, v in row.items() if k} for row in reader]
    try:
        loaded: Any = json.loads(text) if suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise InvalidValue(f"{name} cannot be read: {error}", field="file") from None
    if isinstance(loaded, dict) and "rules" in loaded:
        loaded = loaded["rules"]
    if not isinstance(loaded, list):
        raise InvalidValue("a rates file is a list of rules (or has a 'rules' list)", field="file")
    return list(loaded)


def read_rates_file(path: Path) -> list[object]:
    """The records of a rates file; raises ``InvalidValue`` when it cannot be read."""
    if not path.is_file():
        raise InvalidValue(f"{path}: no such file", field="file")
    try:
        text = decode_file(path.read_bytes())
    except OSError as error:
        raise InvalidValue(f"{path}: {error.strerror or error}", field="file") from None
    return parse_rates_text(text, path.name)


def ensure_default_rates(uow: FinancingUnitOfWork, now: datetime) -> bool:
    """Load the shipped default rates when the table is empty; ``True`` if it did. Refuses
    (``NoFinancingRates``) shipped rates none of which is valid at ``now``."""
    with uow:
        if uow.financing_rates.count() > 0:
            return False
    rules = rules_from_records(read_rates_file(default_rates_path()))
    RateTable.of(rules).allowed(now.date())  # NoFinancingRates if stale
    services.replace_rates(read_rates_file(default_rates_path()), uow, SYSTEM)
    return True


def _percent(value: object) -> str:
    return f"{value} %"


def rates_table(rules: Sequence[RateRule]) -> Table:
    table = Table(title="Financing rates", show_lines=False)
    for column in ("id", "cuotas", "rate", "TNA", "min. amount", "fees", "IVA int.", "valid"):
        table.add_column(column)
    for r in rules:
        fees = []
        if r.origination_fee_percent:
            fees.append(f"{r.origination_fee_percent} %")
        if r.fixed_fee is not None:
            fees.append(str(r.fixed_fee))
        until = "…" if r.valid_until is None else f"{r.valid_until.isoformat()} (excl.)"
        table.add_row(
            r.id,
            str(r.min_installments)
            if r.min_installments == r.max_installments
            else f"{r.min_installments}-{r.max_installments}",
            "sin interés" if r.interest_free else f"{r.rate} % {r.kind.value}",
            _percent(r.tna.quantize(r.tna.__class__("0.01"))),
            "-" if r.minimum_amount is None else str(r.minimum_amount),
            " + ".join(fees) or "-",
            _percent(r.vat_on_interest_percent),
            f"{r.valid_from.isoformat()} → {until}",
        )
    return table


def plan_table(plan: FinancingPlan) -> Table:
    table = Table(
        title=(
            f"{plan.installments} cuotas de {plan.installment} ({plan.rule_id}) — "
            f"TNA {plan.tna} % · TEA {plan.tea} % · CFT {plan.cft} % · "
            f"CFT con IVA {plan.cft_with_vat} %"
        )
    )
    for column in ("#", "cuota", "interés", "capital", "saldo", "IVA s/int.", "cuota c/IVA"):
        table.add_column(column, justify="right")
    for line in plan.lines:
        table.add_row(
            str(line.number),
            str(line.installment.amount),
            str(line.interest.amount),
            str(line.principal.amount),
            str(line.balance.amount),
            str(line.vat_on_interest.amount),
            str(line.installment_with_vat.amount),
        )
    table.caption = (
        f"total {plan.total_paid} (cuotas {plan.total_installments} + gastos {plan.fees}); "
        f"intereses {plan.total_interest}; IVA {plan.vat_on_interest}; "
        f"con IVA {plan.total_paid_with_vat}. Meses de 30 días, año de 365."
    )
    return table


def _fail(error: PerlaError) -> typer.Exit:
    if isinstance(error, InvalidInput):
        for one in error.errors:
            err.print(f"[red]{one.field}[/]: {one.message}")
    else:
        err.print(f"[red]{error.field or 'error'}[/]: {error.message}")
    return typer.Exit(1)


@financing_app.command("rates")
def rates(
    load: Annotated[
        Path | None, typer.Option("--load", help="Replace the table with this CSV/JSON/YAML file.")
    ] = None,
    defaults: Annotated[
        bool, typer.Option("--defaults", help="Replace the table with the shipped defaults.")
    ] = False,
    on: Annotated[
        str | None, typer.Option("--on", help="Show only the rules valid on this day (YYYY-MM-DD).")
    ] = None,
) -> None:
    """Show the rates table, or load/update it from a file."""
    container = _opened()
    new_uow = uow_factory(container)
    try:
        if load is not None or defaults:
            path = default_rates_path() if defaults else load
            assert path is not None
            rules = services.replace_rates(read_rates_file(path), new_uow(), _actor())
            console.print(f"[green]loaded[/] {len(rules)} rules from {path.name}")
        day = None if on is None else _day(on)
        shown = services.list_rates(new_uow(), _actor(), day)
    except PerlaError as error:
        raise _fail(error) from None
    if not shown:
        console.print("the rates table is empty: load one with --load FILE or --defaults")
        return
    console.print(rates_table(shown))


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidValue(f"{text!r} is not a date (YYYY-MM-DD)", field="on") from None


@financing_app.command("simulate")
def simulate(
    amount: Annotated[str, typer.Argument(help='The amount to finance, e.g. "150000.00".')],
    installments: Annotated[
        int | None, typer.Option("--installments", "-n", help="Instalments (default: 3/6/9/12).")
    ] = None,
    currency: Annotated[str, typer.Option(help="The amount's currency.")] = "ARS",
    on: Annotated[str | None, typer.Option("--on", help="The day (default: today).")] = None,
) -> None:
    """Simulate a plan (or the suggested plans) from the stored rates."""
    container = _opened()
    new_uow = uow_factory(container)
    try:
        money = Money.of(amount.replace(",", "."), currency)
        day = container.clock().now().date() if on is None else _day(on)
        if installments is None:
            plans = services.suggest_financing(money, day, new_uow())
        else:
            plans = [services.simulate_financing(money, installments, day, new_uow())]
    except PerlaError as error:
        raise _fail(error) from None
    for plan in plans:
        console.print(plan_table(plan))
