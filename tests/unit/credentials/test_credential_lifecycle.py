"""A credential is issued only to a client with a validated record, then edited while active,
suspended, reactivated, revoked for good; its secret is kept only as a digest and rotated."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from uuid import UUID

import attrs
import pytest
from tests.unit.credentials.fakes import AGENT, NOW, FakePolicy, a_client, a_lead

from perla_core.access.model import digest
from perla_core.credentials.events import (
    ConnectionTested,
    CredentialEdited,
    CredentialIssued,
    CredentialReactivated,
    CredentialRevoked,
    CredentialSecretRotated,
    CredentialSuspended,
)
from perla_core.credentials.model import (
    DEFAULT_RULES,
    Credential,
    CredentialRefused,
    CredentialSettings,
    CredentialStatus,
    Environment,
    Product,
    default_username,
)
from perla_core.kernel.errors import IllegalTransition, InvalidValue, PreconditionFailed
from perla_core.onboarding.model import Client, ClientStatus

LATER = NOW + timedelta(hours=1)
CREDENTIAL_ID = UUID(int=100)
SECRET = "first-secret-shown-once"
PUBLIC = ("81.47.128.0/24",)


def settings(**overrides: object) -> CredentialSettings:
    fields: dict[str, object] = {
        "products": ("hotels", "transfers"),
        "currencies": ("EUR",),
        "markets": ("ES", "PT"),
        "ip_allowlist": PUBLIC,
        "rate_limit_per_minute": 120,
    }
    fields.update(overrides)
    return CredentialSettings(**fields)  # type: ignore[arg-type]


def issue(
    client: Client | None = None,
    *,
    environment: Environment = Environment.LIVE,
    credential_id: UUID = CREDENTIAL_ID,
    others: tuple[Credential, ...] = (),
    **overrides: object,
) -> Credential:
    client = client or a_client(ClientStatus.VALIDATED)
    return Credential.issue(
        credential_id=credential_id,
        client=client,
        environment=environment,
        username=default_username(credential_id, environment),
        secret=SECRET,
        settings=settings(**overrides),
        rules=DEFAULT_RULES,
        coverage=FakePolicy(),
        others=others,
        now=NOW,
        actor=AGENT,
    )


def active_credential() -> Credential:
    credential = issue()
    credential.events.clear()
    return credential


# --- who may hold a credential -----------------------------------------------------------------


def test_a_validated_client_gets_an_active_credential_announced_with_its_configuration() -> None:
    credential = issue()

    assert credential.status is CredentialStatus.ACTIVE
    assert credential.username == f"ph-live-{CREDENTIAL_ID.hex}"
    assert credential.products == (Product.HOTELS, Product.TRANSFERS)
    (event,) = credential.events
    assert isinstance(event, CredentialIssued)
    assert event.aggregate_id == CREDENTIAL_ID
    assert event.client_id == UUID(int=7)
    assert event.environment == "live"
    assert event.status == "active"
    assert event.products == ("hotels", "transfers")
    assert event.markets == ("ES", "PT")
    assert event.currencies == ("EUR",)
    assert event.ip_allowlist == PUBLIC
    assert event.rate_limit_per_minute == 120


def test_a_lead_gets_no_credential_and_is_told_why() -> None:
    with pytest.raises(PreconditionFailed) as refused:
        issue(a_lead())

    assert refused.value.field == "client_id"
    assert "is a lead" in refused.value.message
    assert "validated record" in refused.value.message
    assert refused.value.missing == [
        "converted_to_client",
        "registered_in_dome",
        "registered_in_perlahub",
        "validated_record",
    ]


@pytest.mark.parametrize(
    ("status", "missing"),
    [
        (
            ClientStatus.PENDING_REGISTRATION,
            ["registered_in_dome", "registered_in_perlahub", "validated_record"],
        ),
        (ClientStatus.REGISTERED_IN_DOME, ["registered_in_perlahub", "validated_record"]),
        (ClientStatus.REGISTERED, ["validated_record"]),
    ],
)
def test_a_client_whose_record_is_not_validated_yet_gets_no_credential(
    status: ClientStatus, missing: list[str]
) -> None:
    with pytest.raises(PreconditionFailed) as refused:
        issue(a_client(status))

    assert refused.value.missing == missing
    assert f"no validated record yet (status {status})" in refused.value.message


@pytest.mark.parametrize(
    "status",
    [ClientStatus.VALIDATED, ClientStatus.ONBOARDING, ClientStatus.LIVE, ClientStatus.DORMANT],
)
def test_validated_onboarding_live_and_dormant_clients_may_hold_credentials(
    status: ClientStatus,
) -> None:
    assert issue(a_client(status)).is_active


def test_a_churned_client_gets_no_new_access_until_it_is_reactivated() -> None:
    with pytest.raises(PreconditionFailed) as refused:
        issue(a_client(ClientStatus.CHURNED))

    assert refused.value.missing == ["active_client"]
    assert "reactivate the client" in refused.value.message


def test_a_chosen_username_is_normalised_and_a_malformed_one_refused() -> None:
    client = a_client(ClientStatus.VALIDATED)

    def with_username(username: str) -> Credential:
        return Credential.issue(
            credential_id=CREDENTIAL_ID,
            client=client,
            environment=Environment.TEST,
            username=username,
            secret=SECRET,
            settings=settings(),
            rules=DEFAULT_RULES,
            coverage=FakePolicy(),
            others=(),
            now=NOW,
            actor=AGENT,
        )

    assert with_username(" Nandu_XML ").username == "nandu_xml"
    with pytest.raises(InvalidValue) as refused:
        with_username("ñ!")
    assert refused.value.field == "username"


# --- the secret -------------------------------------------------------------------------------


def test_the_secret_is_kept_only_as_its_digest_and_never_shown_by_repr() -> None:
    credential = issue()

    assert credential.secret_digest == digest(SECRET)
    assert not any(value == SECRET for value in vars_of(credential))
    assert credential.secret_digest not in repr(credential)
    assert credential.matches(SECRET)
    assert not credential.matches("a guess")


def test_after_a_rotation_only_the_new_secret_matches() -> None:
    credential = active_credential()

    credential.rotate_secret(
        "second-secret", client=a_client(ClientStatus.LIVE), now=LATER, actor=AGENT
    )

    assert credential.matches("second-secret")
    assert not credential.matches(SECRET)
    assert credential.secret_rotated_at == LATER
    (event,) = credential.events
    assert isinstance(event, CredentialSecretRotated)


def test_rotating_to_the_same_secret_is_refused() -> None:
    credential = active_credential()

    with pytest.raises(InvalidValue) as refused:
        credential.rotate_secret(SECRET, client=a_client(ClientStatus.LIVE), now=LATER, actor=AGENT)

    assert refused.value.field == "secret"


def test_a_suspended_credential_may_have_its_secret_rotated_before_it_is_reactivated() -> None:
    credential = active_credential()
    credential.suspend(now=NOW, actor=AGENT, reason="secret leaked")

    credential.rotate_secret("new", client=a_client(ClientStatus.LIVE), now=LATER, actor=AGENT)

    assert credential.matches("new")


def test_rotating_the_secret_of_a_churned_clients_credential_is_refused() -> None:
    credential = active_credential()

    with pytest.raises(PreconditionFailed):
        credential.rotate_secret(
            "new", client=a_client(ClientStatus.CHURNED), now=LATER, actor=AGENT
        )

    assert credential.matches(SECRET)


def vars_of(credential: Credential) -> list[object]:
    return list(attrs.asdict(credential, recurse=False).values())


# --- editing ---------------------------------------------------------------------------------


def test_an_edit_records_the_names_of_the_changed_fields_and_the_configuration_after_it() -> None:
    credential = active_credential()

    changed = credential.edit(
        settings(products=("hotels",), rate_limit_per_minute=300, label="XML"),
        client=a_client(ClientStatus.LIVE),
        rules=DEFAULT_RULES,
        coverage=FakePolicy(),
        now=LATER,
        actor=AGENT,
    )

    assert changed == ("products", "rate_limit_per_minute", "label")
    assert credential.products == (Product.HOTELS,)
    assert credential.updated_at == LATER
    (event,) = credential.events
    assert isinstance(event, CredentialEdited)
    assert event.changed == changed
    assert event.products == ("hotels",)
    assert event.rate_limit_per_minute == 300
    assert event.label == "XML"


def test_an_edit_that_changes_nothing_records_nothing() -> None:
    credential = active_credential()

    changed = credential.edit(
        settings(currencies=("eur", "EUR"), markets=("pt", "es")),
        client=a_client(ClientStatus.LIVE),
        rules=DEFAULT_RULES,
        coverage=FakePolicy(),
        now=LATER,
        actor=AGENT,
    )

    assert changed == ()
    assert credential.events == []
    assert credential.updated_at == NOW


def test_a_refused_edit_leaves_the_credential_as_it_was() -> None:
    credential = active_credential()

    with pytest.raises(CredentialRefused):
        credential.edit(
            settings(products=("packages",), ip_allowlist=()),
            client=a_client(ClientStatus.LIVE),
            rules=DEFAULT_RULES,
            coverage=FakePolicy(),
            now=LATER,
            actor=AGENT,
        )

    assert credential.products == (Product.HOTELS, Product.TRANSFERS)
    assert credential.ip_allowlist != ()
    assert credential.events == []


def test_editing_a_credential_of_a_client_that_churned_is_refused() -> None:
    credential = active_credential()

    with pytest.raises(PreconditionFailed):
        credential.edit(
            settings(label="new"),
            client=a_client(ClientStatus.CHURNED),
            rules=DEFAULT_RULES,
            coverage=FakePolicy(),
            now=LATER,
            actor=AGENT,
        )


# --- lifecycle -------------------------------------------------------------------------------


def test_a_suspended_credential_is_reactivated_and_both_steps_are_announced() -> None:
    credential = active_credential()

    credential.suspend(now=NOW, actor=AGENT, reason="  unpaid invoices  ")
    assert (credential.status, credential.status_reason) == (
        CredentialStatus.SUSPENDED,
        "unpaid invoices",
    )

    credential.reactivate(
        client=a_client(ClientStatus.LIVE),
        rules=DEFAULT_RULES,
        coverage=FakePolicy(),
        others=(),
        now=LATER,
        actor=AGENT,
    )
    assert (credential.status, credential.status_reason) == (CredentialStatus.ACTIVE, None)
    suspended, reactivated = credential.events
    assert isinstance(suspended, CredentialSuspended)
    assert suspended.reason == "unpaid invoices"
    assert isinstance(reactivated, CredentialReactivated)


@pytest.mark.parametrize("suspend_first", [False, True])
def test_an_active_or_suspended_credential_is_revoked_for_good(suspend_first: bool) -> None:
    credential = active_credential()
    if suspend_first:
        credential.suspend(now=NOW, actor=AGENT)

    credential.revoke(now=LATER, actor=AGENT, reason="contract ended")

    assert credential.status is CredentialStatus.REVOKED
    assert credential.revoked_at == LATER
    event = credential.events[-1]
    assert isinstance(event, CredentialRevoked)
    assert event.reason == "contract ended"
    assert credential.allowed_actions() == []


def revoked() -> Credential:
    credential = active_credential()
    credential.revoke(now=NOW, actor=AGENT)
    return credential


def suspended() -> Credential:
    credential = active_credential()
    credential.suspend(now=NOW, actor=AGENT)
    return credential


def edit(credential: Credential) -> None:
    credential.edit(
        settings(label="x"),
        client=a_client(ClientStatus.LIVE),
        rules=DEFAULT_RULES,
        coverage=FakePolicy(),
        now=LATER,
        actor=AGENT,
    )


def reactivate(credential: Credential) -> None:
    credential.reactivate(
        client=a_client(ClientStatus.LIVE),
        rules=DEFAULT_RULES,
        coverage=FakePolicy(),
        others=(),
        now=LATER,
        actor=AGENT,
    )


def rotate(credential: Credential) -> None:
    credential.rotate_secret("other", client=a_client(ClientStatus.LIVE), now=LATER, actor=AGENT)


def run_connection_test(credential: Credential) -> None:
    credential.record_connection_test(ok=True, latency_ms=80, message="ok", now=LATER, actor=AGENT)


def suspend(credential: Credential) -> None:
    credential.suspend(now=LATER, actor=AGENT)


def revoke(credential: Credential) -> None:
    credential.revoke(now=LATER, actor=AGENT)


REFUSED_STEPS: list[tuple[str, str, Callable[[], Credential], Callable[[Credential], None]]] = [
    ("active", "reactivate", active_credential, reactivate),
    ("suspended", "suspend", suspended, suspend),
    ("suspended", "edit", suspended, edit),
    ("suspended", "test_connection", suspended, run_connection_test),
    ("revoked", "edit", revoked, edit),
    ("revoked", "suspend", revoked, suspend),
    ("revoked", "reactivate", revoked, reactivate),
    ("revoked", "revoke", revoked, revoke),
    ("revoked", "rotate_secret", revoked, rotate),
    ("revoked", "test_connection", revoked, run_connection_test),
]


@pytest.mark.parametrize(
    ("status", "action", "build", "step"),
    REFUSED_STEPS,
    ids=[f"{s}-{a}" for s, a, _, _ in REFUSED_STEPS],
)
def test_a_step_its_status_does_not_allow_is_an_illegal_transition_naming_what_is_allowed(
    status: str,
    action: str,
    build: Callable[[], Credential],
    step: Callable[[Credential], None],
) -> None:
    credential = build()
    before = credential.events.copy()

    with pytest.raises(IllegalTransition) as refused:
        step(credential)

    assert refused.value.field == "status"
    assert refused.value.details["current"] == status
    assert refused.value.details["action"] == action
    assert refused.value.details["allowed"] == credential.allowed_actions()
    assert credential.status.value == status
    assert credential.events == before


def test_each_status_allows_its_own_actions() -> None:
    assert active_credential().allowed_actions() == [
        "edit",
        "revoke",
        "rotate_secret",
        "suspend",
        "test_connection",
    ]
    assert suspended().allowed_actions() == ["reactivate", "revoke", "rotate_secret"]
    assert revoked().allowed_actions() == []


def test_reactivation_checks_the_configuration_again() -> None:
    credential = suspended()

    with pytest.raises(CredentialRefused) as refused:
        credential.reactivate(
            client=a_client(ClientStatus.LIVE),
            rules=DEFAULT_RULES,
            coverage=FakePolicy(products=frozenset({"hotels"})),
            others=(),
            now=LATER,
            actor=AGENT,
        )

    assert [str(p) for p in refused.value.problems] == [
        "products: product 'transfers' has no active margin rule"
    ]
    assert credential.status is CredentialStatus.SUSPENDED


def test_reactivating_a_suspended_credential_of_an_unvalidated_client_is_refused() -> None:
    credential = suspended()

    with pytest.raises(PreconditionFailed):
        credential.reactivate(
            client=a_client(ClientStatus.CHURNED),
            rules=DEFAULT_RULES,
            coverage=FakePolicy(),
            others=(),
            now=LATER,
            actor=AGENT,
        )


# --- connection test -------------------------------------------------------------------------


def test_a_connection_test_is_kept_as_the_last_one_and_announced() -> None:
    credential = active_credential()

    test = credential.record_connection_test(
        ok=False, latency_ms=1500, message="  timeout on availability  ", now=LATER, actor=AGENT
    )

    assert credential.last_connection_test == test
    assert (test.at, test.ok, test.latency_ms, test.message) == (
        LATER,
        False,
        1500,
        "timeout on availability",
    )
    (event,) = credential.events
    assert isinstance(event, ConnectionTested)
    assert (event.ok, event.latency_ms, event.username) == (False, 1500, credential.username)


def test_a_negative_latency_is_refused() -> None:
    credential = active_credential()

    with pytest.raises(InvalidValue) as refused:
        credential.record_connection_test(
            ok=True, latency_ms=-1, message="", now=LATER, actor=AGENT
        )

    assert refused.value.field == "latency_ms"
    assert credential.last_connection_test is None
