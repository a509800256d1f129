"""The account-manager rules of seed 003 as a pure function: every combination of the client's
manager, the order's manager and the editor, and both distribution rules."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from uuid import UUID

import pytest

from perla_core.kernel.values import Email
from perla_core.managers.assignment import (
    AssignmentDecision,
    AssignmentReason,
    Saving,
    decide,
    pick,
)
from perla_core.managers.model import DistributionRule, Manager

NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
R = AssignmentReason
RR = DistributionRule.ROUND_ROBIN
LL = DistributionRule.LEAST_LOADED


def a_manager(number: int, name: str, *, active: bool = True) -> Manager:
    email = Email.parse(f"manager{number}@perlatours.com")
    return Manager(UUID(int=number), name, email, NOW, NOW, active)


ANA = a_manager(1, "Ana")
BEA = a_manager(2, "Bea")
CARLA = a_manager(3, "Carla")
IVAN = a_manager(9, "Ivan", active=False)  # inactive
TEAM = (ANA, BEA, CARLA, IVAN)
NOBODY_ACTIVE = (IVAN,)


def on_order(
    client: Manager | None,
    order: Manager | None,
    editor: Manager | None,
    *,
    managers: Sequence[Manager] = TEAM,
    rule: DistributionRule = RR,
    loads: Mapping[UUID, int] | None = None,
    cursor: Manager | None = None,
) -> AssignmentDecision:
    return decide(
        saving=Saving.ORDER,
        client_manager_id=None if client is None else client.id,
        order_manager_id=None if order is None else order.id,
        editor=editor,
        managers=managers,
        rule=rule,
        loads=loads or {},
        cursor=None if cursor is None else cursor.id,
    )


# --- one test per rule of the seed ----------------------------------------------------------------


def test_rule_1_the_clients_manager_is_set_on_the_order() -> None:
    decision = on_order(client=BEA, order=None, editor=ANA)

    assert decision.reason is R.CLIENT_MANAGER
    assert (decision.order_manager_id, decision.client_manager_id) == (BEA.id, BEA.id)
    assert decision.order_changed
    assert not decision.client_changed
    assert decision.distribution is None


def test_an_inactive_client_manager_is_skipped_and_the_round_robin_pick_is_linked() -> None:
    decision = on_order(client=IVAN, order=None, editor=ANA, rule=RR, cursor=ANA)

    assert decision.reason is R.INACTIVE_CLIENT_MANAGER
    assert (decision.order_manager_id, decision.client_manager_id) == (BEA.id, BEA.id)
    assert decision.previous_client_manager_id == IVAN.id
    assert decision.distribution is RR
    assert decision.cursor == BEA.id


def test_an_inactive_client_manager_is_skipped_and_the_least_loaded_is_linked() -> None:
    loads = {ANA.id: 3, BEA.id: 1, CARLA.id: 2}
    decision = on_order(client=IVAN, order=None, editor=None, rule=LL, loads=loads, cursor=ANA)

    assert decision.reason is R.INACTIVE_CLIENT_MANAGER
    assert (decision.order_manager_id, decision.client_manager_id) == (BEA.id, BEA.id)
    assert decision.distribution is LL
    assert decision.cursor == ANA.id  # the round robin's turn is not spent


def test_rule_2_the_orders_manager_is_given_to_a_client_without_one() -> None:
    decision = on_order(client=None, order=CARLA, editor=ANA)

    assert decision.reason is R.ORDER_MANAGER
    assert (decision.order_manager_id, decision.client_manager_id) == (CARLA.id, CARLA.id)
    assert decision.client_changed
    assert not decision.order_changed


def test_rule_3_with_neither_the_editor_is_assigned_to_both() -> None:
    decision = on_order(client=None, order=None, editor=CARLA)

    assert decision.reason is R.EDITOR
    assert (decision.order_manager_id, decision.client_manager_id) == (CARLA.id, CARLA.id)


def test_an_editor_who_is_not_a_manager_falls_back_to_the_distribution_rule() -> None:
    decision = on_order(client=None, order=None, editor=None, cursor=None)

    assert decision.reason is R.EDITOR_NOT_A_MANAGER
    assert (decision.order_manager_id, decision.client_manager_id) == (ANA.id, ANA.id)
    assert decision.distribution is RR


# --- the combinations -----------------------------------------------------------------------------

# client's manager, order's manager, editor -> reason, order's manager after, client's after.
# The distribution is a round robin whose last pick was Ana, so it picks Bea.
COMBINATIONS: list[
    tuple[str, Manager | None, Manager | None, Manager | None, R, Manager | None, Manager | None]
] = [
    ("client active, order empty, editor a manager", BEA, None, ANA, R.CLIENT_MANAGER, BEA, BEA),
    ("client active, order empty, editor not one", BEA, None, None, R.CLIENT_MANAGER, BEA, BEA),
    ("client active, order has another", BEA, CARLA, ANA, R.KEPT, CARLA, BEA),
    ("client active, order has the same", BEA, BEA, None, R.KEPT, BEA, BEA),
    (
        "client inactive, order empty, editor a manager",
        IVAN,
        None,
        CARLA,
        R.INACTIVE_CLIENT_MANAGER,
        BEA,
        BEA,
    ),
    (
        "client inactive, order empty, editor not one",
        IVAN,
        None,
        None,
        R.INACTIVE_CLIENT_MANAGER,
        BEA,
        BEA,
    ),
    ("client inactive, order has one", IVAN, CARLA, None, R.ORDER_MANAGER, CARLA, CARLA),
    ("client none, order has one, editor another", None, CARLA, ANA, R.ORDER_MANAGER, CARLA, CARLA),
    ("client none, order has an inactive one", None, IVAN, ANA, R.KEPT, IVAN, None),
    ("client none, order empty, editor a manager", None, None, CARLA, R.EDITOR, CARLA, CARLA),
    (
        "client none, order empty, editor an inactive manager",
        None,
        None,
        IVAN,
        R.EDITOR_NOT_A_MANAGER,
        BEA,
        BEA,
    ),
    (
        "client none, order empty, editor not a manager",
        None,
        None,
        None,
        R.EDITOR_NOT_A_MANAGER,
        BEA,
        BEA,
    ),
]


@pytest.mark.parametrize(
    ("client", "order", "editor", "reason", "order_after", "client_after"),
    [pytest.param(*row[1:], id=row[0]) for row in COMBINATIONS],
)
def test_saving_an_order_applies_the_first_rule_that_fits(
    client: Manager | None,
    order: Manager | None,
    editor: Manager | None,
    reason: R,
    order_after: Manager | None,
    client_after: Manager | None,
) -> None:
    decision = on_order(client, order, editor, cursor=ANA)

    assert decision.reason is reason
    assert decision.order_manager_id == (None if order_after is None else order_after.id)
    assert decision.client_manager_id == (None if client_after is None else client_after.id)


@pytest.mark.parametrize(
    ("client", "editor"),
    [
        pytest.param(IVAN, ANA, id="inactive client manager"),
        pytest.param(None, None, id="editor not a manager"),
    ],
)
def test_without_active_managers_nothing_is_assigned(
    client: Manager | None, editor: Manager | None
) -> None:
    decision = on_order(client, None, editor, managers=NOBODY_ACTIVE)

    assert decision.reason is R.NO_ACTIVE_MANAGER
    assert decision.order_manager_id is None
    assert decision.client_manager_id == (None if client is None else client.id)
    assert not decision.client_changed


@pytest.mark.parametrize(
    ("client", "editor", "reason", "client_after"),
    [
        pytest.param(None, CARLA, R.EDITOR, CARLA, id="no manager, saved by a manager"),
        pytest.param(None, None, R.KEPT, None, id="no manager, saved by someone else"),
        pytest.param(None, IVAN, R.KEPT, None, id="no manager, saved by an inactive one"),
        pytest.param(BEA, CARLA, R.KEPT, BEA, id="a manager, saved by another"),
        pytest.param(IVAN, CARLA, R.KEPT, IVAN, id="an inactive manager waits for an order"),
    ],
)
def test_saving_a_client_record_gives_it_the_editor_only_when_it_has_no_manager(
    client: Manager | None, editor: Manager | None, reason: R, client_after: Manager | None
) -> None:
    decision = decide(
        saving=Saving.CLIENT_RECORD,
        client_manager_id=None if client is None else client.id,
        order_manager_id=None,
        editor=editor,
        managers=TEAM,
        rule=RR,
        loads={},
        cursor=None,
    )

    assert decision.reason is reason
    assert decision.client_manager_id == (None if client_after is None else client_after.id)
    assert decision.order_manager_id is None


# --- the distribution rules -----------------------------------------------------------------------


def test_round_robin_is_fair_over_many_orders() -> None:
    cursor: UUID | None = None
    picks: list[UUID] = []
    for _ in range(30):
        picked = pick(TEAM, RR, {}, cursor)
        assert picked is not None
        picks.append(picked)
        cursor = picked

    assert Counter(picks) == {ANA.id: 10, BEA.id: 10, CARLA.id: 10}
    assert picks[:4] == [ANA.id, BEA.id, CARLA.id, ANA.id]


def test_round_robin_goes_on_after_the_last_pick_even_when_it_was_deactivated() -> None:
    bea_gone = a_manager(2, "Bea", active=False)

    assert pick((ANA, bea_gone, CARLA), RR, {}, bea_gone.id) == CARLA.id
    assert pick((ANA, BEA, CARLA), RR, {}, CARLA.id) == ANA.id
    assert pick((ANA, BEA, CARLA), RR, {}, UUID(int=404)) == ANA.id


def test_round_robin_follows_name_order_not_creation_order() -> None:
    zoe = a_manager(0, "Zoe")
    abel = a_manager(7, "Ábel")

    assert pick((zoe, abel), RR, {}, None) == abel.id
    assert pick((zoe, abel), RR, {}, abel.id) == zoe.id


def test_least_loaded_picks_the_fewest_open_orders_and_breaks_ties_by_name() -> None:
    assert pick(TEAM, LL, {ANA.id: 2, BEA.id: 1, CARLA.id: 1}, None) == BEA.id
    assert pick(TEAM, LL, {ANA.id: 2, BEA.id: 2}, None) == CARLA.id
    assert pick(TEAM, LL, {}, None) == ANA.id
    assert pick(TEAM, LL, {ANA.id: 5, BEA.id: 5, CARLA.id: 5, IVAN.id: 0}, None) == ANA.id


def test_nobody_is_picked_when_no_manager_is_active() -> None:
    assert pick(NOBODY_ACTIVE, RR, {}, None) is None
    assert pick((), LL, {}, None) is None
