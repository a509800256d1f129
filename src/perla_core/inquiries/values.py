"""The values an inquiry is made of: who asks (:class:`Guest`), for when (:class:`Stay`), for
how many (:class:`Party`), what was said (:class:`InquiryMessage`), what is due
(:class:`Reminder`), what was offered (:class:`Quote`) and what happened
(:class:`HistoryEntry`), with the parsers that turn a command's primitives into them.

Every parser raises :class:`InvalidValue` naming the command's field (``guest_email``,
``check_in``, ``lines[2].unit_price``); :func:`collect` gathers several into one
:class:`InvalidInput`.

Dates "not in the past" are judged by :func:`earliest_local_date`: a date is past only once it
is past everywhere on Earth (UTC-12), so a hotel in any time zone can register a check-in for
its own today, and a quote "valid until the 31st" holds for the whole of the 31st.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import partial
from typing import Any, Self
from uuid import UUID

import attrs

from perla_core.kernel.errors import InvalidInput, InvalidValue
from perla_core.kernel.money import Money
from perla_core.kernel.values import Email, Phone
from perla_core.mail.inbound import InboundAttachment


class Channel(StrEnum):
    """How the guest reached the hotel."""

    EMAIL = "email"
    WEB_FORM = "web_form"
    PHONE = "phone"
    WHATSAPP = "whatsapp"


class InquiryStage(StrEnum):
    """The pipeline: inquiry → quoted → confirmed → booking; lost or expired from any open
    stage."""

    INQUIRY = "inquiry"
    QUOTED = "quoted"
    CONFIRMED = "confirmed"
    BOOKING = "booking"
    LOST = "lost"
    EXPIRED = "expired"


PIPELINE: tuple[InquiryStage, ...] = tuple(InquiryStage)
OPEN_STAGES: frozenset[InquiryStage] = frozenset(
    {InquiryStage.INQUIRY, InquiryStage.QUOTED, InquiryStage.CONFIRMED}
)
"""Stages in which the hotel still works the inquiry (and it can be pending action)."""
FOLLOW_UP_STAGES: frozenset[InquiryStage] = frozenset({InquiryStage.INQUIRY, InquiryStage.QUOTED})
"""Stages in which reminders chase the guest's answer."""


class Direction(StrEnum):
    INCOMING = "incoming"
    OUTGOING = "outgoing"


class MessageKind(StrEnum):
    """``guest_message``: the guest wrote, called or filled in the form; ``auto_reply``: an
    out-of-office or a bounce (recorded, never a guest's answer); ``reply``: an agent's answer
    (by e-mail, or a call logged); ``quote`` and ``reminder``: e-mails perla wrote."""

    GUEST_MESSAGE = "guest_message"
    AUTO_REPLY = "auto_reply"
    REPLY = "reply"
    QUOTE = "quote"
    REMINDER = "reminder"


class DeliveryStatus(StrEnum):
    """An outgoing e-mail is *queued* with its outbox event and *sent* once the Mailer took it."""

    QUEUED = "queued"
    SENT = "sent"


class ReminderStatus(StrEnum):
    SCHEDULED = "scheduled"
    SENT = "sent"
    CANCELLED = "cancelled"  # by the system: the guest replied, the inquiry moved on
    UNSCHEDULED = "unscheduled"  # by an agent


class HistoryKind(StrEnum):
    REGISTERED = "registered"
    MESSAGE_RECEIVED = "message_received"
    AUTO_REPLY_RECEIVED = "auto_reply_received"
    REPLY_SENT = "reply_sent"
    CALL_LOGGED = "call_logged"
    QUOTE_SENT = "quote_sent"
    REMINDER_SCHEDULED = "reminder_scheduled"
    REMINDER_UNSCHEDULED = "reminder_unscheduled"
    REMINDER_SENT = "reminder_sent"
    REMINDER_CANCELLED = "reminder_cancelled"
    STAGE_CHANGED = "stage_changed"
    NOTE_ADDED = "note_added"
    ASSIGNED = "assigned"
    DETAILS_UPDATED = "details_updated"


GUEST = "guest"
"""The actor name of everything the guest did."""

