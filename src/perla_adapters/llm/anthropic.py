"""The language ports over Anthropic's Messages API, with the ``anthropic`` SDK.

:class:`AnthropicLanguageModel` implements :class:`~perla_core.language.ports.LanguageModel`:
one ``messages.create`` per request (tools and a forced ``tool_choice`` passed through; the
conversation's content blocks sent as the SDK's ``text``, ``tool_use`` and ``tool_result``
params, so a multi-step tool exchange replays as the API expects it), SDK failures mapped to the
core's typed errors:

- timeouts, connection errors, 408, 429, 5xx and 529 (``overloaded_error``), and a refused API
  key (401/403: the model is not available to perla until someone fixes the key) are
  :class:`~perla_core.language.errors.ModelUnavailable`;
- any other refusal (400, 404, 413 ...: for example a ``tool_result`` answering no
  ``tool_use`` of the previous message) and an answer that is not a Messages reply (a tool call
  whose input is not an object) are :class:`~perla_core.language.errors.ModelProtocolError`.

A reply keeps its text and every tool call, in order, and its ``stop_reason`` as given
(``end_turn``, ``tool_use``, ``max_tokens`` ...).

:class:`AnthropicInterpreter` is the core's tool-use interpreter over it, marked
``source="anthropic"``; wrap it in :class:`~perla_core.language.fallback.FallbackInterpreter`
with the :class:`~perla_core.language.rules.RulesInterpreter`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import anthropic
import structlog
from anthropic.types import (
    MessageParam,
    TextBlockParam,
    ToolParam,
    ToolResultBlockParam,
    ToolUseBlockParam,
)

from perla_core.language.errors import ModelProtocolError, ModelUnavailable
from perla_core.language.interpreter import ModelInterpreter
from perla_core.language.ports import (
    ContentBlock,
    LanguageModel,
    ModelMessage,
    ModelReply,
    ModelRequest,
    TextBlock,
    ToolCall,
    ToolUseBlock,
)

SYSTEM: Final = "anthropic"
DEFAULT_MODEL: Final = "claude-haiku-4-5"
UNAVAILABLE_STATUSES: Final = frozenset({401, 403, 408, 409, 429})
ERROR_MESSAGE_LIMIT: Final = 500

log = structlog.get_logger("perla.llm")


class AnthropicLanguageModel:
    """Anthropic's Messages API. ``timeout`` is per attempt in seconds; ``max_retries`` is the
    SDK's own retrying (kept low: a bot turn would rather fall back to the rules than wait)."""

    def __init__(
        self,
        api_key: str,
        *,
        model: str = DEFAULT_MODEL,
        base_url: str | None = None,
        timeout: float = 10.0,
        max_retries: int = 1,
    ) -> None:
        if not api_key:
            raise ValueError("an Anthropic API key is required")
        self.model = model
        self.timeout = timeout
        self._client = anthropic.Anthropic(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries
        )

    def __repr__(self) -> str:
        return f"AnthropicLanguageModel({self.model!r}, {str(self._client.base_url)!r})"

    def close(self) -> None:
        self._client.close()

    def complete(self, request: ModelRequest) -> ModelReply:
        tools: list[ToolParam] = [
            {
                "name": tool.name,
                "description": tool.description,
                "input_schema": dict(tool.input_schema),
            }
            for tool in request.tools
        ]
        try:
            message = self._client.messages.create(
                model=self.model,
                max_tokens=request.max_tokens,
                system=request.system,
                messages=[_message(m) for m in request.messages],
                tools=tools or anthropic.omit,
                tool_choice=(
                    anthropic.omit
                    if request.tool_choice is None
                    else {"type": "tool", "name": request.tool_choice}
                ),
            )
        except anthropic.APITimeoutError:
            raise self._unavailable(f"did not answer within {self.timeout:g}s") from None
        except anthropic.APIConnectionError as error:
            raise self._unavailable(f"could not be reached ({type(error).__name__})") from None
        except anthropic.APIStatusError as error:
            raise self._status_error(error) from None
        except anthropic.APIError as error:
            raise ModelProtocolError(
                SYSTEM, f"Anthropic answered out of contract: {type(error).__name__}"
            ) from None
        return self._reply(message)

    def _unavailable(self, what: str, status: int | None = None) -> ModelUnavailable:
        log.warning("language_model_unavailable", system=SYSTEM, status=status, problem=what)
        return ModelUnavailable(SYSTEM, f"Anthropic {what}", status=status)

    def _status_error(self, error: anthropic.APIStatusError) -> Exception:
        status = error.status_code
        kind = _error_type(error.body)
        if status >= 500 or status in UNAVAILABLE_STATUSES:
            return self._unavailable(f"answered {status} ({kind})", status)
        detail = _error_message(error.body)
        return ModelProtocolError(
            SYSTEM,
            f"Anthropic refused the request: {status} ({kind})" + (f": {detail}" if detail else ""),
            status=status,
        )

    @staticmethod
    def _reply(message: Any) -> ModelReply:
        if not isinstance(message, anthropic.types.Message):
            raise ModelProtocolError(SYSTEM, "Anthropic answered something that is not a message")
        texts: list[str] = []
        calls: list[ToolCall] = []
        for block in message.content:
            if block.type == "text":
                texts.append(block.text)
            elif block.type == "tool_use":
                if not isinstance(block.input, Mapping):
                    raise ModelProtocolError(SYSTEM, f"tool {block.name} got a non-object input")
                calls.append(ToolCall(block.id, block.name, dict(block.input)))
        return ModelReply("".join(texts), tuple(calls), message.stop_reason)


