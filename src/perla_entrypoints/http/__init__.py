"""The HTTP API (Litestar): ``create_app(container)`` builds it; nothing happens on import."""

from perla_entrypoints.http.app import create_app

__all__ = ["create_app"]
