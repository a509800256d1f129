"""Changes scheduled for a future date take effect when due, or fail with the reason when the
policy no longer accepts them; cancelled ones never apply."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from tests.unit.policies.builders import ACTOR, LIMITS, NOW, REASON, a_rule, rule_id

from perla_core.kernel.errors import AlreadyExists, IllegalTransition, InvalidValue, NotFound
from perla_core.policies.events import (
    PolicyChangeScheduled,
    PolicyRuleAdded,
    PolicyRuleDisabled,
    ScheduledChangeApplied,
    ScheduledChangeCancelled,
    ScheduledChangeFailed,
)
from perla_core.policies.model import (
    CommercialPolicy,
    GlobalRules,
    PolicyAction,
    PolicyChange,
    ScheduleStatus,
    apply_due_changes,
)

CLIENT = rule_id(900_002)
MARCH = NOW + timedelta(days=45)
SCHEDULER = "scheduler"


def new_policy() -> CommercialPolicy:
    policy = CommercialPolicy.open(client_id=CLIENT, now=NOW, actor=ACTOR)
    policy.events.clear()
    return policy


def schedule(
    policy: CommercialPolicy, change: PolicyChange, effective_at: datetime = MARCH
) -> PolicyChange:
    policy.schedule_change(
        rule_id(),
        change,
        effective_at=effective_at,
        global_rules=LIMITS,
        actor=ACTOR,
        now=NOW,
        reason=REASON,
    )
    return change


def test_a_scheduled_change_is_recorded_and_waits_for_its_date() -> None:
    policy = new_policy()
    rule = a_rule(name="Summer")
    scheduled = policy.schedule_change(
        rule_id(1001),
        PolicyChange.add(rule),
        effective_at=MARCH,
        global_rules=LIMITS,
        actor=ACTOR,
        now=NOW,
        reason=REASON,
    )
    assert scheduled.status is ScheduleStatus.PENDING
    assert policy.rules == ()
    assert policy.pending_changes() == (scheduled,)
    entry = policy.history()[-1]
    assert entry.action is PolicyAction.SCHEDULE_CHANGE
    assert entry.schedule_id == scheduled.id
    assert entry.after == scheduled.snapshot()
    assert policy.events == [
        PolicyChangeScheduled(
            CLIENT, NOW, ACTOR, 1, REASON, scheduled.id, "add_rule", MARCH, rule.id
        )
    ]
    assert apply_due_changes(policy, MARCH - timedelta(seconds=1), LIMITS, SCHEDULER) == []
    assert policy.rules == ()


def test_a_due_change_is_applied_audited_with_its_schedule_and_announced() -> None:
    policy = new_policy()
    rule = a_rule(name="Summer")
    schedule(policy, PolicyChange.add(rule))
    policy.events.clear()

    resolved = apply_due_changes(policy, MARCH, LIMITS, SCHEDULER)

    assert [s.status for s in resolved] == [ScheduleStatus.APPLIED]
    assert resolved[0].resolved_at == MARCH
    assert policy.rules == (rule,)
    entry = policy.history()[-1]
    assert entry.action is PolicyAction.ADD_RULE
    assert entry.actor == SCHEDULER
    assert entry.schedule_id == resolved[0].id
    assert f"scheduled by {ACTOR}" in entry.reason
    assert [type(e) for e in policy.events] == [PolicyRuleAdded, ScheduledChangeApplied]
    assert policy.pending_changes() == ()
    assert apply_due_changes(policy, MARCH + timedelta(days=1), LIMITS, SCHEDULER) == []


def test_a_scheduled_change_that_conflicts_when_due_fails_with_the_reason_and_changes_nothing() -> (
    None
):
    policy = new_policy()
    schedule(policy, PolicyChange.add(a_rule(name="Planned")))
    blocker = a_rule(name="Blocker")
    policy.add_rule(blocker, global_rules=LIMITS, actor=ACTOR, now=NOW, reason=REASON)
    revision = policy.revision
    policy.events.clear()

    [failed] = apply_due_changes(policy, MARCH, LIMITS, SCHEDULER)

    assert failed.status is ScheduleStatus.FAILED
    assert failed.failure is not None
    assert "conflicts with active rule 'Blocker'" in failed.failure
    assert policy.rules == (blocker,)
    assert policy.revision == revision + 1
    assert policy.history()[-1].action is PolicyAction.SCHEDULED_FAILED
    assert policy.history()[-1].after == failed.snapshot()
    assert policy.events == [
        ScheduledChangeFailed(
            CLIENT, MARCH, SCHEDULER, revision + 1, failed.id, "add_rule", failed.failure
        )
    ]


def test_a_scheduled_change_that_breaks_new_global_limits_fails_when_due() -> None:
    rule = a_rule(value="20")
    policy = new_policy()
    policy.add_rule(rule, global_rules=LIMITS, actor=ACTOR, now=NOW, reason=REASON)
    schedule(policy, PolicyChange.change(rule.id, {"value": Decimal(25)}))
    [failed] = apply_due_changes(policy, MARCH, GlobalRules(max_margin_percent="22"), SCHEDULER)
    assert failed.status is ScheduleStatus.FAILED
    assert failed.failure is not None
    assert failed.failure.startswith("value:")
    assert policy.rule(rule.id).value == Decimal(20)


def test_due_changes_apply_in_the_order_they_take_effect() -> None:
    rule = a_rule()
    policy = new_policy()
    policy.add_rule(rule, global_rules=LIMITS, actor=ACTOR, now=NOW, reason=REASON)
    schedule(
        policy, PolicyChange.change(rule.id, {"value": Decimal(14)}), MARCH + timedelta(hours=2)
    )
    schedule(policy, PolicyChange.change(rule.id, {"value": Decimal(12)}), MARCH)
    resolved = apply_due_changes(policy, MARCH + timedelta(days=1), LIMITS, SCHEDULER)
    assert [s.effective_at for s in resolved] == [MARCH, MARCH + timedelta(hours=2)]
    assert policy.rule(rule.id).value == Decimal(14)


def test_a_cancelled_change_never_applies_and_cannot_be_cancelled_twice() -> None:
    rule = a_rule()
    policy = new_policy()
    policy.add_rule(rule, global_rules=LIMITS, actor=ACTOR, now=NOW, reason=REASON)
    scheduled = policy.schedule_change(
        rule_id(),
        PolicyChange.disable(rule.id),
        effective_at=MARCH,
        global_rules=LIMITS,
        actor=ACTOR,
        now=NOW,
        reason=REASON,
    )
    policy.events.clear()
    cancelled = policy.cancel_scheduled(
        scheduled.id, actor=ACTOR, now=NOW, reason="client changed mind"
    )
    assert cancelled.status is ScheduleStatus.CANCELLED
    assert policy.history()[-1].action is PolicyAction.CANCEL_SCHEDULED
    assert [type(e) for e in policy.events] == [ScheduledChangeCancelled]
    assert apply_due_changes(policy, MARCH, LIMITS, SCHEDULER) == []
    assert policy.rule(rule.id).active
    with pytest.raises(IllegalTransition):
        policy.cancel_scheduled(scheduled.id, actor=ACTOR, now=NOW, reason=REASON)
    with pytest.raises(NotFound):
        policy.cancel_scheduled(rule_id(), actor=ACTOR, now=NOW, reason=REASON)


@pytest.mark.parametrize(
    ("effective_at", "field"),
    [(NOW, "effective_at"), (NOW - timedelta(days=1), "effective_at")],
)
def test_a_change_scheduled_for_now_or_the_past_is_refused(
    effective_at: datetime, field: str
) -> None:
    policy = new_policy()
    with pytest.raises(InvalidValue) as refused:
        schedule(policy, PolicyChange.add(a_rule()), effective_at)
    assert refused.value.field == field
    assert policy.scheduled == ()
    assert policy.revision == 0


def test_a_change_scheduled_without_a_time_zone_is_refused() -> None:
    policy = new_policy()
    with pytest.raises(InvalidValue) as refused:
        schedule(policy, PolicyChange.add(a_rule()), MARCH.replace(tzinfo=None))
    assert refused.value.field == "effective_at"


def test_what_can_be_checked_when_scheduling_is_checked_then() -> None:
    policy = new_policy()
    with pytest.raises(InvalidValue) as beyond_limits:
        schedule(policy, PolicyChange.add(a_rule(value="150")))
    assert beyond_limits.value.field == "value"
    with pytest.raises(NotFound):
        schedule(policy, PolicyChange.disable(rule_id()))
    planned = a_rule()
    schedule(policy, PolicyChange.add(planned))
    with pytest.raises(AlreadyExists):
        schedule(policy, PolicyChange.add(planned))
    schedule(policy, PolicyChange.disable(planned.id), MARCH + timedelta(days=1))

    apply_due_changes(policy, MARCH + timedelta(days=2), LIMITS, SCHEDULER)
    assert not policy.rule(planned.id).active
    assert [type(e) for e in policy.events][-3:] == [
        ScheduledChangeApplied,
        PolicyRuleDisabled,
        ScheduledChangeApplied,
    ]


def test_applying_a_change_that_is_not_due_is_refused() -> None:
    policy = new_policy()
    scheduled = policy.schedule_change(
        rule_id(),
        PolicyChange.add(a_rule()),
        effective_at=MARCH,
        global_rules=LIMITS,
        actor=ACTOR,
        now=NOW,
        reason=REASON,
    )
    with pytest.raises(IllegalTransition):
        policy.apply_scheduled(scheduled.id, global_rules=LIMITS, actor=SCHEDULER, now=NOW)


@pytest.mark.parametrize(
    "build",
    [
        lambda: PolicyChange(PolicyAction.ADD_RULE),
        lambda: PolicyChange(PolicyAction.ENABLE_RULE),
        lambda: PolicyChange(PolicyAction.CHANGE_RULE, rule_id=rule_id()),
        lambda: PolicyChange(PolicyAction.SET_PRICED),
        lambda: PolicyChange(PolicyAction.SCHEDULE_CHANGE),
    ],
)
def test_a_malformed_change_is_refused(build: object) -> None:
    assert callable(build)
    with pytest.raises(InvalidValue):
        build()
