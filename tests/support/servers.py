"""Real servers on loopback for tests: an ASGI app under uvicorn in a background thread.

``running_server(app)`` is :func:`perla_adapters.loopback.serving` (the demo's doubles use it
too): it binds a free port on 127.0.0.1, serves the app, yields the base URL and stops the
server when the block ends. ``SimulatorControl`` (from :mod:`perla_adapters.sim_control`)
drives the simulators' ``/_sim/*`` routes.
"""

from __future__ import annotations

from perla_adapters.loopback import serving as running_server
from perla_adapters.sim_control import SimulatorControl

__all__ = ["SimulatorControl", "running_server"]
