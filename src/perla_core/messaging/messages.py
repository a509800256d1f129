"""Outgoing WhatsApp messages: frozen values checked against WhatsApp's limits on construction.

The limits are Meta's (Cloud API) and Zenvia's schema (``ZENVIA.md`` §2.1), the stricter of the
two: text 4096 characters; interactive body 1024, header and footer 60; reply buttons 1..3 with
titles of 20 and ids of 256; list button label 20, 1..10 sections titled 24, 1..10 rows in all
with titles 24, descriptions 72 and ids 200; file captions 1024. A value breaking one raises
:class:`~perla_core.kernel.errors.InvalidValue` naming the field (``buttons[3].title``).

:class:`TemplateMessage` is the only kind WhatsApp delivers outside the 24-hour window; the
others are *free-form* (session) messages, see :mod:`perla_core.messaging.window`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Final, TypeAlias

import attrs

from perla_core.kernel.errors import InvalidValue

TEXT_MAX: Final = 4096
INTERACTIVE_BODY_MAX: Final = 1024
HEADER_MAX: Final = 60
FOOTER_MAX: Final = 60
BUTTONS_MAX: Final = 3
BUTTON_TITLE_MAX: Final = 20
BUTTON_ID_MAX: Final = 256
LIST_BUTTON_MAX: Final = 20
SECTIONS_MAX: Final = 10
SECTION_TITLE_MAX: Final = 24
ROWS_MAX: Final = 10
ROW_TITLE_MAX: Final = 24
ROW_DESCRIPTION_MAX: Final = 72
ROW_ID_MAX: Final = 200
CAPTION_MAX: Final = 1024
FILE_NAME_MAX: Final = 240

FieldValue: TypeAlias = str | int | float | bool


def _text(field: str, value: str | None, limit: int, *, required: bool = True) -> None:
    if value is None:
        if required:
            raise InvalidValue("is required", field=field)
        return
    if not isinstance(value, str):
        raise InvalidValue("must be text", field=field)
    if not value.strip():
        raise InvalidValue("must not be blank", field=field)
    if len(value) > limit:
        raise InvalidValue(
            f"has {len(value)} characters; WhatsApp allows at most {limit}", field=field
        )


def _url(field: str, value: str) -> None:
    _text(field, value, 2048)
    if not value.startswith(("https://", "http://")):
        raise InvalidValue("must be a public http(s) URL", field=field)


@attrs.frozen
class TextMessage:
    """Plain text (a URL in it gets a link preview)."""

    text: str

    def __attrs_post_init__(self) -> None:
        _text("text", self.text, TEXT_MAX)


def _freeze_fields(
    fields: Mapping[str, FieldValue] | Sequence[tuple[str, FieldValue]],
) -> tuple[tuple[str, FieldValue], ...]:
    return tuple(fields.items()) if isinstance(fields, Mapping) else tuple(fields)


@attrs.frozen
class TemplateMessage:
    """An approved template (a Zenvia template id) with its variables filled by name."""

    template_id: str
    fields: tuple[tuple[str, FieldValue], ...] = attrs.field(default=(), converter=_freeze_fields)

    def __attrs_post_init__(self) -> None:
        _text("template_id", self.template_id, 200)
        seen: set[str] = set()
        for name, value in self.fields:
            _text("fields", name, 200)
            if name in seen:
                raise InvalidValue(f"names {name!r} twice", field="fields")
            seen.add(name)
            if not isinstance(value, (str, int, float, bool)):
                raise InvalidValue("must be text, a number or true/false", field=f"fields.{name}")

    @property
    def field_map(self) -> dict[str, FieldValue]:
        return dict(self.fields)


@attrs.frozen
class TextHeader:
    """A text header of an interactive message."""

    text: str

    def __attrs_post_init__(self) -> None:
        _text("header.text", self.text, HEADER_MAX)


@attrs.frozen
class FileHeader:
    """A media header (image, video or document) of a reply-buttons message."""

    url: str
    mime_type: str | None = None
    file_name: str | None = None

    def __attrs_post_init__(self) -> None:
        _url("header.url", self.url)
        _text("header.mime_type", self.mime_type, 255, required=False)
        _text("header.file_name", self.file_name, FILE_NAME_MAX, required=False)


@attrs.frozen
class Button:
    """One reply button: ``id`` comes back as the reply's payload, ``title`` is what shows."""

    id: str
    title: str


