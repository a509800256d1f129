"""The commercial policy and global rules repositories' promises, kept by every adapter
(memory, SQLite, PostgreSQL)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import attrs
import pytest
from tests.contract.builders import (
    AGENT,
    LIMITS,
    REASON,
    NewUow,
    a_policy,
    a_validated_client,
    fields_of,
    schedule,
    stored_clients,
)

from perla_adapters.memory import FixedClock, SequentialIds
from perla_core.kernel.errors import AlreadyExists, NotFound, StaleVersion
from perla_core.policies.model import (
    CommercialPolicy,
    DateRange,
    GlobalRules,
    MarginRule,
    PolicyAction,
    PolicyChange,
    ScheduleStatus,
    apply_due_changes,
)

DAY = timedelta(days=1)


def _stored_policy(
    new_uow: NewUow, clock: FixedClock, ids: SequentialIds, n: int = 1
) -> CommercialPolicy:
    client = a_validated_client(clock, ids, n)
    stored_clients(new_uow, client)
    policy = a_policy(clock, ids, client)
    with new_uow() as uow:
        uow.policies.add(policy)
        uow.commit()
    return policy


def _loaded(new_uow: NewUow, policy: CommercialPolicy) -> CommercialPolicy:
    with new_uow() as uow:
        loaded = uow.policies.get_for_client(policy.client_id)
    assert loaded is not None
    return loaded


class TestPolicyRepositoryContract:
    def test_a_policy_comes_back_with_its_rules_scope_schedule_and_audit_trail(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        policy = _stored_policy(new_uow, clock, ids)
        assert policy.version == 1

        loaded = _loaded(new_uow, policy)

        assert fields_of(loaded) == fields_of(policy)
        assert loaded.events == []
        assert loaded.revision == 6
        assert [e.revision for e in loaded.audit] == [1, 2, 3, 4, 5, 6]
        assert [e.action for e in loaded.audit] == [
            PolicyAction.ADD_RULE,
            PolicyAction.ADD_RULE,
            PolicyAction.CHANGE_RULE,
            PolicyAction.SET_PRICED,
            PolicyAction.SCHEDULE_CHANGE,
            PolicyAction.SCHEDULE_CHANGE,
        ]
        assert loaded.diff(0, 6) == policy.diff(0, 6)
        assert loaded.audit[-1].at.utcoffset() is not None

    def test_a_scheduled_change_given_as_text_applies_alike_after_a_reload(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        client = a_validated_client(clock, ids)
        stored_clients(new_uow, client)
        policy = a_policy(clock, ids, client)
        base = policy.rules[0]
        as_text = PolicyChange.change(base.id, {"value": "16.5", "kind": "percent"})
        schedule(policy, ids, as_text, clock.now() + 90 * DAY)
        with new_uow() as uow:
            uow.policies.add(policy)
            uow.commit()

        loaded = _loaded(new_uow, policy)
        clock.advance(91 * DAY)
        apply_due_changes(loaded, clock.now(), LIMITS, AGENT)

        assert loaded.scheduled[-1].status is ScheduleStatus.APPLIED
        assert loaded.rule(base.id).value == Decimal("16.5")

    def test_a_save_increments_the_version_and_appends_the_new_audit_entries(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        policy = _stored_policy(new_uow, clock, ids)
        clock.advance(DAY)

        with new_uow() as uow:
            loaded = uow.policies.get_for_client(policy.client_id)
            assert loaded is not None
            loaded.disable_rule(
                loaded.rules[0].id, global_rules=LIMITS, actor=AGENT, now=clock.now(),
                reason="temporada baja",
            )  # fmt: skip
            loaded.remove_rule(
                loaded.rules[1].id, global_rules=LIMITS, actor=AGENT, now=clock.now(),
                reason=REASON,
            )  # fmt: skip
            uow.policies.save(loaded)
            assert loaded.version == 2
            uow.commit()

        stored = _loaded(new_uow, policy)
        assert (stored.version, stored.revision) == (2, 8)
        assert stored.audit[:6] == policy.audit
        assert stored.audit == loaded.audit
        assert [r.active for r in stored.rules] == [False]
        assert stored.audit[6].reason == "temporada baja"
        assert stored.diff(6, 8).removed[0]["name"] == "Hoteles de playa"

    def test_a_save_never_rewrites_a_stored_audit_entry(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        policy = _stored_policy(new_uow, clock, ids)

        with new_uow() as uow:
            loaded = uow.policies.get_for_client(policy.client_id)
            assert loaded is not None
            loaded.audit = (attrs.evolve(loaded.audit[0], reason="rewritten"), *loaded.audit[1:])
            loaded.set_priced(
                currencies=["EUR"], global_rules=LIMITS, actor=AGENT, now=clock.now(),
                reason=REASON,
            )  # fmt: skip
            uow.policies.save(loaded)
            uow.commit()

        stored = _loaded(new_uow, policy)
        assert stored.audit[0] == policy.audit[0]
        assert stored.revision == 7

    def test_a_stale_save_raises_and_appends_nothing(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        policy = _stored_policy(new_uow, clock, ids)
        with new_uow() as uow:
            fresh = uow.policies.get_for_client(policy.client_id)
            stale = uow.policies.get_for_client(policy.client_id)
            assert fresh is not None
            assert stale is not None
            fresh.set_priced(
                currencies=["EUR"], global_rules=LIMITS, actor=AGENT, now=clock.now(),
                reason="fresh",
            )  # fmt: skip
            uow.policies.save(fresh)
            uow.commit()

        with new_uow() as uow:
            stale.set_priced(
                products=["hotels"], global_rules=LIMITS, actor=AGENT, now=clock.now(),
                reason="stale",
            )  # fmt: skip
            with pytest.raises(StaleVersion) as raised:
                uow.policies.save(stale)
            uow.commit()

        assert raised.value.details == {"expected": 1, "actual": 2}
        stored = _loaded(new_uow, policy)
        assert (stored.version, stored.revision, stored.audit[-1].reason) == (2, 7, "fresh")

    def test_one_policy_per_client(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        policy = _stored_policy(new_uow, clock, ids)
        second = CommercialPolicy.open(client_id=policy.client_id, now=clock.now(), actor=AGENT)

        with new_uow() as uow, pytest.raises(AlreadyExists) as raised:
            uow.policies.add(second)
        assert raised.value.field == "client_id"

    def test_a_client_without_a_policy_and_an_unknown_client(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        client = a_validated_client(clock, ids)
        stored_clients(new_uow, client)
        unknown = CommercialPolicy.open(client_id=ids.new_id(), now=clock.now(), actor=AGENT)

        with new_uow() as uow:
            assert uow.policies.get_for_client(client.id) is None
            with pytest.raises(NotFound) as no_policy:
                uow.policies.save(CommercialPolicy.open(client_id=client.id, now=clock.now(),
                                                        actor=AGENT))  # fmt: skip
            with pytest.raises(NotFound) as no_client:
                uow.policies.add(unknown)

        assert no_policy.value.kind == "commercial policy"
        assert (no_client.value.kind, no_client.value.ident) == ("client", unknown.client_id)

    def test_an_empty_policy_opened_with_its_client_in_one_unit_of_work(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        client = a_validated_client(clock, ids)
        policy = CommercialPolicy.open(client_id=client.id, now=clock.now(), actor=AGENT)
        with new_uow() as uow:
            uow.clients.add(client)
            uow.policies.add(policy)
            uow.commit()

        loaded = _loaded(new_uow, policy)
        assert fields_of(loaded) == fields_of(policy)
        assert (loaded.revision, loaded.audit, loaded.rules) == (0, (), ())

    def test_policies_with_a_pending_change_due_now_earliest_first(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        start = clock.now()
        later = _stored_policy(new_uow, clock, ids, 1)  # due in 30 and 60 days
        clients = [a_validated_client(clock, ids, n) for n in (2, 3, 4)]
        stored_clients(new_uow, *clients)
        sooner, cancelled, nothing = (
            CommercialPolicy.open(client_id=c.id, now=start, actor=AGENT) for c in clients
        )
        rule = MarginRule(
            id=ids.new_id(), name="Base", kind="percent", value="10",
            booking_period=DateRange(date(2026, 1, 1), date(2026, 12, 31)),
        )  # fmt: skip
        schedule(sooner, ids, PolicyChange.add(rule), start + 10 * DAY)
        schedule(cancelled, ids, PolicyChange.add(rule), start + 5 * DAY)
        cancelled.cancel_scheduled(
            cancelled.scheduled[0].id, actor=AGENT, now=start, reason="ya no"
        )
        with new_uow() as uow:
            for policy in (sooner, cancelled, nothing):
                uow.policies.add(policy)
            uow.commit()

        with new_uow() as uow:
            assert uow.policies.due_scheduled(start + 9 * DAY) == []
            assert uow.policies.due_scheduled(start + 10 * DAY) == [sooner.client_id]
            assert uow.policies.due_scheduled(start + 30 * DAY) == [
                sooner.client_id,
                later.client_id,
            ]

        clock.set(start + 30 * DAY)
        with new_uow() as uow:
            due = uow.policies.get_for_client(later.client_id)
            assert due is not None
            [applied] = apply_due_changes(due, clock.now(), LIMITS, AGENT)
            uow.policies.save(due)
            uow.commit()

        assert applied.status is ScheduleStatus.APPLIED
        with new_uow() as uow:
            assert uow.policies.due_scheduled(clock.now()) == [sooner.client_id]
            assert uow.policies.due_scheduled(start + 60 * DAY) == [
                sooner.client_id,
                later.client_id,
            ]
        stored = _loaded(new_uow, later)
        assert [s.status for s in stored.scheduled] == [
            ScheduleStatus.APPLIED,
            ScheduleStatus.PENDING,
        ]

    def test_added_saved_and_loaded_policies_are_seen_by_the_unit_of_work(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        stored = _stored_policy(new_uow, clock, ids, 1)
        client = a_validated_client(clock, ids, 2)
        stored_clients(new_uow, client)
        new = CommercialPolicy.open(client_id=client.id, now=clock.now(), actor=AGENT)

        with new_uow() as uow:
            uow.policies.add(new)
            loaded = uow.policies.get_for_client(stored.client_id)
            assert loaded is not None
            uow.policies.save(loaded)
            assert [p.client_id for p in uow.policies.seen] == [client.id, stored.client_id]
            assert uow.policies.seen[1] is loaded


class TestGlobalRulesRepositoryContract:
    def test_the_defaults_until_first_saved(self, new_uow: NewUow) -> None:
        with new_uow() as uow:
            assert uow.global_rules.get() == GlobalRules()

    def test_saved_rules_replace_the_previous_ones_on_commit_only(self, new_uow: NewUow) -> None:
        strict = GlobalRules(
            min_margin_percent="2.5",
            max_margin_percent="35.125",
            allowed_channels={"b2b", "web"},
            max_fixed_margin={"EUR": "50", "USD": "55.50"},
        )
        with new_uow() as uow:
            uow.global_rules.save(strict)
            assert uow.global_rules.get() == strict
        with new_uow() as uow:
            assert uow.global_rules.get() == GlobalRules()
            uow.global_rules.save(strict)
            uow.commit()
        with new_uow() as uow:
            assert uow.global_rules.get() == strict

        no_channels = GlobalRules(allowed_channels=())
        with new_uow() as uow:
            uow.global_rules.save(no_channels)
            uow.commit()
        with new_uow() as uow:
            loaded = uow.global_rules.get()
        assert loaded == no_channels
        assert loaded.allowed_channels == frozenset()
        assert loaded.max_fixed_margin == ()
