"""A credential's configuration: every bad field reported at once, PerlaHub's technical rules
and the client's commercial policy, each refusal listing all its problems by field."""

from __future__ import annotations

from ipaddress import ip_network
from uuid import UUID

import pytest
from tests.unit.credentials.fakes import AGENT, NOW, FakePolicy, a_client

from perla_core.credentials.commands import (
    IssueCredential,
    parse_issue,
    parse_settings,
)
from perla_core.credentials.model import (
    DEFAULT_RULES,
    Credential,
    CredentialRefused,
    CredentialSettings,
    Environment,
    Problem,
    Product,
    TechnicalRules,
    default_username,
    policy_problems,
)
from perla_core.kernel.errors import InvalidInput, InvalidValue
from perla_core.onboarding.model import ClientStatus

PUBLIC = ("81.47.128.0/24",)


def settings(**overrides: object) -> CredentialSettings:
    fields: dict[str, object] = {
        "products": ("hotels",),
        "currencies": ("EUR",),
        "ip_allowlist": PUBLIC,
    }
    fields.update(overrides)
    return CredentialSettings(**fields)  # type: ignore[arg-type]


def fields_of(error: InvalidInput) -> list[str | None]:
    return [e.field for e in error.errors]


# --- parsing ---------------------------------------------------------------------------------


def test_the_configuration_is_normalised_sorted_and_without_repetitions() -> None:
    parsed = settings(
        products=("Transfers", "hotels", "hotels"),
        currencies=("usd", "EUR", "eur"),
        markets=("pt", "ES", "es"),
        ip_allowlist=("81.47.128.9", "2a02:9000::/48", "81.47.128.0/24", "81.47.128.9/32"),
        label="  Main XML  ",
    )

    assert parsed.products == (Product.HOTELS, Product.TRANSFERS)
    assert parsed.currencies == ("EUR", "USD")
    assert parsed.markets == ("ES", "PT")
    assert parsed.ip_allowlist == (
        ip_network("81.47.128.0/24"),
        ip_network("81.47.128.9/32"),
        ip_network("2a02:9000::/48"),
    )
    assert parsed.label == "Main XML"
    assert parsed.rate_limit_per_minute == 60
    assert parsed.policy_revision is None


def test_every_bad_field_and_every_bad_entry_is_reported_at_once() -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_settings(
            {
                "products": ["hotels", "cruises"],
                "currencies": ["EUR", "EURO"],
                "markets": ["ES", "XX", "Spain"],
                "ip_allowlist": ["81.47.128.0/24", "not-an-ip", "10.0.0.5/24"],
                "rate_limit_per_minute": 0,
                "policy_revision": 0,
                "label": "x" * 101,
            }
        )

    assert fields_of(refused.value) == [
        "products[1]",
        "currencies[1]",
        "markets[1]",
        "markets[2]",
        "ip_allowlist[1]",
        "ip_allowlist[2]",
        "rate_limit_per_minute",
        "policy_revision",
        "label",
    ]
    messages = {e.field: e.message for e in refused.value.errors}
    assert "'cruises' is not a product (one of: hotels, transfers" in messages["products[1]"]
    assert "not an ISO 4217 currency code" in messages["currencies[1]"]
    assert "did you mean 10.0.0.0/24?" in messages["ip_allowlist[2]"]
    assert "between 1 and 10_000" in messages["rate_limit_per_minute"]


