"""The ``perla`` command line, run as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from perla_core.access.services import authenticate
from perla_entrypoints.cli import app
from perla_entrypoints.container import build_container


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERLA_")}
    env["PERLA_DATA_DIR"] = str(tmp_path / "data")
    env["COLUMNS"] = "200"  # rich wraps table cells at the terminal's width: keep sentences whole
    return env


def test_perla_demo_runs_offline_on_a_fresh_data_folder_and_takes_a_lead_to_live(
    tmp_path: Path,
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "perla_entrypoints.cli", "demo"],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    text = " ".join(result.stdout.split())  # rich wraps lines at the terminal width
    assert "Viajes Ñandú is now a live client (tier B)" in text
    assert "refused (precondition_failed)" in text
    assert "refused (stale_version)" in text
    assert "refused (go_live_refused)" in text
    assert "refused (policy_conflict)" in text
    assert "Dome customer C" in text
    assert "clamped to ceiling" in text
    assert "e-mail written to" in text
    assert "(1 file)" in text
    assert "created in Dome as PRV-00981 ✓" in text
    assert "0 pending" in text
    chat = " ".join(result.stdout.replace("│", " ").split())
    assert "Tenemos 55 modelos de cámaras Hikvision en stock" in chat  # the catalogue answers
    assert "DS-2CE16D0T-IRPF está sin stock ahora." in chat
    assert "Te propongo:" in chat
    assert "Despachamos a todo el país" in chat  # the FAQ
    assert "Todavía no puedo" not in chat
    # the purchase: cart, financing, confirmation, pre-invoice, payment, invoice
    assert "Para armar tu pedido necesito el CUIT" in chat
    assert "6 cuotas de $" in chat
    assert "Confirmamos tu compra" in chat
    assert "Te enviamos la prefactura PF-0001-00000001" in chat
    assert "Te enviamos la factura A-0001-00000001" in chat
    assert "is invoiced: ERP reference" in text
    # the PerlaHub assistant, offline: a lead to live, a refused rule, a supplier request
    assert "the assistant applied 14 changes Ana confirmed" in text
    assert "1 refused with its reason" in text
    assert "Viajes Brisa │ client │ live" in text
    demo_dirs = list((tmp_path / "data" / "demo").iterdir())
    assert len(demo_dirs) == 1
    assert (demo_dirs[0] / "perla.db").exists()


def test_apikey_create_prints_the_key_alone_on_its_last_line_and_it_authenticates(
    tmp_path: Path,
) -> None:
    env = _env(tmp_path)
    result = CliRunner().invoke(
        app, ["apikey", "create", "--role", "agent", "--name", "crm"], env=env
    )
    assert result.exit_code == 0, result.output
    key = result.stdout.strip().splitlines()[-1]
    assert key.startswith("perla_")
    container = build_container(data_dir=tmp_path / "data")
    actor = authenticate(key, container.uow())
    assert (actor.name, actor.role.value) == ("crm", "agent")


def test_apikey_create_with_an_unknown_role_fails_naming_the_field(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["apikey", "create", "--role", "boss"], env=_env(tmp_path))
    assert result.exit_code == 2
    assert "role" in result.output


def test_db_upgrade_creates_the_schema_on_a_new_sqlite_file(tmp_path: Path) -> None:
    env = _env(tmp_path)
    result = CliRunner().invoke(app, ["db", "upgrade"], env=env)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "data" / "perla.db").exists()


def test_worker_refuses_to_start_without_a_shared_broker(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["worker"], env=_env(tmp_path))
    assert result.exit_code == 2
    assert "PERLA_REDIS_URL" in result.output


def test_a_malformed_setting_is_reported_with_its_variable_name(tmp_path: Path) -> None:
    env = _env(tmp_path) | {"PERLA_DB_POOL_SIZE": "many"}
    result = CliRunner().invoke(app, ["config"], env=env)
    assert result.exit_code == 2
    assert "PERLA_DB_POOL_SIZE" in result.output


# What only an extra installs: the quickstart's demo line installs none of them.
EXTRAS_ONLY = ("psycopg", "psycopg_pool", "redis", "anthropic", "boto3", "botocore", "aiosmtpd")

_WITHOUT_EXTRAS = """
import sys
from importlib.abc import MetaPathFinder

class NoExtras(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {names!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}} (an extra)", name=name)
        return None

sys.meta_path.insert(0, NoExtras())
sys.argv = ["perla", "demo"]
from perla_entrypoints.cli import main
main()
"""


def test_perla_demo_needs_no_extra(tmp_path: Path) -> None:
    """The quickstart runs ``uv run --locked --no-dev perla demo``: the base install alone.
    Any module only an extra provides is made unimportable, and the demo still runs."""
    result = subprocess.run(  # noqa: S603 - our own interpreter, our own script
        [sys.executable, "-c", _WITHOUT_EXTRAS.format(names=set(EXTRAS_ONLY))],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "is now a live client" in " ".join(result.stdout.split())