def _message(message: ModelMessage) -> MessageParam:
    content = _content(message.content)
    if message.role == "user":
        return {"role": "user", "content": content}
    return {"role": "assistant", "content": content}


def _content(
    content: str | tuple[ContentBlock, ...],
) -> str | list[TextBlockParam | ToolUseBlockParam | ToolResultBlockParam]:
    """The SDK's params for a message's content. Blank text blocks are left out when other
    blocks remain (the API refuses them; an assistant turn that only called tools has none)."""
    if isinstance(content, str):
        return content
    blocks: list[TextBlockParam | ToolUseBlockParam | ToolResultBlockParam] = []
    for block in content:
        if isinstance(block, TextBlock):
            if block.text.strip() or len(content) == 1:
                blocks.append({"type": "text", "text": block.text})
        elif isinstance(block, ToolUseBlock):
            blocks.append(
                {"type": "tool_use", "id": block.id, "name": block.name, "input": dict(block.input)}
            )
        else:
            blocks.append(
                {
                    "type": "tool_result",
                    "tool_use_id": block.tool_use_id,
                    "content": block.content,
                    "is_error": block.is_error,
                }
            )
    return blocks


def _error_type(body: object) -> str:
    if isinstance(body, Mapping):
        error = body.get("error")
        if isinstance(error, Mapping) and isinstance(error.get("type"), str):
            return str(error["type"])
    return "error"


def _error_message(body: object) -> str:
    """The API's own explanation of a refusal (which field, which tool_use id), shortened."""
    if isinstance(body, Mapping):
        error = body.get("error")
        if isinstance(error, Mapping) and isinstance(error.get("message"), str):
            return str(error["message"])[:ERROR_MESSAGE_LIMIT]
    return ""


class AnthropicInterpreter(ModelInterpreter):
    """The intent interpreter over :class:`AnthropicLanguageModel` (or any language model)."""

    def __init__(self, model: LanguageModel, *, max_tokens: int = 512) -> None:
        super().__init__(model, source="anthropic", name=SYSTEM, max_tokens=max_tokens)


__all__ = ["DEFAULT_MODEL", "AnthropicInterpreter", "AnthropicLanguageModel"]
