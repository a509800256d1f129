"""``ScriptedLanguageModel``: the first-class fake of the :class:`LanguageModel` port.

Each request is answered with the next queued reply: a :class:`ModelReply` (tool calls, text or
both) or an error (:class:`ModelUnavailable`, :class:`ModelProtocolError`, or any exception to
simulate a bug), raised as given.
With nothing queued it answers ``default``: a reply, or a function of the request that makes
one (a plain end-of-turn text unless told otherwise).
``requests`` records every request in arrival order, so a test checks the tools offered and
the forced choice as it would on the Messages-API double's ``/_sim/state``.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any, TypeAlias

from perla_core.language.errors import ModelProtocolError, ModelUnavailable
from perla_core.language.ports import ModelReply, ModelRequest, ToolCall

SYSTEM = "scripted"
DEFAULT_REPLY = ModelReply("(scripted) nothing queued", (), "end_turn")

Default: TypeAlias = ModelReply | Callable[[ModelRequest], ModelReply]


class ScriptedLanguageModel:
    """A language model answering from a queue (see the module docstring)."""

    def __init__(self, *replies: ModelReply | Exception, default: Default = DEFAULT_REPLY) -> None:
        self._queue: deque[ModelReply | Exception] = deque(replies)
        self._lock = threading.Lock()
        self._calls = 0
        self.default: Default = default
        self.requests: list[ModelRequest] = []

    # --- scripting -----------------------------------------------------------------------------

    def queue(self, *replies: ModelReply | Exception) -> ScriptedLanguageModel:
        """Answer the coming requests with ``replies``, in order; returns ``self``."""
        with self._lock:
            self._queue.extend(replies)
        return self

    def queue_tool_call(
        self, name: str, given: Mapping[str, Any], *, text: str = ""
    ) -> ScriptedLanguageModel:
        """The next reply calls ``name`` with ``given`` (stop reason ``tool_use``)."""
        with self._lock:
            self._calls += 1
            call = ToolCall(f"toolu_scripted_{self._calls:06d}", name, dict(given))
        return self.queue(ModelReply(text, (call,), "tool_use"))

    def queue_text(self, text: str) -> ScriptedLanguageModel:
        """The next reply is ``text`` only, no tool call (stop reason ``end_turn``)."""
        return self.queue(ModelReply(text, (), "end_turn"))

    def queue_unavailable(
        self, message: str = "the model is down (simulated)", *, status: int | None = 529
    ) -> ScriptedLanguageModel:
        """The next request raises :class:`ModelUnavailable`."""
        return self.queue(ModelUnavailable(SYSTEM, message, status=status))

    def queue_protocol_error(
        self, message: str = "the model answered out of contract (simulated)"
    ) -> ScriptedLanguageModel:
        """The next request raises :class:`ModelProtocolError`."""
        return self.queue(ModelProtocolError(SYSTEM, message))

    @property
    def pending(self) -> int:
        """Replies still queued."""
        with self._lock:
            return len(self._queue)

    # --- the port ------------------------------------------------------------------------------

    def complete(self, request: ModelRequest) -> ModelReply:
        with self._lock:
            self.requests.append(request)
            answer = self._queue.popleft() if self._queue else self.default
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, ModelReply):
            return answer
        return answer(request)


__all__ = ["DEFAULT_REPLY", "ScriptedLanguageModel"]
