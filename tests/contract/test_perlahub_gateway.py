"""PerlaHub's promises, kept by every adapter: in memory, and over HTTP against the simulator.

The HTTP adapter talks to the PerlaHub simulator over a real loopback socket (one server per
module, reset before each test).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest
from tests.support.servers import SimulatorControl, running_server

from perla_adapters.memory.perlahub import InMemoryPerlaHub
from perla_adapters.perlahub import HttpPerlaHubGateway
from perla_adapters.perlahub.simulator import create_perlahub_simulator
from perla_core.gateways.errors import ExternalConflict, ExternalNotFound, ExternalRejected
from perla_core.gateways.perlahub import (
    BenchmarkAccessRequest,
    CredentialStatus,
    CredentialUpsert,
    Environment,
    MarginKind,
    PerlaHubAgency,
    PerlaHubAgencyRequest,
    PerlaHubGateway,
    PolicyRule,
    digest_secret,
)
from perla_core.kernel.errors import InvalidValue

API_KEY = "perlahub-test-key"


def an_agency(**changes: Any) -> PerlaHubAgencyRequest:
    request = PerlaHubAgencyRequest(
        external_ref=f"client-{secrets.token_hex(4)}",
        dome_customer_code=f"C{secrets.randbelow(10**6):06d}",
        legal_name="Viajes Ñandú S.L.",
        trade_name="Viajes Ñandú",
        tax_id="B58378431",
        country="ES",
        email="admin@nandu.es",
        business_type="travel_agency",
        phone="+34911234567",
        markets=("ES", "PT"),
        currencies=("EUR",),
    )
    return attrs.evolve(request, **changes)


def a_benchmark(**changes: Any) -> BenchmarkAccessRequest:
    request = BenchmarkAccessRequest(
        external_ref=f"lead-{secrets.token_hex(4)}",
        agency_name="Viajes Ñandú",
        contact_name="Lucía Pérez",
        email="lucia@nandu.es",
        expires_at=datetime.now(UTC).replace(microsecond=0) + timedelta(days=14),
        products=("hotels",),
        markets=("ES",),
        daily_search_limit=200,
    )
    return attrs.evolve(request, **changes)


def a_credential(agency: PerlaHubAgency, **changes: Any) -> CredentialUpsert:
    request = CredentialUpsert(
        credential_id=f"cred-{secrets.token_hex(4)}",
        agency_id=agency.agency_id,
        username=f"nandu-{secrets.token_hex(3)}",
        environment=Environment.TEST,
        status=CredentialStatus.ACTIVE,
        revision=1,
        products=("hotels", "transfers"),
        markets=("ES",),
        currencies=("EUR",),
        ip_allowlist=("203.0.113.0/24",),
        rate_limit_per_minute=120,
        secret_digest=digest_secret("s3cr3t-" + secrets.token_hex(16)),
    )
    return attrs.evolve(request, **changes)


def a_rule(**changes: Any) -> PolicyRule:
    rule = PolicyRule(
        rule_id=f"rule-{secrets.token_hex(3)}",
        name="Baleares summer",
        priority=10,
        active=True,
        kind=MarginKind.PERCENT,
        value=Decimal("12.50"),
        booking_from=date(2026, 1, 1),
        booking_to=date(2026, 12, 31),
        stay_from=date(2026, 6, 1),
        stay_to=date(2026, 9, 30),
        hotels=("H123", "H456"),
        channels=("b2b-api",),
    )
    return attrs.evolve(rule, **changes)


def a_key() -> str:
    return f"perlahub:{secrets.token_hex(8)}"


class PerlaHubGatewayContract:
    """Every PerlaHubGateway adapter passes these; subclasses provide ``hub`` and the counts."""

    @pytest.fixture
    def hub(self) -> PerlaHubGateway:
        raise NotImplementedError

    def agencies_with_ref(self, external_ref: str) -> int:
        raise NotImplementedError

    @pytest.fixture
    def agency(self, hub: PerlaHubGateway) -> PerlaHubAgency:
        return hub.create_agency(an_agency(), a_key())

    # --- agencies ----------------------------------------------------------------------

    def test_a_new_agency_gets_a_perlahub_id_and_reads_back_the_same(
        self, hub: PerlaHubGateway
    ) -> None:
        request = an_agency()

        agency = hub.create_agency(request, a_key())

        assert agency.agency_id
        assert agency.status == "active"
        assert (agency.dome_customer_code, agency.markets) == (
            request.dome_customer_code,
            ("ES", "PT"),
        )
        assert hub.get_agency(agency.agency_id) == agency

    def test_repeating_an_agency_create_with_the_same_key_creates_no_second_agency(
        self, hub: PerlaHubGateway
    ) -> None:
        request, key = an_agency(), a_key()

        first = hub.create_agency(request, key)

        assert hub.create_agency(request, key) == first
        assert self.agencies_with_ref(request.external_ref) == 1

    def test_the_same_key_with_a_different_agency_is_refused_as_a_conflict(
        self, hub: PerlaHubGateway
    ) -> None:
        key = a_key()
        hub.create_agency(an_agency(), key)

        with pytest.raises(ExternalConflict) as caught:
            hub.create_agency(an_agency(), key)

        assert caught.value.reason == "idempotency_key_reused"

    def test_a_second_agency_for_the_same_dome_customer_is_refused_naming_the_existing_one(
        self, hub: PerlaHubGateway, agency: PerlaHubAgency
    ) -> None:
        with pytest.raises(ExternalConflict) as caught:
            hub.create_agency(an_agency(dome_customer_code=agency.dome_customer_code), a_key())

        assert caught.value.reason == "duplicate_agency"
        assert caught.value.existing_id == agency.agency_id

    def test_invalid_agency_data_is_rejected_naming_every_bad_field(
        self, hub: PerlaHubGateway
    ) -> None:
        request = an_agency(country="España", markets=("ES", "Portugal"), currencies=("euro",))

        with pytest.raises(ExternalRejected) as caught:
            hub.create_agency(request, a_key())

        assert caught.value.fields == ["country", "markets[1]", "currencies[0]"]
        assert self.agencies_with_ref(request.external_ref) == 0

    def test_an_unknown_agency_is_not_found(self, hub: PerlaHubGateway) -> None:
        with pytest.raises(ExternalNotFound) as caught:
            hub.get_agency("AG999999")

        assert (caught.value.kind, caught.value.ident) == ("agency", "AG999999")

    # --- benchmark access --------------------------------------------------------------

    def test_benchmark_access_gives_an_expiring_search_login_for_the_products_asked(
        self, hub: PerlaHubGateway
    ) -> None:
        request = a_benchmark()

        access = hub.grant_benchmark_access(request, a_key())

        assert access.login
        assert access.status == "active"
        assert access.expires_at == request.expires_at
        assert access.products == ("hotels",)
        assert access.daily_search_limit == 200

    def test_repeating_a_benchmark_grant_with_the_same_key_gives_the_same_login(
        self, hub: PerlaHubGateway
    ) -> None:
        request, key = a_benchmark(), a_key()

        first = hub.grant_benchmark_access(request, key)

        assert hub.grant_benchmark_access(request, key) == first

    @pytest.mark.parametrize(
        "expires_in", [timedelta(minutes=-1), timedelta(days=91)], ids=["past", "too far"]
    )
    def test_benchmark_access_must_expire_in_the_future_and_within_90_days(
        self, hub: PerlaHubGateway, expires_in: timedelta
    ) -> None:
        request = a_benchmark(expires_at=datetime.now(UTC) + expires_in, products=())

        with pytest.raises(ExternalRejected) as caught:
            hub.grant_benchmark_access(request, a_key())

        assert caught.value.fields == ["expires_at", "products"]

    def test_revoking_a_benchmark_access_twice_answers_revoked_both_times(
        self, hub: PerlaHubGateway
    ) -> None:
        access = hub.grant_benchmark_access(a_benchmark(), a_key())

        revoked = hub.revoke_benchmark_access(access.access_id)

        assert revoked.status == "revoked"
        assert revoked.login == access.login
        assert hub.revoke_benchmark_access(access.access_id) == revoked

    def test_revoking_an_unknown_benchmark_access_is_not_found(self, hub: PerlaHubGateway) -> None:
        with pytest.raises(ExternalNotFound):
            hub.revoke_benchmark_access("BA999999")

    # --- credentials -------------------------------------------------------------------

    def test_a_pushed_credential_reads_back_without_any_form_of_its_secret(
        self, hub: PerlaHubGateway, agency: PerlaHubAgency
    ) -> None:
        request = a_credential(agency)

        pushed = hub.upsert_credential(request, a_key())

        assert pushed.has_secret
        assert (pushed.username, pushed.revision, pushed.status) == (
            request.username,
            1,
            CredentialStatus.ACTIVE,
        )
        assert pushed.ip_allowlist == ("203.0.113.0/24",)
        assert not hasattr(pushed, "secret_digest")
        assert hub.get_credential(agency.agency_id, request.credential_id) == pushed

    def test_a_new_credential_without_a_secret_digest_is_rejected(
        self, hub: PerlaHubGateway, agency: PerlaHubAgency
    ) -> None:
        with pytest.raises(ExternalRejected) as caught:
            hub.upsert_credential(a_credential(agency, secret_digest=None), a_key())

        assert caught.value.fields == ["secret_digest"]

    def test_an_edit_without_a_digest_keeps_the_secret_and_applies_the_new_state(
        self, hub: PerlaHubGateway, agency: PerlaHubAgency
    ) -> None:
        request = a_credential(agency)
        hub.upsert_credential(request, a_key())

        edited = hub.upsert_credential(
            attrs.evolve(
                request, revision=2, status=CredentialStatus.SUSPENDED, secret_digest=None
            ),
            a_key(),
        )

        assert edited.has_secret
        assert (edited.revision, edited.status) == (2, CredentialStatus.SUSPENDED)

    def test_a_stale_credential_push_leaves_the_newer_state(
        self, hub: PerlaHubGateway, agency: PerlaHubAgency
    ) -> None:
        first = a_credential(agency)
        hub.upsert_credential(first, a_key())
        newer = hub.upsert_credential(attrs.evolve(first, revision=3, markets=("PT",)), a_key())

        answer = hub.upsert_credential(attrs.evolve(first, revision=2), a_key())

        assert answer == newer
        assert hub.get_credential(agency.agency_id, first.credential_id).markets == ("PT",)

    def test_pushing_the_same_revision_again_changes_nothing(
        self, hub: PerlaHubGateway, agency: PerlaHubAgency
    ) -> None:
        request = a_credential(agency)
        pushed = hub.upsert_credential(request, a_key())

        assert hub.upsert_credential(request, a_key()) == pushed

    def test_a_different_content_for_the_same_revision_is_a_conflict(
        self, hub: PerlaHubGateway, agency: PerlaHubAgency
    ) -> None:
        request = a_credential(agency)
        hub.upsert_credential(request, a_key())

        with pytest.raises(ExternalConflict) as caught:
            hub.upsert_credential(attrs.evolve(request, rate_limit_per_minute=5), a_key())

        assert caught.value.reason == "revision_conflict"

    def test_a_username_of_another_credential_is_refused_as_taken(
        self, hub: PerlaHubGateway, agency: PerlaHubAgency
    ) -> None:
        taken = a_credential(agency)
        hub.upsert_credential(taken, a_key())

        with pytest.raises(ExternalConflict) as caught:
            hub.upsert_credential(a_credential(agency, username=taken.username), a_key())

        assert caught.value.reason == "username_taken"

    def test_invalid_credential_settings_are_rejected_naming_each_field(
        self, hub: PerlaHubGateway, agency: PerlaHubAgency
    ) -> None:
        request = a_credential(
            agency,
            username="No Spaces",
            products=(),
            currencies=("EUR", "pesos"),
            ip_allowlist=("203.0.113.0/24", "300.1.1.1"),
            rate_limit_per_minute=0,
        )

        with pytest.raises(ExternalRejected) as caught:
            hub.upsert_credential(request, a_key())

        assert caught.value.fields == [
            "username",
            "products",
            "currencies[1]",
            "ip_allowlist[1]",
            "rate_limit_per_minute",
        ]

    def test_a_revoked_credential_can_not_come_back(
        self, hub: PerlaHubGateway, agency: PerlaHubAgency
    ) -> None:
        request = a_credential(agency, status=CredentialStatus.REVOKED)
        hub.upsert_credential(request, a_key())

        with pytest.raises(ExternalRejected) as caught:
            hub.upsert_credential(
                attrs.evolve(request, revision=2, status=CredentialStatus.ACTIVE), a_key()
            )

        assert caught.value.fields == ["status"]

    def test_a_credential_of_an_unknown_agency_is_not_found(
        self, hub: PerlaHubGateway, agency: PerlaHubAgency
    ) -> None:
        orphan = attrs.evolve(a_credential(agency), agency_id="AG999999")

        with pytest.raises(ExternalNotFound) as caught:
            hub.upsert_credential(orphan, a_key())

        assert caught.value.kind == "agency"

    # --- policies ------------------------------------------------------------------------

    def test_a_pushed_policy_is_what_perlahub_applies(
        self, hub: PerlaHubGateway, agency: PerlaHubAgency
    ) -> None:
        rules = [
            a_rule(),
            a_rule(kind=MarginKind.FIXED, value=Decimal("15.00"), currency="EUR", hotels=()),
        ]

        policy = hub.push_policy(agency.agency_id, rules, 1, a_key())

        assert (policy.agency_id, policy.revision, policy.rules) == (
            agency.agency_id,
            1,
            tuple(rules),
        )
        assert hub.get_policy(agency.agency_id) == policy

    def test_an_older_policy_revision_does_not_replace_a_newer_one(
        self, hub: PerlaHubGateway, agency: PerlaHubAgency
    ) -> None:
        newer = hub.push_policy(agency.agency_id, [a_rule(priority=1)], 5, a_key())

        answer = hub.push_policy(agency.agency_id, [a_rule(priority=2)], 4, a_key())

        assert answer == newer
        assert hub.get_policy(agency.agency_id).revision == 5

    def test_invalid_policy_rules_are_rejected_naming_the_rule_and_field(
        self, hub: PerlaHubGateway, agency: PerlaHubAgency
    ) -> None:
        rules = [
            a_rule(),
            a_rule(kind=MarginKind.FIXED, value=Decimal(10), currency=None),
            a_rule(stay_from=date(2026, 9, 1), stay_to=date(2026, 8, 1)),
        ]

        with pytest.raises(ExternalRejected) as caught:
            hub.push_policy(agency.agency_id, rules, 1, a_key())

        assert caught.value.fields == ["rules[1].currency", "rules[2].stay_to"]

    def test_a_policy_read_before_any_push_is_not_found(
        self, hub: PerlaHubGateway, agency: PerlaHubAgency
    ) -> None:
        with pytest.raises(ExternalNotFound):
            hub.get_policy(agency.agency_id)

    # --- connection test -----------------------------------------------------------------

    def test_the_connection_test_of_an_active_credential_succeeds_with_a_latency(
        self, hub: PerlaHubGateway, agency: PerlaHubAgency
    ) -> None:
        credential = a_credential(agency)
        hub.upsert_credential(credential, a_key())

        outcome = hub.test_connection(agency.agency_id, credential.username, Environment.TEST)

        assert outcome.ok
        assert outcome.latency_ms > 0
        assert outcome.results > 0

    def test_the_connection_test_fails_saying_why_for_a_suspended_unknown_or_other_environment(
        self, hub: PerlaHubGateway, agency: PerlaHubAgency
    ) -> None:
        suspended = a_credential(agency, status=CredentialStatus.SUSPENDED)
        hub.upsert_credential(suspended, a_key())

        outcomes = [
            hub.test_connection(agency.agency_id, suspended.username, Environment.TEST),
            hub.test_connection(agency.agency_id, suspended.username, Environment.LIVE),
            hub.test_connection(agency.agency_id, "nobody", Environment.TEST),
        ]

        assert [o.ok for o in outcomes] == [False, False, False]
        assert "suspended" in outcomes[0].message
        assert "live" in outcomes[1].message
        assert "nobody" in outcomes[2].message


def test_a_credential_push_can_not_carry_a_secret_in_clear() -> None:
    with pytest.raises(InvalidValue) as caught:
        CredentialUpsert(
            credential_id="c1",
            agency_id="AG000001",
            username="nandu",
            environment=Environment.LIVE,
            status=CredentialStatus.ACTIVE,
            revision=1,
            products=("hotels",),
            secret_digest="my-clear-secret",
        )

    assert caught.value.field == "secret_digest"
    assert "my-clear-secret" not in str(caught.value)


class TestInMemoryPerlaHub(PerlaHubGatewayContract):
    @pytest.fixture
    def hub(self) -> PerlaHubGateway:
        self.memory = InMemoryPerlaHub()
        return self.memory

    def agencies_with_ref(self, external_ref: str) -> int:
        return sum(1 for a in self.memory.agencies if a.external_ref == external_ref)

    def test_perlahub_keeps_the_digest_it_verifies_secrets_with(self) -> None:
        hub = InMemoryPerlaHub()
        agency = hub.create_agency(an_agency(), a_key())
        credential = a_credential(agency, secret_digest=digest_secret("the-secret"))
        hub.upsert_credential(credential, a_key())
        hub.upsert_credential(attrs.evolve(credential, revision=2, secret_digest=None), a_key())

        assert hub.secret_digest(agency.agency_id, credential.credential_id) == digest_secret(
            "the-secret"
        )


@pytest.fixture(scope="module")
def perlahub_simulator() -> Iterator[str]:
    with running_server(create_perlahub_simulator(api_key=API_KEY)) as url:
        yield url


class TestHttpPerlaHubAgainstTheSimulator(PerlaHubGatewayContract):
    @pytest.fixture
    def hub(self, perlahub_simulator: str) -> Iterator[PerlaHubGateway]:
        self.control = SimulatorControl(perlahub_simulator)
        self.control.reset()
        gateway = HttpPerlaHubGateway(perlahub_simulator, API_KEY, timeout=5, backoff=0.001)
        yield gateway
        gateway.close()

    def agencies_with_ref(self, external_ref: str) -> int:
        return sum(1 for a in self.control.records("agencies") if a["external_ref"] == external_ref)

    def test_a_policy_travels_with_decimals_as_strings_and_dates_as_iso_days(
        self, hub: PerlaHubGateway, agency: PerlaHubAgency
    ) -> None:
        hub.push_policy(agency.agency_id, [a_rule(rule_id="r1", hotels=("H1",))], 1, "k-policy")

        [sent] = self.control.requests("PUT", f"/api/v1/agencies/{agency.agency_id}/policy")
        assert sent["idempotency_key"] == "k-policy"
        assert sent["body"] == {
            "revision": 1,
            "rules": [
                {
                    "rule_id": "r1",
                    "name": "Baleares summer",
                    "priority": 10,
                    "active": True,
                    "kind": "percent",
                    "value": "12.50",
                    "currency": None,
                    "booking_from": "2026-01-01",
                    "booking_to": "2026-12-31",
                    "stay_from": "2026-06-01",
                    "stay_to": "2026-09-30",
                    "hotels": ["H1"],
                    "channels": ["b2b-api"],
                    "suppliers": [],
                }
            ],
        }

    def test_a_credential_push_sends_the_digest_and_never_a_secret(
        self, hub: PerlaHubGateway, agency: PerlaHubAgency
    ) -> None:
        credential = a_credential(agency, secret_digest=digest_secret("the-secret"))

        hub.upsert_credential(credential, a_key())

        [sent] = self.control.requests("PUT", "/api/v1/agencies/")
        assert sent["body"]["secret_digest"] == digest_secret("the-secret")
        assert "the-secret" not in str(sent)
