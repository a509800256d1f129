"""``render_mime``: an :class:`OutgoingEmail` as the MIME message every mail adapter sends.

The shape: ``text/plain`` alone; ``multipart/alternative`` (text, then HTML) when there is an
HTML body; both inside ``multipart/mixed`` with the attachments after them. Bodies are UTF-8
in quoted-printable and headers RFC 2047-encoded where they are not ASCII, so the message is
7-bit clean and no server needs SMTPUTF8 or 8BITMIME. Lines end in CRLF.

``In-Reply-To`` and ``References`` are stored pre-folded at the Message-ID boundaries: the
standard library would otherwise fold a long Message-ID there as an encoded word (which mail
clients do not read as a Message-ID) and the thread would break.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email import policy as email_policy
from email.headerregistry import Address
from email.message import EmailMessage, MIMEPart
from email.utils import format_datetime

from perla_core.mail.message import OutgoingEmail

POLICY = email_policy.SMTP.clone(refold_source="none")
"""CRLF line ends; headers stored raw (threading headers) are written as they were given."""


def _address(addr: str, name: str | None = None) -> Address:
    local, domain = addr.rsplit("@", 1)
    return Address(display_name=name or "", username=local, domain=domain)


def render_mime(email: OutgoingEmail, *, date: datetime | None = None) -> EmailMessage:
    """The complete message, headers and body; ``date`` is the ``Date`` header (default now)."""
    message = EmailMessage(policy=POLICY)
    message["Message-ID"] = email.message_id
    message["Date"] = format_datetime((date or datetime.now(UTC)).astimezone(UTC))
    message["From"] = _address(email.sender, email.sender_name)
    message["To"] = [_address(a) for a in email.to]
    if email.cc:
        message["Cc"] = [_address(a) for a in email.cc]
    if email.reply_to:
        message["Reply-To"] = _address(email.reply_to)
    message["Subject"] = email.subject
    if email.in_reply_to:
        message.set_raw("In-Reply-To", email.in_reply_to)
    if email.references:
        message.set_raw("References", "\r\n ".join(email.references))
    message.set_content(email.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    if email.html is not None:
        message.add_alternative(email.html, subtype="html", charset="utf-8", cte="quoted-printable")
    for attachment in email.attachments:
        message.add_attachment(
            attachment.data,
            maintype=attachment.maintype,
            subtype=attachment.subtype,
            filename=attachment.filename,
            params=attachment.params,
        )
    for part in message.iter_parts():
        _drop_nested_mime_version(part)
    return message


def _drop_nested_mime_version(part: MIMEPart) -> None:
    """The library repeats ``MIME-Version`` on parts it converts; only the top needs it."""
    del part["MIME-Version"]
    for child in part.iter_parts():
        _drop_nested_mime_version(child)
