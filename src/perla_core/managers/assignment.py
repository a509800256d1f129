"""The rules that assign account managers when a client record or an order is saved (seed 003,
"Designar a los gestores para los clientes"), as one pure function: :func:`decide`.

Saving an **order** (every save, new or edited, after "Guardar"):

1. *Client's manager on the order* (``client_manager``): the client record has an active
   manager and the order has none, so the order gets the client's manager.
   *Inactive client manager* (``inactive_client_manager``): the client's manager is inactive,
   so the order is not given to them; the distribution rule (round robin or least loaded)
   picks an active manager, who is then linked to the client as well.
2. *Order's manager to the client* (``order_manager``): the order has a manager and the client
   record has none (or only an inactive one), so the client gets the order's manager.
3. *Editor to both* (``editor``): neither has a manager, so the manager who saved the order is
   assigned to the order and to the client.
   *Editor not a manager* (``editor_not_a_manager``): perla's addition. The seed assumes a
   manager edits the order; when the acting user is not an active manager (the WhatsApp bot,
   an administrator, an integration), the distribution rule picks one for both.

An order that already has a manager keeps it: a person chose it, the rules only fill what is
empty (``kept``, with the client's manager linked by rule 2 when the client has none). An
order's manager made inactive later is history and is not linked to the client.

Saving a **client record** (no order): a record without a manager gets the manager who saved
it (rule 3, ``editor``); when that user is not an active manager nothing is assigned (``kept``)
and the client's first order applies the rules. A record's manager, even an inactive one, is
kept: the seed replaces an inactive manager only when an order arrives.

When the distribution is needed and no manager is active, nothing is assigned
(``no_active_manager``): saving an order never fails for lack of managers. Assigning an
inactive manager *directly* is refused before this runs (the services check it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from uuid import UUID

import attrs

from perla_core.managers.model import DistributionRule, Manager


class Saving(StrEnum):
    """What is being saved: the rules differ for an order and for a client record."""

    ORDER = "order"
    CLIENT_RECORD = "client_record"


class AssignmentReason(StrEnum):
    """Which rule decided: shown in the order's and the client's history."""

    CLIENT_MANAGER = "client_manager"
    INACTIVE_CLIENT_MANAGER = "inactive_client_manager"
    ORDER_MANAGER = "order_manager"
    EDITOR = "editor"
    EDITOR_NOT_A_MANAGER = "editor_not_a_manager"
    KEPT = "kept"
    NO_ACTIVE_MANAGER = "no_active_manager"


@attrs.frozen
class AssignmentDecision:
    """The managers the order and the client have after the save, which rule decided, and,
    when the distribution rule picked one, which rule that was and the round-robin cursor
    after the pick (``cursor`` is the input cursor otherwise)."""

    reason: AssignmentReason
    order_manager_id: UUID | None
    client_manager_id: UUID | None
    previous_order_manager_id: UUID | None
    previous_client_manager_id: UUID | None
    distribution: DistributionRule | None = None
    cursor: UUID | None = None

    @property
    def order_changed(self) -> bool:
        return self.order_manager_id != self.previous_order_manager_id

    @property
    def client_changed(self) -> bool:
        return self.client_manager_id != self.previous_client_manager_id


def decide(  # noqa: PLR0911 - one return per rule of the seed
    *,
    saving: Saving,
    client_manager_id: UUID | None,
    order_manager_id: UUID | None,
    editor: Manager | None,
    managers: Sequence[Manager],
    rule: DistributionRule,
    loads: Mapping[UUID, int],
    cursor: UUID | None,
) -> AssignmentDecision:
    """Apply the seed's rules (see the module's docstring).

    ``managers`` are all managers, active or not (the inactive ones say whether a manager is
    inactive and where the round-robin cursor stands); ``editor`` is the manager who saves,
    ``None`` when the acting user is not one; ``loads`` are the open (draft or placed) orders
    per manager, read only by the least-loaded rule; ``cursor`` is the manager the round robin
    picked last.
    """
    by_id = {m.id: m for m in managers}
    active_editor = editor if editor is not None and _active(by_id, editor.id) else None

    def result(
        reason: AssignmentReason,
        order: UUID | None,
        client: UUID | None,
        distribution: DistributionRule | None = None,
        new_cursor: UUID | None = cursor,
    ) -> AssignmentDecision:
        return AssignmentDecision(
            reason, order, client, order_manager_id, client_manager_id, distribution, new_cursor
        )

    def distribute(reason: AssignmentReason) -> AssignmentDecision:
        picked = pick(managers, rule, loads, cursor)
        if picked is None:
            return result(AssignmentReason.NO_ACTIVE_MANAGER, order_manager_id, client_manager_id)
        new_cursor = picked if rule is DistributionRule.ROUND_ROBIN else cursor
        return result(reason, picked, picked, rule, new_cursor)

    if saving is Saving.CLIENT_RECORD:
        if client_manager_id is None and active_editor is not None:
            return result(AssignmentReason.EDITOR, None, active_editor.id)
        return result(AssignmentReason.KEPT, None, client_manager_id)

    client_active = client_manager_id is not None and _active(by_id, client_manager_id)
    if order_manager_id is not None:
        if not client_active and _active(by_id, order_manager_id):
            return result(AssignmentReason.ORDER_MANAGER, order_manager_id, order_manager_id)
        return result(AssignmentReason.KEPT, order_manager_id, client_manager_id)
    if client_active:
        return result(AssignmentReason.CLIENT_MANAGER, client_manager_id, client_manager_id)
    if client_manager_id is not None:
        return distribute(AssignmentReason.INACTIVE_CLIENT_MANAGER)
    if active_editor is not None:
        return result(AssignmentReason.EDITOR, active_editor.id, active_editor.id)
    return distribute(AssignmentReason.EDITOR_NOT_A_MANAGER)


def pick(
    managers: Sequence[Manager],
    rule: DistributionRule,
    loads: Mapping[UUID, int],
    cursor: UUID | None,
) -> UUID | None:
    """The active manager the distribution rule gives the next order to; ``None`` when no
    manager is active.

    Round robin: the active managers in name order, the first after the cursor's place in that
    order (wrapping round); the cursor's manager may since have been deactivated or renamed,
    its place is where its name sorts now. Least loaded: fewest ``loads``, ties by name.
    """
    ring = sorted((m for m in managers if m.active), key=lambda m: m.sort_key)
    if not ring:
        return None
    if rule is DistributionRule.LEAST_LOADED:
        return min(ring, key=lambda m: (loads.get(m.id, 0), m.sort_key)).id
    last = next((m for m in managers if m.id == cursor), None)
    if last is None:
        return ring[0].id
    after = next((m for m in ring if m.sort_key > last.sort_key), None)
    return (after or ring[0]).id


def _active(by_id: Mapping[UUID, Manager], manager_id: UUID) -> bool:
    manager = by_id.get(manager_id)
    return manager is not None and manager.active