@pytest.mark.parametrize("field", ["products", "currencies", "markets", "ip_allowlist"])
def test_a_list_field_given_as_a_single_string_is_refused(field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_settings({field: "hotels"})

    assert fields_of(refused.value) == [field]
    assert refused.value.errors[0].message == "must be a list"


def test_the_ip_allow_list_holds_at_most_fifty_networks() -> None:
    networks = [f"81.47.{i}.0/24" for i in range(51)]

    with pytest.raises(InvalidInput) as refused:
        parse_settings({"ip_allowlist": networks})

    assert fields_of(refused.value) == ["ip_allowlist"]
    assert "at most 50" in refused.value.errors[0].message
    assert len(parse_settings({"ip_allowlist": networks[:50]})["ip_allowlist"]) == 50


@pytest.mark.parametrize("value", [True, 1.5, "60", 10_001])
def test_a_rate_limit_that_is_not_a_whole_number_from_1_to_10000_is_refused(value: object) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_settings({"rate_limit_per_minute": value})

    assert fields_of(refused.value) == ["rate_limit_per_minute"]


def test_an_issue_command_reports_its_environment_username_and_configuration_together() -> None:
    command = IssueCredential(
        client_id=UUID(int=7),
        environment="production",
        products=["flights"],
        currencies=["EUR"],
        username="no spaces allowed",
    )

    with pytest.raises(InvalidInput) as refused:
        parse_issue(command)

    assert fields_of(refused.value) == ["environment", "username", "products[0]"]


def test_constructing_settings_directly_keeps_the_same_validation() -> None:
    with pytest.raises(InvalidValue) as refused:
        settings(rate_limit_per_minute=20_000)

    assert refused.value.field == "rate_limit_per_minute"


# --- PerlaHub's technical rules --------------------------------------------------------------


def test_a_configuration_within_the_rules_has_no_problem() -> None:
    assert DEFAULT_RULES.problems(Environment.LIVE, settings()) == []
    assert DEFAULT_RULES.problems(Environment.TEST, settings(ip_allowlist=())) == []


def test_a_live_credential_needs_public_networks_no_broader_than_the_rules_allow() -> None:
    assert DEFAULT_RULES.problems(Environment.LIVE, settings(ip_allowlist=())) == [
        Problem("ip_allowlist", "a live credential needs at least one allowed network")
    ]
    problems = DEFAULT_RULES.problems(
        Environment.LIVE, settings(ip_allowlist=("10.1.0.0/16", "81.0.0.0/8", "2a02::/32"))
    )
    assert [str(p) for p in problems] == [
        "ip_allowlist: 10.1.0.0/16 is not a public network; PerlaHub sees only public addresses",
        "ip_allowlist: 81.0.0.0/8 is broader than /16: name narrower",
        "ip_allowlist: 2a02::/32 is broader than /48: name narrower",
    ]


def test_a_test_credential_may_call_from_a_private_network_but_not_from_everywhere() -> None:
    problems = DEFAULT_RULES.problems(
        Environment.TEST, settings(ip_allowlist=("192.168.1.0/24", "0.0.0.0/0"))
    )

    assert [str(p) for p in problems] == [
        "ip_allowlist: 0.0.0.0/0 is broader than /16: name narrower"
    ]


def test_the_rate_limit_ceiling_depends_on_the_environment() -> None:
    busy = settings(rate_limit_per_minute=5_000)

    assert DEFAULT_RULES.problems(Environment.LIVE, busy) == []
    assert [str(p) for p in DEFAULT_RULES.problems(Environment.TEST, busy)] == [
        "rate_limit_per_minute: 5_000 requests per minute is above the test ceiling of 600"
    ]


def test_each_environment_offers_the_products_the_rules_configure() -> None:
    rules = TechnicalRules(products_live=frozenset({Product.HOTELS, Product.TRANSFERS}))
    wide = settings(products=("hotels", "packages", "car_rental"))

    assert rules.problems(Environment.TEST, wide) == []
    assert [str(p) for p in rules.problems(Environment.LIVE, wide)] == [
        "products: 'packages' is not offered in live",
        "products: 'car_rental' is not offered in live",
    ]


def test_a_credential_needs_a_product_and_a_currency() -> None:
    problems = DEFAULT_RULES.problems(Environment.TEST, settings(products=(), currencies=()))

    assert [p.field for p in problems] == ["products", "currencies"]


def test_a_client_holds_at_most_three_active_credentials_per_environment() -> None:
    assert DEFAULT_RULES.problems(Environment.LIVE, settings(), active_others=2) == []
    assert DEFAULT_RULES.problems(Environment.LIVE, settings(), active_others=3) == [
        Problem(
            "environment",
            "the client already has 3 active live credentials, the most PerlaHub allows is 3",
        )
    ]


# Rules as they were when the credentials were issued, laxer than PerlaHub's current ones.
EARLIER_RULES = TechnicalRules(max_rate_limit_test=10_000, max_active_per_environment=10)


def issue(credential_id: UUID, environment: Environment, **overrides: object) -> Credential:
    return Credential.issue(
        credential_id=credential_id,
        client=a_client(ClientStatus.VALIDATED),
        environment=environment,
        username=default_username(credential_id, environment),
        secret="s",
        settings=settings(**overrides),
        rules=EARLIER_RULES,
        coverage=FakePolicy(),
        others=(),
        now=NOW,
        actor=AGENT,
    )


def test_check_lists_what_a_stored_credential_breaks_under_todays_rules() -> None:
    credential = issue(UUID(int=1), Environment.TEST, rate_limit_per_minute=900)

    assert DEFAULT_RULES.check(credential) == [
        "rate_limit_per_minute: 900 requests per minute is above the test ceiling of 600"
    ]


def test_check_counts_the_clients_other_active_credentials_in_the_same_environment() -> None:
    live = [issue(UUID(int=i), Environment.LIVE) for i in range(1, 5)]
    tests = [issue(UUID(int=i), Environment.TEST) for i in range(5, 9)]
    live[0].suspend(now=NOW, actor=AGENT)

    assert DEFAULT_RULES.check(live[1], others=[*live, *tests]) == []
    live[0].reactivate(
        client=a_client(ClientStatus.LIVE),
        rules=EARLIER_RULES,
        coverage=FakePolicy(),
        others=(),
        now=NOW,
        actor=AGENT,
    )
    assert DEFAULT_RULES.check(live[1], others=[*live, *tests]) == [
        "environment: the client already has 3 active live credentials, "
        "the most PerlaHub allows is 3"
    ]


# --- the commercial policy -------------------------------------------------------------------


def test_a_product_or_currency_the_policy_does_not_cover_is_named_under_its_field() -> None:
    policy = FakePolicy(products=frozenset({"hotels"}), currencies=frozenset({"EUR"}))

    problems = policy_problems(
        policy, settings(products=("hotels", "transfers"), currencies=("EUR", "USD"))
    )

    assert [str(p) for p in problems] == [
        "products: product 'transfers' has no active margin rule",
        "currencies: currency 'USD' is not priced by the policy",
    ]


def test_a_client_without_a_commercial_policy_gets_no_credential() -> None:
    assert policy_problems(None, settings()) == [
        Problem("commercial_policy", "the client has no commercial policy")
    ]


def test_a_refusal_lists_every_rule_and_policy_problem_naming_each_field() -> None:
    with pytest.raises(CredentialRefused) as refused:
        Credential.issue(
            credential_id=UUID(int=1),
            client=a_client(ClientStatus.VALIDATED),
            environment=Environment.LIVE,
            username="nandu-live",
            secret="s",
            settings=settings(
                products=("hotels", "packages"),
                currencies=("EUR", "GBP"),
                ip_allowlist=(),
            ),
            rules=DEFAULT_RULES,
            coverage=FakePolicy(),
            others=(),
            now=NOW,
            actor=AGENT,
        )

    error = refused.value
    assert error.code == "credential_refused"
    assert fields_of(error) == ["ip_allowlist", "products", "currencies"]
    assert [str(p) for p in error.problems] == [
        "ip_allowlist: a live credential needs at least one allowed network",
        "products: product 'packages' has no active margin rule",
        "currencies: currency 'GBP' is not priced by the policy",
    ]
    assert str(error).startswith("the credential was refused: ip_allowlist: a live credential")
