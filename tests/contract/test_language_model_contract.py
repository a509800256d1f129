"""The LanguageModel's promises, kept by the scripted fake and by the Anthropic adapter.

The same tests run against :class:`ScriptedLanguageModel` and against
:class:`AnthropicLanguageModel` pointed at the local Messages-API double
(``perla_adapters/llm/simulator.py``) on a loopback port: a forced tool call comes back as a
:class:`ToolCall` with its input, a text reply as text, a model that does not answer is
:class:`ModelUnavailable`, one that answers out of contract is :class:`ModelProtocolError`,
the request carries the tools and the forced choice (read back from the fake's recorded
requests or from the double's ``/_sim/state``), and a tool exchange round-trips: the call's id
answered by a :class:`ToolResultBlock` in the next user message, then the model's text.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Protocol

import httpx
import pytest
from tests.support.servers import running_server

from perla_adapters.llm.anthropic import AnthropicLanguageModel
from perla_adapters.llm.simulator import create_messages_simulator
from perla_adapters.memory.language import ScriptedLanguageModel
from perla_core.language import (
    LanguageModel,
    ModelMessage,
    ModelProtocolError,
    ModelRequest,
    ModelUnavailable,
    ToolCall,
    ToolSpec,
)
from perla_core.language.ports import TextBlock, ToolResultBlock, ToolUseBlock

LOOKUP = ToolSpec(
    "lookup_product",
    "Look a product up by its model code.",
    {
        "type": "object",
        "additionalProperties": False,
        "required": ["model"],
        "properties": {"model": {"type": "string"}},
    },
)
NOTE = ToolSpec("take_note", "Write a note down.", {"type": "object", "properties": {}})


def a_request(*, tools: tuple[ToolSpec, ...] = (), tool_choice: str | None = None) -> ModelRequest:
    return ModelRequest(
        system="You help MICROCOM's customers.",
        messages=(ModelMessage("user", "cuánto sale la DS-2CD1043G0-I?"),),
        tools=tools,
        tool_choice=tool_choice,
        max_tokens=256,
    )


class Driver(Protocol):
    """Scripts the next answer of one language model and reads back what it was sent."""

    model: LanguageModel

    def tool_call(self, name: str, given: Mapping[str, Any]) -> None: ...

    def text(self, text: str) -> None: ...

    def unavailable(self) -> None: ...

    def malformed(self) -> None: ...

    def sent(self) -> list[dict[str, Any]]:
        """Each request received as ``{"tools": [names], "tool_choice": name | None}``."""
        ...

    def last_tool_results(self) -> list[tuple[str, str, bool]]:
        """The last request's last message's tool results: (tool_use_id, content, is_error)."""
        ...


class ScriptedDriver:
    def __init__(self) -> None:
        self.fake = ScriptedLanguageModel()
        self.model: LanguageModel = self.fake

    def tool_call(self, name: str, given: Mapping[str, Any]) -> None:
        self.fake.queue_tool_call(name, given)

    def text(self, text: str) -> None:
        self.fake.queue_text(text)

    def unavailable(self) -> None:
        self.fake.queue_unavailable()

    def malformed(self) -> None:
        self.fake.queue_protocol_error()

    def sent(self) -> list[dict[str, Any]]:
        return [
            {"tools": [t.name for t in r.tools], "tool_choice": r.tool_choice}
            for r in self.fake.requests
        ]

    def last_tool_results(self) -> list[tuple[str, str, bool]]:
        content = self.fake.requests[-1].messages[-1].content
        return [
            (b.tool_use_id, b.content, b.is_error)
            for b in content
            if isinstance(b, ToolResultBlock)
        ]


class SimulatorDriver:
    def __init__(self, base_url: str, model: AnthropicLanguageModel) -> None:
        self.base_url = base_url
        self.model: LanguageModel = model
        httpx.post(f"{base_url}/_sim/reset", timeout=5).raise_for_status()

    def _script(self, step: dict[str, Any]) -> None:
        httpx.post(f"{self.base_url}/_sim/script", json=step, timeout=5).raise_for_status()

    def tool_call(self, name: str, given: Mapping[str, Any]) -> None:
        self._script({"tool": name, "tool_input": dict(given)})

    def text(self, text: str) -> None:
        self._script({"text": text})

    def unavailable(self) -> None:
        self._script({"status": 529})

    def malformed(self) -> None:
        self._script({"not_json": True})

    def sent(self) -> list[dict[str, Any]]:
        state = httpx.get(f"{self.base_url}/_sim/state", timeout=5).json()
        received = []
        for request in state["requests"]:
            body = request["body"]
            choice = body.get("tool_choice")
            assert choice is None or choice["type"] == "tool"
            received.append(
                {
                    "tools": [t["name"] for t in body.get("tools", [])],
                    "tool_choice": None if choice is None else choice["name"],
                }
            )
        return received

    def last_tool_results(self) -> list[tuple[str, str, bool]]:
        state = httpx.get(f"{self.base_url}/_sim/state", timeout=5).json()
        content = state["requests"][-1]["body"]["messages"][-1]["content"]
        return [
            (b["tool_use_id"], b["content"], b.get("is_error", False))
            for b in content
            if b["type"] == "tool_result"
        ]


@pytest.fixture(scope="module")
def simulator_url() -> Iterator[str]:
    with running_server(create_messages_simulator()) as url:
        yield url


@pytest.fixture(params=["scripted", "anthropic"])
def driver(request: pytest.FixtureRequest, simulator_url: str) -> Iterator[Driver]:
    if request.param == "scripted":
        yield ScriptedDriver()
        return
    model = AnthropicLanguageModel(
        "sk-test-not-a-real-key", base_url=simulator_url, timeout=5.0, max_retries=0
    )
    yield SimulatorDriver(simulator_url, model)
    model.close()


class TestLanguageModelContract:
    def test_a_forced_tool_call_comes_back_as_a_tool_call_with_its_input(
        self, driver: Driver
    ) -> None:
        driver.tool_call("lookup_product", {"model": "DS-2CD1043G0-I"})

        reply = driver.model.complete(a_request(tools=(LOOKUP,), tool_choice="lookup_product"))

        (call,) = reply.tool_calls
        assert isinstance(call, ToolCall)
        assert (call.name, dict(call.input)) == ("lookup_product", {"model": "DS-2CD1043G0-I"})
        assert call.id
        assert reply.stop_reason == "tool_use"

    def test_a_text_reply_comes_back_as_text_without_tool_calls(self, driver: Driver) -> None:
        driver.text("Hola! La DS-2CD1043G0-I está en stock.")

        reply = driver.model.complete(a_request())

        assert reply.text == "Hola! La DS-2CD1043G0-I está en stock."
        assert reply.tool_calls == ()
        assert reply.stop_reason == "end_turn"

    def test_a_model_that_does_not_answer_is_unavailable(self, driver: Driver) -> None:
        driver.unavailable()

        with pytest.raises(ModelUnavailable):
            driver.model.complete(a_request(tools=(LOOKUP,), tool_choice="lookup_product"))

    def test_an_answer_out_of_contract_is_a_protocol_error(self, driver: Driver) -> None:
        driver.malformed()

        with pytest.raises(ModelProtocolError):
            driver.model.complete(a_request(tools=(LOOKUP,), tool_choice="lookup_product"))

    def test_the_request_carries_the_tools_and_the_forced_choice(self, driver: Driver) -> None:
        driver.tool_call("take_note", {})
        driver.text("nada que anotar")

        driver.model.complete(a_request(tools=(LOOKUP, NOTE), tool_choice="take_note"))
        driver.model.complete(a_request(tools=(LOOKUP, NOTE)))

        assert driver.sent() == [
            {"tools": ["lookup_product", "take_note"], "tool_choice": "take_note"},
            {"tools": ["lookup_product", "take_note"], "tool_choice": None},
        ]

    def test_after_a_failure_the_next_request_is_answered(self, driver: Driver) -> None:
        driver.unavailable()
        driver.text("ya estoy")

        with pytest.raises(ModelUnavailable):
            driver.model.complete(a_request())
        assert driver.model.complete(a_request()).text == "ya estoy"

    def test_a_tool_exchange_round_trips_to_the_models_text(self, driver: Driver) -> None:
        driver.tool_call("lookup_product", {"model": "DS-2CD1043G0-I"})
        driver.text("Sale 120 USD y hay stock.")
        ask = a_request(tools=(LOOKUP,))

        first = driver.model.complete(ask)
        (call,) = first.tool_calls
        turn = (
            *ask.messages,
            ModelMessage(
                "assistant",
                (TextBlock(first.text), ToolUseBlock(call.id, call.name, call.input)),
            ),
            ModelMessage("user", (ToolResultBlock(call.id, '{"price": "120 USD"}'),)),
        )
        second = driver.model.complete(
            ModelRequest(ask.system, turn, ask.tools, max_tokens=ask.max_tokens)
        )

        assert (second.text, second.tool_calls, second.stop_reason) == (
            "Sale 120 USD y hay stock.",
            (),
            "end_turn",
        )
        assert driver.last_tool_results() == [(call.id, '{"price": "120 USD"}', False)]
