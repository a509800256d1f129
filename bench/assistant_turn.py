"""The assistant's overhead per turn, outside the model call, with the embedded adapters.

A scripted model that answers at once stands in for Claude, so what is timed is perla's own
work in a turn: the message stored, the tools offered (their JSON schemas), the transcript
rebuilt, the tool run, the entries stored. Two turns are timed on a SQLite file:

- a read turn ("busca el cliente …": ``search_clients`` then the model's text), against the
  bare ``list_clients`` use case on the same database;
- a write turn and its confirmation (``update_client_details`` dry-run as a proposal, then
  applied with its audit event on «sí»), against the bare ``update_details`` use case.
"""

from __future__ import annotations

from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from dependency_injector import providers

from bench.harness import Figure, p, timings
from perla_core.access.model import Actor, Role
from perla_core.assistant.engine import send_message
from perla_core.assistant.services import start_conversation
from perla_core.kernel.pagination import PageRequest
from perla_core.language.ports import ModelReply, ModelRequest, ToolCall
from perla_core.onboarding.commands import RegisterLead, UpdateDetails
from perla_core.onboarding.ports import ClientQuery
from perla_core.onboarding.services import list_clients, register_lead, update_details
from perla_entrypoints.container import build_container

TURNS = 150
CLIENTS = 500
ANA = Actor("bench:ana", Role.AGENT)


class Instant:
    """A model that answers at once: a tool call when the last message is the person's text,
    else a short text."""

    def __init__(self) -> None:
        self.next_call: tuple[str, dict[str, Any]] = ("search_clients", {"text": "Viajes 42"})
        self.counter = 0

    def complete(self, request: ModelRequest) -> ModelReply:
        last = request.messages[-1].content
        if isinstance(last, tuple) and any(type(b).__name__ == "ToolResultBlock" for b in last):
            return ModelReply("Hecho.", (), "end_turn")
        self.counter += 1
        name, arguments = self.next_call
        return ModelReply("", (ToolCall(f"toolu_{self.counter}", name, arguments),), "tool_use")


def run() -> list[Figure]:
    with TemporaryDirectory() as folder:
        container = build_container(
            database_url=f"sqlite:///{Path(folder) / 'bench.db'}", data_dir=folder
        )
        container.storage().migrate()
        model = Instant()
        container.assistant_model.override(providers.Object(model))
        clock, ids = container.clock(), container.ids()
        target = None
        for n in range(CLIENTS):
            target = register_lead(
                RegisterLead(trade_name=f"Viajes {n}", country="ES", email=f"v{n}@example.es"),
                container.uow(), clock, ids, ANA,
            )  # fmt: skip
        assert target is not None
        conversation = start_conversation(container.uow(), clock, ids, ANA)

        def read_turn() -> None:
            send_message(conversation, "busca el cliente Viajes 42", ANA, container.assistant())

        def bare_read() -> None:
            query = ClientQuery(text="Viajes 42", page=PageRequest(limit=10))
            list_clients(query, container.uow(), ANA)

        reads = timings(read_turn, repeat=TURNS, warmup=3)
        bare_reads = timings(bare_read, repeat=TURNS, warmup=3)

        phones = iter(range(10**6))

        def write_turn() -> None:
            phone = f"+3491{next(phones):07d}"
            model.next_call = ("update_client_details", {"client_id": str(target), "phone": phone})
            send_message(conversation, "cambia su teléfono", ANA, container.assistant())
            done = send_message(conversation, "sí", ANA, container.assistant())
            assert done.applied is not None, done.reply

        def bare_write() -> None:
            phone = f"+3491{next(phones):07d}"
            update_details(UpdateDetails(target, phone=phone), container.uow(), clock, ANA)

        writes = timings(write_turn, repeat=TURNS // 3, warmup=2)
        bare_writes = timings(bare_write, repeat=TURNS // 3, warmup=2)
        container.storage().close()
    return [
        Figure(
            "assistant read turn (search_clients) p95, model time excluded",
            "ms",
            p(reads, 0.95) * 1000,
            p(bare_reads, 0.95) * 1000,
            "bare list_clients",
            note=f"SQLite file, {CLIENTS} clients, conversation growing to {TURNS + 3} turns",
        ),
        Figure(
            "assistant write: proposal + «sí» p95, model time excluded",
            "ms",
            p(writes, 0.95) * 1000,
            p(bare_writes, 0.95) * 1000,
            "bare update_details",
            note="dry run, proposal stored, applied with its audit event",
        ),
    ]
