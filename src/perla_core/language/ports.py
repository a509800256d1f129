"""The language ports: :class:`IntentInterpreter` for the bot and :class:`LanguageModel` below it.

:class:`LanguageModel` is deliberately general (system text, messages, tools with JSON schemas,
an optional forced tool): the intent interpreter forces one tool, and later the PerlaHub
assistant offers several and runs the calls it gets back through perla's own services.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, Protocol

import attrs

from perla_core.language.model import ConversationContext, Interpretation


@attrs.frozen
class TextBlock:
    """Plain text inside a message."""

    text: str


@attrs.frozen
class ToolUseBlock:
    """A tool call the model made earlier, replayed in an assistant message."""

    id: str
    name: str
    input: Mapping[str, Any]


@attrs.frozen
class ToolResultBlock:
    """What a tool call gave back, sent in the next user message: ``content`` is text (JSON
    for structured results); ``is_error`` tells the model the call was refused and why."""

    tool_use_id: str
    content: str
    is_error: bool = False


ContentBlock = TextBlock | ToolUseBlock | ToolResultBlock


@attrs.frozen
class ModelMessage:
    """One message of the conversation sent to the model: plain text, or content blocks
    (text, the assistant's earlier tool calls, the results of those calls)."""

    role: Literal["user", "assistant"]
    content: str | tuple[ContentBlock, ...]

    @property
    def text(self) -> str:
        """The message's text: the string itself, or its text blocks joined."""
        if isinstance(self.content, str):
            return self.content
        return "\n".join(b.text for b in self.content if isinstance(b, TextBlock))


@attrs.frozen
class ToolSpec:
    """A tool the model may call: ``input_schema`` is a JSON Schema object."""

    name: str
    description: str
    input_schema: Mapping[str, Any]


@attrs.frozen
class ModelRequest:
    """One request: ``tool_choice`` names the tool the model must call, or None to let it choose."""

    system: str
    messages: tuple[ModelMessage, ...]
    tools: tuple[ToolSpec, ...] = ()
    tool_choice: str | None = None
    max_tokens: int = attrs.field(default=1024, validator=attrs.validators.gt(0))

    def __attrs_post_init__(self) -> None:
        if not self.messages:
            raise ValueError("a model request needs at least one message")
        if self.tool_choice is not None and self.tool_choice not in {t.name for t in self.tools}:
            raise ValueError(f"tool_choice {self.tool_choice!r} is not one of the tools offered")


@attrs.frozen
class ToolCall:
    """A tool call the model made: ``input`` is what it proposes, still to be validated."""

    id: str
    name: str
    input: Mapping[str, Any]


@attrs.frozen
class ModelReply:
    """The model's answer: its text blocks joined, its tool calls, and why it stopped."""

    text: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    stop_reason: str | None = None


class LanguageModel(Protocol):
    """A chat model with tool use (Anthropic's Messages API, a simulator, a test double).

    ``complete`` is one synchronous call, not idempotent in cost but free of side effects.
    Raises :class:`~perla_core.language.errors.ModelUnavailable` when the model did not answer
    (timeout, connection, 5xx, 429, 529) and
    :class:`~perla_core.language.errors.ModelProtocolError` when the answer is not a Messages
    reply. Tool inputs are returned as given: validating them is the caller's job.
    """

    def complete(self, request: ModelRequest) -> ModelReply: ...


class IntentInterpreter(Protocol):
    """Turns one customer message into an :class:`Interpretation`; never free text.

    Adapters that talk to a model raise the errors of :mod:`perla_core.language.errors`;
    :class:`~perla_core.language.fallback.FallbackInterpreter` turns those into the rules'
    answer, so the bot itself always gets an interpretation.
    """

    def interpret(
        self, text: str, *, context: ConversationContext | None = None
    ) -> Interpretation: ...


__all__ = [
    "ContentBlock",
    "IntentInterpreter",
    "LanguageModel",
    "ModelMessage",
    "ModelReply",
    "ModelRequest",
    "TextBlock",
    "ToolCall",
    "ToolResultBlock",
    "ToolSpec",
    "ToolUseBlock",
]
