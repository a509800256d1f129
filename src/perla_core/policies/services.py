"""Use cases of the commercial policy area. Each opens one unit of work and returns a frozen
result or the aggregate it read; none builds an adapter.

Every use case checks the acting :class:`Actor`'s role first: agents edit policies, only admins
change PerlaHub's global rules, anyone who can read may read and price. Policies belong to
clients: a lead gets a clear refusal (convert it first).
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import attrs

from perla_core.access.model import Actor, Permission
from perla_core.kernel.errors import NotFound, PreconditionFailed, StaleVersion
from perla_core.kernel.ports import Clock, IdGenerator
from perla_core.policies.commands import (
    AddMarginRule,
    CancelScheduledChange,
    ChangeMarginRule,
    DisableMarginRule,
    EnableMarginRule,
    PolicyCommand,
    RateInput,
    RemoveMarginRule,
    SchedulePolicyChange,
    SetGlobalRules,
    SetPricedScope,
    parse_global_rules,
    parse_moment,
    parse_rates,
    parse_rule,
    parse_rule_changes,
    parse_scope,
)
from perla_core.policies.model import (
    CommercialPolicy,
    GlobalRules,
    PolicyAuditEntry,
    PolicyChange,
    PolicyDiff,
    ScheduledChange,
    apply_due_changes,
)
from perla_core.policies.ports import PolicyUnitOfWork
from perla_core.policies.pricing import (
    PolicyIndex,
    PolicyIndexCache,
    PricedRate,
    Rate,
    price_rates,
)


@attrs.frozen
class PolicyReceipt:
    """What a policy write returns: the version to send as the next ``expected_version``, the
    revision the change created, and the rule or scheduled change it created. ``changed`` is
    false when the command asked for the state the policy already had (nothing recorded)."""

    client_id: UUID
    version: int
    revision: int
    rule_id: UUID | None = None
    schedule_id: UUID | None = None
    changed: bool = True


def add_margin_rule(
    command: AddMarginRule, uow: PolicyUnitOfWork, clock: Clock, ids: IdGenerator, actor: Actor
) -> PolicyReceipt:
    """Add a margin rule, refused outside PerlaHub's global rules or in conflict with an active
    rule; a client's first rule opens its policy."""
    return _apply_command(command, uow, clock, ids, actor)


def change_margin_rule(
    command: ChangeMarginRule, uow: PolicyUnitOfWork, clock: Clock, actor: Actor
) -> PolicyReceipt:
    """Change a rule's margin, priority, periods or filters, under the same checks as adding."""
    return _apply_command(command, uow, clock, None, actor)


def enable_margin_rule(
    command: EnableMarginRule, uow: PolicyUnitOfWork, clock: Clock, actor: Actor
) -> PolicyReceipt:
    """Turn a rule on, refused if it now breaks the global rules or conflicts."""
    return _apply_command(command, uow, clock, None, actor)


def disable_margin_rule(
    command: DisableMarginRule, uow: PolicyUnitOfWork, clock: Clock, actor: Actor
) -> PolicyReceipt:
    """Turn a rule off; it stays in the policy and prices nothing."""
    return _apply_command(command, uow, clock, None, actor)


def remove_margin_rule(
    command: RemoveMarginRule, uow: PolicyUnitOfWork, clock: Clock, actor: Actor
) -> PolicyReceipt:
    """Delete a rule from the policy (its history stays in the audit trail)."""
    return _apply_command(command, uow, clock, None, actor)


def set_priced_scope(
    command: SetPricedScope, uow: PolicyUnitOfWork, clock: Clock, actor: Actor
) -> PolicyReceipt:
    """Set the currencies and products the policy prices (credentials are checked against them)."""
    return _apply_command(command, uow, clock, None, actor)


