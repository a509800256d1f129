"""SmtpMailer against a real SMTP server on loopback when things go wrong.

The server is aiosmtpd (see ``tests/contract/test_mailer_contract.py``), told to refuse a
recipient, the sender or the content with a given reply; "down" is a free port nobody listens
on, "hanging" a socket that accepts connections and never greets.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import attrs
import pytest
import structlog
from tests.contract.test_mailer_contract import a_message
from tests.support.smtp import (
    SMTP_PASSWORD,
    SMTP_USER,
    Certificate,
    LoopbackSmtp,
    free_port,
    loopback_smtp,
    self_signed_certificate,
)

from perla_adapters.mail import SmtpMailer
from perla_core.kernel.errors import InvalidValue
from perla_core.mail import MailAuthFailed, MailRejected, MailUnavailable


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def plain_server() -> Iterator[LoopbackSmtp]:
    with loopback_smtp() as server:
        yield server


@pytest.fixture
def server(plain_server: LoopbackSmtp) -> LoopbackSmtp:
    plain_server.mailbox.reset()
    return plain_server


@pytest.fixture(scope="module")
def tls_server(certificate: Certificate) -> Iterator[LoopbackSmtp]:
    with loopback_smtp(starttls=certificate.server_context(), auth=True) as server:
        yield server


def plain_mailer(port: int, timeout: float = 5) -> SmtpMailer:
    return SmtpMailer("127.0.0.1", port, security="none", timeout=timeout)


def tls_mailer(
    server: LoopbackSmtp, certificate: Certificate, password: str = SMTP_PASSWORD
) -> SmtpMailer:
    return SmtpMailer(
        "127.0.0.1",
        server.port,
        security="starttls",
        username=SMTP_USER,
        password=password,
        timeout=5,
        ssl_context=certificate.client_context(),
    )


# --- the server is not there ---------------------------------------------------------------


def test_a_server_that_is_down_makes_the_message_unavailable_to_retry_later() -> None:
    with pytest.raises(MailUnavailable) as caught:
        plain_mailer(free_port()).send(a_message())

    assert caught.value.retryable
    assert caught.value.code == "mail_unavailable"
    assert "connecting" in caught.value.message


def test_a_server_that_never_answers_times_out_as_unavailable() -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:
        started = time.monotonic()
        with pytest.raises(MailUnavailable, match="timed out"):
            plain_mailer(silent.getsockname()[1], timeout=0.3).send(a_message())

    assert time.monotonic() - started < 3


def test_a_server_that_hangs_up_after_greeting_is_unavailable() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:

        def greet_and_hang_up() -> None:
            conn, _ = listener.accept()
            with conn:
                conn.sendall(b"220 mail.perla.test ESMTP\r\n")

        thread = threading.Thread(target=greet_and_hang_up, daemon=True)
        thread.start()
        with pytest.raises(MailUnavailable, match="closed the connection"):
            plain_mailer(listener.getsockname()[1]).send(a_message())
        thread.join(timeout=5)


def test_after_an_outage_the_same_message_is_delivered_exactly_once() -> None:
    port, email = free_port(), a_message()
    mailer = plain_mailer(port)
    with pytest.raises(MailUnavailable):
        mailer.send(email)

    with loopback_smtp(port=port) as back:
        mailer.send(email)

        assert [r.message["Message-ID"] for r in back.mailbox.received] == [email.message_id]


# --- the server answers no -----------------------------------------------------------------


def test_a_recipient_refused_with_550_is_rejected_naming_the_address_and_nothing_arrives(
    server: LoopbackSmtp,
) -> None:
    server.mailbox.rcpt_replies["nadie@perlatours.com"] = "550 5.1.1 no such mailbox"

    with pytest.raises(MailRejected) as caught:
        plain_mailer(server.port).send(a_message(to=("nadie@perlatours.com",)))

    error = caught.value
    assert not error.retryable
    assert (error.code, error.smtp_code) == ("mail_rejected", 550)
    assert error.fields == ["to"]
    assert "nadie@perlatours.com: 550 5.1.1 no such mailbox" in error.errors[0].message
    assert server.mailbox.received == []


def test_a_recipient_answered_451_is_unavailable_and_the_retry_delivers_it(
    server: LoopbackSmtp,
) -> None:
    email = a_message()
    server.mailbox.rcpt_replies["suppliers@perlatours.com"] = "451 4.3.0 try again later"

    with pytest.raises(MailUnavailable) as caught:
        plain_mailer(server.port).send(email)
    assert caught.value.smtp_code == 451
    assert server.mailbox.received == []

    server.mailbox.rcpt_replies.clear()
    plain_mailer(server.port).send(email)

    assert len(server.mailbox.received) == 1


def test_when_only_some_recipients_are_refused_the_others_get_it_and_the_refusal_is_logged(
    server: LoopbackSmtp,
) -> None:
    server.mailbox.rcpt_replies["old@perlatours.com"] = "550 5.1.1 gone"
    email = a_message(cc=("old@perlatours.com",))

    with structlog.testing.capture_logs() as logs:
        plain_mailer(server.port).send(email)

    (received,) = server.mailbox.received
    assert received.rcpt_tos == ["suppliers@perlatours.com"]
    (entry,) = [e for e in logs if e["event"] == "mail_recipients_refused"]
    assert entry["message_id"] == email.message_id
    assert entry["refused"] == {"old@perlatours.com": "550 5.1.1 gone"}


@pytest.mark.parametrize(
    ("reply", "error"),
    [("553 5.7.1 sender not allowed", MailRejected), ("451 4.7.1 greylisted", MailUnavailable)],
)
def test_a_refused_sender_is_rejected_on_5xx_and_unavailable_on_4xx(
    server: LoopbackSmtp, reply: str, error: type[Exception]
) -> None:
    server.mailbox.mail_reply = reply

    with pytest.raises(error, match=r"no-reply@perlatours\.com"):
        plain_mailer(server.port).send(a_message())

    assert server.mailbox.received == []


@pytest.mark.parametrize(
    ("reply", "error"),
    [("554 5.6.0 content refused", MailRejected), ("452 4.3.1 out of storage", MailUnavailable)],
)
def test_refused_content_is_rejected_on_5xx_and_unavailable_on_4xx(
    server: LoopbackSmtp, reply: str, error: type[Exception]
) -> None:
    server.mailbox.data_reply = reply
    email = a_message()

    with pytest.raises(error, match=reply[:3]) as caught:
        plain_mailer(server.port).send(email)

    assert email.message_id in str(caught.value)


def test_a_header_injection_attempt_is_refused_before_anything_is_sent(
    server: LoopbackSmtp,
) -> None:
    mailer = plain_mailer(server.port)
    good = a_message()

    with pytest.raises(InvalidValue) as caught:
        mailer.send(attrs.evolve(good, subject="Hola\r\nBcc: everyone@example.com"))
    assert caught.value.field == "subject"
    with pytest.raises(InvalidValue):
        mailer.send(attrs.evolve(good, to=("suppliers@perlatours.com\nBcc: x@example.com",)))

    assert server.mailbox.received == []


# --- TLS and credentials -------------------------------------------------------------------


def test_a_wrong_password_is_an_auth_failure_that_is_not_retried_and_never_shows_the_password(
    tls_server: LoopbackSmtp, certificate: Certificate
) -> None:
    tls_server.mailbox.reset()
    mailer = tls_mailer(tls_server, certificate, password="wrong-Password-77")

    with structlog.testing.capture_logs() as logs, pytest.raises(MailAuthFailed) as caught:
        mailer.send(a_message())

    error = caught.value
    assert isinstance(error, MailRejected)
    assert not error.retryable
    assert (error.code, error.smtp_code) == ("mail_auth_failed", 535)
    assert SMTP_USER in error.message
    for text in (str(error), repr(mailer), repr(logs)):
        assert "wrong-Password-77" not in text
    assert tls_server.mailbox.received == []


def test_a_certificate_that_is_not_trusted_is_unavailable_and_nothing_is_sent(
    tls_server: LoopbackSmtp,
) -> None:
    tls_server.mailbox.reset()
    mailer = SmtpMailer(
        "127.0.0.1",
        tls_server.port,
        username=SMTP_USER,
        password=SMTP_PASSWORD,
        timeout=5,
    )

    with pytest.raises(MailUnavailable, match="TLS failed"):
        mailer.send(a_message())

    assert tls_server.mailbox.received == []


def test_a_server_without_starttls_gets_nothing_in_clear_when_starttls_is_configured(
    server: LoopbackSmtp,
) -> None:
    mailer = SmtpMailer("127.0.0.1", server.port, security="starttls", timeout=5)

    with pytest.raises(MailUnavailable, match="does not offer STARTTLS"):
        mailer.send(a_message())

    assert server.mailbox.received == []


def test_credentials_for_a_server_offering_no_auth_mechanism_perla_speaks_are_an_auth_failure(
    certificate: Certificate,
) -> None:
    with loopback_smtp(
        starttls=certificate.server_context(), auth=True, exclude_mechanisms=["LOGIN", "PLAIN"]
    ) as no_auth:
        mailer = tls_mailer(no_auth, certificate)

        with pytest.raises(MailAuthFailed, match="offers no AUTH mechanism perla can use"):
            mailer.send(a_message())

        assert no_auth.mailbox.received == []


@pytest.mark.parametrize(
    ("options", "complaint"),
    [
        ({"security": "none", "username": "u", "password": "p"}, "need security"),
        ({"security": "tls"}, "security must be one of"),
        ({"username": "u"}, "both the SMTP username and password"),
        ({"username": "u", "password": "contraseña"}, "ASCII"),
        ({"timeout": 0}, "timeout"),
    ],
)
def test_a_mailer_configured_wrongly_is_refused_when_built(
    options: dict[str, object], complaint: str
) -> None:
    with pytest.raises(ValueError, match=complaint):
        SmtpMailer("127.0.0.1", 587, **options)  # type: ignore[arg-type]


def test_the_mailer_shows_its_server_and_user_but_never_its_password() -> None:
    mailer = SmtpMailer("smtp.perlatours.com", 587, username="perla", password="hunter2-xyz")

    assert (
        repr(mailer)
        == "SmtpMailer('smtp.perlatours.com', 587, security='starttls', username='perla')"
    )
    assert "hunter2-xyz" not in repr(mailer)
