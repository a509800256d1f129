"""The credential use cases on the dict-backed fake unit of work: what is stored, what is
announced, what the caller sees of the secret (once), and what a refusal leaves (nothing)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from uuid import UUID

import pytest
from tests.unit.credentials.fakes import (
    CLIENT_ID,
    FakeCredentialUnitOfWork,
    FakePolicy,
    ScriptedConnectionTester,
    a_client,
    a_lead,
    event_values,
)

from perla_adapters.memory import FixedClock, SequentialIds, StaticSecrets
from perla_core.access.model import Actor, digest
from perla_core.credentials.commands import (
    EditCredential,
    IssueCredential,
    ReactivateCredential,
    RecordConnectionTest,
    RevokeCredential,
    RotateCredentialSecret,
    SuspendCredential,
)
from perla_core.credentials.events import (
    ConnectionTested,
    CredentialEdited,
    CredentialIssued,
    CredentialReactivated,
    CredentialRevoked,
    CredentialSecretRotated,
    CredentialSuspended,
)
from perla_core.credentials.golive import GoLiveRefused
from perla_core.credentials.model import (
    CredentialRefused,
    CredentialStatus,
    IssuedSecret,
    PolicyCoverage,
    Product,
)
from perla_core.credentials.ports import ConnectionTestOutcome, PolicyLookup
from perla_core.credentials.services import (
    edit_credential,
    get_credential,
    golive_readiness,
    issue_credential,
    list_credentials,
    reactivate_credential,
    record_connection_test,
    revoke_credential,
    rotate_credential_secret,
    suspend_credential,
)
from perla_core.kernel.errors import (
    AlreadyExists,
    IllegalTransition,
    InvalidInput,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    StaleVersion,
)
from perla_core.onboarding.model import Client, ClientStatus


def policies(policy: PolicyCoverage | None = None) -> PolicyLookup:
    chosen = FakePolicy() if policy is None else policy
    return lambda client_id: chosen if client_id == CLIENT_ID else None


def issue_command(**overrides: object) -> IssueCredential:
    fields: dict[str, object] = {
        "client_id": CLIENT_ID,
        "environment": "live",
        "products": ["hotels", "transfers"],
        "currencies": ["EUR"],
        "markets": ["ES"],
        "ip_allowlist": ["81.47.128.0/24"],
        "rate_limit_per_minute": 120,
    }
    fields.update(overrides)
    return IssueCredential(**fields)  # type: ignore[arg-type]


class World:
    """A fake unit of work holding one client, with the ports every use case needs."""

    def __init__(self, client: Client, clock: FixedClock) -> None:
        self.uow = FakeCredentialUnitOfWork()
        self.uow.put_client(client)
        self.clock = clock
        self.ids = SequentialIds(start=100)
        self.secrets = StaticSecrets()
        self.policy_for = policies()

    def issue(self, actor: Actor, **overrides: object) -> IssuedSecret:
        return issue_credential(
            issue_command(**overrides),
            self.uow,
            self.clock,
            self.ids,
            self.secrets,
            self.policy_for,
            actor,
        )

    def stored(self) -> list[object]:
        return list(self.uow.credential_rows.values())


@pytest.fixture
def world(clock: FixedClock) -> World:
    return World(a_client(ClientStatus.ONBOARDING), clock)


# --- issue -----------------------------------------------------------------------------------


def test_issuing_returns_the_secret_once_and_stores_only_its_digest(
    world: World, agent: Actor
) -> None:
    issued = world.issue(agent)

    assert issued.secret == "secret1x32"
    assert issued.version == 1
    assert issued.secret not in repr(issued)
    stored = world.uow.credential_rows[issued.credential_id]
    assert stored.secret_digest == digest(issued.secret)
    assert stored.username == issued.username
    read = get_credential(issued.credential_id, world.uow, agent)
    assert read.matches(issued.secret)
    assert issued.secret not in repr(read)
    assert not hasattr(read, "secret")
    (event,) = world.uow.published
    assert isinstance(event, CredentialIssued)
    assert event.actor == agent.name


def test_a_chosen_username_already_taken_is_refused(world: World, agent: Actor) -> None:
    world.issue(agent, username="nandu-live")

    with pytest.raises(AlreadyExists) as refused:
        world.issue(agent, username="NANDU-live")

    assert refused.value.field == "username"
    assert len(world.stored()) == 1


@pytest.mark.parametrize(
    "client",
    [
        a_lead(),
        a_client(ClientStatus.PENDING_REGISTRATION),
        a_client(ClientStatus.REGISTERED_IN_DOME),
        a_client(ClientStatus.REGISTERED),
        a_client(ClientStatus.CHURNED),
    ],
    ids=["lead", "pending_registration", "registered_in_dome", "registered", "churned"],
)
def test_a_lead_or_a_client_without_a_validated_record_is_refused_and_nothing_is_stored(
    client: Client, clock: FixedClock, agent: Actor
) -> None:
    world = World(client, clock)

    with pytest.raises(PreconditionFailed) as refused:
        world.issue(agent)

    assert refused.value.field == "client_id"
    assert world.stored() == []
    assert world.uow.published == []
    assert world.uow.commits == 0


def test_issuing_for_an_unknown_client_is_not_found(world: World, agent: Actor) -> None:
    with pytest.raises(NotFound):
        world.issue(agent, client_id=UUID(int=99))


def test_malformed_input_is_refused_before_anything_is_read(world: World, agent: Actor) -> None:
    with pytest.raises(InvalidInput) as refused:
        world.issue(agent, environment="prod", ip_allowlist=["300.1.1.1"])

    assert [e.field for e in refused.value.errors] == ["environment", "ip_allowlist[0]"]
    assert world.stored() == []


def test_a_client_without_a_commercial_policy_is_refused(world: World, agent: Actor) -> None:
    world.policy_for = lambda _client_id: None

    with pytest.raises(CredentialRefused) as refused:
        world.issue(agent)

    assert [str(p) for p in refused.value.problems] == [
        "commercial_policy: the client has no commercial policy"
    ]
    assert world.stored() == []


def test_a_fourth_active_live_credential_is_refused_but_a_test_one_is_not(
    world: World, agent: Actor
) -> None:
    for _ in range(3):
        world.issue(agent)

    with pytest.raises(CredentialRefused) as refused:
        world.issue(agent)

    assert [p.field for p in refused.value.problems] == ["environment"]
    world.issue(agent, environment="test")
    assert len(world.stored()) == 4


# --- edit ------------------------------------------------------------------------------------


def test_an_edit_changes_only_the_given_fields_and_returns_the_new_version(
    world: World, agent: Actor
) -> None:
    issued = world.issue(agent)

    version = edit_credential(
        EditCredential(issued.credential_id, expected_version=1, products=["hotels"], label="B2B"),
        world.uow,
        world.clock,
        world.policy_for,
        agent,
    )

    assert version == 2
    stored = world.uow.credential_rows[issued.credential_id]
    assert stored.products == (Product.HOTELS,)
    assert stored.label == "B2B"
    assert stored.currencies == ("EUR",)
    assert stored.rate_limit_per_minute == 120
    edited = world.uow.published[-1]
    assert isinstance(edited, CredentialEdited)
    assert edited.changed == ("products", "label")


def test_an_edit_that_changes_nothing_keeps_the_version(world: World, agent: Actor) -> None:
    issued = world.issue(agent)

    version = edit_credential(
        EditCredential(issued.credential_id, currencies=["eur"]),
        world.uow,
        world.clock,
        world.policy_for,
        agent,
    )

    assert version == 1
    assert len(world.uow.published) == 1


def test_an_edit_from_a_stale_version_is_refused(world: World, agent: Actor) -> None:
    issued = world.issue(agent)
    edit_credential(
        EditCredential(issued.credential_id, label="first"),
        world.uow,
        world.clock,
        world.policy_for,
        agent,
    )

    with pytest.raises(StaleVersion):
        edit_credential(
            EditCredential(issued.credential_id, expected_version=1, label="second"),
            world.uow,
            world.clock,
            world.policy_for,
            agent,
        )

    assert world.uow.credential_rows[issued.credential_id].label == "first"


def test_an_edit_the_policy_does_not_cover_is_refused_and_nothing_changes(
    world: World, agent: Actor
) -> None:
    issued = world.issue(agent)

    with pytest.raises(CredentialRefused) as refused:
        edit_credential(
            EditCredential(
                issued.credential_id,
                products=["hotels", "packages"],
                currencies=["EUR", "JPY"],
            ),
            world.uow,
            world.clock,
            world.policy_for,
            agent,
        )

    assert [str(p) for p in refused.value.problems] == [
        "products: product 'packages' has no active margin rule",
        "currencies: currency 'JPY' is not priced by the policy",
    ]
    stored = world.uow.credential_rows[issued.credential_id]
    assert stored.products == (Product.HOTELS, Product.TRANSFERS)
    assert stored.version == 1


def test_editing_a_suspended_credential_is_an_illegal_transition(
    world: World, agent: Actor
) -> None:
    issued = world.issue(agent)
    suspend_credential(SuspendCredential(issued.credential_id), world.uow, world.clock, agent)

    with pytest.raises(IllegalTransition):
        edit_credential(
            EditCredential(issued.credential_id, label="x"),
            world.uow,
            world.clock,
            world.policy_for,
            agent,
        )


# --- lifecycle -------------------------------------------------------------------------------


def test_suspend_reactivate_and_revoke_each_store_a_new_version_and_announce_it(
    world: World, agent: Actor
) -> None:
    issued = world.issue(agent)
    cid = issued.credential_id

    assert (
        suspend_credential(SuspendCredential(cid, 1, "audit"), world.uow, world.clock, agent) == 2
    )
    assert (
        reactivate_credential(
            ReactivateCredential(cid, 2), world.uow, world.clock, world.policy_for, agent
        )
        == 3
    )
    assert revoke_credential(RevokeCredential(cid, 3, "left"), world.uow, world.clock, agent) == 4

    assert world.uow.credential_rows[cid].status is CredentialStatus.REVOKED
    assert [type(e) for e in world.uow.published] == [
        CredentialIssued,
        CredentialSuspended,
        CredentialReactivated,
        CredentialRevoked,
    ]


def test_reactivating_beyond_the_active_ceiling_is_refused(world: World, agent: Actor) -> None:
    first = world.issue(agent)
    suspend_credential(SuspendCredential(first.credential_id), world.uow, world.clock, agent)
    for _ in range(3):
        world.issue(agent)

    with pytest.raises(CredentialRefused):
        reactivate_credential(
            ReactivateCredential(first.credential_id),
            world.uow,
            world.clock,
            world.policy_for,
            agent,
        )

    assert world.uow.credential_rows[first.credential_id].status is CredentialStatus.SUSPENDED


def test_a_credential_of_a_churned_client_can_still_be_suspended_and_revoked(
    clock: FixedClock, agent: Actor
) -> None:
    world = World(a_client(ClientStatus.LIVE), clock)
    issued = world.issue(agent)
    world.uow.put_client(a_client(ClientStatus.CHURNED))

    suspend_credential(SuspendCredential(issued.credential_id), world.uow, world.clock, agent)
    revoke_credential(RevokeCredential(issued.credential_id), world.uow, world.clock, agent)

    assert world.uow.credential_rows[issued.credential_id].status is CredentialStatus.REVOKED


# --- the secret ------------------------------------------------------------------------------


def test_rotation_returns_the_new_secret_once_and_the_old_one_stops_matching(
    world: World, agent: Actor
) -> None:
    issued = world.issue(agent)

    rotated = rotate_credential_secret(
        RotateCredentialSecret(issued.credential_id, expected_version=1),
        world.uow,
        world.clock,
        world.secrets,
        agent,
    )

    assert rotated.secret == "secret2x32"
    assert rotated.version == 2
    assert rotated.username == issued.username
    stored = world.uow.credential_rows[issued.credential_id]
    assert stored.matches(rotated.secret)
    assert not stored.matches(issued.secret)
    assert isinstance(world.uow.published[-1], CredentialSecretRotated)


def test_no_event_ever_carries_a_secret_or_its_digest(world: World, agent: Actor) -> None:
    issued = world.issue(agent)
    cid = issued.credential_id
    rotated = rotate_credential_secret(
        RotateCredentialSecret(cid), world.uow, world.clock, world.secrets, agent
    )
    edit_credential(EditCredential(cid, label="x"), world.uow, world.clock, world.policy_for, agent)
    record_connection_test(
        RecordConnectionTest(cid),
        world.uow,
        world.clock,
        ScriptedConnectionTester([ConnectionTestOutcome(True, 90, "ok")]),
        agent,
    )
    suspend_credential(SuspendCredential(cid), world.uow, world.clock, agent)
    reactivate_credential(
        ReactivateCredential(cid), world.uow, world.clock, world.policy_for, agent
    )
    revoke_credential(RevokeCredential(cid), world.uow, world.clock, agent)

    assert len(world.uow.published) == 7
    secrets = [issued.secret, rotated.secret]
    forbidden = [*secrets, *(digest(s) for s in secrets)]
    for value in event_values(world.uow.published):
        assert not any(f in value for f in forbidden), value
    for event in world.uow.published:
        names = {a.name for a in getattr(type(event), "__attrs_attrs__")}  # noqa: B009
        assert not names & {"secret", "secret_digest"}


# --- connection test -------------------------------------------------------------------------


def test_a_connection_test_asks_perlahub_with_the_username_and_keeps_the_outcome(
    world: World, agent: Actor
) -> None:
    issued = world.issue(agent)
    tester = ScriptedConnectionTester([ConnectionTestOutcome(True, 142, "3 hotels available")])
    world.clock.advance(timedelta(minutes=5))

    test = record_connection_test(
        RecordConnectionTest(issued.credential_id), world.uow, world.clock, tester, agent
    )

    assert tester.calls == [(issued.username, "live")]
    assert (test.ok, test.latency_ms, test.message) == (True, 142, "3 hotels available")
    assert test.at == world.clock.now()
    stored = world.uow.credential_rows[issued.credential_id]
    assert stored.last_connection_test == test
    assert stored.version == 2
    assert isinstance(world.uow.published[-1], ConnectionTested)


def test_a_suspended_credential_is_not_tested_and_perlahub_is_not_called(
    world: World, agent: Actor
) -> None:
    issued = world.issue(agent)
    suspend_credential(SuspendCredential(issued.credential_id), world.uow, world.clock, agent)
    tester = ScriptedConnectionTester([ConnectionTestOutcome(True, 1, "ok")])

    with pytest.raises(IllegalTransition):
        record_connection_test(
            RecordConnectionTest(issued.credential_id), world.uow, world.clock, tester, agent
        )

    assert tester.calls == []


# --- reading ---------------------------------------------------------------------------------


def test_a_clients_credentials_are_listed_oldest_first(world: World, agent: Actor) -> None:
    first = world.issue(agent)
    world.clock.advance(timedelta(minutes=1))
    second = world.issue(agent, environment="test")

    listed = list_credentials(CLIENT_ID, world.uow, agent)

    assert [c.id for c in listed] == [first.credential_id, second.credential_id]


def test_listing_the_credentials_of_an_unknown_client_is_not_found(
    world: World, agent: Actor
) -> None:
    with pytest.raises(NotFound):
        list_credentials(UUID(int=99), world.uow, agent)


def test_a_missing_credential_is_not_found(world: World, agent: Actor) -> None:
    with pytest.raises(NotFound):
        get_credential(UUID(int=99), world.uow, agent)


# --- permissions -----------------------------------------------------------------------------

CID = UUID(int=100)
WRITES: dict[str, Callable[[World, Actor], object]] = {
    "issue": lambda w, a: w.issue(a),
    "edit": lambda w, a: edit_credential(
        EditCredential(CID, label="x"), w.uow, w.clock, w.policy_for, a
    ),
    "suspend": lambda w, a: suspend_credential(SuspendCredential(CID), w.uow, w.clock, a),
    "reactivate": lambda w, a: reactivate_credential(
        ReactivateCredential(CID), w.uow, w.clock, w.policy_for, a
    ),
    "revoke": lambda w, a: revoke_credential(RevokeCredential(CID), w.uow, w.clock, a),
    "rotate": lambda w, a: rotate_credential_secret(
        RotateCredentialSecret(CID), w.uow, w.clock, w.secrets, a
    ),
    "test": lambda w, a: record_connection_test(
        RecordConnectionTest(CID), w.uow, w.clock, ScriptedConnectionTester(), a
    ),
}


@pytest.mark.parametrize("action", WRITES)
def test_a_readonly_user_changes_no_credential(
    world: World, agent: Actor, reader: Actor, action: str
) -> None:
    world.issue(agent)
    before = world.uow.commits

    with pytest.raises(PermissionDenied):
        WRITES[action](world, reader)

    assert world.uow.commits == before


def test_a_readonly_user_reads_credentials_and_the_golive_checklist(
    world: World, agent: Actor, reader: Actor
) -> None:
    issued = world.issue(agent)

    assert get_credential(issued.credential_id, world.uow, reader).id == issued.credential_id
    assert len(list_credentials(CLIENT_ID, world.uow, reader)) == 1
    checklist = golive_readiness(
        CLIENT_ID,
        world.uow,
        world.clock,
        reader,
        dome_customer_id="C-1",
        perlahub_agency_id="A-1",
        technical_validations={"availability_search": True},
    )
    assert checklist.missing == ["connection_test"]


def test_the_golive_checklist_of_a_stored_client_passes_after_a_live_connection_test(
    world: World, agent: Actor
) -> None:
    issued = world.issue(agent)

    def readiness() -> list[str]:
        checklist = golive_readiness(
            CLIENT_ID,
            world.uow,
            world.clock,
            agent,
            dome_customer_id="C-1",
            perlahub_agency_id="A-1",
            technical_validations={"availability_search": True, "booking_flow": True},
        )
        if not checklist.ready:
            with pytest.raises(GoLiveRefused):
                checklist.require_ready()
        return checklist.missing

    assert readiness() == ["connection_test"]
    record_connection_test(
        RecordConnectionTest(issued.credential_id),
        world.uow,
        world.clock,
        ScriptedConnectionTester([ConnectionTestOutcome(True, 120, "ok")]),
        agent,
    )
    assert readiness() == []