def schedule_policy_change(
    command: SchedulePolicyChange,
    uow: PolicyUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    actor: Actor,
) -> PolicyReceipt:
    """Plan a change for a future moment; conflicts are checked when it comes due."""
    actor.require(Permission.WRITE_COMMERCIAL)
    inner = command.change
    effective_at = parse_moment(command.effective_at, "effective_at")
    with uow:
        policy, is_new = _load_for_edit(uow, inner.client_id, inner.expected_version, clock, actor)
        change = _to_change(inner, policy, ids)
        scheduled = policy.schedule_change(
            ids.new_id(),
            change,
            effective_at=effective_at,
            global_rules=uow.global_rules.get(),
            actor=actor.name,
            now=clock.now(),
            reason=inner.reason,
        )
        _store(uow, policy, is_new)
        uow.commit()
        return PolicyReceipt(
            policy.client_id,
            policy.version,
            policy.revision,
            rule_id=change.target_rule_id,
            schedule_id=scheduled.id,
        )


def cancel_scheduled_change(
    command: CancelScheduledChange, uow: PolicyUnitOfWork, clock: Clock, actor: Actor
) -> PolicyReceipt:
    """Cancel a pending scheduled change."""
    actor.require(Permission.WRITE_COMMERCIAL)
    with uow:
        _require_client(uow, command.client_id)
        policy = _existing_policy(uow, command.client_id, command.expected_version)
        policy.cancel_scheduled(
            command.schedule_id, actor=actor.name, now=clock.now(), reason=command.reason
        )
        uow.policies.save(policy)
        uow.commit()
        return PolicyReceipt(
            policy.client_id, policy.version, policy.revision, schedule_id=command.schedule_id
        )


def apply_due_policy_changes(
    uow: PolicyUnitOfWork, clock: Clock, actor: Actor
) -> list[ScheduledChange]:
    """Apply the scheduled changes due now (the scheduler runs this on its ticks); returns them
    applied or failed. One transaction per policy: a policy edited meanwhile is left for the
    next tick, and never holds back the others."""
    actor.require(Permission.WRITE_COMMERCIAL)
    now = clock.now()
    with uow:
        client_ids = uow.policies.due_scheduled(now)
        global_rules = uow.global_rules.get()
    resolved: list[ScheduledChange] = []
    for client_id in client_ids:
        with uow:
            policy = uow.policies.get_for_client(client_id)
            if policy is None:
                continue
            done = apply_due_changes(policy, now, global_rules, actor.name)
            if not done:
                continue
            try:
                uow.policies.save(policy)
                uow.commit()
            except StaleVersion:
                continue
            resolved.extend(done)
    return resolved


def set_global_rules(command: SetGlobalRules, uow: PolicyUnitOfWork, actor: Actor) -> GlobalRules:
    """Change PerlaHub's limits for every client's margins (admins only). Rules already in
    policies keep pricing; each is checked against the new limits at its next change."""
    actor.require(Permission.ADMINISTER)
    rules = parse_global_rules(command)
    with uow:
        uow.global_rules.save(rules)
        uow.commit()
    return rules


def get_global_rules(uow: PolicyUnitOfWork, actor: Actor) -> GlobalRules:
    actor.require(Permission.READ)
    with uow:
        return uow.global_rules.get()


def get_policy(client_id: UUID, uow: PolicyUnitOfWork, actor: Actor) -> CommercialPolicy:
    """A client's commercial policy; raises :class:`NotFound` when it has none yet."""
    actor.require(Permission.READ)
    with uow:
        return _existing_policy(uow, client_id, None)


def policy_history(
    client_id: UUID, uow: PolicyUnitOfWork, actor: Actor
) -> tuple[PolicyAuditEntry, ...]:
    """Every change of a client's policy, oldest first: who, when, why, before and after."""
    return get_policy(client_id, uow, actor).history()


def policy_diff(
    client_id: UUID, from_revision: int, to_revision: int, uow: PolicyUnitOfWork, actor: Actor
) -> PolicyDiff:
    """Rules added, removed and changed field by field between two revisions of a policy."""
    return get_policy(client_id, uow, actor).diff(from_revision, to_revision)


