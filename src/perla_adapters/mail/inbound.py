"""``parse_inbound_email``: raw MIME bytes (an ``.eml`` file, a pipe, a webhook) as an
:class:`~perla_core.mail.inbound.InboundEmail`.

Real mail is messy, so reading is lenient and only these refuse a message, each an
:class:`InvalidValue` on ``field="message"`` whose ``reason`` detail says which:

- ``oversize``: above :data:`MAX_INBOUND_BYTES`; refused before parsing.
- ``too_many_parts``: more than :data:`MAX_BOUNDARY_LINES` lines starting ``--``; refused
  before parsing (the library's parser would take minutes over a message of tiny parts).
- ``not_an_email``: no headers, no ``From``, or parts nested too deeply to parse.
- ``bad_sender``: no readable address in ``From``.

Anything else degrades instead of failing:

- Header bytes that are not ASCII are read as UTF-8, else Latin-1; encoded words (RFC 2047)
  are decoded; control characters become spaces. The standard library's header parser takes
  time and memory faster than a header grows, so it sees at most
  :data:`MAX_PARSED_HEADER_CHARS` of each (a Subject, a Content-Type, a Date); address
  headers are read up to :data:`MAX_ADDRESS_HEADER_CHARS` (some two thousand addresses) and
  Message-IDs in full, with linear-time parsers.
- ``To`` and ``Cc`` keep the addresses that read, lower-cased and each once (an address in
  ``To`` is not repeated in ``Cc``); the sender is normalised as :class:`Email` does (domain
  lower-cased, local part as sent).
- Message-IDs are kept only when :func:`parse_message_id` accepts them (what an
  :class:`~perla_core.mail.message.OutgoingEmail` answering this one needs). Without a usable
  one the message gets ``<sha256-prefix@inbound.perla.invalid>`` from its bytes (line ends
  normalised), so the same message handed over twice has the same id. ``In-Reply-To`` is its
  first valid id and ``References`` every valid id in order, each once; folding, missing angle
  brackets and comments between them are tolerated.
- The body is the first ``text/plain`` part with text that is not an attachment, else the
  first HTML one as text. A charset that is missing, unknown or wrong falls back to UTF-8,
  then to Latin-1 (or to the declared charset with replacement characters), so decoding never
  fails. Only :data:`MAX_PARTS` parts, :data:`MAX_PART_DEPTH` levels deep, are looked at.
- ``received_at`` is the caller's, else the ``Date`` header (an unzoned one read as UTC), else
  now; always timezone-aware UTC.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from email import policy as email_policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html import unescape
from typing import Any, Final, NamedTuple

from perla_core.kernel.errors import InvalidValue
from perla_core.kernel.values import Email
from perla_core.mail.inbound import MAX_INBOUND_BYTES, InboundAttachment, InboundEmail
from perla_core.mail.message import parse_message_id

SYNTHETIC_ID_DOMAIN: Final = "inbound.perla.invalid"
MAX_PARSED_HEADER_CHARS: Final = 2048
MAX_MIME_PARAMETERS: Final = 16
MAX_ADDRESS_HEADER_CHARS: Final = 64 * 1024
MAX_PARTS: Final = 100
MAX_BOUNDARY_LINES: Final = 5_000
"""More lines starting ``--`` than this and the message is refused unparsed: the library's
parser spends tens of microseconds on each part, so a message of tiny parts takes minutes."""
MAX_PART_DEPTH: Final = 32
_BOUNCE_SENDERS: Final = frozenset({"mailer-daemon"})
_BULK_PRECEDENCE: Final = frozenset({"bulk", "junk", "auto_reply"})
_MAX_GUESSES: Final = 10

_HEADER_FACTORY = email_policy.default.header_factory
_PARAMETER_HEADERS: Final = frozenset({"content-type", "content-disposition"})


def _bounded_header(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return _HEADER_FACTORY(name, value)
    value = value[:MAX_PARSED_HEADER_CHARS]
    if name.lower() in _PARAMETER_HEADERS:  # parsing parameters is quadratic in their number
        value = ";".join(value.split(";", MAX_MIME_PARAMETERS + 1)[: MAX_MIME_PARAMETERS + 1])
    for attempt in (value, value.split(";", 1)[0]):
        try:
            return _HEADER_FACTORY(name, attempt)
        except RecursionError:  # parts nested too deeply: refused by parse_inbound_email
            raise
        except Exception:  # noqa: BLE001, S112 - its own bugs: IndexError on "Content-Type: ;\0*"
            continue
    return _HEADER_FACTORY(name, "")


_POLICY = email_policy.default.clone(header_factory=_bounded_header)
"""``email.policy.default``, its header parser fed at most :data:`MAX_PARSED_HEADER_CHARS` of a
header and :data:`MAX_MIME_PARAMETERS` parameters of a Content-Type or Content-Disposition."""

_ESCAPED_BYTES = re.compile("[\udc80-\udcff]+")
_SURROGATE = re.compile("[\ud800-\udfff]")
_HEADER_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_BRACKETED = re.compile(r"<([^<>]*)>")
# bounded: an unbounded repetition would rescan a long run of letters from every position
_ADDRESS_LIKE = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9.-]{1,255}")


def parse_inbound_email(raw: bytes, *, received_at: datetime | None = None) -> InboundEmail:
    """The message in ``raw``; raises only :class:`InvalidValue` (see the module's docstring).

    ``received_at`` is when the server got the message (timezone-aware); without it the
    ``Date`` header is used, else the current time.
    """
    if len(raw) > MAX_INBOUND_BYTES:
        raise _refused(
            "oversize",
            f"the message has {len(raw)} bytes; at most {MAX_INBOUND_BYTES} are accepted",
        )
    if raw.count(b"\n--") > MAX_BOUNDARY_LINES:
        raise _refused(
            "too_many_parts",
            f"the message has more than {MAX_BOUNDARY_LINES} MIME boundary lines",
        )
    if received_at is not None and received_at.utcoffset() is None:
        raise InvalidValue("must be timezone-aware", field="received_at")
    try:
        message = BytesParser(policy=_POLICY).parsebytes(raw)
        return _read(raw, message, received_at)
    except RecursionError:
        raise _refused("not_an_email", "the message's parts are nested too deeply") from None


def synthetic_message_id(raw: bytes) -> str:
    """The Message-ID given to a message without a usable one: the same for the same bytes,
    whichever line ends they came with."""
    digest = hashlib.sha256(raw.replace(b"\r\n", b"\n")).hexdigest()[:32]
    return f"<{digest}@{SYNTHETIC_ID_DOMAIN}>"


def _refused(reason: str, message: str) -> InvalidValue:
    return InvalidValue(message, field="message", reason=reason)


def _read(raw: bytes, message: EmailMessage, received_at: datetime | None) -> InboundEmail:
    headers = _Headers(message)
    if not headers:
        raise _refused("not_an_email", "not an e-mail: it has no headers")
    sender, sender_name = _sender(headers)
    to = _recipients(headers, "to")
    parts = _parts(message)
    text, body = _body(parts)
    return InboundEmail(
        message_id=_first_id(headers.get("message-id")) or synthetic_message_id(raw),
        sender=sender,
        sender_name=sender_name,
        to=to,
        cc=tuple(a for a in _recipients(headers, "cc") if a not in to),
        subject=_unstructured(headers.get("subject")) or "",
        text=text,
        received_at=_received_at(received_at, headers),
        in_reply_to=_first_id(headers.get("in-reply-to")),
        references=_message_ids(headers.get("references")),
        attachments=tuple(_attachments(parts, body)),
        auto_submitted=_auto_submitted(headers, parts[0].kind, sender),
    )


def _received_at(given: datetime | None, headers: _Headers) -> datetime:
    if given is not None:
        return given.astimezone(UTC)
    return _date(headers.get("date")) or datetime.now(UTC)


# --- headers --------------------------------------------------------------------------------


class _Headers:
    """The top-level headers as text: 8-bit bytes decoded, folding undone, names lower-cased."""

    def __init__(self, message: Message) -> None:
        self._values: dict[str, list[str]] = {}
        for name, value in message.raw_items():
            key = _decode_8bit(name).strip().lower()
            self._values.setdefault(key, []).append(_unfold(_decode_8bit(value)))

    def __bool__(self) -> bool:
        return bool(self._values)

    def get(self, name: str) -> str | None:
        """The first header called ``name``; ``None`` when there is none."""
        values = self._values.get(name)
        return values[0] if values else None

    def get_all(self, name: str) -> list[str]:
        return self._values.get(name, [])


def _decode_8bit(value: object) -> str:
    """Text the parser left with 8-bit bytes as surrogates, those bytes read as UTF-8 (else
    Latin-1)."""
    return _ESCAPED_BYTES.sub(_escaped_bytes, value if isinstance(value, str) else str(value))


def _escaped_bytes(match: re.Match[str]) -> str:
    data = match.group().encode("utf-8", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _unfold(value: str) -> str:
    return value.replace("\r", "").replace("\n", "")


def _one_line(value: str) -> str:
    """Control characters and stray surrogates replaced, runs of spaces made one."""
    value = _SURROGATE.sub("\ufffd", value)
    return " ".join(_HEADER_CONTROL.sub(" ", value).split())


def _unstructured(value: str | None) -> str | None:
    """A text header (a Subject, a display name) with its encoded words decoded."""
    if value is None:
        return None
    try:
        decoded = str(_POLICY.header_factory("subject", value))
    except Exception:  # noqa: BLE001 - the stdlib's header parser has many ways to fail
        decoded = value[:MAX_PARSED_HEADER_CHARS]
    return _one_line(_decode_8bit(decoded)) or None


def _addresses(value: str) -> list[tuple[str, str | None]]:
    """``(address, display name)`` of each address in one header that reads as one."""
    if len(value) > MAX_ADDRESS_HEADER_CHARS:  # cut after an address, not inside one
        cut = value[:MAX_ADDRESS_HEADER_CHARS]
        value = cut.rpartition(",")[0] or cut
    try:
        pairs = getaddresses([value])
    except Exception:  # noqa: BLE001 - the stdlib's address parser has many ways to fail
        pairs = []
    found = [(email, name) for name, spec in pairs if (email := _email(spec))]
    if not found:  # "Ana" ana@example.com and other near misses
        for candidate in _ADDRESS_LIKE.findall(value)[:_MAX_GUESSES]:
            if email := _email(candidate.strip(".")):
                found.append((email, value.replace(candidate, " ").strip(' \t"<>')))
    return [(email, _unstructured(name)) for email, name in found]


def _email(text: str) -> str | None:
    try:
        return Email.parse(_one_line(text)).value
    except InvalidValue:
        return None


def _sender(headers: _Headers) -> tuple[str, str | None]:
    value = headers.get("from")
    if value is None:
        raise _refused("not_an_email", "not an e-mail: it has no From header")
    found = _addresses(value)
    if not found:
        readable = _one_line(value)[:200]
        raise _refused("bad_sender", f"the sender {readable!r} is not a readable address")
    return found[0]


def _recipients(headers: _Headers, name: str) -> tuple[str, ...]:
    found = (a.lower() for value in headers.get_all(name) for a, _ in _addresses(value))
    return tuple(dict.fromkeys(found))


def _message_ids(value: str | None) -> tuple[str, ...]:
    """Every valid Message-ID in a header, in order, each once.

    The ids in angle brackets (whitespace inside them dropped: folding) when there are any,
    else the ``local@domain`` words; whatever else is around them is ignored.
    """
    if value is None:
        return ()
    bracketed = ["".join(inner.split()) for inner in _BRACKETED.findall(value)]
    candidates = bracketed or [w.strip("()[],;:\"'") for w in value.split() if "@" in w]
    valid = (_valid_id(f"<{c}>") for c in candidates)
    return tuple(dict.fromkeys(i for i in valid if i is not None))


def _first_id(value: str | None) -> str | None:
    ids = _message_ids(value)
    return ids[0] if ids else None


def _valid_id(candidate: str) -> str | None:
    try:
        return parse_message_id(candidate)
    except InvalidValue:
        return None


def _date(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        date = parsedate_to_datetime(value[:MAX_PARSED_HEADER_CHARS])
        if date.tzinfo is None:  # "-0000": UTC, the sender's zone unknown
            date = date.replace(tzinfo=UTC)
        return date.astimezone(UTC)
    except Exception:  # noqa: BLE001 - an unreadable or impossible date is no date
        return None


def _auto_submitted(headers: _Headers, kind: str, sender: str) -> bool:
    """RFC 3834 auto-replies, vacation responders, bulk mail and bounces."""
    auto = (headers.get("auto-submitted") or "no").split(";", 1)[0].split("(", 1)[0]
    precedence = (headers.get("precedence") or "").strip().lower()
    return (
        auto.strip().lower() not in {"no", ""}
        or headers.get("x-autoreply") is not None
        or headers.get("x-autorespond") is not None
        or precedence in _BULK_PRECEDENCE
        or kind == "multipart/report"
        or sender.split("@", 1)[0].lower() in _BOUNCE_SENDERS
    )


# --- the body and the attachments -------------------------------------------------------


class _Part(NamedTuple):
    """One MIME part and what its headers say, read once."""

    message: Message
    kind: str
    disposition: str | None
    filename: str | None
    container: bool  # multipart: its children are parts of their own


def _parts(message: Message) -> list[_Part]:
    """The first :data:`MAX_PARTS` parts, depth first; a ``message/*`` part is one leaf."""
    found: list[_Part] = []
    stack: list[tuple[Message, int]] = [(message, 0)]
    while stack and len(found) < MAX_PARTS:
        current, depth = stack.pop()
        kind = _content_type(current)
        container = current.is_multipart() and not kind.startswith("message/")
        found.append(_Part(current, kind, _disposition(current), _filename(current), container))
        children = current.get_payload() if container and depth < MAX_PART_DEPTH else []
        if isinstance(children, list):
            stack.extend((c, depth + 1) for c in reversed(children) if isinstance(c, Message))
    return found


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:  # noqa: BLE001 - an unreadable Content-Type is plain text (RFC 2045)
        return "text/plain"


def _disposition(part: Message) -> str | None:
    try:
        return part.get_content_disposition()
    except Exception:  # noqa: BLE001 - an unreadable disposition is none
        return None


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001 - an unreadable file name is none
        return None
    return None if name is None else (_one_line(_decode_8bit(name)) or None)


def _body(parts: list[_Part]) -> tuple[str, _Part | None]:
    """The text and the part it came from: the first ``text/plain`` part with something in
    it, else the first HTML part made text, else the blank plain part."""
    plain: _Part | None = None
    html: _Part | None = None
    for part in parts:
        if part.container or part.disposition == "attachment" or part.filename:
            continue
        if part.kind == "text/plain":
            text = _normalise_text(_decoded(part.message))
            if text.strip():
                return text, part
            plain = plain or part
        elif part.kind == "text/html" and html is None:
            html = part
    if html is not None:
        return html_to_text(_decoded(html.message)), html
    return ("", None) if plain is None else (_normalise_text(_decoded(plain.message)), plain)


def _attachments(parts: list[_Part], body: _Part | None) -> Iterator[InboundAttachment]:
    """Every part that is a file: marked as an attachment, named, or not text (an inline
    image, an attached message); never the body nor a part made of parts."""
    for part in parts:
        if part is body or part.container:
            continue
        if (
            part.disposition == "attachment"
            or part.filename is not None
            or part.kind.split("/", 1)[0] != "text"
        ):
            yield InboundAttachment(
                filename=part.filename, content_type=part.kind, size=_size(part.message)
            )


def _size(part: Message) -> int:
    """The decoded size of a file (of an attached message: its bytes)."""
    try:
        if part.is_multipart():
            return len(part.as_bytes())
        payload = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - a part that cannot be read has no known size
        return 0
    return len(payload) if isinstance(payload, bytes) else 0


def _decoded(part: Message) -> str:
    """A part's content as text, whatever its transfer encoding and charset."""
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - an undecodable payload is read as empty
        payload = None
    try:
        declared = part.get_content_charset()
    except Exception:  # noqa: BLE001 - an unreadable charset is an unknown one
        declared = None
    return decode_text(payload if isinstance(payload, bytes) else b"", declared)


def decode_text(data: bytes, charset: str | None) -> str:
    """``data`` in ``charset``; a missing, unknown or wrong one falls back to UTF-8, then to
    Latin-1 (for a declared non-ASCII charset: to it with replacement characters)."""
    codec = _codec(charset)
    for name in dict.fromkeys(c for c in (codec, "utf-8") if c is not None):
        try:
            return data.decode(name)
        except (UnicodeError, LookupError):
            continue
    if codec is not None:
        try:
            return data.decode(codec, errors="replace")
        except (UnicodeError, LookupError):
            pass
    return data.decode("latin-1")


def _codec(charset: str | None) -> str | None:
    """The codec of a declared charset; ``None`` for none, ASCII or an unknown one."""
    if not charset:
        return None
    try:
        name = codecs.lookup(charset.strip().strip("\"'")).name
    except (LookupError, ValueError):
        return None
    return None if name == "ascii" else name


def _normalise_text(text: str) -> str:
    """Line ends made ``\\n``; NULs and stray surrogates (which no database stores) gone."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return _SURROGATE.sub("\ufffd", text)


# --- HTML as text ---------------------------------------------------------------------------
#
# A small tokenizer rather than html.parser: that one rescans to the end of the text from every
# unclosed "<!--" or "<![", which makes a hostile body take hours. Here every step moves
# forward, and a tag may not contain "<", so reading is linear in the body's length.

_SKIPPED = frozenset({"script", "style", "head", "title", "template", "noscript"})
_SKIPPED_END = {tag: re.compile(rf"</{tag}\s*>", re.IGNORECASE) for tag in _SKIPPED}
_BLOCKS = frozenset(
    {
        "p", "div", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6",
        "blockquote", "pre", "hr", "section", "article", "header", "footer", "dl", "dt", "dd",
        "address", "form", "fieldset", "center",
    }
)  # fmt: skip
_CELLS = frozenset({"td", "th"})
MAX_QUOTE_DEPTH: Final = 8
_TOKEN = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*+)[^<>]*+>|<[^<>]*+>|[^<]++|<")
"""A tag (its ``/`` and name captured), a declaration or other markup, text, a lone ``<``."""


def html_to_text(html: str) -> str:
    """Readable text of an HTML e-mail body: comments, scripts, styles and tags dropped,
    entities decoded, a line break for ``<br>`` and around blocks, ``- `` before list items,
    ``> `` before lines inside blockquotes."""
    out = _TextLines()
    html = _without_comments(html)
    pos = 0
    while (token := _TOKEN.match(html, pos)) is not None:
        pos = token.end()
        closing, tag = token.group(1, 2)
        if tag is None:
            if not token.group().startswith("<") or token.group() == "<":
                out.data(unescape(token.group()))
            continue
        tag = tag.lower()
        if tag in _SKIPPED and not closing:
            end = _SKIPPED_END[tag].search(html, pos)
            pos = end.end() if end is not None else len(html)
        elif closing:
            out.end(tag)
        else:
            out.start(tag)
    return _normalise_text(out.text())


def _without_comments(html: str) -> str:
    kept: list[str] = []
    pos = 0
    while (start := html.find("<!--", pos)) != -1:
        kept.append(html[pos:start])
        end = html.find("-->", start + 4)
        pos = len(html) if end == -1 else end + 3
    kept.append(html[pos:])
    return "".join(kept)


class _TextLines:
    """The text being written: finished lines, and the current one in pieces."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._line: list[str] = []
        self._line_prefix = ""
        self._quote = 0
        self._pre = 0

    def start(self, tag: str) -> None:
        if tag == "br":
            self._break(force=True)
        elif tag in _BLOCKS:
            self._break()
            if tag == "blockquote":
                self._quote += 1
            elif tag == "pre":
                self._pre += 1
            elif tag == "li":
                self._write("- ")
        elif tag in _CELLS:
            self._write(" ")

    def end(self, tag: str) -> None:
        if tag in _BLOCKS:
            self._break()
            if tag == "blockquote":
                self._quote = max(0, self._quote - 1)
            elif tag == "pre":
                self._pre = max(0, self._pre - 1)
            elif tag == "p":
                self._blank()

    def data(self, data: str) -> None:
        data = data.replace("\xa0", " ").replace("\r", "")
        if self._pre:
            first, *rest = data.split("\n")
            self._write(first)
            for line in rest:
                self._break(force=True)
                self._write(line)
        else:
            self._write(re.sub(r"\s+", " ", data))

    def text(self) -> str:
        self._break()
        return re.sub(r"\n{3,}", "\n\n", "\n".join(self.lines)).strip("\n")

    def _write(self, text: str) -> None:
        if not self._pre and (not self._line or self._line[-1].endswith(" ")):
            text = text.lstrip(" ")
        if not text:
            return
        if not self._line:
            self._line_prefix = self._prefix()
        self._line.append(text)

    def _break(self, *, force: bool = False) -> None:
        if self._line:
            self.lines.append((self._line_prefix + "".join(self._line)).rstrip())
        elif force:
            self.lines.append(self._prefix().rstrip())
        self._line = []

    def _blank(self) -> None:
        if self.lines and self.lines[-1].strip("> "):
            self.lines.append(self._prefix().rstrip())

    def _prefix(self) -> str:
        return "> " * min(self._quote, MAX_QUOTE_DEPTH)
