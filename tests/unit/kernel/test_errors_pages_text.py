"""Errors carry stable codes and fields; pages have limits; text folds for search."""

from __future__ import annotations

import pytest

from perla_core.kernel.errors import (
    AlreadyExists,
    IllegalTransition,
    InvalidInput,
    InvalidValue,
    NotFound,
    PerlaError,
    PermissionDenied,
    PreconditionFailed,
    StaleVersion,
    Unauthenticated,
    invalid,
)
from perla_core.kernel.pagination import MAX_LIMIT, Page, PageRequest
from perla_core.kernel.text import fold


@pytest.mark.parametrize(
    ("error_type", "code"),
    [
        (PerlaError, "perla_error"),
        (InvalidValue, "invalid_value"),
        (InvalidInput, "invalid_input"),
        (NotFound, "not_found"),
        (AlreadyExists, "already_exists"),
        (IllegalTransition, "illegal_transition"),
        (PreconditionFailed, "precondition_failed"),
        (StaleVersion, "stale_version"),
        (PermissionDenied, "permission_denied"),
        (Unauthenticated, "unauthenticated"),
    ],
)
def test_every_error_kind_has_a_stable_code(error_type: type[PerlaError], code: str) -> None:
    assert error_type.code == code
    assert issubclass(error_type, PerlaError)


def test_an_invalid_value_names_its_field_in_its_message() -> None:
    error = InvalidValue("is required", field="trade_name")
    assert error.field == "trade_name"
    assert str(error) == "trade_name: is required"
    assert str(InvalidValue("bad")) == "bad"


def test_invalid_input_gathers_one_error_per_field_and_points_at_the_first() -> None:
    error = invalid({"email": "is not an e-mail", "phone": "is not a phone"})
    assert [(e.field, e.message) for e in error.errors] == [
        ("email", "is not an e-mail"),
        ("phone", "is not a phone"),
    ]
    assert error.field == "email"
    assert str(error) == "email: is not an e-mail; phone: is not a phone"


def test_not_found_says_what_was_missing() -> None:
    error = NotFound("client", "42")
    assert (error.kind, error.ident) == ("client", "42")
    assert error.details == {"kind": "client", "id": "42"}


def test_an_illegal_transition_lists_the_actions_allowed_from_here_sorted() -> None:
    error = IllegalTransition("lead", "new", "convert", allowed=["record_meeting", "mark_lost"])
    assert error.field == "status"
    assert error.details["allowed"] == ["mark_lost", "record_meeting"]
    assert error.details["current"] == "new"
    assert error.details["action"] == "convert"
    assert "allowed from here: mark_lost, record_meeting" in error.message


def test_a_failed_precondition_lists_what_is_missing_and_points_at_the_first() -> None:
    error = PreconditionFailed("not yet", missing=["legal_name", "tax_id"])
    assert error.missing == ["legal_name", "tax_id"]
    assert error.details["missing"] == ["legal_name", "tax_id"]
    assert error.field == "legal_name"


def test_a_stale_version_says_which_version_was_expected_and_which_is_stored() -> None:
    error = StaleVersion("client", "42", 1, 2)
    assert error.field == "version"
    assert (error.details["expected"], error.details["actual"]) == (1, 2)


# --- pages ----------------------------------------------------------------------------------


def test_a_page_request_defaults_to_fifty_from_the_start() -> None:
    assert PageRequest() == PageRequest(limit=50, offset=0)


@pytest.mark.parametrize("limit", [1, MAX_LIMIT])
def test_a_page_limit_between_one_and_the_maximum_is_accepted(limit: int) -> None:
    assert PageRequest(limit=limit).limit == limit


@pytest.mark.parametrize("limit", [0, -1, MAX_LIMIT + 1])
def test_a_page_limit_outside_its_range_is_refused(limit: int) -> None:
    with pytest.raises(InvalidValue) as raised:
        PageRequest(limit=limit)
    assert raised.value.field == "limit"


def test_a_negative_page_offset_is_refused() -> None:
    with pytest.raises(InvalidValue) as raised:
        PageRequest(offset=-1)
    assert raised.value.field == "offset"


def test_a_page_knows_whether_more_rows_follow() -> None:
    assert Page(items=["a", "b"], total=5, limit=2, offset=0).has_more
    assert Page(items=["e"], total=5, limit=2, offset=4).has_more is False
    assert Page[str](items=[], total=0, limit=2, offset=0).has_more is False


# --- text -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("  Viajes  Ñandú ", "viajes nandu"),
        ("MÜLLER Reisen", "muller reisen"),
        ("Straße", "strasse"),
        ("a\tb\nc", "a b c"),
        ("", ""),
    ],
)
def test_fold_lowers_case_removes_accents_and_collapses_spaces(text: str, folded: str) -> None:
    assert fold(text) == folded
