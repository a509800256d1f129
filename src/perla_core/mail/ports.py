"""The Mailer port: how the core gets an e-mail out of the door."""

from __future__ import annotations

from typing import Protocol

from perla_core.mail.message import OutgoingEmail


class Mailer(Protocol):
    """Sends e-mails: ``SmtpMailer``, ``EmlFileMailer`` (the embedded default), ``InMemoryMailer``.

    ``send`` returns once the message is delivered: accepted by the SMTP server for every
    recipient it did not refuse, written as a complete ``.eml`` file, recorded in memory.
    Otherwise it raises :class:`~perla_core.mail.errors.MailUnavailable` (retryable: server
    down, a timeout, a dropped connection, a 4xx reply) or
    :class:`~perla_core.mail.errors.MailRejected` (a 5xx refusal: not retryable;
    :class:`~perla_core.mail.errors.MailAuthFailed` when perla's credentials are refused).
    An invalid message never gets here: :class:`OutgoingEmail` refuses it when built.

    Delivery is at least once (the outbox may run a handler again after a crash), so sending
    the same Message-ID twice must be safe: the file adapter overwrites the same file and the
    memory adapter keeps one message per Message-ID. SMTP cannot take a message back: there,
    the outbox's per-handler idempotency record prevents a second send, and the window left
    is a crash between the server accepting the message and that record being committed (the
    recipient then sees two copies with the same Message-ID, which mail clients thread as one).
    A :class:`MailUnavailable` raised after the server may already have taken the message (a
    timeout waiting for its answer to the data) has the same consequence when retried.
    """

    def send(self, email: OutgoingEmail) -> None:
        """Deliver ``email``, or raise ``MailUnavailable`` / ``MailRejected``."""
        ...
