"""Commands of the customers area, in primitives. Fields left as ``KEEP`` stay as they are;
``None`` clears an optional one. ``expected_version`` is the account's (0 while it has none)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import attrs

from perla_core.onboarding.commands import KEEP, Keep

Number = int | str | Decimal


def _changes(command: Any, skip: set[str]) -> dict[str, Any]:
    return {
        f.name: getattr(command, f.name)
        for f in attrs.fields(type(command))
        if f.name not in skip and getattr(command, f.name) is not KEEP
    }


@attrs.frozen
class SaveCustomerAccount:
    """Save the client's title, customer group and account manager, and apply the
    account-manager rules (a manager given directly must be active)."""

    client_id: UUID
    title_id: UUID | Keep | None = KEEP
    group_id: UUID | Keep = KEEP
    manager_id: UUID | Keep | None = KEEP
    expected_version: int | None = None

    def changes(self) -> dict[str, Any]:
        return _changes(self, {"client_id", "expected_version"})


@attrs.frozen
class AddressInput:
    name: str
    line1: str
    city: str
    country: str
    postal_code: str
    line2: str | None = None
    default_billing: bool = False
    default_shipping: bool = False


@attrs.frozen
class AddAddress:
    client_id: UUID
    address: AddressInput
    expected_version: int | None = None


@attrs.frozen
class UpdateAddress:
    """Change an address; making it a default clears the previous default."""

    client_id: UUID
    address_id: UUID
    name: str | Keep = KEEP
    line1: str | Keep = KEEP
    line2: str | Keep | None = KEEP
    city: str | Keep = KEEP
    country: str | Keep = KEEP
    postal_code: str | Keep = KEEP
    default_billing: bool | Keep = KEEP
    default_shipping: bool | Keep = KEEP
    expected_version: int | None = None

    def changes(self) -> dict[str, Any]:
        return _changes(self, {"client_id", "address_id", "expected_version"})


@attrs.frozen
class RemoveAddress:
    """Remove an address; removing a default one leaves no default of its kind."""

    client_id: UUID
    address_id: UUID
    expected_version: int | None = None


@attrs.frozen
class ContactInput:
    """``role``: customer_service, administration, manager, reservations, accounting, sales or
    other; an e-mail or a phone is needed."""

    role: str
    name: str
    email: str | None = None
    phone: str | None = None
    title_id: UUID | None = None


@attrs.frozen
class AddContact:
    client_id: UUID
    contact: ContactInput
    expected_version: int | None = None


@attrs.frozen
class UpdateContact:
    client_id: UUID
    contact_id: UUID
    role: str | Keep = KEEP
    name: str | Keep = KEEP
    email: str | Keep | None = KEEP
    phone: str | Keep | None = KEEP
    title_id: UUID | Keep | None = KEEP
    expected_version: int | None = None

    def changes(self) -> dict[str, Any]:
        return _changes(self, {"client_id", "contact_id", "expected_version"})


@attrs.frozen
class RemoveContact:
    client_id: UUID
    contact_id: UUID
    expected_version: int | None = None


@attrs.frozen
class RecordContact:
    """The client was in touch (an inquiry, a message, a call) at ``at`` (default: now)."""

    client_id: UUID
    at: datetime | None = None


@attrs.frozen
class CreateTitle:
    """``code`` is a stable key (``sr``), ``label`` what is shown (``Sr.``)."""

    code: str
    label: str


@attrs.frozen
class UpdateTitle:
    title_id: UUID
    code: str | Keep = KEEP
    label: str | Keep = KEEP
    active: bool | Keep = KEEP
    expected_version: int | None = None

    def changes(self) -> dict[str, Any]:
        return _changes(self, {"title_id", "expected_version"})


@attrs.frozen
class DeleteTitle:
    """Refused while a customer account or a contact uses the title."""

    title_id: UUID
    expected_version: int | None = None


@attrs.frozen
class CreateCustomerGroup:
    """``discount_pct`` from 0 to 100, at most two decimals (text, an int or a Decimal)."""

    code: str
    name: str
    discount_pct: Number = 0


@attrs.frozen
class UpdateCustomerGroup:
    group_id: UUID
    name: str | Keep = KEEP
    discount_pct: Number | Keep = KEEP
    expected_version: int | None = None

    def changes(self) -> dict[str, Any]:
        return _changes(self, {"group_id", "expected_version"})


@attrs.frozen
class DeleteCustomerGroup:
    """Refused for the default groups and while the group has members."""

    group_id: UUID
    expected_version: int | None = None


__all__ = [
    "KEEP",
    "AddAddress",
    "AddContact",
    "AddressInput",
    "ContactInput",
    "CreateCustomerGroup",
    "CreateTitle",
    "DeleteCustomerGroup",
    "DeleteTitle",
    "Keep",
    "RecordContact",
    "RemoveAddress",
    "RemoveContact",
    "SaveCustomerAccount",
    "UpdateAddress",
    "UpdateContact",
    "UpdateCustomerGroup",
    "UpdateTitle",
]