MAX_NAME = 200
MAX_NOTE = 4000
MAX_MESSAGE_TEXT = 200_000
MAX_SUBJECT = 300
MAX_PEOPLE = 50
MAX_ROOMS = 50
MAX_NIGHTS = 365
MAX_QUOTE_LINES = 50
MAX_QUANTITY = 1000
DEFAULT_PHONE_REGION = "ES"

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def earliest_local_date(now: datetime) -> date:
    """The earliest date it still is somewhere on Earth at ``now`` (UTC-12)."""
    return (now.astimezone(UTC) - timedelta(hours=12)).date()


# --- primitives -----------------------------------------------------------------------------------


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def line(
    value: object, field: str, max_len: int = MAX_NAME, *, required: bool = False
) -> str | None:
    """Single-line text, stripped; ``None`` when blank (refused when ``required``)."""
    if is_blank(value):
        if required:
            raise InvalidValue("is required", field=field)
        return None
    if not isinstance(value, str):
        raise InvalidValue("must be text", field=field)
    text = value.strip()
    if _CONTROL.search(text):
        raise InvalidValue("must be a single line without control characters", field=field)
    if len(text) > max_len:
        raise InvalidValue(f"is longer than {max_len} characters", field=field)
    return text


def paragraph(
    value: object, field: str, max_len: int = MAX_NOTE, *, required: bool = False
) -> str | None:
    """Multi-line text, line breaks normalised to ``\\n``; ``None`` when blank."""
    if is_blank(value):
        if required:
            raise InvalidValue("is required", field=field)
        return None
    if not isinstance(value, str):
        raise InvalidValue("must be text", field=field)
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if _CONTROL_MULTILINE.search(text):
        raise InvalidValue("must not contain control characters", field=field)
    if len(text) > max_len:
        raise InvalidValue(f"is longer than {max_len} characters", field=field)
    return text


def whole_number(value: object, field: str, low: int, high: int) -> int:
    """An ``int`` (or its digits as text) from ``low`` to ``high``."""
    number: object = value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        number = int(value.strip())
    if isinstance(number, bool) or not isinstance(number, int):
        raise InvalidValue("must be a whole number", field=field)
    if number < low:
        raise InvalidValue(f"must be at least {low}", field=field)
    if number > high:
        raise InvalidValue(f"must be at most {high}", field=field)
    return number


def a_date(value: object, field: str) -> date:
    """A calendar date, or its ISO 8601 text (``2026-08-01``)."""
    if isinstance(value, datetime):
        raise InvalidValue("must be a date without a time", field=field)
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InvalidValue(f"{value!r} is not a date such as 2026-08-01", field=field)


def a_moment(value: object, field: str) -> datetime:
    """A timezone-aware instant (or its ISO 8601 text with an offset), in UTC."""
    moment: object = value
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise InvalidValue(
                f"{value!r} is not a date and time such as 2026-08-01T10:00:00+02:00", field=field
            ) from None
    if not isinstance(moment, datetime):
        raise InvalidValue("must be a date and time", field=field)
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidValue("needs a time zone offset (such as +02:00 or Z)", field=field)
    return moment.astimezone(UTC)


def collect(parts: Mapping[str, Callable[[], Any]]) -> dict[str, Any]:
    """Run each thunk; every :class:`InvalidValue` (or :class:`InvalidInput`) is gathered into
    one :class:`InvalidInput`, each error naming its own field."""
    out: dict[str, Any] = {}
    errors: list[InvalidValue] = []
    for name, thunk in parts.items():
        try:
            out[name] = thunk()
        except InvalidInput as many:
            errors.extend(many.errors)
        except InvalidValue as exc:
            exc.field = exc.field or name
            errors.append(exc)
    if errors:
        raise InvalidInput(errors)
    return out


# --- the guest, the stay, the party ---------------------------------------------------------------


