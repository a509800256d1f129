"""Incoming e-mail read from MIME: real-looking messages in ``tests/fixtures/mail`` and hostile
bytes, which may only ever be refused with :class:`InvalidValue`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from perla_adapters.mail.inbound import (
    MAX_BOUNDARY_LINES,
    SYNTHETIC_ID_DOMAIN,
    decode_text,
    html_to_text,
    parse_inbound_email,
    synthetic_message_id,
)
from perla_core.kernel.errors import InvalidValue
from perla_core.mail.inbound import MAX_INBOUND_BYTES, InboundAttachment, InboundEmail
from perla_core.mail.message import parse_message_id

FIXTURES = Path(__file__).parents[2] / "fixtures" / "mail"
SUPPLIER_REQUEST = "<supplier_request.0195b7a2-7f41-7a6d-8c43-5e9f1b3a7d44@perlatours.com>"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def parse(name: str, **kwargs: datetime) -> InboundEmail:
    return parse_inbound_email(fixture(name), **kwargs)


def refused(raw: bytes) -> InvalidValue:
    with pytest.raises(InvalidValue) as caught:
        parse_inbound_email(raw)
    assert caught.value.field == "message"
    return caught.value


# --- the fixtures ---------------------------------------------------------------------------


def test_a_gmail_reply_gives_its_plain_text_with_the_quoted_request_and_threads_under_it() -> None:
    email = parse("gmail_reply.eml")

    assert email.message_id == "<CAJx8kZ3vQ1_Hn0u+5pXr2dM=Lw7yF4kT9sGq6bW@mail.gmail.com>"
    assert email.sender == "Lucia.Ferrer.Hotel@gmail.com"
    assert email.sender_name == "Lucía Ferrer"
    assert email.to == ("suppliers@perlatours.com",)
    assert email.cc == ("reservas@hotelmiramarsitges.es",)  # perla's own address is in To
    assert email.subject == "Re: Solicitud de alta de proveedor \u2013 Hotel Miramar Sitges"
    request = "<supplier_request.0195b7a2-4c1e-7d3a-9f10-2b6c8e0d4a11@perlatours.com>"
    assert email.in_reply_to == request
    assert email.references == (request,)
    assert email.thread_ids == (request,)
    assert email.text.startswith("Hola,\n\nOs adjunto los datos que faltaban: el CIF es B12345674")
    assert "Lucía\n" in email.text
    assert "> Para completar vuestra alta como proveedor nos faltan estos datos:" in email.text
    assert "<div" not in email.text
    assert email.received_at == datetime(2025, 3, 4, 17, 41, 15, tzinfo=UTC)
    assert email.attachments == ()
    assert email.auto_submitted is False


def test_an_outlook_reply_keeps_its_re_aw_subject_and_reads_references_folded_over_lines() -> None:
    email = parse("outlook_reply.eml")

    assert email.subject == "RE: AW: Re: Zimmerkontingent Oktoberfest 2025"
    assert email.message_id == (
        "<AM9PR04MB8412C4F1E2D3A4B5C6D7E8F9A0B1C2D3E4F5@AM9PR04MB8412.eurprd04.prod.outlook.com>"
    )
    reminder = "<supplier_request.0195b7a2-7f41-7a6d-8c43-5e9f1b3a7d44.r1@perlatours.com>"
    assert email.in_reply_to == reminder
    assert email.references == (
        SUPPLIER_REQUEST,
        "<AM9PR04MB8412A1B2C3D4E5F6A7B8C9D0E1F2A3B4C5D6@AM9PR04MB8412.eurprd04.prod.outlook.com>",
        reminder,
    )
    assert email.thread_ids[0] == reminder
    assert email.thread_ids[-1] == SUPPLIER_REQUEST
    assert email.sender == "K.Becker@seehotel-ammersee.de"
    assert email.sender_name == "Klaus Becker"
    assert email.cc == ("ana.garcia@perlatours.com", "j.mai@seehotel-ammersee.de")
    assert "wir bestätigen 20 Doppelzimmer" in email.text  # quoted-printable, ISO-8859-1
    assert "Mit freundlichen Grüßen" in email.text
    assert "\r" not in email.text


def test_an_iso_8859_1_message_reads_its_accents_in_the_body_subject_and_name() -> None:
    email = parse("latin1_accents.eml")

    assert email.sender_name == "José Muñoz (Recepción)"
    assert email.subject == "Confirmación de tarifas para el sábado"
    assert "régimen de media pensión" in email.text
    assert "¿Os parece bien?" in email.text
    assert "Recepción - Hotel Playa Dorada (Peñíscola)" in email.text
    assert email.message_id == "<000a01db91b3$6c2e1f40$448a5dc0$@hotelplayadorada.es>"


def test_a_message_without_message_id_gets_the_same_synthetic_one_each_time_it_is_read() -> None:
    raw = fixture("no_message_id.eml")

    first = parse_inbound_email(raw)
    again = parse_inbound_email(raw.replace(b"\n", b"\r\n"))  # the same message from a pipe

    assert first.message_id == again.message_id == synthetic_message_id(raw)
    assert first.message_id.endswith(f"@{SYNTHETIC_ID_DOMAIN}>")
    assert parse_message_id(first.message_id) == first.message_id
    other = parse_inbound_email(raw.replace(b"6 habitaciones", b"7 habitaciones"))
    assert other.message_id != first.message_id
    assert first.text.startswith("Buenos días,\n\nTenemos 6 habitaciones")


def test_an_auto_reply_is_marked_auto_submitted_and_still_threads() -> None:
    email = parse("auto_reply.eml")

    assert email.auto_submitted is True
    assert email.subject == "Respuesta automática: Solicitud de alta de proveedor"
    assert email.in_reply_to is not None
    assert "cerrado hasta el lunes 10 de marzo" in email.text


def test_a_bounce_is_auto_submitted_and_lists_the_report_and_the_returned_message() -> None:
    email = parse("bounce.eml")

    assert email.auto_submitted is True
    assert email.sender == "MAILER-DAEMON@mail.perlatours.com"
    assert email.sender_name == "Mail Delivery System"  # the old (comment) form
    assert "Recipient address rejected" in email.text
    assert "Solicitud de alta de proveedor" not in email.text  # the returned message is not text
    assert [a.content_type for a in email.attachments] == [
        "message/delivery-status",
        "message/rfc822",
    ]
    assert all(a.size > 0 for a in email.attachments)


def test_attachments_are_listed_with_name_type_and_decoded_size_but_not_kept() -> None:
    email = parse("with_attachment.eml")

    assert email.attachments == (
        InboundAttachment(
            filename="Presupuesto Menorca \u2013 familia Ruiz.pdf",
            content_type="application/pdf",
            size=218,
        ),
        InboundAttachment(filename="dni.jpg", content_type="image/jpeg", size=91),
    )
    assert email.text == (
        "Hola,\n\nos envío firmado el presupuesto y una foto del DNI para la reserva.\n\nMarta\n"
    )


def test_a_web_form_notification_without_plain_text_is_read_from_its_html() -> None:
    email = parse("web_form.eml")

    assert email.text.splitlines()[:5] == [
        "Nueva solicitud desde el formulario web",
        "Nombre: Carmen Ortega",
        "Correo: carmen.ortega.v@yahoo.es",
        "Viaje: Escapada a Granada & Alhambra",
        "Mensaje: Somos 2 adultos y 1 niño.",
    ]
    assert "¿Hay plazas del 18 al 21 de abril?\nGracias 🙂" in email.text
    assert "dataLayer" not in email.text
    assert "padding" not in email.text
    assert email.auto_submitted is False
    assert email.sender == "wordpress@perlatours.com"


# --- headers --------------------------------------------------------------------------------


def message(*headers: str, body: str = "Hola") -> bytes:
    return ("\n".join(headers) + "\n\n" + body).encode()


def test_received_at_is_the_given_time_else_the_date_header_else_now_always_in_utc() -> None:
    madrid = timezone(timedelta(hours=1))
    given = parse("gmail_reply.eml", received_at=datetime(2025, 3, 4, 18, 42, tzinfo=madrid))
    assert given.received_at == datetime(2025, 3, 4, 17, 42, tzinfo=UTC)
    assert given.received_at.tzinfo is UTC

    unzoned = parse_inbound_email(message("From: a@sol.es", "Date: Tue, 4 Mar 2025 10:00 -0000"))
    assert unzoned.received_at == datetime(2025, 3, 4, 10, 0, tzinfo=UTC)

    before = datetime.now(UTC)
    undated = parse_inbound_email(message("From: a@sol.es", "Date: el martes por la tarde"))
    assert before <= undated.received_at <= datetime.now(UTC)


def test_a_naive_received_at_is_refused() -> None:
    with pytest.raises(InvalidValue) as caught:
        parse("gmail_reply.eml", received_at=datetime(2025, 3, 4, 18, 42))  # noqa: DTZ001 - on purpose
    assert caught.value.field == "received_at"


def test_threading_headers_tolerate_missing_brackets_comments_and_garbage() -> None:
    email = parse_inbound_email(
        message(
            "From: a@sol.es",
            "In-Reply-To: Ana's message of Tue, 4 Mar <reply.1@sol.es> (sent from phone)",
            "References: <req.1@perlatours.com> junk <not an id> <req.1@perlatours.com>",
            "\t<req.2@perlatours.com\n  > <req.3@perlatours.com>,<req.4@perlatours.com>",
        )
    )
    assert email.in_reply_to == "<reply.1@sol.es>"
    assert email.references == (
        "<req.1@perlatours.com>",
        "<req.2@perlatours.com>",
        "<req.3@perlatours.com>",
        "<req.4@perlatours.com>",
    )

    bare = parse_inbound_email(
        message(
            "From: a@sol.es", "Message-ID: abc.123@sol.es", "References: req.1@p.com req.2@p.com"
        )
    )
    assert bare.message_id == "<abc.123@sol.es>"
    assert bare.references == ("<req.1@p.com>", "<req.2@p.com>")


def test_a_malformed_message_id_is_replaced_by_the_synthetic_one() -> None:
    raw = message("From: a@sol.es", "Message-ID: <no at sign here>", "In-Reply-To: <>")
    email = parse_inbound_email(raw)
    assert email.message_id == synthetic_message_id(raw)
    assert email.in_reply_to is None


def test_recipients_are_bare_lower_cased_and_each_listed_once() -> None:
    email = parse_inbound_email(
        message(
            'From: "Garcia, Ana" <Ana@Sol.ES>',
            'To: "Reservas" <Reservas@PerlaTours.com>, reservas@perlatours.com, not-an-address',
            "To: otro@perlatours.com",
            "Cc: RESERVAS@perlatours.com, Luis <luis@sol.es>, undisclosed-recipients:;",
        )
    )
    assert email.sender == "Ana@sol.es"
    assert email.sender_name == "Garcia, Ana"
    assert email.to == ("reservas@perlatours.com", "otro@perlatours.com")
    assert email.cc == ("luis@sol.es",)


def test_a_sender_written_without_angle_brackets_is_still_read() -> None:
    email = parse_inbound_email(message('From: "Ana Sol" ana@sol.es'))
    assert email.sender == "ana@sol.es"


def test_8bit_headers_are_read_as_utf8_or_latin1_and_control_characters_dropped() -> None:
    raw = (
        "From: José <jose@sol.es>\nSubject: Reserva\x07 para el sábado\n\nHola".encode() + b"\nX: y"
    )
    email = parse_inbound_email(raw)
    assert email.sender_name == "José"
    assert email.subject == "Reserva para el sábado"

    latin = parse_inbound_email(b"From: a@sol.es\nSubject: Ma\xf1ana\n\nHola")
    assert latin.subject == "Mañana"


@pytest.mark.parametrize(
    "headers",
    [
        ("Auto-Submitted: auto-generated",),
        ("Auto-Submitted: auto-replied; owner-email=x@sol.es",),
        ("X-Autoreply: yes",),
        ("X-Autorespond: Out of office",),
        ("Precedence: bulk",),
        ("Precedence: junk",),
        ("Precedence: auto_reply",),
        ("Content-Type: multipart/report; report-type=disposition-notification; boundary=x",),
    ],
)
def test_automatic_messages_are_recognised(headers: tuple[str, ...]) -> None:
    assert parse_inbound_email(message("From: a@sol.es", *headers)).auto_submitted is True


def test_mailer_daemon_is_a_bounce_and_auto_submitted_no_or_a_list_are_not_automatic() -> None:
    assert parse_inbound_email(message("From: mailer-daemon@sol.es")).auto_submitted is True
    for header in ("Auto-Submitted: no", "Auto-Submitted: No (human)", "Precedence: list"):
        email = parse_inbound_email(message("From: a@sol.es", header))
        assert email.auto_submitted is False, header


# --- bodies ---------------------------------------------------------------------------------


def multipart(*parts: tuple[str, bytes], kind: str = "mixed") -> bytes:
    head = f"From: a@sol.es\nContent-Type: multipart/{kind}; boundary=b\n\n".encode()
    body = b"".join(b"--b\n" + h.encode() + b"\n\n" + b + b"\n" for h, b in parts)
    return head + body + b"--b--\n"


def test_a_blank_plain_part_gives_way_to_the_html_alternative() -> None:
    raw = multipart(
        ("Content-Type: text/plain", b"  \n"),
        ("Content-Type: text/html", b"<p>Hola<br>Ana</p>"),
        kind="alternative",
    )
    assert parse_inbound_email(raw).text == "Hola\nAna"


def test_a_text_file_attached_is_not_taken_for_the_body() -> None:
    raw = multipart(
        ("Content-Type: text/plain; name=notas.txt\nContent-Disposition: attachment", b"notas"),
        ("Content-Type: text/plain; charset=utf-8", "Te envío las notas".encode()),
    )
    email = parse_inbound_email(raw)
    assert email.text == "Te envío las notas"
    assert email.attachments == (
        InboundAttachment(filename="notas.txt", content_type="text/plain", size=5),
    )


def test_a_message_without_any_text_has_an_empty_body() -> None:
    raw = multipart(("Content-Type: image/png\nContent-Transfer-Encoding: base64", b"iVBORw0K"))
    email = parse_inbound_email(raw)
    assert email.text == ""
    assert email.attachments == (
        InboundAttachment(filename=None, content_type="image/png", size=6),
    )


@pytest.mark.parametrize(
    ("data", "charset", "text"),
    [
        ("sábado".encode("cp1252"), "windows-1252", "sábado"),
        ("sábado".encode(), "x-unknown-charset", "sábado"),  # unknown: UTF-8 first
        ("sábado".encode("latin-1"), None, "sábado"),  # none: UTF-8 fails, Latin-1
        ("sábado".encode("latin-1"), "us-ascii", "sábado"),  # "ASCII" with 8-bit bytes
        ("sábado".encode("latin-1"), "utf-8", "s\ufffdbado"),  # declared UTF-8, one bad byte
        (b"caf\xc3\xa9", "base64", "café"),  # not a text codec at all
        (b"caf\xc3\xa9", "rot13", "café"),
    ],
)
def test_body_charsets_that_are_missing_wrong_or_unknown_never_stop_the_reading(
    data: bytes, charset: str | None, text: str
) -> None:
    assert decode_text(data, charset) == text


def test_html_becomes_text_with_line_breaks_lists_quotes_and_entities() -> None:
    html = (
        "<html><head><title>t</title><style>p{color:red}</style></head><body>"
        "<!--[if mso]><p>Outlook only</p><![endif]-->"
        "<div>Hola&nbsp;Ana,</div><div>Precio:&nbsp;95&euro; &lt;noche&gt;</div>"
        "<ul><li>Doble</li><li>Triple</li></ul>"
        "<p>Primera<br>línea</p><p>Segunda</p>"
        "<blockquote>Dijiste:<blockquote>nada</blockquote></blockquote>"
        "<script>alert('x')</script><pre>a   b\n  c</pre>1 < 2</body></html>"
    )
    assert html_to_text(html) == (
        "Hola Ana,\nPrecio: 95€ <noche>\n- Doble\n- Triple\nPrimera\nlínea\n\nSegunda\n\n"
        "> Dijiste:\n> > nada\na   b\n  c\n1 < 2"
    )


# --- refusals -------------------------------------------------------------------------------


def test_a_message_above_the_limit_is_refused_before_it_is_parsed() -> None:
    error = refused(b"From: a@sol.es\n\n" + b"x" * MAX_INBOUND_BYTES)
    assert error.details["reason"] == "oversize"


def test_a_message_of_thousands_of_tiny_parts_is_refused_before_it_is_parsed() -> None:
    raw = multipart(*[("Content-Type: text/plain", b"x")] * (MAX_BOUNDARY_LINES + 1))
    assert refused(raw).details["reason"] == "too_many_parts"


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\n\nJust a body",
        b"Hola, esto no es un correo",
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj",
        b"Subject: sin remitente\nTo: a@sol.es\n\nHola",
    ],
)
def test_bytes_without_headers_or_a_from_are_not_an_email(raw: bytes) -> None:
    assert refused(raw).details["reason"] == "not_an_email"


@pytest.mark.parametrize(
    "sender", ["From: ", "From: Ana", "From: <>", "From: ana@", "From: undisclosed:;"]
)
def test_a_sender_without_a_readable_address_is_refused(sender: str) -> None:
    assert refused(message(sender)).details["reason"] == "bad_sender"


def test_parts_nested_beyond_what_the_parser_can_follow_are_refused() -> None:
    head = b"From: a@sol.es\nContent-Type: multipart/mixed; boundary=b0\n\n"
    levels = [
        b"--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n" % (i, i + 1) for i in range(3000)
    ]
    assert refused(head + b"".join(levels)).details["reason"] == "not_an_email"


# --- anything at all ------------------------------------------------------------------------

HEADER_NAMES = [
    "From", "To", "Cc", "Subject", "Message-ID", "In-Reply-To", "References", "Date",
    "Content-Type", "Content-Transfer-Encoding", "Content-Disposition", "Auto-Submitted",
    "Precedence", "MIME-Version",
]  # fmt: skip
HEADER_VALUES = st.one_of(
    st.text(max_size=60),
    st.binary(max_size=60).map(lambda b: b.decode("latin-1")),
    st.sampled_from(
        [
            "a@sol.es",
            '"Ana" <ana@sol.es>, =?utf-8?q?Jos=C3=A9?= <j@sol.es>',
            "<a@b.es> junk <c@d.es",
            "multipart/mixed; boundary=b",
            "multipart/alternative; boundary=b",
            "multipart/report; boundary=b",
            "message/rfc822",
            "text/html; charset=utf-7",
            "text/plain; charset*=x''y",
            "base64",
            "quoted-printable",
            "attachment; filename*=utf-8''%FF%FE",
            "=?x-unknown?q?a?= =?utf-8?b?////?=",
            "Mon, 31 Feb 0001 99:99:99 +9999",
        ]
    ),
)
HEADER_LINE = st.tuples(st.sampled_from(HEADER_NAMES), HEADER_VALUES).map(
    lambda pair: f"{pair[0]}: {pair[1]}".encode("utf-8", "surrogateescape")
)
PART = st.builds(
    lambda headers, body: b"\n".join(headers) + b"\n\n" + body,
    st.lists(HEADER_LINE, max_size=4),
    st.binary(max_size=80) | st.just(b"<p>a<br>b</p><blockquote>c"),
)
MIMEISH = st.builds(
    lambda headers, parts: (
        b"\n".join([b"From: a@sol.es", *headers])
        + b"\n\n"
        + b"".join(b"--b\n" + p + b"\n" for p in parts)
        + b"--b--\n"
    ),
    st.lists(HEADER_LINE, max_size=8),
    st.lists(PART, max_size=4),
)


def read_or_refusal(raw: bytes) -> InboundEmail | InvalidValue:
    try:
        return parse_inbound_email(raw)
    except InvalidValue as error:
        return error


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=400), MIMEISH))
@example(b"From: a@sol.es\nContent-Type: ;\x00*\n\nHola")  # IndexError inside the stdlib
@example(b"From: a@sol.es\nContent-Type: text/html\n\n<![if x<!--" + b"<a" * 500)
def test_any_bytes_either_read_as_a_well_formed_email_or_are_refused_as_invalid(
    raw: bytes,
) -> None:
    email = read_or_refusal(raw)
    if isinstance(email, InvalidValue):
        assert email.field == "message"
        return
    assert parse_message_id(email.message_id) == email.message_id
    assert email.in_reply_to is None or parse_message_id(email.in_reply_to)
    assert all(parse_message_id(ref) == ref for ref in email.references)
    assert email.received_at.tzinfo is not None
    assert all(address == address.lower() for address in (*email.to, *email.cc))
    texts = [email.text, email.subject, email.sender, email.sender_name or "", *email.to]
    texts += [a.filename or "" for a in email.attachments]
    for text in texts:
        text.encode("utf-8")  # no lone surrogates: every database can store it
    assert "\x00" not in email.text
    assert "\n" not in email.subject
