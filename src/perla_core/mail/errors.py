"""What can go wrong sending an e-mail, as typed errors the outbox decides on by type alone.

They specialise the gateway errors (:mod:`perla_core.gateways.errors`) with ``system`` set to
``mail``, so the HTTP problem table and the retry logic that already know
:class:`ExternalUnavailable` and :class:`ExternalRejected` treat mail the same way:

- :class:`MailUnavailable` — not delivered *this time*: the server is down or unreachable, the
  connection timed out or dropped, or it answered with a temporary (4xx) reply. Retryable.
- :class:`MailRejected` — the server refused the message for good (a 5xx reply to the sender,
  every recipient or the content). Retrying the same message gives the same answer.
- :class:`MailAuthFailed` — the server refused perla's SMTP credentials (535) or cannot take
  them (no AUTH offered): a configuration problem, not the message's fault. A
  :class:`MailRejected`, so nothing retries it until someone fixes the configuration.

``smtp_code`` is the server's reply code where there was one (also in ``remote_status``).
"""

from __future__ import annotations

from collections.abc import Iterable

from perla_core.gateways.errors import (
    ExternalAuthenticationFailed,
    ExternalRejected,
    ExternalUnavailable,
    RemoteFieldError,
)

SYSTEM = "mail"


class MailUnavailable(ExternalUnavailable):
    """The message was not delivered this time; send it again later (same Message-ID)."""

    code = "mail_unavailable"
    title = "Mail server unavailable"

    def __init__(
        self, message: str, *, smtp_code: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(SYSTEM, message, remote_status=smtp_code, retry_after=retry_after)
        self.smtp_code = smtp_code


class MailRejected(ExternalRejected):
    """The server refused the message for good; ``errors`` names the refused addresses.

    Each refused recipient is one :class:`RemoteFieldError` whose ``field`` is the message
    field it came from (``to``, ``cc``) and whose text starts with the address.
    """

    code = "mail_rejected"
    title = "Message refused by the mail server"

    def __init__(
        self,
        message: str,
        *,
        smtp_code: int | None = None,
        errors: Iterable[RemoteFieldError] = (),
    ) -> None:
        super().__init__(SYSTEM, message, errors=errors, remote_status=smtp_code)
        self.smtp_code = smtp_code


class MailAuthFailed(MailRejected, ExternalAuthenticationFailed):
    """The mail server refused perla's credentials: fix the SMTP configuration."""

    code = "mail_auth_failed"
    title = "Mail server refused perla's credentials"