def price_batch(
    client_id: UUID,
    rates: Sequence[RateInput | Rate],
    uow: PolicyUnitOfWork,
    actor: Actor,
    cache: PolicyIndexCache | None = None,
) -> list[PricedRate]:
    """Price a batch of rates with a client's policy, in order: each with its selling price,
    margin and the rule that priced it, never outside the rate's floor and ceiling. Pass a
    shared ``cache`` so a policy is indexed once per version instead of once per batch."""
    actor.require(Permission.READ)
    parsed = parse_rates(rates)
    with uow:
        policy = _existing_policy(uow, client_id, None)
    index = cache.index_for(policy) if cache else PolicyIndex.build(policy.rules)
    return price_rates(index, parsed)


# --- internals -------------------------------------------------------------------------------


def _apply_command(
    command: PolicyCommand,
    uow: PolicyUnitOfWork,
    clock: Clock,
    ids: IdGenerator | None,
    actor: Actor,
) -> PolicyReceipt:
    actor.require(Permission.WRITE_COMMERCIAL)
    with uow:
        policy, is_new = _load_for_edit(
            uow, command.client_id, command.expected_version, clock, actor
        )
        change = _to_change(command, policy, ids)
        entry = policy.apply(
            change,
            global_rules=uow.global_rules.get(),
            actor=actor.name,
            now=clock.now(),
            reason=command.reason,
        )
        if entry is None:
            return PolicyReceipt(
                policy.client_id,
                policy.version,
                policy.revision,
                rule_id=change.target_rule_id,
                changed=False,
            )
        _store(uow, policy, is_new)
        uow.commit()
        return PolicyReceipt(
            policy.client_id, policy.version, policy.revision, rule_id=change.target_rule_id
        )


def _to_change(
    command: PolicyCommand, policy: CommercialPolicy, ids: IdGenerator | None
) -> PolicyChange:
    match command:
        case AddMarginRule():
            assert ids is not None, "adding a rule needs an IdGenerator"
            return PolicyChange.add(parse_rule(command, ids.new_id()))
        case ChangeMarginRule():
            current = policy.rule(command.rule_id)
            return PolicyChange.change(command.rule_id, parse_rule_changes(command, current))
        case EnableMarginRule():
            return PolicyChange.enable(command.rule_id)
        case DisableMarginRule():
            return PolicyChange.disable(command.rule_id)
        case RemoveMarginRule():
            return PolicyChange.remove(command.rule_id)
        case SetPricedScope():
            currencies, products = parse_scope(command)
            return PolicyChange.set_priced(currencies=currencies, products=products)


def _require_client(uow: PolicyUnitOfWork, client_id: UUID) -> None:
    client = uow.clients.get(client_id)
    if client.is_lead:
        raise PreconditionFailed(
            f"{client.trade_name} is still a lead: commercial policies are for clients "
            "(convert the lead first)",
            missing=["client"],
            field="client_id",
        )


def _load_for_edit(
    uow: PolicyUnitOfWork,
    client_id: UUID,
    expected_version: int | None,
    clock: Clock,
    actor: Actor,
) -> tuple[CommercialPolicy, bool]:
    """The client's policy, or a new empty one (``True``) if it has none yet."""
    _require_client(uow, client_id)
    policy = uow.policies.get_for_client(client_id)
    if policy is None:
        if expected_version not in (None, 0):
            raise StaleVersion("commercial policy", client_id, expected_version or 0, None)
        return CommercialPolicy.open(client_id=client_id, now=clock.now(), actor=actor.name), True
    _check_version(policy, expected_version)
    return policy, False


def _existing_policy(
    uow: PolicyUnitOfWork, client_id: UUID, expected_version: int | None
) -> CommercialPolicy:
    policy = uow.policies.get_for_client(client_id)
    if policy is None:
        raise NotFound("commercial policy", client_id)
    _check_version(policy, expected_version)
    return policy


def _check_version(policy: CommercialPolicy, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != policy.version:
        raise StaleVersion("commercial policy", policy.client_id, expected_version, policy.version)


def _store(uow: PolicyUnitOfWork, policy: CommercialPolicy, is_new: bool) -> None:
    if is_new:
        uow.policies.add(policy)
    else:
        uow.policies.save(policy)
