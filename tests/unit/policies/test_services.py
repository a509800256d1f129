"""The policy use cases on a fake unit of work: who may do what, what is stored and
published, and what a refused command leaves behind (nothing)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from tests.unit.policies.builders import REASON, a_rate
from tests.unit.policies.fakes import FakePolicyUnitOfWork, add_party

from perla_adapters.memory import FixedClock, SequentialIds
from perla_core.access.model import Actor
from perla_core.kernel.errors import (
    InvalidInput,
    InvalidValue,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    StaleVersion,
)
from perla_core.kernel.money import Money
from perla_core.onboarding.commands import KEEP
from perla_core.policies.commands import (
    AddMarginRule,
    CancelScheduledChange,
    ChangeMarginRule,
    DisableMarginRule,
    EnableMarginRule,
    RateInput,
    RemoveMarginRule,
    SchedulePolicyChange,
    SetGlobalRules,
    SetPricedScope,
)
from perla_core.policies.events import (
    PolicyChangeScheduled,
    PolicyCreated,
    PolicyRuleAdded,
    PolicyRuleChanged,
    ScheduledChangeApplied,
)
from perla_core.policies.model import GlobalRules, PolicyAction, PolicyConflict, ScheduleStatus
from perla_core.policies.pricing import PolicyIndexCache
from perla_core.policies.services import (
    add_margin_rule,
    apply_due_policy_changes,
    cancel_scheduled_change,
    change_margin_rule,
    disable_margin_rule,
    enable_margin_rule,
    get_global_rules,
    get_policy,
    policy_diff,
    policy_history,
    price_batch,
    remove_margin_rule,
    schedule_policy_change,
    set_global_rules,
    set_priced_scope,
)

CLIENT = UUID(int=7001)
LEAD = UUID(int=7002)


@pytest.fixture
def puow() -> FakePolicyUnitOfWork:
    uow = FakePolicyUnitOfWork()
    add_party(uow.store, CLIENT)
    add_party(uow.store, LEAD, lead=True)
    return uow


def add_command(**overrides: Any) -> AddMarginRule:
    fields: dict[str, Any] = {
        "client_id": CLIENT,
        "name": "Spain 10%",
        "kind": "percent",
        "value": "10",
        "booking_from": "2026-01-01",
        "booking_to": "2026-12-31",
        "reason": REASON,
    }
    fields.update(overrides)
    return AddMarginRule(**fields)


def test_an_agent_adds_the_first_rule_and_the_clients_policy_opens_with_it(
    puow: FakePolicyUnitOfWork, clock: FixedClock, ids: SequentialIds, agent: Actor
) -> None:
    receipt = add_margin_rule(
        add_command(
            hotels=["H1", "H2"],
            channels=["web"],
            stay_from="2026-07-01",
            stay_to="2026-08-31",
            priority=2,
        ),
        puow,
        clock,
        ids,
        agent,
    )
    assert (receipt.client_id, receipt.version, receipt.revision, receipt.changed) == (
        CLIENT,
        1,
        1,
        True,
    )
    stored = puow.store.policies[CLIENT]
    assert receipt.rule_id is not None
    rule = stored.rule(receipt.rule_id)
    assert rule.hotels == frozenset({"H1", "H2"})
    assert rule.value == Decimal(10)
    assert rule.stay_period is not None
    assert stored.history()[0].actor == agent.name
    assert [type(e) for e in puow.store.published] == [PolicyCreated, PolicyRuleAdded]


def test_a_lead_has_no_commercial_policy_until_it_becomes_a_client(
    puow: FakePolicyUnitOfWork, clock: FixedClock, ids: SequentialIds, agent: Actor
) -> None:
    with pytest.raises(PreconditionFailed) as refused:
        add_margin_rule(add_command(client_id=LEAD), puow, clock, ids, agent)
    assert refused.value.field == "client_id"
    assert "lead" in refused.value.message
    assert LEAD not in puow.store.policies


def test_a_party_that_does_not_exist_is_not_found(
    puow: FakePolicyUnitOfWork, clock: FixedClock, ids: SequentialIds, agent: Actor
) -> None:
    with pytest.raises(NotFound):
        add_margin_rule(add_command(client_id=UUID(int=1)), puow, clock, ids, agent)


def test_a_read_only_user_cannot_edit_a_policy_but_can_read_and_price(
    puow: FakePolicyUnitOfWork,
    clock: FixedClock,
    ids: SequentialIds,
    agent: Actor,
    reader: Actor,
) -> None:
    with pytest.raises(PermissionDenied):
        add_margin_rule(add_command(), puow, clock, ids, reader)
    add_margin_rule(add_command(), puow, clock, ids, agent)
    assert get_policy(CLIENT, puow, reader).revision == 1
    assert len(policy_history(CLIENT, puow, reader)) == 1
    [priced] = price_batch(CLIENT, [a_rate()], puow, reader)
    assert priced.selling == Money.of("110.00", "EUR")


def test_only_an_admin_changes_perlahubs_global_rules_and_they_bind_the_next_change(
    puow: FakePolicyUnitOfWork,
    clock: FixedClock,
    ids: SequentialIds,
    agent: Actor,
    admin: Actor,
) -> None:
    command = SetGlobalRules("2", "15", ["web", "api"], {"EUR": "25"})
    with pytest.raises(PermissionDenied):
        set_global_rules(command, puow, agent)
    limits = set_global_rules(command, puow, admin)
    assert (
        get_global_rules(puow, agent)
        == limits
        == GlobalRules("2", "15", ["web", "api"], {"EUR": "25"})
    )

    with pytest.raises(InvalidValue) as too_high:
        add_margin_rule(add_command(value="16"), puow, clock, ids, agent)
    assert too_high.value.field == "value"
    with pytest.raises(InvalidValue) as channel:
        add_margin_rule(add_command(channels=["fax"]), puow, clock, ids, agent)
    assert channel.value.field == "channels"
    assert CLIENT not in puow.store.policies


def test_bad_global_rules_are_refused_naming_the_fields(
    puow: FakePolicyUnitOfWork, admin: Actor
) -> None:
    with pytest.raises(InvalidInput) as refused:
        set_global_rules(SetGlobalRules("20", "10"), puow, admin)
    assert refused.value.errors[0].field == "max_margin_percent"
    with pytest.raises(InvalidInput) as channels:
        set_global_rules(SetGlobalRules("0", "10", "web"), puow, admin)
    assert channels.value.errors[0].field == "allowed_channels"


def test_every_invalid_field_of_a_rule_is_reported_at_once(
    puow: FakePolicyUnitOfWork, clock: FixedClock, ids: SequentialIds, agent: Actor
) -> None:
    with pytest.raises(InvalidInput) as refused:
        add_margin_rule(
            add_command(
                booking_from="2026-12-31",
                booking_to="2026-01-01",
                hotels="H1",
                stay_from="July",
                stay_to="2026-08-01",
            ),
            puow,
            clock,
            ids,
            agent,
        )
    assert {e.field for e in refused.value.errors} == {"booking_period", "stay_period", "hotels"}

    with pytest.raises(InvalidInput) as cross_field:
        add_margin_rule(add_command(kind="fixed", value="5"), puow, clock, ids, agent)
    assert cross_field.value.errors[0].field == "currency"


def test_a_conflicting_rule_is_refused_and_nothing_is_stored(
    puow: FakePolicyUnitOfWork, clock: FixedClock, ids: SequentialIds, agent: Actor
) -> None:
    add_margin_rule(add_command(name="Spain"), puow, clock, ids, agent)
    published = len(puow.store.published)
    with pytest.raises(PolicyConflict) as refused:
        add_margin_rule(add_command(name="Web", channels=["web"]), puow, clock, ids, agent)
    assert "'Spain'" in str(refused.value)
    assert puow.store.policies[CLIENT].revision == 1
    assert len(puow.store.published) == published


def test_a_stale_expected_version_is_refused(
    puow: FakePolicyUnitOfWork, clock: FixedClock, ids: SequentialIds, agent: Actor
) -> None:
    with pytest.raises(StaleVersion):
        add_margin_rule(add_command(expected_version=3), puow, clock, ids, agent)
    first = add_margin_rule(add_command(expected_version=0), puow, clock, ids, agent)
    with pytest.raises(StaleVersion):
        add_margin_rule(add_command(priority=1, expected_version=0), puow, clock, ids, agent)
    second = add_margin_rule(
        add_command(priority=1, expected_version=first.version), puow, clock, ids, agent
    )
    assert second.version == 2


def test_changing_a_rule_moves_only_the_ends_and_fields_given(
    puow: FakePolicyUnitOfWork, clock: FixedClock, ids: SequentialIds, agent: Actor
) -> None:
    rule_id = add_margin_rule(add_command(), puow, clock, ids, agent).rule_id
    assert rule_id is not None
    receipt = change_margin_rule(
        ChangeMarginRule(
            CLIENT,
            rule_id,
            REASON,
            value="12.5",
            booking_to="2026-06-30",
            stay_from="2026-07-01",
            stay_to="2026-07-31",
        ),
        puow,
        clock,
        agent,
    )
    rule = puow.store.policies[CLIENT].rule(rule_id)
    assert rule.value == Decimal("12.5")
    assert str(rule.booking_period) == "2026-01-01 to 2026-06-30"
    assert str(rule.stay_period) == "2026-07-01 to 2026-07-31"
    assert receipt.revision == 2
    assert isinstance(puow.store.published[-1], PolicyRuleChanged)
    assert puow.store.published[-1].changed == ("value", "booking_period", "stay_period")

    change_margin_rule(
        ChangeMarginRule(CLIENT, rule_id, REASON, stay_from=None, stay_to=None), puow, clock, agent
    )
    assert puow.store.policies[CLIENT].rule(rule_id).stay_period is None

    with pytest.raises(InvalidInput) as half:
        change_margin_rule(
            ChangeMarginRule(CLIENT, rule_id, REASON, stay_to="2026-08-01"), puow, clock, agent
        )
    assert half.value.errors[0].field == "stay_period"
    with pytest.raises(InvalidValue) as nothing:
        change_margin_rule(ChangeMarginRule(CLIENT, rule_id, REASON), puow, clock, agent)
    assert nothing.value.field == "rule"


def test_a_change_that_changes_nothing_stores_nothing(
    puow: FakePolicyUnitOfWork, clock: FixedClock, ids: SequentialIds, agent: Actor
) -> None:
    rule_id = add_margin_rule(add_command(), puow, clock, ids, agent).rule_id
    assert rule_id is not None
    commits = puow.store.commits
    receipt = enable_margin_rule(EnableMarginRule(CLIENT, rule_id, REASON), puow, clock, agent)
    assert not receipt.changed
    assert puow.store.commits == commits


def test_disable_enable_remove_and_scope_through_the_services(
    puow: FakePolicyUnitOfWork, clock: FixedClock, ids: SequentialIds, agent: Actor
) -> None:
    rule_id = add_margin_rule(add_command(), puow, clock, ids, agent).rule_id
    assert rule_id is not None
    disable_margin_rule(DisableMarginRule(CLIENT, rule_id, REASON), puow, clock, agent)
    assert not puow.store.policies[CLIENT].rule(rule_id).active
    enable_margin_rule(EnableMarginRule(CLIENT, rule_id, REASON), puow, clock, agent)
    set_priced_scope(SetPricedScope(CLIENT, REASON, ["EUR"], ["hotels"]), puow, clock, agent)
    receipt = remove_margin_rule(RemoveMarginRule(CLIENT, rule_id, REASON), puow, clock, agent)
    policy = puow.store.policies[CLIENT]
    assert policy.rules == ()
    assert policy.currencies == frozenset({"EUR"})
    assert receipt.revision == 5
    assert [e.action for e in policy.history()] == [
        PolicyAction.ADD_RULE,
        PolicyAction.DISABLE_RULE,
        PolicyAction.ENABLE_RULE,
        PolicyAction.SET_PRICED,
        PolicyAction.REMOVE_RULE,
    ]
    diff = policy_diff(CLIENT, 0, 5, puow, agent)
    assert diff.added == ()
    assert [c.field for c in diff.scope] == ["currencies", "products"]
    with pytest.raises(NotFound):
        disable_margin_rule(DisableMarginRule(CLIENT, rule_id, REASON), puow, clock, agent)


def test_a_scheduled_change_is_applied_by_the_scheduler_when_due(
    puow: FakePolicyUnitOfWork,
    clock: FixedClock,
    ids: SequentialIds,
    agent: Actor,
    admin: Actor,
) -> None:
    effective = (clock.now() + timedelta(days=10)).isoformat()
    receipt = schedule_policy_change(
        SchedulePolicyChange(add_command(name="Summer"), effective), puow, clock, ids, agent
    )
    assert receipt.schedule_id is not None
    assert isinstance(puow.store.published[-1], PolicyChangeScheduled)
    assert puow.store.policies[CLIENT].rules == ()

    assert apply_due_policy_changes(puow, clock, admin) == []
    clock.advance(timedelta(days=10))
    [applied] = apply_due_policy_changes(puow, clock, admin)
    assert applied.status is ScheduleStatus.APPLIED
    assert [r.name for r in puow.store.policies[CLIENT].rules] == ["Summer"]
    assert isinstance(puow.store.published[-1], ScheduledChangeApplied)


def test_a_scheduled_change_can_be_cancelled_and_a_bad_date_is_refused(
    puow: FakePolicyUnitOfWork, clock: FixedClock, ids: SequentialIds, agent: Actor, admin: Actor
) -> None:
    with pytest.raises(InvalidValue) as naive:
        schedule_policy_change(
            SchedulePolicyChange(add_command(), "2026-03-01T00:00:00"), puow, clock, ids, agent
        )
    assert naive.value.field == "effective_at"
    effective = (clock.now() + timedelta(days=1)).isoformat()
    receipt = schedule_policy_change(
        SchedulePolicyChange(add_command(), effective), puow, clock, ids, agent
    )
    assert receipt.schedule_id is not None
    cancel_scheduled_change(
        CancelScheduledChange(CLIENT, receipt.schedule_id, "no longer needed"), puow, clock, agent
    )
    clock.advance(timedelta(days=2))
    assert apply_due_policy_changes(puow, clock, admin) == []
    assert puow.store.policies[CLIENT].rules == ()


def test_pricing_a_batch_names_the_bad_rates_fields(
    puow: FakePolicyUnitOfWork, clock: FixedClock, ids: SequentialIds, agent: Actor
) -> None:
    add_margin_rule(add_command(), puow, clock, ids, agent)
    good = RateInput("H1", "web", "S1", "2026-03-01", "2026-07-15", "100", "EUR")
    bad = RateInput(
        "H1", "web", "", "2026-13-01", "2026-07-15", "1e", "EUR", max_selling="90", min_selling="95"
    )
    with pytest.raises(InvalidInput) as refused:
        price_batch(CLIENT, [good, bad], puow, agent)
    assert {e.field for e in refused.value.errors} == {
        "rates[1].supplier",
        "rates[1].booking_date",
        "rates[1].net",
    }
    [priced] = price_batch(
        CLIENT,
        [RateInput("H1", "web", "S1", "2026-03-01", "2026-07-15", "100", "EUR", "112.00")],
        puow,
        agent,
    )
    assert priced.selling == Money.of("112.00", "EUR")
    assert priced.clamped == "floor"


def test_pricing_with_a_shared_cache_reindexes_only_after_a_change(
    puow: FakePolicyUnitOfWork, clock: FixedClock, ids: SequentialIds, agent: Actor
) -> None:
    cache = PolicyIndexCache()
    rule_id = add_margin_rule(add_command(), puow, clock, ids, agent).rule_id
    assert rule_id is not None
    assert price_batch(CLIENT, [a_rate()], puow, agent, cache)[0].rule_id == rule_id
    change_margin_rule(ChangeMarginRule(CLIENT, rule_id, REASON, value="20"), puow, clock, agent)
    [priced] = price_batch(CLIENT, [a_rate()], puow, agent, cache)
    assert priced.selling == Money.of("120.00", "EUR")


def test_reading_the_policy_of_a_client_without_one_is_not_found(
    puow: FakePolicyUnitOfWork, agent: Actor
) -> None:
    with pytest.raises(NotFound):
        get_policy(CLIENT, puow, agent)
    with pytest.raises(NotFound):
        price_batch(CLIENT, [a_rate()], puow, agent)


def test_keep_leaves_a_field_of_a_change_command_alone() -> None:
    command = ChangeMarginRule(CLIENT, UUID(int=1), REASON, value="5")
    assert command.name is KEEP
    assert command.value == "5"
