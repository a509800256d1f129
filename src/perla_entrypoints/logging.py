"""Structured logs (structlog): readable in a terminal, JSON for collectors."""

from __future__ import annotations

import logging
import sys

import structlog

_SECRET_KEYS = ("authorization", "api_key", "key", "secret", "password", "token")


def _redact(_: object, __: str, event: structlog.typing.EventDict) -> structlog.typing.EventDict:
    for name in list(event):
        if any(s in name.lower() for s in _SECRET_KEYS):
            event[name] = "***"
    return event


def configure_logging(level: str = "INFO", fmt: str = "console") -> None:
    """Set up structlog and the standard library's logging once per process."""
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        numeric = logging.INFO
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _redact,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        # sys.stderr is looked up on every log call: test runners and CLIs swap it
        logger_factory=lambda *_: structlog.PrintLogger(sys.stderr),
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(
        level=numeric, stream=sys.stderr, format="%(levelname)s %(name)s %(message)s"
    )
