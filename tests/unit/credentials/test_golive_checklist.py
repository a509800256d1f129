"""Go-live needs a validated record, the client registered in Dome and in PerlaHub, an active
live credential, a recent passing connection test with it and the technical validations
passed; go-live is refused with the list of what is missing."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from uuid import UUID

import pytest
from tests.unit.credentials.fakes import AGENT, CLIENT_ID, NOW, FakePolicy, a_client, a_lead

from perla_core.credentials.golive import (
    DEFAULT_MAX_TEST_AGE,
    Checklist,
    GoLiveRefused,
    golive_checklist,
)
from perla_core.credentials.model import (
    DEFAULT_RULES,
    Credential,
    CredentialSettings,
    Environment,
    default_username,
)
from perla_core.kernel.errors import PreconditionFailed
from perla_core.onboarding.model import Client, ClientStatus

ALL_KEYS = [
    "validated_record",
    "registered_in_dome",
    "registered_in_perlahub",
    "live_credential",
    "connection_test",
    "technical_validations",
]
VALIDATIONS = {"availability_search": True, "booking_flow": True}


def credential(
    number: int,
    environment: Environment = Environment.LIVE,
    *,
    tested_ok: bool | None = True,
    tested_at: datetime = NOW - timedelta(hours=2),
    client_id: UUID = CLIENT_ID,
) -> Credential:
    issued = Credential.issue(
        credential_id=UUID(int=number),
        client=a_client(ClientStatus.ONBOARDING, client_id),
        environment=environment,
        username=default_username(UUID(int=number), environment),
        secret="s",
        settings=CredentialSettings(
            products=("hotels",), currencies=("EUR",), ip_allowlist=("81.47.128.0/24",)
        ),
        rules=DEFAULT_RULES,
        coverage=FakePolicy(),
        others=(),
        now=NOW - timedelta(days=1),
        actor=AGENT,
    )
    if tested_ok is not None:
        issued.record_connection_test(
            ok=tested_ok,
            latency_ms=95,
            message="ok" if tested_ok else "authentication refused",
            now=tested_at,
            actor=AGENT,
        )
    return issued


def checklist(
    client: Client | None = None,
    credentials: tuple[Credential, ...] | None = None,
    validations: Mapping[str, bool] = VALIDATIONS,
    *,
    dome: str | None = "C-0042",
    perlahub: str | None = "AG-17",
) -> Checklist:
    return golive_checklist(
        client or a_client(ClientStatus.ONBOARDING),
        (credential(1),) if credentials is None else credentials,
        validations,
        dome_customer_id=dome,
        perlahub_agency_id=perlahub,
        now=NOW,
    )


def test_a_client_with_everything_in_place_is_ready_to_go_live() -> None:
    ready = checklist()

    assert ready.ready
    assert ready.missing == []
    assert [i.key for i in ready.items] == ALL_KEYS
    assert all(i.label for i in ready.items)
    ready.require_ready()
    details = {i.key: i.detail for i in ready.items}
    assert details["registered_in_dome"] == "Dome customer C-0042"
    assert details["registered_in_perlahub"] == "PerlaHub agency AG-17"
    assert "passed at 2026-01-15 07:00 UTC in 95 ms" in details["connection_test"]


def refused_keys(blocked: Checklist) -> list[str]:
    with pytest.raises(GoLiveRefused) as refused:
        blocked.require_ready()
    assert isinstance(refused.value, PreconditionFailed)
    assert refused.value.code == "go_live_refused"
    assert refused.value.missing == blocked.missing
    return refused.value.missing


def test_a_record_not_validated_yet_blocks_go_live() -> None:
    blocked = checklist(client=a_client(ClientStatus.REGISTERED))

    assert refused_keys(blocked) == ["validated_record"]
    assert blocked.blocking[0].detail == "status registered: an agent must validate the record"


def test_a_lead_is_never_ready() -> None:
    blocked = checklist(client=a_lead())

    assert refused_keys(blocked) == ["validated_record"]
    assert blocked.blocking[0].detail == "still a lead (new)"


@pytest.mark.parametrize(
    ("dome", "perlahub", "missing"),
    [
        (None, "AG-17", ["registered_in_dome"]),
        ("C-0042", None, ["registered_in_perlahub"]),
        ("  ", "", ["registered_in_dome", "registered_in_perlahub"]),
    ],
)
def test_a_client_not_registered_in_dome_or_perlahub_is_refused(
    dome: str | None, perlahub: str | None, missing: list[str]
) -> None:
    blocked = checklist(dome=dome, perlahub=perlahub)

    assert refused_keys(blocked) == missing
    assert blocked.blocking[0].detail.startswith("no ")


def test_without_an_active_live_credential_there_is_nothing_to_go_live_with() -> None:
    suspended = credential(1)
    suspended.suspend(now=NOW, actor=AGENT)
    only_test = credential(2, Environment.TEST)

    blocked = checklist(credentials=(suspended, only_test))

    assert refused_keys(blocked) == ["live_credential", "connection_test"]
    assert [i.detail for i in blocked.blocking] == [
        "no active live credential",
        "no active live credential to test",
    ]


def test_another_clients_credential_does_not_count() -> None:
    foreign = credential(1, client_id=UUID(int=8))

    assert checklist(credentials=(foreign,)).missing == ["live_credential", "connection_test"]


def test_a_live_credential_never_tested_blocks_go_live() -> None:
    blocked = checklist(credentials=(credential(1, tested_ok=None),))

    assert refused_keys(blocked) == ["connection_test"]
    assert blocked.blocking[0].detail == "no live credential has been tested"


def test_a_failed_last_connection_test_blocks_go_live_and_says_why() -> None:
    blocked = checklist(credentials=(credential(1, tested_ok=False),))

    assert refused_keys(blocked) == ["connection_test"]
    assert blocked.blocking[0].detail.endswith("failed: authentication refused")


def test_a_passing_test_older_than_the_maximum_age_no_longer_counts() -> None:
    old = NOW - DEFAULT_MAX_TEST_AGE - timedelta(minutes=1)

    blocked = checklist(credentials=(credential(1, tested_at=old),))

    assert refused_keys(blocked) == ["connection_test"]
    assert "older than 7 days" in blocked.blocking[0].detail
    recent_enough = golive_checklist(
        a_client(ClientStatus.ONBOARDING),
        (credential(1, tested_at=old),),
        VALIDATIONS,
        dome_customer_id="C-0042",
        perlahub_agency_id="AG-17",
        now=NOW,
        max_test_age=timedelta(days=30),
    )
    assert recent_enough.ready


def test_one_passing_live_credential_is_enough_when_another_failed() -> None:
    ready = checklist(credentials=(credential(1, tested_ok=False), credential(2)))

    assert ready.ready


def test_a_test_environment_connection_test_does_not_count() -> None:
    untested_live = credential(1, tested_ok=None)
    tested_test = credential(2, Environment.TEST)

    assert checklist(credentials=(untested_live, tested_test)).missing == ["connection_test"]


@pytest.mark.parametrize(
    ("validations", "detail"),
    [
        ({}, "no technical validation recorded"),
        (
            {"availability_search": True, "cancellation_flow": False, "booking_flow": False},
            "failed: booking_flow, cancellation_flow",
        ),
    ],
)
def test_technical_validations_must_all_have_passed(
    validations: Mapping[str, bool], detail: str
) -> None:
    blocked = checklist(validations=validations)

    assert refused_keys(blocked) == ["technical_validations"]
    assert blocked.blocking[0].detail == detail


def test_a_refusal_lists_everything_that_is_missing_at_once() -> None:
    blocked = checklist(client=a_lead(), credentials=(), validations={}, dome=None, perlahub=None)

    with pytest.raises(GoLiveRefused) as refused:
        blocked.require_ready()

    error = refused.value
    assert error.missing == ALL_KEYS
    assert [b["key"] for b in error.details["blocking"]] == ALL_KEYS
    assert error.message.startswith("the client cannot go live yet: client record validated")
    assert error.field == "validated_record"
