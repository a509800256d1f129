"""A client is registered in Dome, then in PerlaHub, validated, onboarded and goes live;
later it may turn dormant or churn. Tested from the model's table and from the agreed one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from perla_core.kernel.errors import IllegalTransition, InvalidValue
from perla_core.kernel.values import Email, TaxId
from perla_core.onboarding.events import ClientStatusChanged
from perla_core.onboarding.model import (
    CLIENT_TRANSITIONS,
    Address,
    BusinessType,
    Client,
    ClientStatus,
    LeadStatus,
)

NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=1)
ACTOR = "ana.agent"
CLIENT_ID = UUID(int=7)

C = ClientStatus
EXPECTED_CLIENT_TRANSITIONS: dict[str, dict[ClientStatus, ClientStatus]] = {
    "register_in_dome": {C.PENDING_REGISTRATION: C.REGISTERED_IN_DOME},
    "register_in_perlahub": {C.REGISTERED_IN_DOME: C.REGISTERED},
    "validate_record": {C.REGISTERED: C.VALIDATED},
    "start_onboarding": {C.VALIDATED: C.ONBOARDING},
    "go_live": {C.ONBOARDING: C.LIVE},
    "mark_dormant": {C.LIVE: C.DORMANT},
    "reactivate": {C.DORMANT: C.LIVE, C.CHURNED: C.LIVE},
    "churn": {
        C.VALIDATED: C.CHURNED,
        C.ONBOARDING: C.CHURNED,
        C.LIVE: C.CHURNED,
        C.DORMANT: C.CHURNED,
    },
}

HAPPY_PATH = (
    "register_in_dome",
    "register_in_perlahub",
    "validate_record",
    "start_onboarding",
    "go_live",
)
PATH_TO: dict[ClientStatus, tuple[str, ...]] = {
    C.PENDING_REGISTRATION: (),
    C.REGISTERED_IN_DOME: HAPPY_PATH[:1],
    C.REGISTERED: HAPPY_PATH[:2],
    C.VALIDATED: HAPPY_PATH[:3],
    C.ONBOARDING: HAPPY_PATH[:4],
    C.LIVE: HAPPY_PATH,
    C.DORMANT: (*HAPPY_PATH, "mark_dormant"),
    C.CHURNED: (*HAPPY_PATH, "churn"),
}


def new_client() -> Client:
    """A lead that has just been converted: pending its administrative registration."""
    client = Client.register_lead(
        client_id=CLIENT_ID,
        trade_name="Viajes Ñandú",
        country="ES",
        now=NOW,
        actor=ACTOR,
        legal_name="Viajes Ñandú S.L.",
        tax_id=TaxId.parse("B58378431", "ES"),
        email=Email.parse("reservas@nandu.es"),
        business_type=BusinessType.TRAVEL_AGENCY,
        addresses=(Address("Gran Vía 1", "Madrid", "28013", "ES", default_billing=True),),
    )
    client.mark_contacted(now=NOW, actor=ACTOR)
    client.convert(now=NOW, actor=ACTOR)
    client.events.clear()
    return client


def client_in(status: ClientStatus) -> Client:
    client = new_client()
    for action in PATH_TO[status]:
        client.advance(action, now=NOW, actor=ACTOR)
    assert client.client_status is status
    client.events.clear()
    return client


def test_the_client_transition_table_is_the_one_agreed() -> None:
    assert CLIENT_TRANSITIONS == EXPECTED_CLIENT_TRANSITIONS


def test_every_client_status_can_be_reached_in_the_lifecycle() -> None:
    assert set(PATH_TO) == set(ClientStatus)


def test_a_client_goes_from_registration_to_live_to_dormant_and_back() -> None:
    client = new_client()
    steps = [*HAPPY_PATH, "mark_dormant", "reactivate", "churn", "reactivate"]
    for step in steps:
        client.advance(step, now=LATER, actor=ACTOR, reason=f"because {step}")
    assert client.client_status is C.LIVE
    assert [
        (e.from_status, e.to_status) for e in client.events if isinstance(e, ClientStatusChanged)
    ] == [
        ("pending_registration", "registered_in_dome"),
        ("registered_in_dome", "registered"),
        ("registered", "validated"),
        ("validated", "onboarding"),
        ("onboarding", "live"),
        ("live", "dormant"),
        ("dormant", "live"),
        ("live", "churned"),
        ("churned", "live"),
    ]
    assert len(client.events) == len(steps)


@pytest.mark.parametrize(
    ("action", "source"),
    [(a, s) for a, table in CLIENT_TRANSITIONS.items() for s in table],
)
def test_a_client_action_in_the_model_table_moves_the_client_where_the_table_says(
    action: str, source: ClientStatus
) -> None:
    client = client_in(source)
    client.advance(action, now=LATER, actor=ACTOR)
    assert client.client_status is CLIENT_TRANSITIONS[action][source]


@pytest.mark.parametrize(
    ("action", "source"),
    [
        (action, status)
        for action in sorted(EXPECTED_CLIENT_TRANSITIONS.keys() | CLIENT_TRANSITIONS.keys())
        for status in ClientStatus
    ],
)
def test_a_client_action_is_allowed_exactly_from_the_agreed_statuses(
    action: str, source: ClientStatus
) -> None:
    client = client_in(source)
    target = EXPECTED_CLIENT_TRANSITIONS.get(action, {}).get(source)
    if target is None:
        with pytest.raises(IllegalTransition) as raised:
            client.advance(action, now=LATER, actor=ACTOR)
        expected_allowed = sorted(a for a, t in EXPECTED_CLIENT_TRANSITIONS.items() if source in t)
        assert raised.value.details["allowed"] == expected_allowed
        assert raised.value.details["current"] == source.value
        assert client.client_status is source
        assert client.updated_at == NOW
        assert client.events == []
    else:
        client.advance(action, now=LATER, actor=ACTOR, reason="agreed")
        assert client.client_status is target
        assert client.updated_at == LATER
        assert client.events == [
            ClientStatusChanged(CLIENT_ID, LATER, ACTOR, source.value, target.value, "agreed")
        ]


def test_a_client_action_is_refused_on_a_lead() -> None:
    lead = Client.register_lead(
        client_id=CLIENT_ID,
        trade_name="Viajes Ñandú",
        country="ES",
        now=NOW,
        actor=ACTOR,
        email=Email.parse("reservas@nandu.es"),
    )
    lead.events.clear()
    with pytest.raises(IllegalTransition) as raised:
        lead.advance("register_in_dome", now=LATER, actor=ACTOR)
    assert raised.value.details["current"] == "new"
    assert raised.value.details["allowed"] == ["mark_contacted", "mark_lost", "record_meeting"]
    assert lead.client_status is None
    assert lead.lead_status is LeadStatus.NEW
    assert lead.events == []


def test_an_unknown_client_action_is_an_invalid_value() -> None:
    client = client_in(C.LIVE)
    with pytest.raises(InvalidValue) as raised:
        client.advance("explode", now=LATER, actor=ACTOR)
    assert raised.value.field == "action"
    assert client.client_status is C.LIVE
