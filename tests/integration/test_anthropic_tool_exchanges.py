"""Multi-step tool use through the real ``anthropic`` SDK against the local Messages-API double.

The assistant's engine calls :meth:`AnthropicLanguageModel.complete` in a loop: the staff's text,
the model's ``tool_use``, perla's ``tool_result`` in the next user message, the model's text (or
more tool calls). These tests rebuild the transcript as perla does (the assistant's
:class:`ToolUseBlock`, then the :class:`ToolResultBlock` answering it) and check what reached the
double, how it refuses what the real API refuses, and how failures map to the core's errors.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from tests.support.anthropic import MessagesDouble
from tests.support.servers import running_server

from perla_adapters.llm.anthropic import AnthropicLanguageModel
from perla_adapters.llm.simulator import create_messages_simulator
from perla_core.language import (
    ModelMessage,
    ModelProtocolError,
    ModelReply,
    ModelRequest,
    ModelUnavailable,
    ToolSpec,
)
from perla_core.language.ports import ContentBlock, TextBlock, ToolResultBlock, ToolUseBlock

TIMEOUT = 0.5
SYSTEM = "Eres el asistente del equipo de PerlaHub."
SEARCH = ToolSpec(
    "search_client",
    "Busca un cliente por nombre.",
    {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]},
)
POLICY = ToolSpec(
    "show_policy",
    "Muestra la política comercial de un cliente.",
    {"type": "object", "properties": {"client_id": {"type": "string"}}, "required": ["client_id"]},
)
SUPPLIER = ToolSpec(
    "update_supplier",
    "Propone un cambio en los datos de un proveedor.",
    {"type": "object", "properties": {"iban": {"type": "string"}}, "required": ["iban"]},
)
TOOLS = (SEARCH, POLICY, SUPPLIER)


Double = MessagesDouble


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with running_server(create_messages_simulator()) as url:
        yield url


@pytest.fixture
def double(base_url: str) -> Double:
    return Double(base_url).reset()


@pytest.fixture
def model(base_url: str) -> Iterator[AnthropicLanguageModel]:
    client = AnthropicLanguageModel(
        "sk-test-not-a-real-key", base_url=base_url, timeout=TIMEOUT, max_retries=0
    )
    yield client
    client.close()


def request(*messages: ModelMessage, tools: tuple[ToolSpec, ...] = TOOLS) -> ModelRequest:
    return ModelRequest(SYSTEM, messages, tools, max_tokens=512)


def assistant_turn(reply: ModelReply) -> ModelMessage:
    """The assistant message perla stores for a reply: its text, then its tool calls."""
    blocks: list[ContentBlock] = [TextBlock(reply.text)] if reply.text else []
    blocks += [ToolUseBlock(c.id, c.name, c.input) for c in reply.tool_calls]
    return ModelMessage("assistant", tuple(blocks))


def results(*blocks: ToolResultBlock) -> ModelMessage:
    return ModelMessage("user", blocks)


def test_a_tool_use_then_tool_result_then_text_exchange_across_three_calls(
    double: Double, model: AnthropicLanguageModel
) -> None:
    double.script(
        {"tool_calls": [{"tool": "search_client", "input": {"name": "Hoteles Sol"}}]},
        {
            "expect_tool_result": {"is_error": False, "contains": "cli_42"},
            "tool_calls": [{"tool": "show_policy", "input": {"client_id": "cli_42"}}],
            "text": "Encontrado. Miro su política.",
        },
        {
            "expect_tool_result": {"is_error": False, "contains": "12%"},
            "text": "Hoteles Sol tiene un margen del 12% en B2C.",
        },
    )
    ask = ModelMessage("user", "¿Qué margen tiene Hoteles Sol?")

    first = model.complete(request(ask))
    (search,) = first.tool_calls
    assert (search.name, dict(search.input), first.stop_reason) == (
        "search_client",
        {"name": "Hoteles Sol"},
        "tool_use",
    )
    assert first.text == ""
    found = results(ToolResultBlock(search.id, json.dumps({"id": "cli_42", "name": "Hoteles Sol"})))

    second = model.complete(request(ask, assistant_turn(first), found))
    (policy,) = second.tool_calls
    assert (policy.name, dict(policy.input)) == ("show_policy", {"client_id": "cli_42"})
    assert second.text == "Encontrado. Miro su política."
    assert policy.id != search.id
    shown = results(ToolResultBlock(policy.id, '{"margin": "12%", "channel": "B2C"}'))

    third = model.complete(
        request(ask, assistant_turn(first), found, assistant_turn(second), shown)
    )
    assert (third.text, third.tool_calls, third.stop_reason) == (
        "Hoteles Sol tiene un margen del 12% en B2C.",
        (),
        "end_turn",
    )

    last = double.bodies()[-1]
    assert [m["role"] for m in last["messages"]] == [
        "user",
        "assistant",
        "user",
        "assistant",
        "user",
    ]
    assert last["messages"][1]["content"] == [
        {
            "type": "tool_use",
            "id": search.id,
            "name": "search_client",
            "input": {"name": "Hoteles Sol"},
        }
    ]
    assert last["messages"][2]["content"] == [
        {
            "type": "tool_result",
            "tool_use_id": search.id,
            "content": '{"id": "cli_42", "name": "Hoteles Sol"}',
            "is_error": False,
        }
    ]
    assert last["messages"][3]["content"] == [
        {"type": "text", "text": "Encontrado. Miro su política."},
        {
            "type": "tool_use",
            "id": policy.id,
            "name": "show_policy",
            "input": {"client_id": "cli_42"},
        },
    ]
    assert [t["name"] for t in last["tools"]] == ["search_client", "show_policy", "update_supplier"]
    assert double.queued() == []


def test_two_tool_calls_in_one_reply_are_both_kept_and_answered_together(
    double: Double, model: AnthropicLanguageModel
) -> None:
    double.script(
        {
            "text": "Consulto ambos clientes.",
            "tool_calls": [
                {"tool": "search_client", "input": {"name": "Sol"}},
                {"tool": "search_client", "input": {"name": "Mar"}},
            ],
        },
        {"text": "Los dos existen."},
    )
    ask = ModelMessage("user", "¿Existen Sol y Mar?")

    reply = model.complete(request(ask))

    assert reply.text == "Consulto ambos clientes."
    assert [(c.name, dict(c.input)) for c in reply.tool_calls] == [
        ("search_client", {"name": "Sol"}),
        ("search_client", {"name": "Mar"}),
    ]
    sol, mar = reply.tool_calls
    assert sol.id != mar.id
    answered = results(
        ToolResultBlock(sol.id, '{"id": "c1"}'), ToolResultBlock(mar.id, '{"id": "c2"}')
    )
    assert model.complete(request(ask, assistant_turn(reply), answered)).text == "Los dos existen."


def test_answering_only_one_of_two_tool_calls_is_refused(
    double: Double, model: AnthropicLanguageModel
) -> None:
    double.script(
        {
            "tool_calls": [
                {"tool": "search_client", "input": {"name": "Sol"}},
                {"tool": "search_client", "input": {"name": "Mar"}},
            ]
        }
    )
    ask = ModelMessage("user", "¿Existen Sol y Mar?")
    reply = model.complete(request(ask))
    sol, mar = reply.tool_calls

    with pytest.raises(ModelProtocolError, match="without `tool_result` blocks") as caught:
        model.complete(request(ask, assistant_turn(reply), results(ToolResultBlock(sol.id, "{}"))))

    assert caught.value.status == 400
    assert mar.id in str(caught.value)


def test_a_refused_tool_call_reaches_the_model_as_an_error_result_and_it_retries(
    double: Double, model: AnthropicLanguageModel
) -> None:
    double.script(
        {"tool_calls": [{"tool": "update_supplier", "input": {"iban": "ES00 1234"}}]},
        {
            "expect_tool_result": {"is_error": True, "contains": "iban: dígito de control"},
            "tool_calls": [
                {"tool": "update_supplier", "input": {"iban": "ES9121000418450200051332"}}
            ],
        },
        {"expect_tool_result": {"is_error": False}, "text": "Cambio propuesto; ¿lo confirmas?"},
    )
    ask = ModelMessage("user", "Cambia el IBAN del proveedor a ES00 1234")
    first = model.complete(request(ask))
    (bad,) = first.tool_calls
    refused = results(ToolResultBlock(bad.id, "iban: dígito de control incorrecto", is_error=True))

    second = model.complete(request(ask, assistant_turn(first), refused))
    (good,) = second.tool_calls
    proposed = results(ToolResultBlock(good.id, '{"proposal": "p1"}'))
    third = model.complete(
        request(ask, assistant_turn(first), refused, assistant_turn(second), proposed)
    )

    assert dict(good.input) == {"iban": "ES9121000418450200051332"}
    assert third.text == "Cambio propuesto; ¿lo confirmas?"
    assert double.bodies()[1]["messages"][-1]["content"][0]["is_error"] is True


def test_a_tool_result_not_matching_the_expectation_fails_the_scripted_step(
    double: Double, model: AnthropicLanguageModel
) -> None:
    double.script(
        {"tool_calls": [{"tool": "update_supplier", "input": {"iban": "ES00"}}]},
        {"expect_tool_result": {"is_error": True, "contains": "iban"}, "text": "vale"},
    )
    ask = ModelMessage("user", "Cambia el IBAN")
    first = model.complete(request(ask))
    (call,) = first.tool_calls
    accepted = results(ToolResultBlock(call.id, '{"proposal": "p1"}'))

    with pytest.raises(ModelProtocolError, match="scripted expectation failed") as caught:
        model.complete(request(ask, assistant_turn(first), accepted))

    assert '"is_error": false' in str(caught.value)


def test_a_tool_result_for_an_unknown_tool_use_id_is_refused(
    double: Double, model: AnthropicLanguageModel
) -> None:
    double.script({"tool_calls": [{"tool": "search_client", "input": {"name": "Sol"}}]})
    ask = ModelMessage("user", "Busca Sol")
    first = model.complete(request(ask))
    stray = results(ToolResultBlock("toolu_never_issued", "{}"))

    with pytest.raises(ModelProtocolError, match="unexpected `tool_use_id`") as caught:
        model.complete(request(ask, assistant_turn(first), stray))

    assert caught.value.status == 400
    assert "toolu_never_issued" in str(caught.value)


def test_a_reply_with_text_and_a_tool_call_keeps_both_and_max_tokens_passes_through(
    double: Double, model: AnthropicLanguageModel
) -> None:
    double.script(
        {"text": "Déjame buscarlo.", "tool_calls": [{"tool": "search_client", "input": {}}]},
        {"text": "Hoteles Sol tiene tres contra", "stop_reason": "max_tokens"},
    )

    mixed = model.complete(request(ModelMessage("user", "Busca Sol")))
    cut = model.complete(request(ModelMessage("user", "Resume la actividad")))

    assert (mixed.text, [c.name for c in mixed.tool_calls]) == (
        "Déjame buscarlo.",
        ["search_client"],
    )
    assert (cut.text, cut.stop_reason) == ("Hoteles Sol tiene tres contra", "max_tokens")


def test_a_tool_call_whose_input_is_not_an_object_is_a_protocol_error(
    double: Double, model: AnthropicLanguageModel
) -> None:
    double.script({"tool": "search_client", "tool_input": ["Sol"]})

    with pytest.raises(ModelProtocolError, match="non-object input"):
        model.complete(request(ModelMessage("user", "Busca Sol")))


def test_a_blank_text_block_is_left_out_of_an_assistant_turn(
    double: Double, model: AnthropicLanguageModel
) -> None:
    double.script({"text": "Hecho."})
    turn = ModelMessage(
        "assistant", (TextBlock(""), ToolUseBlock("toolu_1", "search_client", {"name": "Sol"}))
    )

    reply = model.complete(
        request(ModelMessage("user", "Busca Sol"), turn, results(ToolResultBlock("toolu_1", "{}")))
    )

    assert reply.text == "Hecho."
    assert double.bodies()[0]["messages"][1]["content"] == [
        {"type": "tool_use", "id": "toolu_1", "name": "search_client", "input": {"name": "Sol"}}
    ]


@pytest.mark.parametrize(
    ("messages", "tools", "refusal"),
    [
        (
            (ModelMessage("user", "hola"), ModelMessage("user", "¿sigues ahí?")),
            TOOLS,
            'multiple "user" roles in a row',
        ),
        (
            (ModelMessage("assistant", "Hola"), ModelMessage("user", "hola")),
            TOOLS,
            'first message must use the "user" role',
        ),
        (
            (ModelMessage("user", "hola"),),
            (ToolSpec("buscar cliente", "con espacio", {"type": "object"}),),
            "tools.0.name: String should match pattern",
        ),
        (
            (ModelMessage("user", "hola"),),
            (ToolSpec("x" * 65, "demasiado largo", {"type": "object"}),),
            "tools.0.name: String should match pattern",
        ),
        (
            (ModelMessage("user", "hola"),),
            (ToolSpec("listar", "lista", {"type": "array", "items": {"type": "string"}}),),
            "tools.0.input_schema",
        ),
        (
            (
                ModelMessage("user", "Busca Sol"),
                ModelMessage("assistant", (ToolUseBlock("toolu_1", "search_client", {}),)),
                ModelMessage("user", "olvídalo"),
            ),
            TOOLS,
            "`tool_use` ids were found without `tool_result` blocks immediately after: toolu_1",
        ),
        (
            (
                ModelMessage("user", "Busca Sol"),
                ModelMessage("assistant", (ToolUseBlock("toolu_1", "search_client", {}),)),
                ModelMessage("user", (TextBlock("aquí va"), ToolResultBlock("toolu_1", "{}"))),
            ),
            TOOLS,
            "`tool_result` blocks must come first",
        ),
        (
            (
                ModelMessage("user", "Busca Sol"),
                ModelMessage("assistant", (ToolUseBlock("toolu_1", "search_client", {}),)),
                results(ToolResultBlock("toolu_1", "{}")),
            ),
            (),
            "must define tools",
        ),
        (
            (ModelMessage("user", (ToolResultBlock("toolu_1", "{}"),)),),
            TOOLS,
            "messages.0.content.0: unexpected `tool_use_id`",
        ),
    ],
    ids=[
        "roles do not alternate",
        "starts with the assistant",
        "tool name with a space",
        "tool name too long",
        "schema not an object",
        "tool_use left unanswered",
        "text before the tool_result",
        "tool blocks without tools",
        "tool_result with no tool_use before",
    ],
)
def test_the_double_refuses_what_the_api_refuses(
    double: Double,
    model: AnthropicLanguageModel,
    messages: tuple[ModelMessage, ...],
    tools: tuple[ToolSpec, ...],
    refusal: str,
) -> None:
    double.script({"text": "no debería llegar"})

    with pytest.raises(ModelProtocolError) as caught:
        model.complete(request(*messages, tools=tools))

    assert caught.value.status == 400
    assert refusal in str(caught.value)
    assert double.queued() == [{"text": "no debería llegar"}]


@pytest.mark.parametrize("status", [529, 500])
def test_an_overloaded_or_failing_api_mid_exchange_is_unavailable(
    double: Double, model: AnthropicLanguageModel, status: int
) -> None:
    double.script(
        {"tool_calls": [{"tool": "search_client", "input": {"name": "Sol"}}]}, {"status": status}
    )
    ask = ModelMessage("user", "Busca Sol")
    first = model.complete(request(ask))
    (call,) = first.tool_calls

    with pytest.raises(ModelUnavailable) as caught:
        model.complete(request(ask, assistant_turn(first), results(ToolResultBlock(call.id, "{}"))))

    assert caught.value.status == status


def test_the_sdk_retries_an_overload_when_retries_are_configured(
    double: Double, base_url: str
) -> None:
    patient = AnthropicLanguageModel("sk-test", base_url=base_url, timeout=5.0, max_retries=1)
    double.script({"status": 529}, {"text": "Ya estoy."})
    try:
        reply = patient.complete(request(ModelMessage("user", "hola")))
    finally:
        patient.close()

    assert reply.text == "Ya estoy."
    assert len(double.bodies()) == 2


def test_a_model_slower_than_the_timeout_mid_exchange_is_unavailable(
    double: Double, model: AnthropicLanguageModel
) -> None:
    double.script(
        {"tool_calls": [{"tool": "search_client", "input": {"name": "Sol"}}]},
        {"delay_ms": int(TIMEOUT * 3000), "text": "tarde"},
    )
    ask = ModelMessage("user", "Busca Sol")
    first = model.complete(request(ask))
    (call,) = first.tool_calls

    with pytest.raises(ModelUnavailable, match=r"did not answer within 0\.5s"):
        model.complete(request(ask, assistant_turn(first), results(ToolResultBlock(call.id, "{}"))))


def test_a_malformed_tool_calls_script_is_refused_when_scripted(base_url: str) -> None:
    answer = httpx.post(f"{base_url}/_sim/script", json={"tool_calls": [{"input": {}}]}, timeout=5)

    assert answer.status_code == 400
    assert "tool_calls" in answer.json()["error"]


USE = {"type": "tool_use", "id": "toolu_1", "name": "search_client", "input": {}}
TOOL = {"name": "search_client", "input_schema": {"type": "object"}}


@pytest.mark.parametrize(
    ("body", "refusal"),
    [
        (
            {"messages": [{"role": "user", "content": [USE]}], "tools": [TOOL]},
            "messages.0.content.0: `tool_use` blocks can only be in `assistant` messages",
        ),
        (
            {"messages": [{"role": "user", "content": "hola"}], "tools": [TOOL, TOOL]},
            "Tool names must be unique",
        ),
        (
            {"messages": [{"role": "user", "content": [{"type": "text", "text": "  "}]}]},
            "messages.0.content.0: text content blocks must contain non-whitespace text",
        ),
        (
            {
                "messages": [
                    {"role": "user", "content": "busca"},
                    {"role": "assistant", "content": [USE]},
                    {
                        "role": "user",
                        "content": [
                            {"type": "tool_result", "tool_use_id": "toolu_1", "is_error": "sí"}
                        ],
                    },
                ],
                "tools": [TOOL],
            },
            "messages.2.content.0.is_error: Input should be a valid boolean",
        ),
        (
            {
                "messages": [{"role": "user", "content": "hola"}],
                "tools": [TOOL],
                "tool_choice": {"type": "tool", "name": "other"},
            },
            "tool_choice.name",
        ),
    ],
    ids=[
        "tool_use from the user",
        "duplicate tools",
        "blank text",
        "is_error not boolean",
        "choice not offered",
    ],
)
def test_the_double_names_the_field_of_a_raw_body_it_refuses(
    double: Double, base_url: str, body: dict[str, Any], refusal: str
) -> None:
    answer = httpx.post(
        f"{base_url}/v1/messages",
        json={"model": "claude-x", "max_tokens": 10} | body,
        headers={"x-api-key": "sk-test"},
        timeout=5,
    )

    assert answer.status_code == 400
    assert answer.json()["error"]["type"] == "invalid_request_error"
    assert refusal in answer.json()["error"]["message"]
