"""``perla assistant``: a terminal chat with the PerlaHub assistant on the configured storage.

Reads one message per line from standard input until end of input or ``salir`` and prints
each reply, as the chat page would. A write the assistant proposes waits for the next line:
``sí`` applies it, ``no`` cancels it. ``--conversation ID`` resumes one of the person's
conversations (its pending proposal is shown again).

Like every ``perla`` command, this is trusted local access: whoever can run perla on this
machine can read its configuration and database, so the person is *declared*, not
authenticated: ``--as NAME`` (default ``cli:<OS user>``, as the other commands name their
actor) and ``--role`` (default ``agent``). The assistant can never do more than that role
allows, and every change it applies is audited under that name, channel ``assistant``.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Final, TextIO
from uuid import UUID

import typer
from rich.console import Console

from perla_core.access.model import Actor, Role, parse_role
from perla_core.assistant import services
from perla_core.assistant.engine import send_message
from perla_core.kernel.errors import NotFound, PerlaError

if TYPE_CHECKING:
    from perla_entrypoints.container import Container

console = Console(highlight=False)
err = Console(stderr=True, highlight=False)

QUIT: Final = frozenset({"salir", "exit", "quit"})


def _default_name() -> str:
    from perla_entrypoints.hotels_cli import _actor  # noqa: PLC0415 - the CLI's own naming

    return _actor().name


def _opened() -> Container:
    from perla_entrypoints.hotels_cli import _opened as opened  # noqa: PLC0415

    return opened()


def _show(label: str, text: str) -> None:
    console.print(f"[bold]{label}[/]", end=" ")
    console.print(text, markup=False)


def _resume(container: Container, conversation_id: UUID, actor: Actor) -> UUID:
    try:
        conversation = services.get_conversation(conversation_id, container.uow(), actor)
    except NotFound:
        err.print(f"No tienes ninguna conversación {conversation_id}.", markup=False)
        raise typer.Exit(1) from None
    title = conversation.title or "sin título"
    console.print(f"Retomando la conversación «{title}» ({conversation.id}).", markup=False)
    pending = conversation.pending
    if pending is not None:
        _show("pendiente:", f"{pending.summary} (responde «sí» para aplicarlo o «no»)")
    return conversation.id


def chat(container: Container, actor: Actor, conversation_id: UUID | None, lines: TextIO) -> int:
    """Run the chat over ``lines``; returns the number of turns that failed."""
    if conversation_id is None:
        conversation_id = services.start_conversation(
            container.uow(), container.clock(), container.ids(), actor
        )
        console.print(
            f"Conversación {conversation_id} (escribe «salir» para terminar; "
            f"--conversation {conversation_id} para retomarla).",
            markup=False,
        )
    else:
        conversation_id = _resume(container, conversation_id, actor)
    failed = 0
    interactive = lines.isatty()
    while True:
        if interactive:
            console.print("[bold]tú>[/]", end=" ")
        line = lines.readline()
        if not line:
            break
        text = line.strip()
        if not text:
            continue
        if text.casefold() in QUIT:
            break
        try:
            turn = send_message(conversation_id, text, actor, container.assistant())
        except PerlaError as exc:
            failed += 1
            err.print(f"[red]{exc.code}[/]", end=" ")
            err.print(str(exc), markup=False)
            continue
        _show("asistente>", turn.reply)
    return failed


def assistant(
    name: Annotated[
        str | None,
        typer.Option("--as", help="Who is talking (default cli:<OS user>); trusted local access."),
    ] = None,
    role: Annotated[str, typer.Option(help="agent, admin or readonly.")] = Role.AGENT.value,
    conversation: Annotated[
        str | None, typer.Option(help="Resume this conversation (one of yours).")
    ] = None,
) -> None:
    """Chat with the PerlaHub assistant: a message per line, until end of input or «salir»."""
    try:
        parsed = parse_role(role)
        resumed = None if conversation is None else UUID(conversation)
    except PerlaError as exc:
        err.print(f"[red]{exc.code}[/]", end=" ")
        err.print(str(exc), markup=False)
        raise typer.Exit(2) from None
    except ValueError:
        err.print(f"[red]invalid_value[/] {conversation!r} is not a conversation id")
        raise typer.Exit(2) from None
    who = (name or "").strip() or _default_name()
    actor = Actor(who, parsed, channel="cli")
    container = _opened()
    failed = chat(container, actor, resumed, sys.stdin)
    if failed:
        raise typer.Exit(1)


__all__ = ["assistant", "chat"]
