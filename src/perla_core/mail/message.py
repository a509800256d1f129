"""An e-mail perla sends, as a frozen value checked before any adapter sees it.

Everything that ends up in a header is refused if it could smuggle another header in (CR, LF
or any other control character), addresses are checked with :class:`Email`, and the whole
message has a size limit. The Message-ID is chosen by the caller, stable per business object
(:func:`make_message_id`), so a resend is recognisable and the file adapter overwrites
instead of duplicating.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import attrs

from perla_core.kernel.errors import InvalidValue
from perla_core.kernel.values import Email

MAX_MESSAGE_BYTES = 7 * 1024 * 1024
"""Bodies plus attachments, raw: base64 adds a third, staying under the 10 MB most servers take."""
MAX_RECIPIENTS = 50
MAX_SUBJECT_CHARS = 300
MAX_HEADER_CHARS = 255
MAX_REFERENCES = 30

_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_DOT_ATOM = rf"{_ATOM}(?:\.{_ATOM})*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = rf"{_LABEL}(?:\.{_LABEL})*"
_MESSAGE_ID = re.compile(rf"<{_DOT_ATOM}@{_DOT_ATOM}>")
_MIME_NAME = r"[A-Za-z0-9!#$&^_.+-]+"
_PARAM = rf"\s*;\s*{_MIME_NAME}={_MIME_NAME}"
_CONTENT_TYPE = re.compile(rf"{_MIME_NAME}/{_MIME_NAME}(?:{_PARAM})*")
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
"""Every control character but tab, and what ``str.splitlines`` also breaks lines at."""


def header_text(value: object, field: str, *, limit: int = MAX_HEADER_CHARS) -> str:
    """Text safe to put in a header: no CR, LF or other control character, within ``limit``."""
    if not isinstance(value, str):
        raise InvalidValue(f"must be text, not {type(value).__name__}", field=field)
    if _CONTROL.search(value):
        raise InvalidValue(
            "must not contain line breaks or control characters (header injection)", field=field
        )
    if len(value) > limit:
        raise InvalidValue(f"has at most {limit} characters", field=field)
    return value


def address(value: object, field: str) -> str:
    """One e-mail address, normalised by :class:`Email`; never a line break."""
    text = header_text(value, field)
    return Email.parse(text, field=field).value


def _addresses(value: Iterable[str] | str, field: str) -> tuple[str, ...]:
    items = (value,) if isinstance(value, str) else tuple(value)
    return tuple(address(item, f"{field}[{i}]") for i, item in enumerate(items))


def _to(value: Iterable[str] | str) -> tuple[str, ...]:
    return _addresses(value, "to")


def _cc(value: Iterable[str] | str) -> tuple[str, ...]:
    return _addresses(value, "cc")


def _sender(value: str) -> str:
    return address(value, "sender")


def _reply_to(value: str | None) -> str | None:
    return None if value is None else address(value, "reply_to")


def _sender_name(value: str | None) -> str | None:
    return None if value is None else header_text(value, "sender_name").strip() or None


def _subject(value: str) -> str:
    text = header_text(value, "subject", limit=MAX_SUBJECT_CHARS).strip()
    if not text:
        raise InvalidValue("is required", field="subject")
    return text


def parse_message_id(value: object, field: str = "message_id") -> str:
    """A Message-ID in its angle brackets, ``<left@right>``, as RFC 5322 spells it."""
    text = header_text(value, field)
    if not _MESSAGE_ID.fullmatch(text):
        raise InvalidValue(f"{text!r} is not a Message-ID such as <kind.id@domain>", field=field)
    return text


def _in_reply_to(value: str | None) -> str | None:
    return None if value is None else parse_message_id(value, "in_reply_to")


def _references(value: Iterable[str]) -> tuple[str, ...]:
    items = (value,) if isinstance(value, str) else tuple(value)
    if len(items) > MAX_REFERENCES:
        raise InvalidValue(f"has at most {MAX_REFERENCES} Message-IDs", field="references")
    return tuple(parse_message_id(item, f"references[{i}]") for i, item in enumerate(items))


def _text_body(value: str) -> str:
    if not value.strip():
        raise InvalidValue("a plain-text body is required", field="text")
    return value


def _filename(value: str) -> str:
    text = header_text(value, "filename").strip()
    if not text or text in {".", ".."} or any(c in text for c in '/\\:"'):
        raise InvalidValue(f"{value!r} is not a plain file name", field="filename")
    return text


def _content_type(value: str) -> str:
    text = header_text(value, "content_type").strip().lower()
    if not _CONTENT_TYPE.fullmatch(text):
        raise InvalidValue(
            f"{value!r} is not a MIME type such as text/csv; charset=utf-8", field="content_type"
        )
    return text


@attrs.frozen
class Attachment:
    """A file attached to an e-mail; ``content_type`` may carry parameters (``charset=utf-8``)."""

    filename: str = attrs.field(converter=_filename)
    content_type: str = attrs.field(converter=_content_type)
    data: bytes = attrs.field(repr=lambda data: f"<{len(data)} bytes>")

    @data.validator
    def _check_data(self, _: attrs.Attribute[bytes], value: bytes) -> None:
        if not isinstance(value, bytes):
            raise InvalidValue("must be bytes", field="data")

    @property
    def maintype(self) -> str:
        return self.content_type.split("/", 1)[0]

    @property
    def subtype(self) -> str:
        return self.content_type.split("/", 1)[1].split(";", 1)[0].strip()

    @property
    def params(self) -> dict[str, str]:
        """The content type's parameters, ``{"charset": "utf-8"}``."""
        _, _, rest = self.content_type.partition(";")
        pairs = (item.split("=", 1) for item in rest.split(";") if item.strip())
        return {key.strip(): val.strip() for key, val in pairs}