@attrs.frozen
class Guest:
    """Who asks: a name and at least one way to answer (an e-mail or a phone)."""

    name: str
    email: Email | None = None
    phone: Phone | None = None

    @classmethod
    def parse(
        cls,
        name: object,
        email: object,
        phone: object,
        *,
        region: str | None = DEFAULT_PHONE_REGION,
        prefix: str = "guest_",
    ) -> Self:
        """From a command's primitives; ``region`` reads phones written without a prefix."""
        parts = collect(
            {
                f"{prefix}name": lambda: line(name, f"{prefix}name", required=True),
                f"{prefix}email": lambda: (
                    None if is_blank(email) else Email.parse(str(email), field=f"{prefix}email")
                ),
                f"{prefix}phone": lambda: (
                    None
                    if is_blank(phone)
                    else Phone.parse(str(phone), default_region=region, field=f"{prefix}phone")
                ),
            }
        )
        if parts[f"{prefix}email"] is None and parts[f"{prefix}phone"] is None:
            raise InvalidValue(
                "give an e-mail or a phone so the hotel can answer", field=f"{prefix}email"
            )
        return cls(parts[f"{prefix}name"], parts[f"{prefix}email"], parts[f"{prefix}phone"])

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.split() else self.name


@attrs.frozen
class Stay:
    """Check-in and check-out dates; at least one night, at most :data:`MAX_NIGHTS`."""

    check_in: date
    check_out: date

    @classmethod
    def parse(cls, check_in: object, check_out: object, *, today: date | None) -> Self | None:
        """Both dates or neither (``None``); with ``today``, a check-in before it is refused."""
        if is_blank(check_in) and is_blank(check_out):
            return None
        parts = collect(
            {
                "check_in": lambda: (
                    a_date(check_in, "check_in")
                    if not is_blank(check_in)
                    else _required("check_in", "is required with the check-out date")
                ),
                "check_out": lambda: (
                    a_date(check_out, "check_out")
                    if not is_blank(check_out)
                    else _required("check_out", "is required with the check-in date")
                ),
            }
        )
        start, end = parts["check_in"], parts["check_out"]
        if today is not None and start < today:
            raise InvalidValue(f"{start.isoformat()} is in the past", field="check_in")
        if end <= start:
            raise InvalidValue("must be after the check-in date", field="check_out")
        if (end - start).days > MAX_NIGHTS:
            raise InvalidValue(f"a stay is at most {MAX_NIGHTS} nights", field="check_out")
        return cls(start, end)

    @property
    def nights(self) -> int:
        return (self.check_out - self.check_in).days


def _required(field: str, message: str) -> Any:
    raise InvalidValue(message, field=field)


@attrs.frozen
class Party:
    """Rooms and guests: at least one adult and one room."""

    adults: int
    children: int = 0
    rooms: int = 1

    @classmethod
    def parse(cls, adults: object, children: object, rooms: object) -> Self | None:
        """``None`` when nothing is known (no adults and neither children nor extra rooms)."""
        if is_blank(adults) and children in (None, 0, "", "0") and rooms in (None, 1, "", "1"):
            return None
        parts = collect(
            {
                "adults": lambda: (
                    whole_number(adults, "adults", 1, MAX_PEOPLE)
                    if not is_blank(adults)
                    else _required("adults", "is required (at least 1)")
                ),
                "children": lambda: (
                    0 if is_blank(children) else whole_number(children, "children", 0, MAX_PEOPLE)
                ),
                "rooms": lambda: (
                    1 if is_blank(rooms) else whole_number(rooms, "rooms", 1, MAX_ROOMS)
                ),
            }
        )
        return cls(parts["adults"], parts["children"], parts["rooms"])


# --- the conversation --------------------------------------------------------------------------


