"""A commercial policy's changes are controlled (global limits, no conflicting active rules),
traceable and auditable (an append-only entry per change, a new revision, diffs between any
two revisions)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from tests.unit.policies.builders import (
    ACTOR,
    LATER,
    LIMITS,
    NOW,
    REASON,
    a_rule,
    period,
    rule_id,
)

from perla_core.kernel.errors import AlreadyExists, InvalidValue, NotFound
from perla_core.policies.events import (
    PolicyCreated,
    PolicyPricedScopeChanged,
    PolicyRuleAdded,
    PolicyRuleChanged,
    PolicyRuleDisabled,
    PolicyRuleEnabled,
    PolicyRuleRemoved,
)
from perla_core.policies.model import (
    CommercialPolicy,
    FieldChange,
    GlobalRules,
    MarginRule,
    PolicyAction,
    PolicyConflict,
)

CLIENT = rule_id(900_001)


def new_policy(*rules: MarginRule) -> CommercialPolicy:
    policy = CommercialPolicy.open(client_id=CLIENT, now=NOW, actor=ACTOR)
    for rule in rules:
        policy.add_rule(rule, global_rules=LIMITS, actor=ACTOR, now=NOW, reason=REASON)
    policy.events.clear()
    return policy


def edit(**changes: Any) -> dict[str, Any]:
    return {"global_rules": LIMITS, "actor": ACTOR, "now": LATER, "reason": REASON, **changes}


# --- adding and auditing -----------------------------------------------------------------------


def test_a_new_policy_announces_itself_and_starts_at_revision_zero() -> None:
    policy = CommercialPolicy.open(client_id=CLIENT, now=NOW, actor=ACTOR)
    assert policy.id == CLIENT
    assert policy.revision == 0
    assert policy.history() == ()
    assert policy.events == [PolicyCreated(CLIENT, NOW, ACTOR)]


def test_adding_a_rule_records_who_when_why_and_the_rule_as_it_was_added() -> None:
    policy = new_policy()
    rule = a_rule(name="Spain 10%")
    entry = policy.add_rule(rule, **edit())

    assert policy.rules == (rule,)
    assert policy.revision == 1
    assert entry is not None
    assert policy.history() == (entry,)
    assert (entry.revision, entry.action, entry.actor, entry.at, entry.reason) == (
        1,
        PolicyAction.ADD_RULE,
        ACTOR,
        LATER,
        REASON,
    )
    assert entry.rule_id == rule.id
    assert entry.before is None
    assert entry.after == rule.snapshot()
    assert policy.events == [PolicyRuleAdded(CLIENT, LATER, ACTOR, 1, REASON, rule.id, "Spain 10%")]
    assert policy.updated_at == LATER


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_change_without_a_reason_is_refused_and_changes_nothing(reason: str) -> None:
    policy = new_policy()
    with pytest.raises(InvalidValue) as refused:
        policy.add_rule(a_rule(), **edit(reason=reason))
    assert refused.value.field == "reason"
    assert policy.rules == ()
    assert policy.revision == 0
    assert policy.events == []


def test_a_rule_id_already_in_the_policy_is_refused() -> None:
    rule = a_rule()
    policy = new_policy(rule)
    with pytest.raises(AlreadyExists):
        policy.add_rule(a_rule(id=rule.id, priority=5), **edit())


def test_a_margin_outside_the_global_limits_is_refused_naming_value() -> None:
    policy = new_policy()
    with pytest.raises(InvalidValue) as refused:
        policy.add_rule(
            a_rule(value="40"), **edit(global_rules=GlobalRules(max_margin_percent="30"))
        )
    assert refused.value.field == "value"
    assert policy.rules == ()


def test_a_channel_perlahub_does_not_allow_is_refused_naming_channels() -> None:
    policy = new_policy()
    with pytest.raises(InvalidValue) as refused:
        policy.add_rule(
            a_rule(channels=["fax"]), **edit(global_rules=GlobalRules(allowed_channels=["web"]))
        )
    assert refused.value.field == "channels"


# --- conflicts -----------------------------------------------------------------------------------

CONFLICTING: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("same filters and period", {}, {}),
    ("a rule for every hotel and one for H1", {}, {"hotels": ["H1"]}),
    ("hotel sets that share H2", {"hotels": ["H1", "H2"]}, {"hotels": ["H2", "H3"]}),
    (
        "periods that share one day",
        {"booking_period": period("2026-01-01", "2026-03-31")},
        {"booking_period": period("2026-03-31", "2026-06-30")},
    ),
    (
        "overlapping stay periods",
        {"stay_period": period("2026-07-01", "2026-07-31")},
        {"stay_period": period("2026-07-15", "2026-08-15")},
    ),
    ("a stay period against none", {"stay_period": period("2026-07-01", "2026-07-31")}, {}),
    (
        "channels and suppliers in common",
        {"channels": ["web"], "suppliers": ["S1", "S2"]},
        {"channels": ["web", "api"], "suppliers": ["S2"]},
    ),
    (
        "a fixed and a percent margin",
        {"kind": "fixed", "value": "5", "currency": "EUR"},
        {},
    ),
]

NOT_CONFLICTING: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("different priorities", {"priority": 1}, {"priority": 2}),
    ("the other rule is disabled", {}, {"active": False}),
    ("disjoint hotel sets", {"hotels": ["H1", "H2"]}, {"hotels": ["H3"]}),
    ("disjoint channels", {"channels": ["web"]}, {"channels": ["api"]}),
    ("disjoint suppliers", {"suppliers": ["S1"]}, {"suppliers": ["S2"]}),
    (
        "adjacent booking periods",
        {"booking_period": period("2026-01-01", "2026-03-31")},
        {"booking_period": period("2026-04-01", "2026-06-30")},
    ),
    (
        "adjacent stay periods",
        {"stay_period": period("2026-07-01", "2026-07-31")},
        {"stay_period": period("2026-08-01", "2026-08-31")},
    ),
    (
        "fixed margins in different currencies",
        {"kind": "fixed", "value": "5", "currency": "EUR"},
        {"kind": "fixed", "value": "5", "currency": "USD"},
    ),
]


@pytest.mark.parametrize(
    ("first", "second"), [(a, b) for _, a, b in CONFLICTING], ids=[c[0] for c in CONFLICTING]
)
def test_two_active_rules_that_overlap_at_the_same_priority_conflict(
    first: dict[str, Any], second: dict[str, Any]
) -> None:
    existing = a_rule(name="Existing", **first)
    policy = new_policy(existing)
    with pytest.raises(PolicyConflict) as refused:
        policy.add_rule(a_rule(name="Newcomer", **second), **edit())
    assert refused.value.other == existing
    assert refused.value.code == "policy_conflict"
    assert policy.rules == (existing,)
    assert policy.revision == 1
    assert policy.events == []


@pytest.mark.parametrize(
    ("first", "second"),
    [(a, b) for _, a, b in NOT_CONFLICTING],
    ids=[c[0] for c in NOT_CONFLICTING],
)
def test_rules_that_never_price_the_same_rate_at_the_same_priority_do_not_conflict(
    first: dict[str, Any], second: dict[str, Any]
) -> None:
    policy = new_policy(a_rule(**first))
    policy.add_rule(a_rule(**second), **edit())
    assert len(policy.rules) == 2


def test_a_disabled_rule_never_conflicts_even_when_added() -> None:
    policy = new_policy(a_rule())
    policy.add_rule(a_rule(active=False), **edit())
    assert len(policy.rules) == 2


def test_the_conflict_names_both_rules_and_describes_the_overlap() -> None:
    existing = a_rule(
        name="Canarias summer",
        hotels=["H1", "H2"],
        priority=3,
        booking_period=period("2026-01-01", "2026-06-30"),
    )
    policy = new_policy(existing)
    newcomer = a_rule(
        name="Web bookings",
        hotels=["H2", "H9"],
        channels=["web"],
        priority=3,
        booking_period=period("2026-06-01", "2026-12-31"),
    )
    with pytest.raises(PolicyConflict) as refused:
        policy.add_rule(newcomer, **edit())
    error = refused.value
    message = str(error)
    assert "'Web bookings'" in message
    assert "'Canarias summer'" in message
    assert str(existing.id) in message
    assert str(newcomer.id) in message
    assert "hotels H2" in message
    assert "channels web" in message
    assert "every supplier" in message
    assert "2026-06-01 to 2026-06-30" in message
    assert error.field == "priority"
    assert error.details["rule_id"] == str(newcomer.id)
    assert error.details["conflicting_rule_id"] == str(existing.id)
    assert error.details["overlap"] == {
        "hotels": ["H2"],
        "channels": ["web"],
        "suppliers": [],
        "booking_period": {"start": "2026-06-01", "end": "2026-06-30"},
        "stay_period": None,
    }


# --- changing, enabling, disabling, removing ----------------------------------------------------


def test_changing_a_rule_records_before_and_after_and_names_the_changed_fields() -> None:
    rule = a_rule(name="Base")
    policy = new_policy(rule)
    entry = policy.change_rule(rule.id, {"value": Decimal("12.5"), "priority": 2}, **edit())

    assert entry is not None
    assert policy.rule(rule.id).value == Decimal("12.5")
    assert entry.before == rule.snapshot()
    assert entry.after == policy.rule(rule.id).snapshot()
    assert policy.events == [
        PolicyRuleChanged(CLIENT, LATER, ACTOR, 2, REASON, rule.id, "Base", ("value", "priority"))
    ]


def test_a_change_into_a_conflict_is_refused_and_the_rule_stays_as_it_was() -> None:
    first = a_rule(hotels=["H1"], priority=1)
    second = a_rule(hotels=["H2"], priority=1)
    policy = new_policy(first, second)
    with pytest.raises(PolicyConflict):
        policy.change_rule(second.id, {"hotels": frozenset({"H1", "H2"})}, **edit())
    assert policy.rule(second.id) == second
    assert policy.revision == 2


def test_a_change_to_an_invalid_value_is_refused_naming_the_field() -> None:
    rule = a_rule()
    policy = new_policy(rule)
    with pytest.raises(InvalidValue) as refused:
        policy.change_rule(rule.id, {"kind": "fixed"}, **edit())
    assert refused.value.field == "currency"
    with pytest.raises(InvalidValue) as unknown:
        policy.change_rule(rule.id, {"active": False}, **edit())
    assert unknown.value.field == "active"


def test_a_change_that_changes_nothing_records_nothing() -> None:
    rule = a_rule()
    policy = new_policy(rule)
    assert policy.change_rule(rule.id, {"value": Decimal("10.0")}, **edit()) is None
    assert policy.revision == 1


def test_disabling_and_enabling_a_rule_are_recorded_and_enabling_checks_conflicts_again() -> None:
    rule = a_rule(name="Old")
    policy = new_policy(rule)
    policy.disable_rule(rule.id, **edit())
    assert not policy.rule(rule.id).active
    replacement = a_rule(name="New")
    policy.add_rule(replacement, **edit())

    with pytest.raises(PolicyConflict) as refused:
        policy.enable_rule(rule.id, **edit())
    assert refused.value.other == replacement
    assert not policy.rule(rule.id).active

    policy.disable_rule(replacement.id, **edit())
    policy.enable_rule(rule.id, **edit())
    assert policy.rule(rule.id).active
    assert [type(e) for e in policy.events] == [
        PolicyRuleDisabled,
        PolicyRuleAdded,
        PolicyRuleDisabled,
        PolicyRuleEnabled,
    ]
    assert [e.action for e in policy.history()] == [
        PolicyAction.ADD_RULE,
        PolicyAction.DISABLE_RULE,
        PolicyAction.ADD_RULE,
        PolicyAction.DISABLE_RULE,
        PolicyAction.ENABLE_RULE,
    ]


def test_enabling_an_enabled_rule_changes_nothing() -> None:
    rule = a_rule()
    policy = new_policy(rule)
    assert policy.enable_rule(rule.id, **edit()) is None
    assert policy.revision == 1


def test_enabling_a_rule_outside_new_global_limits_is_refused_but_disabling_it_is_not() -> None:
    rule = a_rule(value="40")
    policy = new_policy(rule)
    stricter = GlobalRules(max_margin_percent="30")
    policy.disable_rule(rule.id, **edit(global_rules=stricter))
    with pytest.raises(InvalidValue) as refused:
        policy.enable_rule(rule.id, **edit(global_rules=stricter))
    assert refused.value.field == "value"


def test_removing_a_rule_keeps_it_in_the_audit_trail() -> None:
    rule = a_rule(name="Gone")
    policy = new_policy(rule)
    entry = policy.remove_rule(rule.id, **edit())
    assert policy.rules == ()
    assert entry is not None
    assert entry.before == rule.snapshot()
    assert entry.after is None
    assert policy.events == [PolicyRuleRemoved(CLIENT, LATER, ACTOR, 2, REASON, rule.id, "Gone")]


def test_acting_on_an_unknown_rule_is_not_found() -> None:
    policy = new_policy()
    with pytest.raises(NotFound):
        policy.disable_rule(rule_id(), **edit())


# --- history and diffs ------------------------------------------------------------------------


def test_audit_entries_are_only_ever_appended() -> None:
    rule = a_rule()
    policy = new_policy()
    policy.add_rule(rule, **edit())
    first = policy.history()
    policy.change_rule(rule.id, {"value": Decimal(11)}, **edit())
    policy.disable_rule(rule.id, **edit())
    policy.remove_rule(rule.id, **edit())

    history = policy.history()
    assert history[: len(first)] == first
    assert [e.revision for e in history] == [1, 2, 3, 4]
    assert isinstance(history, tuple)
    with pytest.raises(AttributeError):
        history[0].reason = "rewritten"  # type: ignore[misc]


def test_the_diff_between_revisions_lists_rules_added_removed_and_changed_field_by_field() -> None:
    kept = a_rule(name="Kept", hotels=["H1"], priority=1)
    gone = a_rule(name="Gone", hotels=["H2"], priority=1)
    policy = new_policy(kept, gone)  # revisions 1, 2
    added = a_rule(name="Added", suppliers=["S1"], priority=2)
    policy.add_rule(added, **edit())  # 3
    policy.change_rule(kept.id, {"value": Decimal(15), "hotels": frozenset({"H1", "H3"})}, **edit())
    policy.remove_rule(gone.id, **edit())  # 5

    diff = policy.diff(2, 5)
    assert diff.added == (added.snapshot(),)
    assert diff.removed == (gone.snapshot(),)
    assert len(diff.changed) == 1
    assert diff.changed[0].rule_id == str(kept.id)
    assert diff.changed[0].changes == (
        FieldChange("value", "10", "15"),
        FieldChange("hotels", ["H1"], ["H1", "H3"]),
    )
    assert not diff.is_empty


def test_a_diff_from_the_empty_policy_adds_every_rule_and_a_reverse_diff_removes_them() -> None:
    rule = a_rule()
    policy = new_policy(rule)
    assert policy.diff(0, 1).added == (rule.snapshot(),)
    assert policy.diff(1, 0).removed == (rule.snapshot(),)
    assert policy.diff(1, 1).is_empty


def test_a_rule_added_and_removed_between_two_revisions_is_not_in_their_diff() -> None:
    rule = a_rule()
    policy = new_policy()
    policy.set_priced(currencies=["EUR"], **edit())  # 1
    policy.add_rule(rule, **edit())
    policy.remove_rule(rule.id, **edit())  # 3
    assert policy.diff(1, 3).is_empty


@pytest.mark.parametrize(
    ("start", "end", "field"), [(-1, 1, "from_revision"), (0, 9, "to_revision")]
)
def test_a_diff_to_a_revision_the_policy_never_had_is_refused(
    start: int, end: int, field: str
) -> None:
    policy = new_policy(a_rule())
    with pytest.raises(InvalidValue) as refused:
        policy.diff(start, end)
    assert refused.value.field == field


# --- what the policy prices -------------------------------------------------------------------


def test_setting_the_priced_currencies_and_products_is_audited_and_diffed() -> None:
    policy = new_policy()
    entry = policy.set_priced(currencies=["eur", "USD"], products=["hotels"], **edit())
    assert entry is not None
    assert policy.currencies == frozenset({"EUR", "USD"})
    assert policy.products == frozenset({"hotels"})
    assert entry.before == {"currencies": [], "products": []}
    assert entry.after == {"currencies": ["EUR", "USD"], "products": ["hotels"]}
    assert policy.events == [
        PolicyPricedScopeChanged(CLIENT, LATER, ACTOR, 1, REASON, ("EUR", "USD"), ("hotels",))
    ]
    policy.set_priced(products=["hotels", "transfers"], **edit())
    assert policy.currencies == frozenset({"EUR", "USD"})
    assert policy.diff(1, 2).scope == (
        FieldChange("products", ["hotels"], ["hotels", "transfers"]),
    )
    assert policy.set_priced(currencies=["USD", "EUR"], **edit()) is None


def test_an_unknown_currency_is_refused_naming_currencies() -> None:
    policy = new_policy()
    with pytest.raises(InvalidValue) as refused:
        policy.set_priced(currencies=["EUR", "EURO"], **edit())
    assert refused.value.field == "currencies"
    assert policy.currencies == frozenset()


def test_coverage_problems_name_products_and_currencies_the_policy_does_not_price() -> None:
    policy = new_policy(
        a_rule(
            kind="fixed",
            value="5",
            currency="EUR",
            booking_period=period("2026-01-01", "2026-06-30"),
        )
    )
    policy.set_priced(currencies=["EUR", "USD"], products=["hotels"], **edit())

    assert policy.prices_currency("eur")
    assert not policy.prices_currency("USD")  # priced, but only a fixed EUR rule exists
    assert not policy.prices_currency("GBP")
    assert policy.covers_product("hotels")
    assert not policy.covers_product("transfers")
    assert policy.coverage_problems(["hotels", "transfers"], ["EUR", "USD", "GBP"]) == [
        "product 'transfers' is not one the commercial policy prices",
        "currency GBP is not one the commercial policy prices",
        "no active margin rule prices currency USD",
    ]
    assert policy.coverage_problems(["hotels"], ["EUR"]) == []
    assert policy.coverage_problems(["hotels"], ["EUR"], on=date(2026, 7, 1)) == [
        "no active margin rule covers product 'hotels'",
        "no active margin rule prices currency EUR",
    ]
