"""The 24-hour customer service window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from perla_core.kernel.errors import InvalidValue
from perla_core.messaging import (
    OutsideWindow,
    TemplateMessage,
    TextMessage,
    check_window,
    window_open,
)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("last_inbound_at", "is_open"),
    [
        (None, False),
        (NOW - timedelta(minutes=5), True),
        (NOW - timedelta(hours=23, minutes=59, seconds=59), True),
        (NOW - timedelta(hours=24), False),
        (NOW - timedelta(days=2), False),
        (NOW.astimezone(timezone(timedelta(hours=-3))) - timedelta(hours=1), True),
    ],
)
def test_the_window_is_open_for_24_hours_after_the_contacts_last_message(
    last_inbound_at: datetime | None, is_open: bool
) -> None:
    assert window_open(last_inbound_at, NOW) is is_open


def test_naive_times_are_refused() -> None:
    with pytest.raises(InvalidValue) as caught:
        window_open(datetime(2026, 3, 2, 11, 0), NOW)  # noqa: DTZ001 - the point of the test

    assert caught.value.field == "last_inbound_at"


def test_a_free_form_message_outside_the_window_is_refused_and_a_template_is_not() -> None:
    old = NOW - timedelta(days=1, seconds=1)

    with pytest.raises(OutsideWindow) as caught:
        check_window(TextMessage("hola"), old, NOW)
    check_window(TemplateMessage("tpl"), old, NOW)
    check_window(TemplateMessage("tpl"), None, NOW)

    assert caught.value.code == "outside_window"
    assert caught.value.details["kind"] == "text"
    assert "template" in caught.value.message
