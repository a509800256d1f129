"""Structured logs (structlog): readable in a terminal, JSON for collectors.

Every line carries the correlation id of the work it belongs to (``correlation_id``): the HTTP
request's id (``X-Request-ID``, see ``http/observability.py``), or, on a worker, the id of the
outbox message being delivered or of the task's enqueuer. It is read from the core's context
(:func:`perla_core.outbox.current_correlation_id`) and bound to structlog's contextvars by
:func:`bound_correlation`.

Personal data stays out of the logs: e-mail addresses and phone numbers in any logged value
are masked (``m***@example.com``, ``***0123``), and the values of keys that name a secret
(``authorization``, ``api_key``, ``password``, ``token`` ...) are replaced by ``***``.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

import structlog

from perla_core.outbox import correlation, current_correlation_id

_SECRET_KEYS = ("authorization", "api_key", "key", "secret", "password", "token")
_UNMASKED_KEYS = frozenset({"timestamp", "level", "logger", "correlation_id", "request_id"})

_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
# A run of 8 to 15 digits, maybe with a leading + and spaces, dashes or parentheses between
# them, not inside a word, an identifier (UUIDs, references) or a decimal number.
_PHONE = re.compile(r"(?<![\w+-])(?<!\.)\+?\(?\d(?:[ ()-]{0,2}\d){7,14}(?![\w-]|\.\d)")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MIN_PHONE_DIGITS = 8


def _mask_phone(match: re.Match[str]) -> str:
    text = match.group(0)
    if _DATE.match(text):
        return text
    digits = re.sub(r"\D", "", text)
    if len(digits) < _MIN_PHONE_DIGITS:
        return text
    return f"***{digits[-4:]}"


def mask_pii(text: str) -> str:
    """``text`` with e-mail addresses and phone numbers masked."""
    masked = _EMAIL.sub(r"\1***@\2", text)
    return _PHONE.sub(_mask_phone, masked)


def _mask_value(value: Any) -> Any:
    if isinstance(value, str):
        return mask_pii(value)
    if isinstance(value, dict):
        return {k: _mask_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_mask_value(v) for v in value]
    return value


def _redact(_: object, __: str, event: structlog.typing.EventDict) -> structlog.typing.EventDict:
    for name in list(event):
        if any(s in name.lower() for s in _SECRET_KEYS):
            event[name] = "***"
    return event


def _mask(_: object, __: str, event: structlog.typing.EventDict) -> structlog.typing.EventDict:
    """Mask e-mail addresses and phone numbers in every value (exceptions included, once
    they are rendered to text)."""
    for name, value in list(event.items()):
        if name not in _UNMASKED_KEYS:
            event[name] = _mask_value(value)
    return event


def _add_correlation(
    _: object, __: str, event: structlog.typing.EventDict
) -> structlog.typing.EventDict:
    """The core's current correlation id, which wins over an outer binding (a delivery runs
    each outbox message under the message's own id)."""
    current = current_correlation_id()
    if current is not None:
        event["correlation_id"] = current
    return event


@contextmanager
def bound_correlation(correlation_id: str | None) -> Iterator[None]:
    """Run the block under ``correlation_id``: the outbox messages it writes carry it and
    its log lines show it. ``None`` leaves the current id as it is."""
    if correlation_id is None:
        yield
        return
    with (
        correlation(correlation_id),
        structlog.contextvars.bound_contextvars(correlation_id=correlation_id),
    ):
        yield


def configure_logging(
    level: str = "INFO", fmt: str = "console", stream: TextIO | None = None
) -> None:
    """Set up structlog and the standard library's logging once per process.

    ``stream`` is where the lines go (default: ``sys.stderr``, looked up on every call).
    """
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=stream is None and sys.stderr.isatty())
    )
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        numeric = logging.INFO
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            _add_correlation,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _redact,
            structlog.processors.format_exc_info,
            _mask,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        # sys.stderr is looked up on every log call: test runners and CLIs swap it
        logger_factory=(
            (lambda *_: structlog.PrintLogger(sys.stderr))
            if stream is None
            else (lambda *_: structlog.PrintLogger(stream))
        ),
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(
        level=numeric, stream=sys.stderr, format="%(levelname)s %(name)s %(message)s"
    )
