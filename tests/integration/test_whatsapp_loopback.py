"""WhatsApp over real HTTP on loopback: the Zenvia double emits events to perla's served app
(on SQLite), and perla answers through :class:`ZenviaMessenger` to the double."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.support.servers import SimulatorControl, running_server

from perla_adapters.zenvia.simulator import ZenviaSimState, create_zenvia_simulator
from perla_core.access.model import Actor, Role
from perla_core.conversations import get_conversation
from perla_entrypoints.container import Container, build_container
from perla_entrypoints.http import create_app
from perla_entrypoints.workers import drain_conversations

SIM_KEY = "zenvia-test-token"
SECRET = "loopback-secret"
HEADER = "X-Perla-Webhook-Secret"
PERLA = "5491100000000"
CUSTOMER = "5491155550123"
READER = Actor("test", Role.READONLY)


@pytest.fixture
def sim() -> ZenviaSimState:
    return ZenviaSimState()


@pytest.fixture
def sim_url(sim: ZenviaSimState) -> Iterator[str]:
    with running_server(create_zenvia_simulator(api_key=SIM_KEY, state=sim)) as url:
        yield url


@pytest.fixture
def container(tmp_path: Path, sim_url: str) -> Iterator[Container]:
    built = build_container(
        database_url=f"sqlite:///{tmp_path}/perla.db",
        data_dir=str(tmp_path),
        zenvia_url=f"{sim_url}/v2",
        zenvia_api_token=SIM_KEY,
        zenvia_webhook_secret=SECRET,
        gateway_retries=0,
    )
    built.storage().migrate()
    yield built
    built.storage().close()


@pytest.fixture
def wired(container: Container, sim_url: str) -> Iterator[SimulatorControl]:
    """perla served on loopback, the double's webhook pointed at it with the secret."""
    with running_server(create_app(container)) as perla_url:
        double = SimulatorControl(sim_url)
        double.set_webhook(f"{perla_url}/webhooks/zenvia", {HEADER: SECRET})
        yield double


def test_the_double_emits_to_perla_and_perla_answers_through_zenvia(
    container: Container, sim: ZenviaSimState, sim_url: str, wired: SimulatorControl
) -> None:
    delivered = wired.emit({"type": "MESSAGE", "from": CUSTOMER, "to": PERLA,
                                      "text": "hola", "visitorName": "Martín"})  # fmt: skip
    assert [d["status"] for d in delivered] == [202]
    drain_conversations(container)
    with sim.lock:
        sent = list(sim.messages.values())
    assert len(sent) == 1
    assert (sent[0]["from"], sent[0]["to"]) == (PERLA, CUSTOMER)
    assert "MICROCOM" in sent[0]["contents"][0]["text"]

    read = wired.emit({"type": "MESSAGE_STATUS", "messageId": sent[0]["id"],
                                 "code": "READ"})  # fmt: skip
    assert [d["status"] for d in read] == [202]
    drain_conversations(container)
    conversation = get_conversation(CUSTOMER, container.uow(), READER)
    outbound = [m for m in conversation.messages if m.author == "bot"]
    assert outbound[0].provider_id == sent[0]["id"]
    assert outbound[0].status is not None
    assert outbound[0].status.value == "read"


def test_replayed_events_change_nothing(
    container: Container, sim: ZenviaSimState, sim_url: str, wired: SimulatorControl
) -> None:
    first = wired.emit({"type": "MESSAGE", "from": CUSTOMER, "to": PERLA,
                                  "text": "hola"})  # fmt: skip
    drain_conversations(container)
    replayed = wired.emit({"raw": first[0]["event"]}, {"raw": first[0]["event"]})
    assert [d["status"] for d in replayed] == [202, 202]
    drain_conversations(container)
    conversation = get_conversation(CUSTOMER, container.uow(), READER)
    assert len(conversation.messages) == 2
    with sim.lock:
        assert len(sim.messages) == 1
    with sim.lock:
        answers = [e for e in sim.emitted if e["status"] == 202]
    assert len(answers) == 3
