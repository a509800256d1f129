"""A tiny 5-field cron expression (minute hour day-of-month month day-of-week).

Each field is ``*``, a number, a range ``a-b``, a step ``*/n`` or ``a-b/n``, or a comma list
of those. Day of week is 0-6 (0 = Sunday; 7 is Sunday too). As in cron, when both day fields
are restricted a time matches if either does.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from perla_core.kernel.errors import InvalidValue

_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day", 1, 31), ("month", 1, 12), ("weekday", 0, 7))


def _part(text: str, name: str, low: int, high: int) -> set[int]:
    base, _, step_text = text.partition("/")
    step = 1
    if step_text:
        if not step_text.isdigit() or int(step_text) < 1:
            raise InvalidValue(f"bad step {step_text!r} in the {name} field", field="cron")
        step = int(step_text)
    if base == "*":
        start, stop = low, high
    else:
        first, _, last = base.partition("-")
        if not first.isdigit() or (last and not last.isdigit()):
            raise InvalidValue(f"bad {name} {text!r}", field="cron")
        start = int(first)
        stop = int(last) if last else (high if step_text else start)
    if not low <= start <= stop <= high:
        raise InvalidValue(f"{name} {text!r} is outside {low}-{high}", field="cron")
    return set(range(start, stop + 1, step))


@attrs.frozen
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    any_day: bool
    any_weekday: bool

    @classmethod
    def parse(cls, expression: str) -> Cron:
        fields = expression.split()
        if len(fields) != 5:
            raise InvalidValue("a cron expression has 5 fields", field="cron")
        sets = []
        for text, (name, low, high) in zip(fields, _FIELDS, strict=True):
            values: set[int] = set()
            for piece in text.split(","):
                values |= _part(piece, name, low, high)
            sets.append(frozenset(values))
        weekdays = frozenset(d % 7 for d in sets[4])
        return cls(sets[0], sets[1], sets[2], sets[3], weekdays, fields[2] == "*", fields[4] == "*")

    def matches(self, when: datetime) -> bool:
        if when.minute not in self.minutes or when.hour not in self.hours:
            return False
        if when.month not in self.months:
            return False
        day_ok = when.day in self.days
        weekday_ok = (when.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:
            return day_ok and weekday_ok
        return day_ok or weekday_ok
