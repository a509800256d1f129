"""The IntentInterpreter's promises, kept by the offline rules and by the model-backed bot.

The same tests run against :class:`RulesInterpreter` and against
``FallbackInterpreter(ModelInterpreter(model), RulesInterpreter())`` over a
:class:`ScriptedLanguageModel` that answers as a well-behaved model would: a
``record_interpretation`` call for the latest user message (what the rules read in it).
"""

from __future__ import annotations

import pytest

from perla_adapters.memory.language import ScriptedLanguageModel
from perla_core.language import (
    FallbackInterpreter,
    Intent,
    IntentInterpreter,
    ModelInterpreter,
    ModelReply,
    ModelRequest,
    RulesInterpreter,
    ToolCall,
)
from perla_core.language.tool import TOOL_NAME, tool_input_from


def a_well_behaved_answer(request: ModelRequest) -> ModelReply:
    assert request.tool_choice == TOOL_NAME
    reading = RulesInterpreter().interpret(request.messages[-1].text)
    return ModelReply("", (ToolCall("toolu_1", TOOL_NAME, tool_input_from(reading)),), "tool_use")


@pytest.fixture(params=["rules", "model"])
def interpreter(request: pytest.FixtureRequest) -> IntentInterpreter:
    if request.param == "rules":
        return RulesInterpreter()
    model = ScriptedLanguageModel(default=a_well_behaved_answer)
    return FallbackInterpreter(
        ModelInterpreter(model, source="anthropic", name="scripted"), RulesInterpreter()
    )


class TestIntentInterpreterContract:
    def test_a_greeting(self, interpreter: IntentInterpreter) -> None:
        interpretation = interpreter.interpret("Holaaa buenas!")

        assert interpretation.intent is Intent.GREETING
        assert not interpretation.needs_clarification
        assert interpretation.source != "fallback"

    def test_a_price_question_with_a_brand(self, interpreter: IntentInterpreter) -> None:
        interpretation = interpreter.interpret("cuánto sale la cámara hikvision de 4mp?")

        assert interpretation.intent is Intent.PRICE_STOCK_QUESTION
        assert interpretation.entities.brand == "Hikvision"
        assert not interpretation.needs_clarification

    def test_an_opt_out(self, interpreter: IntentInterpreter) -> None:
        interpretation = interpreter.interpret("no me escriban más, quiero la baja")

        assert interpretation.intent is Intent.OPT_OUT
        assert not interpretation.needs_clarification

    def test_emoji_only_needs_clarification(self, interpreter: IntentInterpreter) -> None:
        interpretation = interpreter.interpret("👍👍🙏")

        assert interpretation.needs_clarification
