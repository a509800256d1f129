"""Tool schemas come from the command classes, and the model's JSON binds back to commands."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import attrs
import jsonschema
import pytest

from perla_core.access.model import Actor, Permission, Role
from perla_core.assistant.catalogue import build_toolbox
from perla_core.assistant.schema import bind, json_schema
from perla_core.assistant.tools import Tool, ToolBox, ToolKind, ToolOutput
from perla_core.credentials.commands import EditCredential, IssueCredential
from perla_core.kernel.errors import InvalidInput
from perla_core.onboarding.commands import KEEP, RegisterLead
from perla_core.suppliers.commands import CreateSupplierRequest


@pytest.mark.parametrize("tool", list(build_toolbox()), ids=lambda t: t.name)
def test_every_tool_offers_a_valid_json_schema_with_a_description(tool: Tool) -> None:
    spec = tool.spec()
    jsonschema.Draft202012Validator.check_schema(spec.input_schema)
    assert spec.input_schema["type"] == "object"
    assert "expected_version" not in spec.input_schema["properties"]
    assert spec.description
    assert len(spec.name) <= 64


@attrs.frozen
class PlanVisit:
    """Plan a visit to a client (a use case the assistant never heard of)."""

    client_id: UUID
    day: date
    topics: Sequence[str] = ()
    budget: Decimal | None = None
    notes: Mapping[str, str] = attrs.field(factory=dict)


def test_a_new_use_case_becomes_a_tool_without_a_hand_written_schema() -> None:
    box = ToolBox()
    box.add(
        Tool(
            "plan_visit",
            "Plan a visit.",
            ToolKind.WRITE,
            Permission.WRITE_COMMERCIAL,
            PlanVisit,
            lambda command, _ctx: ToolOutput({"day": command.day.isoformat()}),
        )
    )

    schema = box.specs_for(Actor("ana", Role.AGENT))[0].input_schema

    assert schema["required"] == ["client_id", "day"]
    assert schema["properties"]["day"] == {"type": "string", "format": "date"}
    assert schema["properties"]["topics"] == {"type": "array", "items": {"type": "string"}}
    assert schema["description"] == PlanVisit.__doc__
    assert box.specs_for(Actor("rita", Role.READONLY)) == ()
    command = bind(
        PlanVisit,
        {"client_id": str(UUID(int=1)), "day": "2027-03-01", "topics": ["go"], "budget": 120.5},
    )
    assert command == PlanVisit(UUID(int=1), date(2027, 3, 1), ("go",), Decimal("120.5"))


def test_a_schema_validates_what_bind_accepts() -> None:
    schema = json_schema(IssueCredential)
    given = {
        "client_id": str(UUID(int=5)),
        "environment": "live",
        "products": ["hotels"],
        "currencies": ["EUR"],
        "rate_limit_per_minute": 120,
    }
    jsonschema.validate(given, schema)
    command = bind(IssueCredential, given)
    assert command.rate_limit_per_minute == 120
    assert command.products == ("hotels",)


def test_update_commands_leave_out_what_is_not_given_and_clear_with_null() -> None:
    command = bind(EditCredential, {"credential_id": str(UUID(int=9)), "label": None})
    assert command.label is None
    assert command.products is KEEP
    assert "required" in json_schema(EditCredential)
    assert json_schema(EditCredential)["required"] == ["credential_id"]


@pytest.mark.parametrize(
    ("given", "field", "says"),
    [
        ({"country": "ES"}, "trade_name", "required"),
        ({"trade_name": "Sol", "country": "ES", "colour": "red"}, "colour", "unknown field"),
        ({"trade_name": 7.5, "country": ["ES"]}, "country", "must be a string"),
        ({"trade_name": "Sol", "country": "ES", "markets": "ES"}, "markets", "must be a list"),
        (
            {"trade_name": "Sol", "country": "ES", "addresses": [{"city": "Madrid"}]},
            "addresses[0].line1",
            "required",
        ),
    ],
)
def test_bad_input_names_the_field(given: dict[str, Any], field: str, says: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        bind(RegisterLead, given)
    by_field = {e.field: str(e) for e in refused.value.errors}
    assert field in by_field, by_field
    assert says in by_field[field]


def test_every_bad_field_is_reported_at_once() -> None:
    with pytest.raises(InvalidInput) as refused:
        bind(
            CreateSupplierRequest,
            {"stars": "five", "contacts": "Laura", "prefill": {}},
            hidden=frozenset({"prefill"}),
        )
    fields = {e.field for e in refused.value.errors}
    assert {"name", "stars", "contacts", "prefill"} <= fields
