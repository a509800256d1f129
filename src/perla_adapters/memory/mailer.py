"""``InMemoryMailer``: the first-class fake of the :class:`Mailer` port.

``sent`` holds what was delivered, one message per Message-ID (a resend replaces the earlier
one in place, as the file adapter overwrites its file), so a test asserts "exactly one e-mail
arrived" the way it would against a real mailbox. ``attempts`` counts every call to ``send``.
``fail_next`` queues failures: the default is :class:`MailUnavailable`; with
``after_effect`` the message is recorded first and the error raised after, as when an SMTP
server took the message but its answer was lost.
"""

from __future__ import annotations

import threading
from collections import deque

import attrs

from perla_core.mail.errors import MailRejected, MailUnavailable
from perla_core.mail.message import OutgoingEmail


@attrs.frozen
class _Failure:
    error: MailUnavailable | MailRejected
    after_effect: bool


class InMemoryMailer:
    """E-mails delivered to this process's memory (see the module docstring)."""

    def __init__(self) -> None:
        self._sent: dict[str, OutgoingEmail] = {}
        self._failures: deque[_Failure] = deque()
        self._lock = threading.Lock()
        self.attempts = 0

    @property
    def sent(self) -> list[OutgoingEmail]:
        """Delivered messages in the order they first arrived, one per Message-ID."""
        with self._lock:
            return list(self._sent.values())

    def sent_to(self, address: str) -> list[OutgoingEmail]:
        """Delivered messages with ``address`` among their recipients (``to`` or ``cc``)."""
        wanted = address.strip().lower()
        return [e for e in self.sent if wanted in (r.lower() for r in e.recipients)]

    def fail_next(
        self,
        n: int = 1,
        error: MailUnavailable | MailRejected | None = None,
        *,
        after_effect: bool = False,
    ) -> None:
        """Make the next ``n`` sends raise ``error`` (default :class:`MailUnavailable`)."""
        failure = _Failure(
            error or MailUnavailable("the mail server is down (simulated)"), after_effect
        )
        with self._lock:
            self._failures.extend(failure for _ in range(n))

    def reset(self) -> None:
        """Forget delivered messages, attempts and queued failures."""
        with self._lock:
            self._sent.clear()
            self._failures.clear()
            self.attempts = 0

    def send(self, email: OutgoingEmail) -> None:
        with self._lock:
            self.attempts += 1
            failure = self._failures.popleft() if self._failures else None
            if failure is not None and not failure.after_effect:
                raise failure.error
            self._sent[email.message_id] = email
            if failure is not None:
                raise failure.error
