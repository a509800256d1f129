"""Outgoing e-mail: the :class:`OutgoingEmail` value, the :class:`Mailer` port, its errors.

Adapters live in :mod:`perla_adapters.mail` (SMTP, ``.eml`` files) and
:mod:`perla_adapters.memory.mailer`; they all render the message the same way.
"""

from perla_core.mail.errors import MailAuthFailed, MailRejected, MailUnavailable
from perla_core.mail.message import (
    MAX_MESSAGE_BYTES,
    MAX_RECIPIENTS,
    Attachment,
    OutgoingEmail,
    make_message_id,
    parse_message_id,
)
from perla_core.mail.ports import Mailer

__all__ = [
    "MAX_MESSAGE_BYTES",
    "MAX_RECIPIENTS",
    "Attachment",
    "MailAuthFailed",
    "MailRejected",
    "MailUnavailable",
    "Mailer",
    "OutgoingEmail",
    "make_message_id",
    "parse_message_id",
]
