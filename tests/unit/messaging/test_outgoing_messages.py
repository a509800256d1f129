"""Outgoing WhatsApp messages refuse, on construction, what WhatsApp would refuse."""

from __future__ import annotations

import pytest

from perla_core.kernel.errors import InvalidValue
from perla_core.messaging import (
    Button,
    ButtonsMessage,
    FileHeader,
    FileMessage,
    ListMessage,
    ListRow,
    ListSection,
    OutgoingMessage,
    TemplateMessage,
    TextHeader,
    TextMessage,
    is_free_form,
    kind_of,
)


def a_section(rows: int = 1, title: str = "Planes") -> ListSection:
    return ListSection(title, [ListRow(f"row-{i}", f"Row {i}") for i in range(rows)])


def field_of(error: pytest.ExceptionInfo[InvalidValue]) -> str | None:
    return error.value.field


def test_a_text_of_4096_characters_is_fine_and_one_more_is_refused() -> None:
    TextMessage("a" * 4096)

    with pytest.raises(InvalidValue) as caught:
        TextMessage("a" * 4097)

    assert field_of(caught) == "text"
    assert "4096" in caught.value.message


def test_a_blank_text_is_refused() -> None:
    with pytest.raises(InvalidValue) as caught:
        TextMessage("   ")

    assert field_of(caught) == "text"


def test_reply_buttons_are_one_to_three() -> None:
    ButtonsMessage("¿Seguimos?", [Button("a", "A"), Button("b", "B"), Button("c", "C")])

    with pytest.raises(InvalidValue) as too_many:
        ButtonsMessage("¿Seguimos?", [Button(str(i), str(i)) for i in range(4)])
    with pytest.raises(InvalidValue) as none:
        ButtonsMessage("¿Seguimos?", [])

    assert field_of(too_many) == field_of(none) == "buttons"


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: ButtonsMessage("x", [Button("a", "b" * 21)]), "buttons[0].title"),
        (lambda: ButtonsMessage("x", [Button("a" * 257, "b")]), "buttons[0].id"),
        (lambda: ButtonsMessage("x" * 1025, [Button("a", "b")]), "body"),
        (lambda: ButtonsMessage("x", [Button("a", "b")], footer="f" * 61), "footer"),
        (
            lambda: ButtonsMessage("x", [Button("a", "b")], header=TextHeader("h" * 61)),
            "header.text",
        ),
        (lambda: ListMessage("x", "b" * 21, [a_section()]), "button"),
        (lambda: ListMessage("x", "Ver", [a_section(title="t" * 25)]), "sections[0].title"),
        (
            lambda: ListMessage("x", "Ver", [ListSection("s", [ListRow("r", "t" * 25)])]),
            "sections[0].rows[0].title",
        ),
        (
            lambda: ListMessage("x", "Ver", [ListSection("s", [ListRow("r", "t", "d" * 73)])]),
            "sections[0].rows[0].description",
        ),
        (lambda: ListMessage("x", "Ver", [ListSection("s", [])]), "sections[0].rows"),
        (lambda: ListMessage("x", "Ver", []), "sections"),
        (lambda: ListMessage("x", "Ver", [a_section() for _ in range(11)]), "sections"),
        (lambda: FileMessage("ftp://host/file.pdf"), "url"),
        (lambda: FileMessage("https://host/f.pdf", caption="c" * 1025), "caption"),
        (
            lambda: ButtonsMessage("x", [Button("a", "b")], header=FileHeader("file.pdf")),
            "header.url",
        ),
        (lambda: TemplateMessage(""), "template_id"),
        (lambda: TemplateMessage("t", [("name", "Ana"), ("name", "Eva")]), "fields"),
    ],
)
def test_each_limit_is_refused_naming_the_field(build: object, field: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        build()  # type: ignore[operator]

    assert field_of(caught) == field


def test_a_list_has_at_most_ten_rows_across_its_sections() -> None:
    ListMessage("Elige", "Ver", [a_section(5), a_section(5)])

    with pytest.raises(InvalidValue) as caught:
        ListMessage("Elige", "Ver", [a_section(5), a_section(6)])

    assert field_of(caught) == "sections"
    assert "11 rows" in caught.value.message


def test_template_fields_are_named_and_keep_their_values() -> None:
    template = TemplateMessage("tpl", {"name": "Ana", "count": 3, "vip": True})

    assert template.field_map == {"name": "Ana", "count": 3, "vip": True}
    assert template == TemplateMessage("tpl", [("name", "Ana"), ("count", 3), ("vip", True)])


def test_only_templates_are_not_free_form() -> None:
    messages: list[OutgoingMessage] = [
        TextMessage("hola"),
        TemplateMessage("tpl"),
        ButtonsMessage("x", [Button("a", "b")]),
        ListMessage("x", "Ver", [a_section()]),
        FileMessage("https://host/f.pdf", mime_type="application/pdf", file_name="f.pdf"),
    ]

    assert [(kind_of(m), is_free_form(m)) for m in messages] == [
        ("text", True),
        ("template", False),
        ("buttons", True),
        ("list", True),
        ("file", True),
    ]
