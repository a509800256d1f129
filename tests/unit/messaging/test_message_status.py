"""A message's status never moves backwards, whatever order the events arrive in."""

from __future__ import annotations

import itertools
from functools import reduce

import pytest

from perla_core.messaging import MessageStatus, advance

S = MessageStatus


@pytest.mark.parametrize(
    ("current", "new", "after"),
    [
        (None, S.READ, S.READ),
        (S.ACCEPTED, S.SENT, S.SENT),
        (S.SENT, S.DELIVERED, S.DELIVERED),
        (S.READ, S.DELIVERED, S.READ),
        (S.DELIVERED, S.SENT, S.DELIVERED),
        (S.SENT, S.FAILED, S.FAILED),
        (S.ACCEPTED, S.FAILED, S.FAILED),
        (S.DELIVERED, S.FAILED, S.DELIVERED),
        (S.FAILED, S.READ, S.FAILED),
        (S.READ, S.READ, S.READ),
    ],
)
def test_advance_keeps_the_furthest_status(
    current: MessageStatus | None, new: MessageStatus, after: MessageStatus
) -> None:
    assert advance(current, new) is after


def test_sent_delivered_and_read_end_read_in_every_arrival_order() -> None:
    for order in itertools.permutations([S.SENT, S.DELIVERED, S.READ]):
        assert reduce(advance, order, S.ACCEPTED) is S.READ
