"""What can go wrong asking a language model, as typed errors.

- :class:`ModelUnavailable` — the model did not answer *this time*: a timeout, a refused
  connection, a 5xx, 429 or 529 (overloaded). Nothing was decided; the caller falls back.
- :class:`ModelProtocolError` — the model answered, but not as asked: no tool call where one was
  forced, a tool input outside its JSON schema, a body that is not the Messages API's.
"""

from __future__ import annotations

from perla_core.kernel.errors import PerlaError


class LanguageModelError(PerlaError):
    """Base of every failure of a language model; ``model`` names the provider."""

    code = "language_model_error"
    title = "Language model error"

    def __init__(self, model: str, message: str, *, status: int | None = None) -> None:
        super().__init__(message, model=model, status=status)
        self.model = model
        self.status = status


class ModelUnavailable(LanguageModelError):
    """The model did not answer usefully this time (timeout, connection, 5xx, 429, 529)."""

    code = "language_model_unavailable"
    title = "Language model unavailable"


class ModelProtocolError(LanguageModelError):
    """The model's answer broke the request's contract (a missing or malformed tool call)."""

    code = "language_model_protocol_error"
    title = "Language model answered out of contract"


__all__ = ["LanguageModelError", "ModelProtocolError", "ModelUnavailable"]
