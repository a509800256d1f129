"""Understanding customer messages: intents, entities and the language-model ports.

- :mod:`~perla_core.language.model` — :class:`Intent`, :class:`Entities`,
  :class:`Interpretation`, :class:`ConversationContext`, :data:`CLARIFY_BELOW`.
- :mod:`~perla_core.language.ports` — :class:`IntentInterpreter` (what the bot uses) and the
  general :class:`LanguageModel` (system text, messages, tools, forced tool choice).
- :mod:`~perla_core.language.rules` — :class:`RulesInterpreter`, offline and deterministic.
- :mod:`~perla_core.language.interpreter` — :class:`ModelInterpreter`, the tool-use one.
- :mod:`~perla_core.language.fallback` — :class:`FallbackInterpreter`, model then rules.
"""

from __future__ import annotations

from perla_core.language.errors import LanguageModelError, ModelProtocolError, ModelUnavailable
from perla_core.language.fallback import FallbackInterpreter
from perla_core.language.interpreter import ModelInterpreter
from perla_core.language.model import (
    CLARIFY_BELOW,
    ConversationContext,
    Entities,
    Feature,
    Intent,
    Interpretation,
    ProductType,
    Turn,
)
from perla_core.language.ports import (
    IntentInterpreter,
    LanguageModel,
    ModelMessage,
    ModelReply,
    ModelRequest,
    ToolCall,
    ToolSpec,
)
from perla_core.language.rules import AWAITING_CONFIRMATION, RulesInterpreter

__all__ = [
    "AWAITING_CONFIRMATION",
    "CLARIFY_BELOW",
    "ConversationContext",
    "Entities",
    "FallbackInterpreter",
    "Feature",
    "Intent",
    "IntentInterpreter",
    "Interpretation",
    "LanguageModel",
    "LanguageModelError",
    "ModelInterpreter",
    "ModelMessage",
    "ModelProtocolError",
    "ModelReply",
    "ModelRequest",
    "ModelUnavailable",
    "ProductType",
    "RulesInterpreter",
    "ToolCall",
    "ToolSpec",
    "Turn",
]
