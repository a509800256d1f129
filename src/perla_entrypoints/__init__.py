"""Thin entrypoints: the HTTP app, Dramatiq workers, the scheduler, the CLI and the container."""
