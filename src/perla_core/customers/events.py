"""What happens to a client's customer account and to the customer catalogues (titles, customer
groups), in the past tense. A customer account's events carry the client's id as
``aggregate_id``, so they join the client's activity timeline."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import ClassVar
from uuid import UUID

import attrs

from perla_core.kernel.events import domain_event


@domain_event("customers.customer_account_opened")
@attrs.frozen
class CustomerAccountOpened:
    """The client's customer section was first written (it is created lazily)."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    group_id: UUID


@domain_event("customers.customer_account_updated")
@attrs.frozen
class CustomerAccountUpdated:
    """``changed`` names the fields (``title_id``, ``group_id``, ``addresses``, ``contacts``),
    never their values; for an address or a contact, ``item_id`` is its id and ``action`` is
    ``added``, ``changed`` or ``removed``."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    changed: tuple[str, ...]
    item_id: UUID | None = None
    action: str | None = None


@domain_event("customers.customer_manager_assigned")
@attrs.frozen
class CustomerManagerAssigned:
    """``reason`` is the assignment rule that decided (``order_manager``, ``editor``,
    ``inactive_client_manager`` ...) or ``direct`` when a person chose the manager;
    ``order_id`` names the order whose save linked the manager, if one did."""

    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    manager_id: UUID | None
    previous_manager_id: UUID | None
    reason: str
    order_id: UUID | None = None


@domain_event("customers.title_created")
@attrs.frozen
class TitleCreated:
    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    code: str
    label: str


@domain_event("customers.title_changed")
@attrs.frozen
class TitleChanged:
    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    changed: tuple[str, ...]


@domain_event("customers.title_deleted")
@attrs.frozen
class TitleDeleted:
    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    code: str


@domain_event("customers.customer_group_created")
@attrs.frozen
class CustomerGroupCreated:
    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    code: str
    name: str
    discount_pct: Decimal


@domain_event("customers.customer_group_changed")
@attrs.frozen
class CustomerGroupChanged:
    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    changed: tuple[str, ...]
    discount_pct: Decimal


@domain_event("customers.customer_group_deleted")
@attrs.frozen
class CustomerGroupDeleted:
    event_name: ClassVar[str]
    aggregate_id: UUID
    occurred_at: datetime
    actor: str
    code: str
