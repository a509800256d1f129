"""Dome, the back office / ERP: an httpx adapter and a local simulator of its contract.

``HttpDomeGateway`` implements :class:`perla_core.gateways.DomeGateway` over the HTTP API
described in ``docs/contracts/dome.md``; ``perla_adapters.dome.simulator`` serves that same
contract from memory (it needs the ``server`` extra: Litestar and uvicorn).
"""

from perla_adapters.dome.client import HttpDomeGateway

__all__ = ["HttpDomeGateway"]
