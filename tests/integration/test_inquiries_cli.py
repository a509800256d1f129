"""``perla inquiries receive-email``: a mail server's pipe (stdin) or an .eml file."""

from __future__ import annotations

import json
import os
from email.message import EmailMessage
from pathlib import Path

from typer.testing import CliRunner

from perla_entrypoints.cli import app


def _env(tmp_path: Path) -> dict[str, str]:
    values = {k: v for k, v in os.environ.items() if not k.startswith("PERLA_")}
    values["PERLA_DATA_DIR"] = str(tmp_path / "data")
    values["PERLA_DATABASE_URL"] = "memory://"
    return values


def _raw() -> bytes:
    msg = EmailMessage()
    msg["From"] = "Pablo <pablo@example.org>"
    msg["To"] = "reservas@perlatours.com"
    msg["Subject"] = "Disponibilidad"
    msg["Message-ID"] = "<pipe-1@example.org>"
    msg.set_content("¿Tienen habitación para el puente?")
    return msg.as_bytes()


def test_a_piped_email_opens_an_inquiry(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["inquiries", "receive-email", "-"], input=_raw(), env=_env(tmp_path)
    )
    assert result.exit_code == 0, result.output
    receipt = json.loads(result.stdout.strip().splitlines()[-1])
    assert receipt["outcome"] == "new_inquiry"
    assert receipt["inquiry_id"]


def test_a_file_that_is_not_an_email_is_refused_with_exit_1(tmp_path: Path) -> None:
    path = tmp_path / "junk.eml"
    path.write_bytes(b"not an e-mail at all")
    result = CliRunner().invoke(app, ["inquiries", "receive-email", str(path)], env=_env(tmp_path))
    assert result.exit_code == 1
    assert "refused" in result.output