@attrs.frozen
class InquiryMessage:
    """One message of the conversation, in either direction.

    E-mails carry their RFC 5322 ``message_id`` and threading headers; perla's own e-mails are
    stored exactly as they are sent (``sender``, ``reply_to``, ``to``, ``subject``, ``text``,
    ``html``) with their ``delivery`` state, so the outbox handler only reads them. ``author``
    is ``"guest"`` for incoming messages, the agent's (or ``"system"``) otherwise; ``about``
    is the quote or reminder an e-mail carries; ``recorded_by`` the agent who keyed in or
    attached a guest's message; ``matched_by`` how a received reply found the inquiry
    (``in_reply_to``, ``references``, ``reply_token``, ``subject_tag`` or ``agent``).
    """

    id: UUID
    direction: Direction
    kind: MessageKind
    channel: Channel
    at: datetime
    author: str
    text: str | None = None
    subject: str | None = None
    message_id: str | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    sender: str | None = None
    sender_name: str | None = None
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    reply_to: str | None = None
    html: str | None = attrs.field(default=None, repr=False)
    attachments: tuple[InboundAttachment, ...] = ()
    delivery: DeliveryStatus | None = None
    sent_at: datetime | None = None
    about: UUID | None = None
    recorded_by: str | None = None
    matched_by: str | None = None

    @property
    def is_email(self) -> bool:
        return self.message_id is not None

    @property
    def counts_as_conversation(self) -> bool:
        """Whether it says who waits for whom: everything but auto-replies."""
        return self.kind is not MessageKind.AUTO_REPLY


@attrs.frozen
class Reminder:
    """An automatic follow-up e-mailed to the guest at ``due_at`` if they have not answered.

    ``text`` is the agent's own wording (the default Spanish text when ``None``). Once sent,
    ``message_ref`` is the e-mail it became; ``ended_*`` say who cancelled or unscheduled it,
    when and why.
    """

    id: UUID
    due_at: datetime
    status: ReminderStatus
    created_at: datetime
    created_by: str
    text: str | None = None
    sent_at: datetime | None = None
    message_ref: UUID | None = None
    ended_at: datetime | None = None
    ended_by: str | None = None
    end_reason: str | None = None

    @property
    def counts_towards_limit(self) -> bool:
        return self.status in (ReminderStatus.SCHEDULED, ReminderStatus.SENT)


@attrs.frozen
class QuoteLine:
    description: str
    quantity: int
    unit_price: Money

    @property
    def amount(self) -> Money:
        return self.unit_price * self.quantity


@attrs.frozen
class Quote:
    """A priced offer: lines in one currency, their ``total``, valid until a date (included)."""

    id: UUID
    lines: tuple[QuoteLine, ...]
    total: Money
    valid_until: date
    created_at: datetime
    created_by: str
    message: str | None = None
    message_ref: UUID | None = None

    def is_valid_on(self, now: datetime) -> bool:
        return self.valid_until >= earliest_local_date(now)


def parse_quote_lines(raw: Sequence[Any]) -> tuple[tuple[QuoteLine, ...], Money]:
    """Lines from inputs with ``description``, ``quantity``, ``unit_price`` and ``currency``,
    and their total. Every bad line is reported as ``lines[i].<field>``; a negative price, and
    a currency other than the first line's, are refused on the line that has them."""
    if isinstance(raw, str | bytes) or not isinstance(raw, Sequence):
        raise InvalidValue("must be a list of quote lines", field="lines")
    if not raw:
        raise InvalidValue("a quote needs at least one line", field="lines")
    if len(raw) > MAX_QUOTE_LINES:
        raise InvalidValue(f"a quote has at most {MAX_QUOTE_LINES} lines", field="lines")
    parsed = collect({f"lines[{i}]": partial(_quote_line, item, i) for i, item in enumerate(raw)})
    lines: tuple[QuoteLine, ...] = tuple(parsed.values())
    currency = lines[0].unit_price.currency
    mixed = [
        InvalidValue(
            f"is {item.unit_price.currency}, but the quote is in {currency}: "
            "a quote is in one currency",
            field=f"lines[{i}].currency",
        )
        for i, item in enumerate(lines)
        if item.unit_price.currency != currency
    ]
    if mixed:
        raise InvalidInput(mixed)
    total = Money.zero(currency)
    for item in lines:
        total += item.amount
    return lines, total.rounded()


def _quote_line(item: Any, index: int) -> QuoteLine:
    field = f"lines[{index}]"

    def get(key: str, default: object = None) -> Any:
        if isinstance(item, Mapping):
            return item.get(key, default)
        return getattr(item, key, default)

    parts = collect(
        {
            f"{field}.description": lambda: line(
                get("description"), f"{field}.description", required=True
            ),
            f"{field}.quantity": lambda: whole_number(
                get("quantity", 1), f"{field}.quantity", 1, MAX_QUANTITY
            ),
            f"{field}.unit_price": lambda: _price(get("unit_price"), get("currency", "EUR"), field),
        }
    )
    return QuoteLine(
        parts[f"{field}.description"], parts[f"{field}.quantity"], parts[f"{field}.unit_price"]
    )


