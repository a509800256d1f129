"""``FallbackInterpreter``: a model first, the offline rules when the model falls over."""

from __future__ import annotations

from perla_core.language.errors import LanguageModelError
from perla_core.language.model import ConversationContext, Interpretation
from perla_core.language.ports import IntentInterpreter


class FallbackInterpreter:
    """Ask ``primary``; on :class:`LanguageModelError` (unavailable, malformed tool call) answer
    with ``fallback`` for this turn only, marked ``source="fallback"``.

    ``failures`` counts the turns that fell back (a metric for the bot's dashboard).
    """

    def __init__(self, primary: IntentInterpreter, fallback: IntentInterpreter) -> None:
        self.primary = primary
        self.fallback = fallback
        self.failures = 0
        self.last_error: LanguageModelError | None = None

    def interpret(self, text: str, *, context: ConversationContext | None = None) -> Interpretation:
        try:
            return self.primary.interpret(text, context=context)
        except LanguageModelError as error:
            self.failures += 1
            self.last_error = error
            return self.fallback.interpret(text, context=context).from_source("fallback")


__all__ = ["FallbackInterpreter"]
