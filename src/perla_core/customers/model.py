"""The customer section of a lead's or client's record (seed 002, "Clientes"): the
:class:`CustomerAccount`, and the catalogues it refers to (:class:`Title`,
:class:`CustomerGroup`).

A customer account is one-to-one with an onboarding :class:`~perla_core.onboarding.model.Client`
(lead or client) by ``client_id`` and is created on its first write; until then the client has
the defaults (group "customer", no title, no manager). It holds:

- **addresses** ("Direcciones"): name, address line, city, country, postal code; at most one
  default billing and one default shipping address: making one the default clears the
  previous one, and removing a default address leaves none;
- **contacts** ("Contactos"): several contact accounts by role (customer service,
  administration, manager ...), each reachable by e-mail or phone, optionally with a title;
- the client's **title** ("Títulos": Sr., Sra., Srta., Dr. ...), **customer group**
  ("Grupos": Visitante, Invitado, Cliente, or a custom group with a discount) and **account
  manager** ("gestor", assigned by the rules of :mod:`perla_core.managers.assignment`);
- ``last_contact_at``, the last time the client was in touch (a KPI).

Titles and customer groups are managed catalogues: a title in use and a group with members
cannot be deleted; the three default groups cannot be deleted at all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

import attrs

from perla_core.customers.events import (
    CustomerAccountOpened,
    CustomerAccountUpdated,
    CustomerGroupChanged,
    CustomerGroupCreated,
    CustomerGroupDeleted,
    CustomerManagerAssigned,
    TitleChanged,
    TitleCreated,
    TitleDeleted,
)
from perla_core.kernel.errors import InvalidValue, NotFound, PreconditionFailed
from perla_core.kernel.values import Email, Phone, country_code
from perla_core.suppliers.values import choice, collect, is_empty, line, percentage, pick

MAX_ADDRESSES = 50
MAX_CONTACTS = 50
_CODE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
_SPANISH_POSTAL_CODE = re.compile(r"^(0[1-9]|[1-4][0-9]|5[0-2])[0-9]{3}$")
_POSTAL_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 -]{1,11}$")


class ContactRole(StrEnum):
    """Who at the client a contact account is for (seed 002: "atención al cliente,
    administración, gerente del hotel, etc.")."""

    CUSTOMER_SERVICE = "customer_service"
    ADMINISTRATION = "administration"
    MANAGER = "manager"
    RESERVATIONS = "reservations"
    ACCOUNTING = "accounting"
    SALES = "sales"
    OTHER = "other"


def catalogue_code(value: object, field: str = "code") -> str:
    """A stable lower-case key (``sr``, ``vip_agencies``): a letter, then letters, digits,
    ``_`` or ``-``, 32 at most."""
    text = str(value or "").strip().lower()
    if not _CODE.match(text):
        raise InvalidValue(
            f"{value!r} is not a code (a letter, then up to 31 letters, digits, '_' or '-')",
            field=field,
        )
    return text


def postal_code(value: object, country: str, field: str = "postal_code") -> str:
    text = line(value, field, 12, required=True)
    assert text is not None
    text = text.upper()
    if country == "ES" and not _SPANISH_POSTAL_CODE.match(text):
        raise InvalidValue(
            f"{value!r} is not a Spanish postal code (5 digits, 01000-52999)", field=field
        )
    if not _POSTAL_CODE.match(text):
        raise InvalidValue(f"{value!r} is not a postal code", field=field)
    return text


# --- values of the account ------------------------------------------------------------------------


@attrs.frozen
class Address:
    """A postal address of the client; ``name`` says whose or which (``Oficina central``)."""

    id: UUID
    name: str
    line1: str
    city: str
    country: str
    postal_code: str
    line2: str | None = None
    default_billing: bool = False
    default_shipping: bool = False

    @classmethod
    def parse(cls, raw: object, *, address_id: UUID, field: str = "address") -> Address:
        """From an input object or a mapping with ``name``, ``line1``, ``line2``, ``city``,
        ``country``, ``postal_code``, ``default_billing``, ``default_shipping``; every bad
        part is reported as ``<field>.<part>``."""
        country_raw = pick(raw, "country")
        parts = collect(
            {
                "name": lambda: line(pick(raw, "name"), f"{field}.name", 120, required=True),
                "line1": lambda: line(pick(raw, "line1"), f"{field}.line1", 200, required=True),
                "line2": lambda: line(pick(raw, "line2"), f"{field}.line2", 200),
                "city": lambda: line(pick(raw, "city"), f"{field}.city", 100, required=True),
                "country": lambda: country_code(country_raw, field=f"{field}.country"),
            }
        )
        code = postal_code(pick(raw, "postal_code"), parts["country"], f"{field}.postal_code")
        return cls(
            address_id,
            parts["name"],
            parts["line1"],
            parts["city"],
            parts["country"],
            code,
            parts["line2"],
            bool(pick(raw, "default_billing", False)),
            bool(pick(raw, "default_shipping", False)),
        )


@attrs.frozen
class ContactAccount:
    """A person to reach at the client for one role, by e-mail and/or phone."""

    id: UUID
    role: ContactRole
    name: str
    email: Email | None = None
    phone: Phone | None = None
    title_id: UUID | None = None

    @classmethod
    def parse(
        cls,
        raw: object,
        *,
        contact_id: UUID,
        region: str | None,
        title_id: UUID | None = None,
        field: str = "contact",
    ) -> ContactAccount:
        """From an input object or a mapping with ``role``, ``name``, ``email``, ``phone``; an
        e-mail or a phone is needed. ``region`` (the client's country) reads phones written
        without their prefix; ``title_id`` is checked by the caller."""
        email, phone = pick(raw, "email"), pick(raw, "phone")
        parts = collect(
            {
                "role": lambda: choice(pick(raw, "role"), ContactRole, f"{field}.role"),
                "name": lambda: line(pick(raw, "name"), f"{field}.name", 120, required=True),
                "email": lambda: (
                    None if is_empty(email) else Email.parse(str(email), field=f"{field}.email")
                ),
                "phone": lambda: (
                    None
                    if is_empty(phone)
                    else Phone.parse(str(phone), default_region=region, field=f"{field}.phone")
                ),
            }
        )
        if parts["email"] is None and parts["phone"] is None:
            raise InvalidValue(
                "give an e-mail or a phone to reach the contact", field=f"{field}.email"
            )
        return cls(
            contact_id, parts["role"], parts["name"], parts["email"], parts["phone"], title_id
        )


# --- the catalogues -------------------------------------------------------------------------------


@attrs.define(eq=False)
class Title:
    """A form of address (``Sr.``, ``Sra.``, ``Dr.`` ...) of the managed catalogue; ``code`` is
    unique. An inactive title stays on whoever has it but cannot be given anew."""

    id: UUID
    code: str
    label: str
    active: bool = True
    version: int = 0
    events: list[object] = attrs.field(factory=list, repr=False)

    @classmethod
    def create(cls, *, title_id: UUID, code: str, label: str, now: datetime, actor: str) -> Title:
        title = cls(title_id, catalogue_code(code), _label(label))
        title.events.append(TitleCreated(title_id, now, actor, title.code, title.label))
        return title

    def change(self, changes: Mapping[str, Any], *, now: datetime, actor: str) -> tuple[str, ...]:
        """Apply ``code``, ``label`` and/or ``active``; returns what changed."""
        values: dict[str, Any] = {}
        if "code" in changes:
            values["code"] = catalogue_code(changes["code"])
        if "label" in changes:
            values["label"] = _label(changes["label"])
        if "active" in changes:
            values["active"] = bool(changes["active"])
        changed = tuple(
            f for f in ("code", "label", "active") if f in values and values[f] != getattr(self, f)
        )
        for field in changed:
            setattr(self, field, values[field])
        if changed:
            self.events.append(TitleChanged(self.id, now, actor, changed))
        return changed

    def delete(self, *, accounts: int, contacts: int, now: datetime, actor: str) -> None:
        """Record the deletion; refused (naming ``title_id``, with the counts in its details)
        while customer accounts or contact accounts have the title."""
        in_use = accounts + contacts
        if in_use:
            refusal = PreconditionFailed(
                f"title {self.label} is in use by {accounts} customer accounts and {contacts} "
                "contacts; give them another title first, or deactivate this one",
                field="title_id",
            )
            refusal.details.update(in_use=in_use, accounts=accounts, contacts=contacts)
            raise refusal
        self.events.append(TitleDeleted(self.id, now, actor, self.code))


def _label(value: object) -> str:
    text = line(value, "label", 40, required=True)
    assert text is not None
    return text


@attrs.define(eq=False)
class CustomerGroup:
    """A group of customers with a discount (percent, 0 to 100). The three default groups
    (``system``) cannot be deleted nor change their code; a group with members cannot be
    deleted."""

    id: UUID
    code: str
    name: str
    discount_pct: Decimal = Decimal("0.00")
    system: bool = False
    version: int = 0
    events: list[object] = attrs.field(factory=list, repr=False)

    @classmethod
    def create(
        cls,
        *,
        group_id: UUID,
        code: str,
        name: str,
        discount_pct: object,
        now: datetime,
        actor: str,
    ) -> CustomerGroup:
        group = cls(
            group_id,
            catalogue_code(code),
            _group_name(name),
            percentage(discount_pct, "discount_pct"),
        )
        group.events.append(
            CustomerGroupCreated(group_id, now, actor, group.code, group.name, group.discount_pct)
        )
        return group

    def change(self, changes: Mapping[str, Any], *, now: datetime, actor: str) -> tuple[str, ...]:
        """Apply ``name`` and/or ``discount_pct``; returns what changed."""
        values: dict[str, Any] = {}
        if "name" in changes:
            values["name"] = _group_name(changes["name"])
        if "discount_pct" in changes:
            values["discount_pct"] = percentage(changes["discount_pct"], "discount_pct")
        changed = tuple(
            f for f in ("name", "discount_pct") if f in values and values[f] != getattr(self, f)
        )
        for field in changed:
            setattr(self, field, values[field])
        if changed:
            self.events.append(
                CustomerGroupChanged(self.id, now, actor, changed, self.discount_pct)
            )
        return changed

    def delete(self, *, members: int, now: datetime, actor: str) -> None:
        """Record the deletion; refused for a default group and while it has members."""
        if self.system:
            raise PreconditionFailed(
                f"{self.name} is a default customer group and cannot be deleted",
                field="group_id",
            )
        if members:
            refusal = PreconditionFailed(
                f"customer group {self.name} has {members} members; move them to another group "
                "first",
                field="group_id",
            )
            refusal.details["members"] = members
            raise refusal
        self.events.append(CustomerGroupDeleted(self.id, now, actor, self.code))


def _group_name(value: object) -> str:
    text = line(value, "name", 80, required=True)
    assert text is not None
    return text


# Fixed ids, the same in every installation: the SQL migration inserts these rows.
VISITOR_GROUP_ID = UUID("00000000-0000-4000-8000-00000000b001")
GUEST_GROUP_ID = UUID("00000000-0000-4000-8000-00000000b002")
CUSTOMER_GROUP_ID = UUID("00000000-0000-4000-8000-00000000b003")
DEFAULT_GROUP_ID = CUSTOMER_GROUP_ID
"""The group of a client without a customer account, and of a new account."""

DEFAULT_GROUPS: tuple[CustomerGroup, ...] = (
    CustomerGroup(VISITOR_GROUP_ID, "visitor", "Visitor", system=True, version=1),
    CustomerGroup(GUEST_GROUP_ID, "guest", "Guest", system=True, version=1),
    CustomerGroup(CUSTOMER_GROUP_ID, "customer", "Customer", system=True, version=1),
)
"""Visitante (no customer account, or not signed in), Invitado (ordered as a guest), Cliente
(created an account). Copy before changing one: these are the catalogue's first rows."""

DEFAULT_TITLES: tuple[Title, ...] = (
    Title(UUID("00000000-0000-4000-8000-00000000a001"), "sr", "Sr.", version=1),
    Title(UUID("00000000-0000-4000-8000-00000000a002"), "sra", "Sra.", version=1),
    Title(UUID("00000000-0000-4000-8000-00000000a003"), "srta", "Srta.", version=1),
    Title(UUID("00000000-0000-4000-8000-00000000a004"), "dr", "Dr.", version=1),
    Title(UUID("00000000-0000-4000-8000-00000000a005"), "dra", "Dra.", version=1),
)
"""The titles every installation starts with (the SQL migration inserts them). Copy before
changing one."""


# --- the aggregate --------------------------------------------------------------------------------


@attrs.define(eq=False)
class CustomerAccount:
    """The customer section of one lead or client (``client_id``). ``version`` guards edits;
    0 means not stored yet."""

    client_id: UUID
    created_at: datetime
    updated_at: datetime
    group_id: UUID = DEFAULT_GROUP_ID
    title_id: UUID | None = None
    manager_id: UUID | None = None
    addresses: tuple[Address, ...] = ()
    contacts: tuple[ContactAccount, ...] = ()
    last_contact_at: datetime | None = None
    whatsapp_consent: bool = False
    """Whether the client agreed to be messaged on WhatsApp by campaigns (explicit data:
    false until recorded)."""
    survey_answers: dict[str, str] = attrs.field(factory=dict)
    """The latest answer to each survey question (the client record's fields)."""
    version: int = 0
    events: list[object] = attrs.field(factory=list, repr=False)

    def record_whatsapp_consent(self, given: bool, *, now: datetime) -> None:
        self.whatsapp_consent = given
        self.updated_at = now

    def record_survey_answers(self, answers: tuple[tuple[str, str], ...], *, now: datetime) -> None:
        """Consolidate a survey's answers (a later answer replaces an earlier one); the
        answer is also an interaction (``last_contact_at``)."""
        self.survey_answers = {**self.survey_answers, **dict(answers)}
        self.last_contact_at = max(self.last_contact_at or now, now)
        self.updated_at = now

    @classmethod
    def blank(cls, client_id: UUID, now: datetime) -> CustomerAccount:
        """What a client without a stored account has: the defaults (nothing announced)."""
        return cls(client_id, now, now)

    @classmethod
    def open(cls, *, client_id: UUID, now: datetime, actor: str) -> CustomerAccount:
        """The account of its first write."""
        account = cls(client_id, now, now)
        account.events.append(CustomerAccountOpened(client_id, now, actor, account.group_id))
        return account

    @property
    def is_stored(self) -> bool:
        return self.version > 0

    @property
    def default_billing_address(self) -> Address | None:
        return next((a for a in self.addresses if a.default_billing), None)

    @property
    def default_shipping_address(self) -> Address | None:
        return next((a for a in self.addresses if a.default_shipping), None)

    def uses_title(self, title_id: UUID) -> int:
        """How many times the account uses the title: itself and its contacts."""
        own = 1 if self.title_id == title_id else 0
        return own + sum(1 for c in self.contacts if c.title_id == title_id)

    # --- the client's title and group -----------------------------------------------------

    def change(self, changes: Mapping[str, Any], *, now: datetime, actor: str) -> tuple[str, ...]:
        """Set ``title_id`` (``None`` clears it) and/or ``group_id`` (the services check they
        exist and the title is active); returns what changed."""
        unknown = sorted(set(changes) - {"title_id", "group_id"})
        if unknown:
            raise InvalidValue("is not a field of a customer account", field=unknown[0])
        if "group_id" in changes and changes["group_id"] is None:
            raise InvalidValue("every customer belongs to a group", field="group_id")
        changed = tuple(
            f for f in ("title_id", "group_id") if f in changes and changes[f] != getattr(self, f)
        )
        for field in changed:
            setattr(self, field, changes[field])
        if changed:
            self._updated(now, actor, changed)
        return changed

    def assign_manager(
        self,
        manager_id: UUID | None,
        *,
        reason: str,
        now: datetime,
        actor: str,
        order_id: UUID | None = None,
    ) -> bool:
        """Record the client's account manager (the services check it is active and apply the
        assignment rules); returns whether it changed."""
        if manager_id == self.manager_id:
            return False
        previous = self.manager_id
        self.manager_id = manager_id
        self.updated_at = now
        self.events.append(
            CustomerManagerAssigned(
                self.client_id, now, actor, manager_id, previous, reason, order_id
            )
        )
        return True

    def record_contact(self, at: datetime) -> bool:
        """The client was in touch at ``at``; only a later time moves ``last_contact_at``."""
        if self.last_contact_at is not None and at <= self.last_contact_at:
            return False
        self.last_contact_at = at
        return True

    # --- addresses -----------------------------------------------------------------------

    def add_address(self, address: Address, *, now: datetime, actor: str) -> None:
        """Add an address; if it is a default, the previous default stops being one."""
        if len(self.addresses) >= MAX_ADDRESSES:
            raise InvalidValue(f"a client has at most {MAX_ADDRESSES} addresses", field="addresses")
        if any(a.id == address.id for a in self.addresses):
            raise InvalidValue(f"address {address.id} already exists", field="address_id")
        self.addresses = _with_defaults((*self.addresses, address), address)
        self._updated(now, actor, ("addresses",), address.id, "added")

    def replace_address(self, address: Address, *, now: datetime, actor: str) -> bool:
        """Replace the address with the same id; returns whether it changed."""
        current = self.address(address.id)
        if current == address:
            return False
        replaced = tuple(address if a.id == address.id else a for a in self.addresses)
        self.addresses = _with_defaults(replaced, address)
        self._updated(now, actor, ("addresses",), address.id, "changed")
        return True

    def remove_address(self, address_id: UUID, *, now: datetime, actor: str) -> None:
        """Remove an address; a default one leaves no default of its kind."""
        self.address(address_id)
        self.addresses = tuple(a for a in self.addresses if a.id != address_id)
        self._updated(now, actor, ("addresses",), address_id, "removed")

    def address(self, address_id: UUID) -> Address:
        found = next((a for a in self.addresses if a.id == address_id), None)
        if found is None:
            raise NotFound("address", address_id)
        return found

    # --- contacts ------------------------------------------------------------------------

    def add_contact(self, contact: ContactAccount, *, now: datetime, actor: str) -> None:
        if len(self.contacts) >= MAX_CONTACTS:
            raise InvalidValue(f"a client has at most {MAX_CONTACTS} contacts", field="contacts")
        if any(c.id == contact.id for c in self.contacts):
            raise InvalidValue(f"contact {contact.id} already exists", field="contact_id")
        self.contacts = (*self.contacts, contact)
        self._updated(now, actor, ("contacts",), contact.id, "added")

    def replace_contact(self, contact: ContactAccount, *, now: datetime, actor: str) -> bool:
        if self.contact(contact.id) == contact:
            return False
        self.contacts = tuple(contact if c.id == contact.id else c for c in self.contacts)
        self._updated(now, actor, ("contacts",), contact.id, "changed")
        return True

    def remove_contact(self, contact_id: UUID, *, now: datetime, actor: str) -> None:
        self.contact(contact_id)
        self.contacts = tuple(c for c in self.contacts if c.id != contact_id)
        self._updated(now, actor, ("contacts",), contact_id, "removed")

    def contact(self, contact_id: UUID) -> ContactAccount:
        found = next((c for c in self.contacts if c.id == contact_id), None)
        if found is None:
            raise NotFound("contact", contact_id)
        return found

    def contacts_by_role(self, role: ContactRole) -> tuple[ContactAccount, ...]:
        return tuple(c for c in self.contacts if c.role is role)

    def _updated(
        self,
        now: datetime,
        actor: str,
        changed: tuple[str, ...],
        item_id: UUID | None = None,
        action: str | None = None,
    ) -> None:
        self.updated_at = now
        self.events.append(
            CustomerAccountUpdated(self.client_id, now, actor, changed, item_id, action)
        )


def _with_defaults(addresses: Sequence[Address], chosen: Address) -> tuple[Address, ...]:
    """``chosen`` keeps its default flags; the other addresses lose the ones it takes."""
    return tuple(
        a
        if a.id == chosen.id
        else attrs.evolve(
            a,
            default_billing=a.default_billing and not chosen.default_billing,
            default_shipping=a.default_shipping and not chosen.default_shipping,
        )
        for a in addresses
    )
