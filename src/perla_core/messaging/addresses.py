"""Checks of the ids a send names (shared by every Messenger adapter)."""

from __future__ import annotations

from typing import Final

from perla_core.kernel.errors import InvalidValue

ADDRESS_MAX: Final = 64
EXTERNAL_ID_MAX: Final = 200


def normalise_address(field: str, value: str) -> str:
    """A sender or recipient id as the provider wants it: no blanks, no leading ``+``."""
    text = value.strip().removeprefix("+")
    if not text:
        raise InvalidValue("is required", field=field)
    if len(text) > ADDRESS_MAX:
        raise InvalidValue(f"has at most {ADDRESS_MAX} characters", field=field)
    return text


def check_external_id(external_id: str) -> str:
    """perla's own id of the message: required, at most 200 characters."""
    if not external_id.strip():
        raise InvalidValue("is required", field="external_id")
    if len(external_id) > EXTERNAL_ID_MAX:
        raise InvalidValue(f"has at most {EXTERNAL_ID_MAX} characters", field="external_id")
    return external_id
