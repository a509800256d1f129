"""PerlaHub, the B2B platform: an httpx adapter and a local simulator of its contract.

``HttpPerlaHubGateway`` implements :class:`perla_core.gateways.PerlaHubGateway` over the HTTP
API described in ``docs/contracts/perlahub.md``; ``perla_adapters.perlahub.simulator`` serves
that same contract from memory (it needs the ``server`` extra: Litestar and uvicorn).
"""

from perla_adapters.perlahub.client import HttpPerlaHubGateway

__all__ = ["HttpPerlaHubGateway"]
