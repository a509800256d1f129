"""``perla inquiries``: file e-mails received at the reservations address.

``perla inquiries receive-email FILE`` reads one raw message (an ``.eml`` file, or ``-`` for
standard input, as a mail server's pipe hands it over) and files it as
:func:`~perla_core.inquiries.services.receive_email` does, printing the receipt as JSON.
Exit codes: 0 filed (or already filed), 1 refused (not an e-mail, too large), 2 bad setup;
a mail server that sees a non-zero code keeps the message and retries.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from perla_adapters.mail.inbound import parse_inbound_email
from perla_core.access.model import SYSTEM
from perla_core.inquiries.services import receive_email
from perla_core.kernel.errors import PerlaError
from perla_core.mail.inbound import MAX_INBOUND_BYTES

inquiries_app = typer.Typer(help="Guests' inquiries: file received e-mails.", no_args_is_help=True)


@inquiries_app.command("receive-email")
def receive_email_command(
    file: Annotated[str, typer.Argument(help="The raw message (.eml), or - for stdin")],
) -> None:
    """File one received e-mail under its inquiry (or a new one, or the unmatched inbox)."""
    from perla_entrypoints.cli import _container, _open  # noqa: PLC0415 - cli imports this module

    if file == "-":
        raw = sys.stdin.buffer.read(MAX_INBOUND_BYTES + 1)
    else:
        try:
            with Path(file).open("rb") as handle:
                raw = handle.read(MAX_INBOUND_BYTES + 1)
        except OSError as exc:
            typer.echo(f"cannot read {file}: {exc.strerror}", err=True)
            raise typer.Exit(1) from None
    container = _container()
    _open(container)
    clock = container.clock()
    try:
        email = parse_inbound_email(raw, received_at=clock.now())
        receipt = receive_email(
            email, container.uow(), clock, container.ids(), container.secrets(), SYSTEM
        )
    except PerlaError as exc:
        typer.echo(f"refused: {exc}", err=True)
        raise typer.Exit(1) from None
    out = {
        "outcome": receipt.outcome.value,
        "inquiry_id": None if receipt.inquiry_id is None else str(receipt.inquiry_id),
        "message_ref": None if receipt.message_ref is None else str(receipt.message_ref),
        "unmatched_id": None if receipt.unmatched_id is None else str(receipt.unmatched_id),
        "matched_by": receipt.matched_by,
    }
    typer.echo(json.dumps(out))