def _price(amount: object, currency: object, field: str) -> Money:
    if is_blank(amount):
        raise InvalidValue("is required", field=f"{field}.unit_price")
    if isinstance(amount, str):
        text = amount.strip()
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")  # "95,50" as a Spanish keyboard writes it
        amount = text
    try:
        money = Money.of(amount, str(currency))
    except InvalidValue as exc:
        part = "currency" if exc.field == "currency" else "unit_price"
        raise InvalidValue(exc.message, field=f"{field}.{part}") from None
    if money.is_negative:
        raise InvalidValue("must not be negative", field=f"{field}.unit_price")
    if money.amount != money.rounded().amount:
        raise InvalidValue(
            f"has more decimals than {money.currency} allows", field=f"{field}.unit_price"
        )
    return money


# --- the history tab ----------------------------------------------------------------------------


@attrs.frozen
class HistoryEntry:
    """One line of the History tab: what happened (``kind``, ``summary`` in Spanish for the
    tab), when, and who did it (an agent's name, ``"guest"`` or ``"system"``). ``ref`` is the
    message, reminder or quote it is about; ``details`` holds the rest as text."""

    seq: int
    at: datetime
    actor: str
    kind: HistoryKind
    summary: str
    ref: UUID | None = None
    details: Mapping[str, str] = attrs.field(factory=dict)


# --- e-mail --------------------------------------------------------------------------------------


@attrs.frozen
class InquiryMailbox:
    """The hotel's reservations address perla writes from, and the display name guests see.

    Replies come back to ``reservas+<token>@domain`` (:meth:`reply_to`), so a guest's answer
    finds its inquiry even if the mail client drops the threading headers; Message-IDs end in
    ``@domain``.
    """

    address: str = attrs.field()
    display_name: str | None = None

    @address.validator
    def _check(self, _: attrs.Attribute[str], value: str) -> None:
        parsed = Email.parse(value, field="address").value
        if parsed != value or "+" in value.split("@", 1)[0]:
            raise InvalidValue(
                "give the plain reservations address, lower-case domain, without a +tag",
                field="address",
            )

    @property
    def local_part(self) -> str:
        return self.address.rsplit("@", 1)[0]

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[1]

    def reply_to(self, token: str) -> str:
        return f"{self.local_part}+{token}@{self.domain}"


@attrs.frozen
class EmailContent:
    """A rendered e-mail: subject, plain text and its HTML alternative."""

    subject: str
    text: str
    html: str


def clean_inbound_text(value: str | None, limit: int = MAX_MESSAGE_TEXT) -> str | None:
    """A received body as kept: line breaks normalised, control characters dropped, at most
    ``limit`` characters (a longer one is cut with a note; the adapter keeps the raw mail)."""
    if value is None:
        return None
    text = _CONTROL_MULTILINE.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if len(text) > limit:
        text = text[:limit] + "\n[…]"
    return text or None


def clean_inbound_line(value: str | None, limit: int = MAX_SUBJECT) -> str | None:
    """A received header as kept: one line, control characters dropped, trimmed to ``limit``."""
    if value is None:
        return None
    text = " ".join(_CONTROL.sub(" ", value).split())
    return text[:limit] or None


def decimal_es(value: Decimal, places: int = 2) -> str:
    """``1234.5`` → ``1.234,50``: how Spain writes amounts."""
    text = f"{value:,.{places}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def money_es(money: Money) -> str:
    """``1.234,50 €`` (other currencies by their code: ``1.234,50 USD``)."""
    amount = decimal_es(money.rounded().amount, money.minor_units)
    return f"{amount} €" if money.currency == "EUR" else f"{amount} {money.currency}"


def date_es(day: date) -> str:
    return day.strftime("%d/%m/%Y")