def _attachments(value: Iterable[Attachment]) -> tuple[Attachment, ...]:
    items = tuple(value)
    for i, item in enumerate(items):
        if not isinstance(item, Attachment):
            raise InvalidValue("must be an Attachment", field=f"attachments[{i}]")
    return items


@attrs.frozen(kw_only=True)
class OutgoingEmail:
    """One e-mail to send: who, what, and how it threads with earlier ones.

    ``message_id`` is required and stable per business object (:func:`make_message_id`), so a
    resend carries the same one; ``in_reply_to`` and ``references`` thread it under earlier
    messages (a guest's reply, a reminder under its request). ``text`` is required, ``html`` is
    its optional rich alternative. ``sender_name`` is the display name of ``sender``.
    Construction raises :class:`InvalidValue` naming the field: a malformed address, a line
    break in a header field (header injection), more than :data:`MAX_RECIPIENTS` recipients,
    or bodies and attachments above :data:`MAX_MESSAGE_BYTES`.
    """

    sender: str = attrs.field(converter=_sender)
    to: tuple[str, ...] = attrs.field(converter=_to)
    subject: str = attrs.field(converter=_subject)
    text: str = attrs.field(converter=_text_body, repr=False)
    message_id: str = attrs.field(converter=parse_message_id)
    html: str | None = attrs.field(default=None, repr=False)
    cc: tuple[str, ...] = attrs.field(default=(), converter=_cc)
    reply_to: str | None = attrs.field(default=None, converter=_reply_to)
    sender_name: str | None = attrs.field(default=None, converter=_sender_name)
    attachments: tuple[Attachment, ...] = attrs.field(default=(), converter=_attachments)
    in_reply_to: str | None = attrs.field(default=None, converter=_in_reply_to)
    references: tuple[str, ...] = attrs.field(default=(), converter=_references)

    def __attrs_post_init__(self) -> None:
        if not self.to:
            raise InvalidValue("at least one recipient is required", field="to")
        if len(self.to) + len(self.cc) > MAX_RECIPIENTS:
            raise InvalidValue(f"at most {MAX_RECIPIENTS} recipients (to and cc)", field="to")
        if self.size > MAX_MESSAGE_BYTES:
            limit = MAX_MESSAGE_BYTES // (1024 * 1024)
            raise InvalidValue(
                f"bodies and attachments add up to {self.size} bytes; the limit is {limit} MiB",
                field="attachments" if self.attachments else "text",
            )

    @property
    def recipients(self) -> tuple[str, ...]:
        """Every address the message goes to (``to`` then ``cc``), each once."""
        return tuple(dict.fromkeys((*self.to, *self.cc)))

    @property
    def size(self) -> int:
        """Bytes of the bodies (UTF-8) and attachments, before any transfer encoding."""
        bodies = len(self.text.encode()) + len((self.html or "").encode())
        return bodies + sum(len(a.data) for a in self.attachments)


def make_message_id(kind: str, ident: object, domain: str) -> str:
    """The stable Message-ID of a business object: ``<kind.ident@domain>``.

    ``make_message_id("supplier-request", request.id, "perlatours.com")`` is the same on every
    call, so a resend of the same request carries the same Message-ID.
    """
    left = f"{kind}.{ident}"
    if not re.fullmatch(_DOT_ATOM, left):
        raise InvalidValue(f"{left!r} cannot be the left part of a Message-ID", field="message_id")
    if not re.fullmatch(_DOMAIN, domain):
        raise InvalidValue(f"{domain!r} is not a domain", field="message_id")
    return parse_message_id(f"<{left}@{domain.lower()}>")
