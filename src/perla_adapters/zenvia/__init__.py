"""Zenvia (WhatsApp through Zenvia's API v2): an httpx messenger, the wire format, a local double.

``ZenviaMessenger`` implements :class:`perla_core.messaging.Messenger`; ``wire`` maps perla's
values to Zenvia's JSON and parses its webhooks; ``perla_adapters.zenvia.simulator`` serves
the same contract locally (it needs the ``server`` extra). See ``docs/contracts/zenvia.md``.
"""

from perla_adapters.zenvia.client import ZenviaMessenger
from perla_adapters.zenvia.wire import parse_event, request_body

__all__ = ["ZenviaMessenger", "parse_event", "request_body"]
