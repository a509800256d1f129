"""A real SMTP server on a free loopback port (aiosmtpd), for tests of perla's mailers.

``loopback_smtp(...)`` serves plain SMTP, STARTTLS or implicit TLS, optionally with AUTH, and
keeps what it received in a :class:`Mailbox`; ``self_signed_certificate`` makes a certificate
for 127.0.0.1 with ``openssl``.
"""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import attrs
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SmtpServer
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

SMTP_USER = "perla-mailer"
SMTP_PASSWORD = "s3cret-pass-42"


def parse(data: bytes) -> EmailMessage:
    """A received message, parsed as a recipient's mail client would."""
    message = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(message, EmailMessage)
    return message


@attrs.define
class Received:
    """One message the test server accepted: its envelope and the raw bytes."""

    mail_from: str
    rcpt_tos: list[str]
    content: bytes

    @property
    def message(self) -> EmailMessage:
        return parse(self.content)


@attrs.define
class Mailbox:
    """The aiosmtpd handler: keeps what arrived, and answers what a test tells it to.

    aiosmtpd finds the ``handle_*`` hooks by name and passes arguments by position.
    ``rcpt_replies`` maps an address to the reply its ``RCPT TO`` gets (``"550 ..."``);
    ``mail_reply`` and ``data_reply`` replace the answer to ``MAIL FROM`` and to the data.
    """

    received: list[Received] = attrs.field(factory=list)
    rcpt_replies: dict[str, str] = attrs.field(factory=dict)
    mail_reply: str | None = None
    data_reply: str | None = None

    def reset(self) -> None:
        self.received.clear()
        self.rcpt_replies.clear()
        self.mail_reply = self.data_reply = None

    async def handle_MAIL(
        self,
        _server: SmtpServer,
        _session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        if self.mail_reply:
            return self.mail_reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self,
        _server: SmtpServer,
        _session: Session,
        envelope: Envelope,
        address: str,
        _rcpt_options: list[str],
    ) -> str:
        if reply := self.rcpt_replies.get(address):
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _server: SmtpServer, _session: Session, envelope: Envelope) -> str:
        if self.data_reply:
            return self.data_reply
        content = envelope.original_content or b""
        self.received.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), content))
        return "250 2.0.0 accepted"


@attrs.define
class Authenticator:
    """Accepts one user with one password; remembers the mechanisms that logged in."""

    user: str
    password: str
    mechanisms: list[str] = attrs.field(factory=list)

    def __call__(
        self,
        _server: SmtpServer,
        _session: Session,
        _envelope: Envelope,
        mechanism: str,
        auth_data: object,
    ) -> AuthResult:
        if (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == self.user
            and auth_data.password.decode() == self.password
        ):
            self.mechanisms.append(mechanism)
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


@attrs.frozen
class LoopbackSmtp:
    port: int
    mailbox: Mailbox
    authenticator: Authenticator | None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def loopback_smtp(
    *,
    port: int | None = None,
    starttls: ssl.SSLContext | None = None,
    implicit_tls: ssl.SSLContext | None = None,
    auth: bool = False,
    exclude_mechanisms: Iterable[str] = (),
) -> Iterator[LoopbackSmtp]:
    """An aiosmtpd server on 127.0.0.1, plain, with required STARTTLS, or implicit TLS."""
    mailbox = Mailbox()
    authenticator = Authenticator(SMTP_USER, SMTP_PASSWORD) if auth else None
    options: dict[str, Any] = {}
    if starttls is not None:
        options.update(tls_context=starttls, require_starttls=True)
    if authenticator is not None:
        options.update(authenticator=authenticator, auth_exclude_mechanism=list(exclude_mechanisms))
        if implicit_tls is not None:  # aiosmtpd only counts STARTTLS as "TLS" for AUTH
            options.update(auth_require_tls=False)
        else:
            options.update(auth_required=True)
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port or free_port(),
        ssl_context=implicit_tls,
        server_hostname="mail.perla.test",
        **options,
    )
    controller.start()
    try:
        yield LoopbackSmtp(controller.port, mailbox, authenticator)
    finally:
        controller.stop()


@attrs.frozen
class Certificate:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))


def self_signed_certificate(folder: Path) -> Certificate:
    """A certificate for 127.0.0.1 and localhost, made by ``openssl``; skips without it."""
    openssl = shutil.which("openssl")
    if openssl is None:
        message = "openssl is not installed: the TLS tests need it to make a certificate"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; under CI=true they must run, not skip")
        pytest.skip(message)
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(  # noqa: S603 - a fixed command line, no user input
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return Certificate(cert, key)
