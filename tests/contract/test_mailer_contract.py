"""The Mailer's promises, kept by every adapter: in memory, as .eml files, and over SMTP.

Each adapter sends, then the test reads back what arrived and parses it with the standard
library's ``email`` parser, as a recipient's mail client would: the memory fake's messages
rendered with ``render_mime``, the ``.eml`` files from disk, and what a real SMTP server
(aiosmtpd on a free loopback port) received over plain SMTP, STARTTLS and implicit TLS, the
last two with a self-signed certificate made by ``openssl`` and AUTH PLAIN / LOGIN.

The value checks of :class:`OutgoingEmail` (what every adapter can rely on receiving) are at
the end. The SMTP test server is in ``tests/support/smtp.py``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, ClassVar

import pytest
from tests.support.smtp import (
    SMTP_PASSWORD,
    SMTP_USER,
    Certificate,
    LoopbackSmtp,
    loopback_smtp,
    self_signed_certificate,
)

from perla_adapters.mail import EmlFileMailer, SmtpMailer, render_mime
from perla_adapters.memory.mailer import InMemoryMailer
from perla_core.kernel.errors import InvalidValue
from perla_core.mail import (
    MAX_MESSAGE_BYTES,
    Attachment,
    Mailer,
    MailRejected,
    MailUnavailable,
    OutgoingEmail,
    make_message_id,
)

CSV = "hotel;ciudad\nHotel Ñandú;Sevilla\n".encode()
JSON = b'{"hotel": "Hotel \xc3\x91and\xc3\xba", "city": "Sevilla"}'


def a_message_id(kind: str = "supplier-request") -> str:
    return make_message_id(kind, secrets.token_hex(8), "perlatours.com")


def a_message(**changes: Any) -> OutgoingEmail:
    fields: dict[str, Any] = {
        "sender": "no-reply@perlatours.com",
        "sender_name": "Perla Tours — Proveedores",
        "to": ("suppliers@perlatours.com",),
        "subject": "Alta de proveedor: Hotel Ñandú — Sevilla",
        "text": "Hola,\n\nnueva solicitud para Hotel Ñandú — Sevilla.\n",
        "html": "<p>Hola,</p><p>nueva solicitud para <b>Hotel Ñandú — Sevilla</b>.</p>",
        "message_id": a_message_id(),
        "attachments": (
            Attachment("solicitud-ñandú.json", "application/json", JSON),
            Attachment("solicitud-ñandú.csv", "text/csv; charset=utf-8", CSV),
        ),
    }
    fields.update(changes)
    return OutgoingEmail(**fields)


def parse(data: bytes) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(message, EmailMessage)
    return message


def body(message: EmailMessage, kind: str) -> str | None:
    part = message.get_body(preferencelist=(kind,))
    if part is None or part.get_content_type() != f"text/{kind}":
        return None
    content = part.get_content()
    assert isinstance(content, str)
    return content.replace("\r\n", "\n")


def attachments(message: EmailMessage) -> dict[str, tuple[str, bytes]]:
    found: dict[str, tuple[str, bytes]] = {}
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        found[str(part.get_filename())] = (part.get_content_type(), payload)
    return found


# --- a real SMTP server on loopback -----------------------------------------------------------


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


# --- the contract ----------------------------------------------------------------------------


class MailerContract:
    """Every Mailer adapter passes these; subclasses provide ``mailer`` and ``arrived``."""

    dedupes_by_message_id: ClassVar[bool] = True
    """SMTP cannot: a resend arrives again (with the same Message-ID)."""

    @pytest.fixture
    def mailer(self) -> Mailer:
        raise NotImplementedError

    def arrived(self) -> list[EmailMessage]:
        """Everything delivered so far, parsed, oldest first."""
        raise NotImplementedError

    def only_arrival(self) -> EmailMessage:
        arrived = self.arrived()
        assert len(arrived) == 1
        return arrived[0]

    def test_a_message_arrives_with_its_subject_both_bodies_and_its_attachments_byte_for_byte(
        self, mailer: Mailer
    ) -> None:
        email = a_message()

        mailer.send(email)

        got = self.only_arrival()
        assert got["Subject"] == "Alta de proveedor: Hotel Ñandú — Sevilla"
        assert got["Message-ID"] == email.message_id
        assert got.get_content_type() == "multipart/mixed"
        assert body(got, "plain") == "Hola,\n\nnueva solicitud para Hotel Ñandú — Sevilla.\n"
        assert body(got, "html") == (
            "<p>Hola,</p><p>nueva solicitud para <b>Hotel Ñandú — Sevilla</b>.</p>\n"
        )
        assert attachments(got) == {
            "solicitud-ñandú.json": ("application/json", JSON),
            "solicitud-ñandú.csv": ("text/csv", CSV),
        }

    def test_a_plain_text_message_arrives_as_one_text_part(self, mailer: Mailer) -> None:
        mailer.send(a_message(html=None, attachments=()))

        got = self.only_arrival()
        assert got.get_content_type() == "text/plain"
        assert got.get_content_charset() == "utf-8"
        assert body(got, "plain") == "Hola,\n\nnueva solicitud para Hotel Ñandú — Sevilla.\n"
        assert body(got, "html") is None
        assert attachments(got) == {}

    def test_text_and_html_without_attachments_arrive_as_alternatives(self, mailer: Mailer) -> None:
        mailer.send(a_message(attachments=()))

        got = self.only_arrival()
        assert got.get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in got.iter_parts()] == ["text/plain", "text/html"]

    def test_the_addresses_arrive_as_given_with_the_sender_name_and_a_date(
        self, mailer: Mailer
    ) -> None:
        mailer.send(
            a_message(
                to=("suppliers@perlatours.com", "altas@perlatours.com"),
                cc=("ana.garcia@perlatours.com",),
                reply_to="proveedores@perlatours.com",
            )
        )

        got = self.only_arrival()
        assert got["From"].addresses[0].display_name == "Perla Tours — Proveedores"
        assert got["From"].addresses[0].addr_spec == "no-reply@perlatours.com"
        assert [a.addr_spec for a in got["To"].addresses] == [
            "suppliers@perlatours.com",
            "altas@perlatours.com",
        ]
        assert [a.addr_spec for a in got["Cc"].addresses] == ["ana.garcia@perlatours.com"]
        assert got["Reply-To"].addresses[0].addr_spec == "proveedores@perlatours.com"
        date = parsedate_to_datetime(got["Date"])
        assert date.tzinfo is not None
        assert abs((datetime.now(UTC) - date).total_seconds()) < 600

    def test_a_reply_carries_in_reply_to_and_references_so_mail_clients_thread_it(
        self, mailer: Mailer
    ) -> None:
        first = make_message_id(
            "supplier-request", "0190f1c2-7b3a-7d4e-9f10-abcdef012345", "perlatours.com"
        )
        guest = "<CAF3x9q+Zr1tY7=a.long.identifier.from.the.hotel.mail.server@mail.gmail.com>"
        reminder = a_message(
            subject="Re: Alta de proveedor: Hotel Ñandú — Sevilla",
            message_id=a_message_id("supplier-request-reminder"),
            in_reply_to=guest,
            references=(first, guest),
        )

        mailer.send(reminder)

        got = self.only_arrival()
        assert got["In-Reply-To"] == guest
        assert str(got["References"]).split() == [first, guest]
        assert "=?" not in str(got["References"]) + str(got["In-Reply-To"])

    def test_sending_the_same_message_id_twice_is_safe(self, mailer: Mailer) -> None:
        email = a_message()

        mailer.send(email)
        mailer.send(email)

        arrived = self.arrived()
        assert len(arrived) == (1 if self.dedupes_by_message_id else 2)
        assert {m["Message-ID"] for m in arrived} == {email.message_id}

    def test_messages_with_different_ids_arrive_as_different_messages(self, mailer: Mailer) -> None:
        one, two = a_message(), a_message(subject="Segunda solicitud")

        mailer.send(one)
        mailer.send(two)

        assert sorted(m["Message-ID"] for m in self.arrived()) == sorted(
            [one.message_id, two.message_id]
        )


class TestInMemoryMailer(MailerContract):
    @pytest.fixture
    def mailer(self) -> Mailer:
        self.memory = InMemoryMailer()
        return self.memory

    def arrived(self) -> list[EmailMessage]:
        return [parse(render_mime(email).as_bytes()) for email in self.memory.sent]

    def test_it_records_the_message_value_once_per_message_id_and_counts_every_attempt(
        self,
    ) -> None:
        mailer, email = InMemoryMailer(), a_message(cc=("ana.garcia@perlatours.com",))

        mailer.send(email)
        mailer.send(email)

        assert mailer.sent == [email]
        assert mailer.attempts == 2
        assert mailer.sent_to("Ana.Garcia@perlatours.com") == [email]
        assert mailer.sent_to("nobody@perlatours.com") == []

    def test_queued_failures_fail_the_next_sends_then_it_delivers(self) -> None:
        mailer, email = InMemoryMailer(), a_message()
        mailer.fail_next(2)

        for _ in range(2):
            with pytest.raises(MailUnavailable) as caught:
                mailer.send(email)
            assert caught.value.retryable
        mailer.send(email)

        assert mailer.sent == [email]
        assert mailer.attempts == 3

    def test_a_failure_after_the_effect_delivers_yet_raises_and_the_retry_adds_nothing(
        self,
    ) -> None:
        mailer, email = InMemoryMailer(), a_message()
        mailer.fail_next(1, MailUnavailable("answer lost"), after_effect=True)

        with pytest.raises(MailUnavailable, match="answer lost"):
            mailer.send(email)
        mailer.send(email)

        assert mailer.sent == [email]

    def test_a_queued_rejection_is_not_retryable(self) -> None:
        mailer = InMemoryMailer()
        mailer.fail_next(1, MailRejected("550 no such user", smtp_code=550))

        with pytest.raises(MailRejected) as caught:
            mailer.send(a_message())

        assert not caught.value.retryable
        assert caught.value.code == "mail_rejected"
        assert mailer.sent == []


class TestEmlFileMailer(MailerContract):
    @pytest.fixture
    def mailer(self, tmp_path: Path) -> Mailer:
        self.folder = tmp_path / "outbox" / "mail"
        return EmlFileMailer(self.folder)

    def arrived(self) -> list[EmailMessage]:
        files = sorted(self.folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
        return [parse(path.read_bytes()) for path in files]

    def test_each_message_is_one_file_named_after_its_message_id_and_no_temporary_is_left(
        self, tmp_path: Path
    ) -> None:
        mailer = EmlFileMailer(tmp_path / "not" / "yet")
        email = a_message(message_id="<supplier-request.42@perlatours.com>")

        mailer.send(email)
        mailer.send(email)

        assert [p.name for p in (tmp_path / "not" / "yet").iterdir()] == [
            "supplier-request.42@perlatours.com.eml"
        ]
        assert mailer.path_for(email.message_id).read_bytes().count(b"\r\n") > 10

    def test_ids_differing_only_in_characters_unsafe_for_file_names_get_different_files(
        self, tmp_path: Path
    ) -> None:
        mailer = EmlFileMailer(tmp_path)

        mailer.send(a_message(message_id="<a/b@perlatours.com>"))
        mailer.send(a_message(message_id="<a_b@perlatours.com>"))
        mailer.send(a_message(message_id="<a?b@perlatours.com>"))

        names = sorted(p.name for p in tmp_path.iterdir())
        assert len(names) == 3
        assert all("/" not in n and "?" not in n for n in names)

    def test_a_folder_that_cannot_be_written_is_unavailable_and_leaves_nothing(
        self, tmp_path: Path
    ) -> None:
        blocker = tmp_path / "not-a-folder"
        blocker.write_text("a file where the folder should be")
        mailer = EmlFileMailer(blocker / "mail")

        with pytest.raises(MailUnavailable) as caught:
            mailer.send(a_message())

        assert caught.value.retryable
        assert sorted(p.name for p in tmp_path.iterdir()) == ["not-a-folder"]


class SmtpContract(MailerContract):
    dedupes_by_message_id = False

    def arrived(self) -> list[EmailMessage]:
        return [received.message for received in self.server.mailbox.received]

    def use(self, server: LoopbackSmtp) -> None:
        server.mailbox.reset()
        if server.authenticator is not None:
            server.authenticator.mechanisms.clear()
        self.server = server

    def test_the_envelope_goes_from_the_sender_to_every_recipient_once(
        self, mailer: Mailer
    ) -> None:
        mailer.send(
            a_message(
                to=("suppliers@perlatours.com", "altas@perlatours.com"),
                cc=("altas@perlatours.com", "ana.garcia@perlatours.com"),
            )
        )

        (received,) = self.server.mailbox.received
        assert received.mail_from == "no-reply@perlatours.com"
        assert received.rcpt_tos == [
            "suppliers@perlatours.com",
            "altas@perlatours.com",
            "ana.garcia@perlatours.com",
        ]

    def test_what_travels_is_seven_bit_clean(self, mailer: Mailer) -> None:
        mailer.send(a_message())

        (received,) = self.server.mailbox.received
        assert received.content.isascii()


@pytest.fixture(scope="module")
def plain_smtp() -> Iterator[LoopbackSmtp]:
    with loopback_smtp() as server:
        yield server


@pytest.fixture(scope="module")
def starttls_smtp(certificate: Certificate) -> Iterator[LoopbackSmtp]:
    with loopback_smtp(starttls=certificate.server_context(), auth=True) as server:
        yield server


@pytest.fixture(scope="module")
def implicit_tls_smtp(certificate: Certificate) -> Iterator[LoopbackSmtp]:
    with loopback_smtp(
        implicit_tls=certificate.server_context(), auth=True, exclude_mechanisms=["PLAIN"]
    ) as server:
        yield server


class TestSmtpMailerWithoutEncryption(SmtpContract):
    @pytest.fixture
    def mailer(self, plain_smtp: LoopbackSmtp) -> Mailer:
        self.use(plain_smtp)
        return SmtpMailer("127.0.0.1", plain_smtp.port, security="none", timeout=5)


class TestSmtpMailerWithStarttlsAndLogin(SmtpContract):
    @pytest.fixture
    def mailer(self, starttls_smtp: LoopbackSmtp, certificate: Certificate) -> Mailer:
        self.use(starttls_smtp)
        return SmtpMailer(
            "127.0.0.1",
            starttls_smtp.port,
            security="starttls",
            username=SMTP_USER,
            password=SMTP_PASSWORD,
            timeout=5,
            ssl_context=certificate.client_context(),
        )

    def test_it_logs_in_after_the_upgrade(self, mailer: Mailer) -> None:
        mailer.send(a_message())

        assert self.server.authenticator is not None
        assert self.server.authenticator.mechanisms == ["PLAIN"]


class TestSmtpMailerWithImplicitTlsAndLogin(SmtpContract):
    @pytest.fixture
    def mailer(self, implicit_tls_smtp: LoopbackSmtp, certificate: Certificate) -> Mailer:
        self.use(implicit_tls_smtp)
        return SmtpMailer(
            "127.0.0.1",
            implicit_tls_smtp.port,
            security="ssl",
            username=SMTP_USER,
            password=SMTP_PASSWORD,
            timeout=5,
            ssl_context=certificate.client_context(),
        )

    def test_it_logs_in_with_auth_login_when_the_server_offers_only_that(
        self, mailer: Mailer
    ) -> None:
        mailer.send(a_message())

        assert self.server.authenticator is not None
        assert self.server.authenticator.mechanisms == ["LOGIN"]


# --- what every adapter can rely on: the message value ---------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"subject": "Hola\r\nBcc: everyone@example.com"}, "subject"),
        ({"subject": "Hola\nBcc: everyone@example.com"}, "subject"),
        ({"subject": "Hola\u2028Bcc: everyone@example.com"}, "subject"),
        ({"to": ("suppliers@perlatours.com\r\nBcc: x@example.com",)}, "to[0]"),
        ({"to": ("suppliers@perlatours.com", "x@example.com\n")}, "to[1]"),
        ({"cc": ("ana@perlatours.com\rBcc: x@example.com",)}, "cc[0]"),
        ({"sender": "no-reply@perlatours.com\r\nX-Evil: 1"}, "sender"),
        ({"sender_name": "Perla\r\nBcc: x@example.com"}, "sender_name"),
        ({"reply_to": "a@perlatours.com\nBcc: x@example.com"}, "reply_to"),
        ({"message_id": "<a@perlatours.com>\r\nBcc: x@example.com"}, "message_id"),
        ({"in_reply_to": "<a@b.com>\nBcc: x@example.com"}, "in_reply_to"),
        ({"references": ("<a@b.com>", "<c@d.com>\r\nBcc: x@example.com")}, "references[1]"),
    ],
)
def test_a_line_break_in_any_header_field_is_refused_as_header_injection(
    changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidValue) as caught:
        a_message(**changes)

    assert caught.value.field == field


@pytest.mark.parametrize(
    ("filename", "content_type", "field"),
    [
        ("ficha.csv\r\nX-Evil: 1", "text/csv", "filename"),
        ("../../etc/passwd", "text/plain", "filename"),
        ("ficha.csv", "text/csv\r\nX-Evil: 1", "content_type"),
        ("ficha.csv", "csv", "content_type"),
    ],
)
def test_an_attachment_with_a_bad_name_or_type_is_refused(
    filename: str, content_type: str, field: str
) -> None:
    with pytest.raises(InvalidValue) as caught:
        Attachment(filename, content_type, b"x")

    assert caught.value.field == field


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"to": ()}, "to"),
        ({"to": ("not-an-address",)}, "to[0]"),
        ({"sender": "no-reply@perlatours"}, "sender"),
        ({"subject": "   "}, "subject"),
        ({"subject": "x" * 301}, "subject"),
        ({"text": ""}, "text"),
        ({"message_id": "supplier-request.1@perlatours.com"}, "message_id"),
        ({"message_id": "<no at sign>"}, "message_id"),
        ({"to": tuple(f"p{i}@perlatours.com" for i in range(51))}, "to"),
    ],
)
def test_a_message_without_what_mail_needs_is_refused_naming_the_field(
    changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidValue) as caught:
        a_message(**changes)

    assert caught.value.field == field


def test_a_message_above_the_size_limit_is_refused_before_any_adapter_sees_it() -> None:
    big = Attachment("fotos.zip", "application/zip", bytes(MAX_MESSAGE_BYTES))

    with pytest.raises(InvalidValue, match="limit") as caught:
        a_message(attachments=(big,))

    assert caught.value.field == "attachments"


def test_addresses_are_normalised_and_a_single_recipient_may_be_given_as_text() -> None:
    email = a_message(to=" Suppliers@PerlaTours.COM ", sender="No-Reply@PERLATOURS.com")

    assert email.to == ("Suppliers@perlatours.com",)
    assert email.sender == "No-Reply@perlatours.com"


def test_the_message_id_of_a_business_object_is_stable_and_well_formed() -> None:
    ident = "0190f1c2-7b3a-7d4e-9f10-abcdef012345"

    first = make_message_id("supplier-request", ident, "PerlaTours.com")

    assert first == f"<supplier-request.{ident}@perlatours.com>"
    assert make_message_id("supplier-request", ident, "perlatours.com") == first
    with pytest.raises(InvalidValue):
        make_message_id("supplier request", ident, "perlatours.com")
    with pytest.raises(InvalidValue):
        make_message_id("supplier-request", ident, "perla tours.com")
