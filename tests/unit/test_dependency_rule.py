"""The core is pure: importing every module of perla_core loads no I/O library."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

FORBIDDEN = (
    "sqlalchemy",
    "litestar",
    "dramatiq",
    "redis",
    "boto3",
    "lancedb",
    "anthropic",
    "httpx",
    "psycopg",
    "alembic",
    "structlog",
    "dependency_injector",
    "yaml",
    "smtplib",
)

PROBE = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys
    import perla_core
    imported = [perla_core.__name__]
    for info in pkgutil.walk_packages(perla_core.__path__, "perla_core."):
        importlib.import_module(info.name)
        imported.append(info.name)
    forbidden = set(sys.argv[1:])
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in forbidden)
    print(json.dumps({"imported": imported, "loaded": loaded}))
    """
)


def test_importing_every_module_of_the_core_loads_no_io_library() -> None:
    result = subprocess.run(  # noqa: S603 - our own interpreter, our own probe
        [sys.executable, "-c", PROBE, *FORBIDDEN],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert "perla_core.onboarding.services" in report["imported"]
    assert "perla_core.outbox" in report["imported"]
    assert report["loaded"] == []