def _buttons(items: Iterable[Button]) -> tuple[Button, ...]:
    return tuple(items)


@attrs.frozen
class ButtonsMessage:
    """Interactive reply buttons (1..3) under a body, with an optional header and footer."""

    body: str
    buttons: tuple[Button, ...] = attrs.field(converter=_buttons)
    header: TextHeader | FileHeader | None = None
    footer: str | None = None

    def __attrs_post_init__(self) -> None:
        _text("body", self.body, INTERACTIVE_BODY_MAX)
        _text("footer", self.footer, FOOTER_MAX, required=False)
        if not 1 <= len(self.buttons) <= BUTTONS_MAX:
            raise InvalidValue(
                f"has {len(self.buttons)} buttons; WhatsApp allows 1 to {BUTTONS_MAX}",
                field="buttons",
            )
        for i, button in enumerate(self.buttons):
            _text(f"buttons[{i}].id", button.id, BUTTON_ID_MAX)
            _text(f"buttons[{i}].title", button.title, BUTTON_TITLE_MAX)


@attrs.frozen
class ListRow:
    """One choice of a list: ``id`` comes back as the reply's payload."""

    id: str
    title: str
    description: str | None = None


def _rows(items: Iterable[ListRow]) -> tuple[ListRow, ...]:
    return tuple(items)


@attrs.frozen
class ListSection:
    """A titled group of rows."""

    title: str
    rows: tuple[ListRow, ...] = attrs.field(converter=_rows)


def _sections(items: Iterable[ListSection]) -> tuple[ListSection, ...]:
    return tuple(items)


@attrs.frozen
class ListMessage:
    """An interactive list: ``button`` opens it; 1..10 sections, at most 10 rows in all."""

    body: str
    button: str
    sections: tuple[ListSection, ...] = attrs.field(converter=_sections)
    header: str | None = None
    footer: str | None = None

    def __attrs_post_init__(self) -> None:
        _text("body", self.body, INTERACTIVE_BODY_MAX)
        _text("button", self.button, LIST_BUTTON_MAX)
        _text("header", self.header, HEADER_MAX, required=False)
        _text("footer", self.footer, FOOTER_MAX, required=False)
        if not 1 <= len(self.sections) <= SECTIONS_MAX:
            raise InvalidValue(
                f"has {len(self.sections)} sections; WhatsApp allows 1 to {SECTIONS_MAX}",
                field="sections",
            )
        total = 0
        for i, section in enumerate(self.sections):
            _text(f"sections[{i}].title", section.title, SECTION_TITLE_MAX)
            if not section.rows:
                raise InvalidValue("needs at least one row", field=f"sections[{i}].rows")
            for j, row in enumerate(section.rows):
                where = f"sections[{i}].rows[{j}]"
                _text(f"{where}.id", row.id, ROW_ID_MAX)
                _text(f"{where}.title", row.title, ROW_TITLE_MAX)
                _text(f"{where}.description", row.description, ROW_DESCRIPTION_MAX, required=False)
            total += len(section.rows)
        if total > ROWS_MAX:
            raise InvalidValue(
                f"has {total} rows; WhatsApp allows at most {ROWS_MAX} across all sections",
                field="sections",
            )


@attrs.frozen
class FileMessage:
    """A file at a public URL (a document, image, audio or video), with caption and name."""

    url: str
    mime_type: str | None = None
    caption: str | None = None
    file_name: str | None = None

    def __attrs_post_init__(self) -> None:
        _url("url", self.url)
        _text("mime_type", self.mime_type, 255, required=False)
        _text("caption", self.caption, CAPTION_MAX, required=False)
        _text("file_name", self.file_name, FILE_NAME_MAX, required=False)


OutgoingMessage: TypeAlias = (
    TextMessage | TemplateMessage | ButtonsMessage | ListMessage | FileMessage
)


def is_free_form(message: OutgoingMessage) -> bool:
    """True for session messages, which need the 24-hour window (all but templates)."""
    return not isinstance(message, TemplateMessage)


def kind_of(message: OutgoingMessage) -> str:
    """The message's kind: ``text``, ``template``, ``buttons``, ``list`` or ``file``."""
    return {
        TextMessage: "text",
        TemplateMessage: "template",
        ButtonsMessage: "buttons",
        ListMessage: "list",
        FileMessage: "file",
    }[type(message)]
