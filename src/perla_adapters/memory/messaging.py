"""An in-memory WhatsApp messenger: the first-class fake of :class:`Messenger`.

It applies the port's promises exactly as :class:`~perla_adapters.zenvia.ZenviaMessenger`
does (addresses, the 24-hour window at its clock; the message limits are the values' own) and
records what it accepted in ``sent``, oldest first. :meth:`InMemoryMessenger.fail_next` makes
the next sends raise (by default :class:`ExternalUnavailable`), before or after taking effect.
"""

from __future__ import annotations

import itertools
import threading
from datetime import datetime

import attrs

from perla_adapters.memory.dome import FailurePlan, default_clock
from perla_core.kernel.ports import Clock
from perla_core.messaging import (
    OutgoingMessage,
    SentMessage,
    check_external_id,
    check_window,
    normalise_address,
)

SYSTEM = "zenvia"


@attrs.frozen
class SentRecord:
    """One accepted send: the message and the answer perla got."""

    message: OutgoingMessage
    sent: SentMessage


class InMemoryMessenger:
    """Sends kept in memory (see the module docstring)."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = default_clock(clock)
        self.sent: list[SentRecord] = []
        self._failures = FailurePlan(SYSTEM)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def fail_next(
        self, n: int = 1, error: Exception | None = None, *, after_effect: bool = False
    ) -> None:
        """Make the next ``n`` sends raise ``error``; with ``after_effect`` the message is
        recorded first, as when Zenvia accepted it but its answer was lost."""
        with self._lock:
            self._failures.add(n, error, after_effect, None)

    def reset(self) -> None:
        with self._lock:
            self.sent.clear()
            self._failures.clear()

    def messages_to(self, to: str) -> list[OutgoingMessage]:
        with self._lock:
            return [r.message for r in self.sent if r.sent.to == to.removeprefix("+")]

    def send(
        self,
        message: OutgoingMessage,
        *,
        to: str,
        from_: str,
        external_id: str,
        last_inbound_at: datetime | None = None,
    ) -> SentMessage:
        recipient = normalise_address("to", to)
        sender = normalise_address("from_", from_)
        check_external_id(external_id)
        now = self.clock.now()
        check_window(message, last_inbound_at, now)
        with self._lock:
            failure = self._failures.take("send")
            if failure is not None and not failure.after_effect:
                raise failure.error
            sent = SentMessage(f"mem-{next(self._ids):08d}", external_id, recipient, sender, now)
            self.sent.append(SentRecord(message, sent))
            if failure is not None:
                raise failure.error
            return sent
