"""A lead moves through its pipeline and becomes a client only with a complete record.

The transition tests are generated twice: from the model's ``LEAD_TRANSITIONS`` and from the
table written out below, so a change to the model's table that nobody meant fails here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from perla_core.kernel.errors import IllegalTransition, InvalidValue, PreconditionFailed
from perla_core.kernel.values import Email, Phone, TaxId
from perla_core.onboarding.events import (
    LeadConverted,
    LeadRegistered,
    LeadStatusChanged,
)
from perla_core.onboarding.model import (
    LEAD_TRANSITIONS,
    REQUIRED_FOR_CONVERSION,
    Address,
    BusinessType,
    Client,
    ClientStatus,
    LeadStatus,
    Phase,
)

NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)
ACTOR = "ana.agent"

S = LeadStatus
EXPECTED_LEAD_TRANSITIONS: dict[str, dict[LeadStatus, LeadStatus]] = {
    "mark_contacted": {S.NEW: S.CONTACTED},
    "record_meeting": {S.NEW: S.MEETING_HELD, S.CONTACTED: S.MEETING_HELD},
    "grant_benchmark_access": {S.CONTACTED: S.BENCHMARK_ACCESS, S.MEETING_HELD: S.BENCHMARK_ACCESS},
    "mark_lost": {
        S.NEW: S.LOST,
        S.CONTACTED: S.LOST,
        S.MEETING_HELD: S.LOST,
        S.BENCHMARK_ACCESS: S.LOST,
    },
    "reopen": {S.LOST: S.CONTACTED},
    "convert": {S.CONTACTED: S.WON, S.MEETING_HELD: S.WON, S.BENCHMARK_ACCESS: S.WON},
}

# How a lead reaches each status through the pipeline itself.
PATH_TO: dict[LeadStatus, tuple[str, ...]] = {
    S.NEW: (),
    S.CONTACTED: ("mark_contacted",),
    S.MEETING_HELD: ("record_meeting",),
    S.BENCHMARK_ACCESS: ("mark_contacted", "grant_benchmark_access"),
    S.LOST: ("mark_lost",),
    S.WON: ("mark_contacted", "convert"),
}


def complete_lead(**overrides: object) -> Client:
    """A lead whose record holds everything the administrative registration needs."""
    details: dict[str, object] = {
        "legal_name": "Viajes Ñandú S.L.",
        "tax_id": TaxId.parse("B58378431", "ES"),
        "email": Email.parse("reservas@nandu.es"),
        "phone": Phone.parse("+34943711952"),
        "business_type": BusinessType.TRAVEL_AGENCY,
        "addresses": (Address("Gran Vía 1", "Madrid", "28013", "ES", default_billing=True),),
    }
    details.update(overrides)
    return Client.register_lead(
        client_id=UUID(int=1),
        trade_name="Viajes Ñandú",
        country="ES",
        now=NOW,
        actor=ACTOR,
        **details,
    )


def bare_lead() -> Client:
    """A lead the commercial knows only by name and phone."""
    return Client.register_lead(
        client_id=UUID(int=2),
        trade_name="Viajes Ñandú",
        country="ES",
        now=NOW,
        actor=ACTOR,
        phone=Phone.parse("+34943711952"),
    )


def perform(lead: Client, action: str) -> None:
    steps: dict[str, Callable[[], None]] = {
        "mark_contacted": lambda: lead.mark_contacted(now=LATER, actor=ACTOR),
        "record_meeting": lambda: lead.record_meeting(now=LATER, actor=ACTOR),
        "grant_benchmark_access": lambda: lead.grant_benchmark_access(now=LATER, actor=ACTOR),
        "mark_lost": lambda: lead.mark_lost("chose another agency", now=LATER, actor=ACTOR),
        "reopen": lambda: lead.reopen(now=LATER, actor=ACTOR),
        "convert": lambda: lead.convert(now=LATER, actor=ACTOR),
    }
    steps[action]()


def lead_in(status: LeadStatus) -> Client:
    lead = complete_lead()
    for action in PATH_TO[status]:
        perform(lead, action)
    assert lead.lead_status is status
    lead.events.clear()
    return lead


ALL_CASES = [
    (action, status)
    for action in sorted(EXPECTED_LEAD_TRANSITIONS.keys() | LEAD_TRANSITIONS.keys())
    for status in LeadStatus
]


def test_the_lead_transition_table_is_the_one_agreed() -> None:
    assert LEAD_TRANSITIONS == EXPECTED_LEAD_TRANSITIONS


def test_every_lead_status_can_be_reached_in_the_pipeline() -> None:
    assert set(PATH_TO) == set(LeadStatus)


@pytest.mark.parametrize(
    ("action", "source"),
    [(a, s) for a, table in LEAD_TRANSITIONS.items() for s in table],
)
def test_a_lead_action_in_the_model_table_moves_the_lead_where_the_table_says(
    action: str, source: LeadStatus
) -> None:
    lead = lead_in(source)
    perform(lead, action)
    assert lead.lead_status is LEAD_TRANSITIONS[action][source]


@pytest.mark.parametrize(("action", "source"), ALL_CASES)
def test_a_lead_action_is_allowed_exactly_from_the_agreed_statuses(
    action: str, source: LeadStatus
) -> None:
    lead = lead_in(source)
    target = EXPECTED_LEAD_TRANSITIONS.get(action, {}).get(source)
    version_before, status_before = lead.version, lead.lead_status
    if target is None:
        with pytest.raises(IllegalTransition) as raised:
            perform(lead, action)
        assert raised.value.details["action"] == action
        assert raised.value.details["allowed"] == lead.allowed_actions()
        assert lead.lead_status is status_before
        assert lead.version == version_before
        assert lead.events == []
    else:
        perform(lead, action)
        assert lead.lead_status is target
        assert lead.updated_at == LATER
        changed = [e for e in lead.events if isinstance(e, LeadStatusChanged)]
        assert [(e.from_status, e.to_status) for e in changed] == [(source.value, target.value)]


@pytest.mark.parametrize("status", [s for s in LeadStatus if s is not S.WON])
def test_a_lead_lists_the_agreed_actions_allowed_from_its_status(status: LeadStatus) -> None:
    expected = sorted(a for a, t in EXPECTED_LEAD_TRANSITIONS.items() if status in t)
    assert lead_in(status).allowed_actions() == expected


def test_a_refused_lead_action_says_which_actions_are_allowed() -> None:
    lead = lead_in(S.NEW)
    with pytest.raises(IllegalTransition) as raised:
        lead.grant_benchmark_access(now=LATER, actor=ACTOR)
    assert raised.value.details["allowed"] == ["mark_contacted", "mark_lost", "record_meeting"]
    assert raised.value.details["current"] == "new"
    assert raised.value.field == "status"


def test_registering_a_lead_raises_lead_registered() -> None:
    lead = complete_lead()
    assert lead.phase is Phase.LEAD
    assert lead.lead_status is S.NEW
    assert lead.client_status is None
    assert lead.events == [LeadRegistered(UUID(int=1), NOW, ACTOR, "Viajes Ñandú", "ES")]


def test_a_lead_without_email_phone_or_contact_cannot_be_registered() -> None:
    with pytest.raises(InvalidValue) as raised:
        Client.register_lead(
            client_id=UUID(int=3), trade_name="Nadie", country="ES", now=NOW, actor=ACTOR
        )
    assert raised.value.field == "email"


def test_a_lead_is_lost_only_with_a_reason_which_is_recorded() -> None:
    lead = lead_in(S.CONTACTED)
    with pytest.raises(InvalidValue) as raised:
        lead.mark_lost("   ", now=LATER, actor=ACTOR)
    assert raised.value.field == "reason"
    assert lead.lead_status is S.CONTACTED
    lead.mark_lost("  prices too high ", now=LATER, actor=ACTOR)
    assert lead.lost_reason == "prices too high"
    assert lead.events == [
        LeadStatusChanged(UUID(int=1), LATER, ACTOR, "contacted", "lost", "prices too high")
    ]


def test_reopening_a_lost_lead_forgets_why_it_was_lost() -> None:
    lead = lead_in(S.LOST)
    lead.reopen(now=LATER, actor=ACTOR)
    assert lead.lead_status is S.CONTACTED
    assert lead.lost_reason is None


# --- conversion -----------------------------------------------------------------------------


def test_a_lead_without_tax_id_cannot_become_a_client() -> None:
    lead = complete_lead(tax_id=None)
    lead.mark_contacted(now=NOW, actor=ACTOR)
    with pytest.raises(PreconditionFailed) as raised:
        lead.convert(now=LATER, actor=ACTOR)
    assert raised.value.missing == ["tax_id"]
    assert raised.value.field == "tax_id"
    assert lead.phase is Phase.LEAD


def test_conversion_is_refused_listing_exactly_every_missing_field() -> None:
    lead = bare_lead()
    lead.mark_contacted(now=NOW, actor=ACTOR)
    lead.events.clear()
    with pytest.raises(PreconditionFailed) as raised:
        lead.convert(now=LATER, actor=ACTOR)
    assert raised.value.missing == list(REQUIRED_FOR_CONVERSION)
    assert raised.value.missing == [
        "legal_name",
        "tax_id",
        "email",
        "business_type",
        "billing_address",
    ]
    assert lead.lead_status is S.CONTACTED
    assert lead.phase is Phase.LEAD
    assert lead.events == []


def test_an_address_that_is_not_the_default_billing_one_does_not_count_for_conversion() -> None:
    lead = complete_lead(addresses=(Address("Gran Vía 1", "Madrid", "28013", "ES"),))
    lead.mark_contacted(now=NOW, actor=ACTOR)
    with pytest.raises(PreconditionFailed) as raised:
        lead.convert(now=LATER, actor=ACTOR)
    assert raised.value.missing == ["billing_address"]


def test_a_new_lead_cannot_be_converted_before_any_contact_even_when_complete() -> None:
    lead = complete_lead()
    with pytest.raises(IllegalTransition):
        lead.convert(now=LATER, actor=ACTOR)
    assert lead.phase is Phase.LEAD


def test_converting_a_lead_makes_it_a_client_pending_registration() -> None:
    lead = lead_in(S.MEETING_HELD)
    lead.convert(now=LATER, actor=ACTOR)
    assert lead.phase is Phase.CLIENT
    assert not lead.is_lead
    assert lead.lead_status is S.WON
    assert lead.client_status is ClientStatus.PENDING_REGISTRATION
    assert lead.status == "pending_registration"
    assert lead.converted_at == LATER
    assert lead.events == [
        LeadStatusChanged(UUID(int=1), LATER, ACTOR, "meeting_held", "won"),
        LeadConverted(UUID(int=1), LATER, ACTOR, "Viajes Ñandú S.L.", "B58378431", "ES"),
    ]


@pytest.mark.parametrize("action", sorted(LEAD_TRANSITIONS))
def test_lead_actions_are_refused_on_a_client(action: str) -> None:
    client = lead_in(S.WON)
    with pytest.raises(IllegalTransition) as raised:
        perform(client, action)
    assert raised.value.details["allowed"] == ["register_in_dome"]
    assert client.phase is Phase.CLIENT
    assert client.lead_status is S.WON
    assert client.events == []
