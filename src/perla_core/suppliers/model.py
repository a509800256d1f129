"""The SupplierRequest aggregate: everything the Suppliers team needs to create a hotel as a
supplier in Dome ("alta de proveedor"), and its way to them by e-mail.

An agent describes the hotel (asset of type Hotel) in five sections (identity, administrative,
fiscal, banking, commercial); a confident match in the hotel directory pre-fills what other
suppliers already told us, without overwriting anything the agent wrote. The request is
*draft* while something the Suppliers team needs is missing (:meth:`SupplierRequest.missing`
says exactly what, by section) and *ready* once complete; an edit moves it between the two.

Sending is asynchronous: :meth:`~SupplierRequest.request_send` makes it *sending* and raises
``SupplierRequestSendRequested``, which the outbox turns into one e-mail to the suppliers
address (Message-ID ``<supplier-request.<id>@perla>``, the same for every send, so a retried
delivery is recognisable as the same message); the handler then marks it *sent*. The Suppliers
team answers with the Dome supplier code (*acknowledged*, final) or a reason (*rejected*).

Edits are possible while draft, ready or rejected: a rejected request is corrected and sent
again (an edit brings it back to draft or ready). Sending and sent requests are with the
Suppliers team and stay as sent. Any request not yet acknowledged can be cancelled; the
cancellation says whether the Suppliers team may already have the e-mail.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

import attrs

from perla_core.kernel.errors import IllegalTransition, InvalidValue, PreconditionFailed, invalid
from perla_core.kernel.text import fold
from perla_core.kernel.values import Email, Phone, TaxId
from perla_core.suppliers.events import (
    SupplierRequestAcknowledged,
    SupplierRequestCancelled,
    SupplierRequestCreated,
    SupplierRequestRejected,
    SupplierRequestSendRequested,
    SupplierRequestSent,
    SupplierRequestUpdated,
)
from perla_core.suppliers.fields import (
    DETAIL_FIELDS,
    INPUT_FIELDS,
    OPTIONAL_FIELDS,
    RATE_FIELD,
    REQUIRED_CONTACT_ROLES,
    SECTION_FIELDS,
    Section,
    read_fields,
)
from perla_core.suppliers.values import (
    Bic,
    ContractType,
    Coordinates,
    HotelContact,
    Iban,
    PaymentTerms,
    VatRegime,
    is_empty,
    line,
)


class SupplierRequestStatus(StrEnum):
    DRAFT = "draft"
    READY = "ready"
    SENDING = "sending"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


_S = SupplierRequestStatus

# action -> {from status: to status}. Draft and ready follow from completeness after each edit.
SUPPLIER_REQUEST_TRANSITIONS: dict[str, dict[SupplierRequestStatus, SupplierRequestStatus]] = {
    "request_send": {_S.READY: _S.SENDING, _S.SENT: _S.SENDING, _S.REJECTED: _S.SENDING},
    "mark_sent": {_S.SENDING: _S.SENT},
    "acknowledge": {_S.SENDING: _S.ACKNOWLEDGED, _S.SENT: _S.ACKNOWLEDGED},
    "reject": {_S.SENDING: _S.REJECTED, _S.SENT: _S.REJECTED},
    "cancel": dict.fromkeys((_S.DRAFT, _S.READY, _S.SENDING, _S.SENT, _S.REJECTED), _S.CANCELLED),
}
EDITABLE_STATUSES: frozenset[SupplierRequestStatus] = frozenset({_S.DRAFT, _S.READY, _S.REJECTED})

MAX_REASON = 1000
MAX_REF = 200
_DOME_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$")
_SPANISH_POSTAL_CODE = re.compile(r"^(0[1-9]|[1-4][0-9]|5[0-2])[0-9]{3}$")
_CANARY_PROVINCES = ("35", "38")  # Las Palmas, Santa Cruz de Tenerife


def message_id_for(request_id: UUID) -> str:
    """The Message-ID of every e-mail about the request, resends included."""
    return f"<supplier-request.{request_id}@perla>"


def short_reference(request_id: UUID) -> str:
    """Eight characters to quote in a subject or on the phone. Taken from the end of the id,
    which is its random part (time-ordered ids share their beginning)."""
    return request_id.hex[-8:].upper()


@attrs.frozen
class Observation:
    """Something unusual the Suppliers team should know, which does not stop the request (an
    IBAN of another country, an account holder who is not the company ...). ``message`` is
    in Spanish, for them."""

    code: str
    field: str
    message: str


@attrs.frozen
class Completeness:
    """What the Suppliers team still needs, by section (empty when the request is complete),
    and the observations they will read with it."""

    request_id: UUID
    status: SupplierRequestStatus
    missing: Mapping[Section, tuple[str, ...]]
    observations: tuple[Observation, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def missing_fields(self) -> tuple[str, ...]:
        return tuple(f for fields in self.missing.values() for f in fields)


@attrs.frozen
class Prefill:
    """What a hotel match did to a request: ``filled`` were empty and took the record's value;
    ``kept`` already had a value and were left alone; ``invalid`` are record values refused
    (field -> why); ``ignored`` are keys of the record that are not request fields."""

    filled: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()
    invalid: Mapping[str, str] = attrs.field(factory=dict)
    ignored: tuple[str, ...] = ()


def describe_missing(missing: Mapping[Section, tuple[str, ...]]) -> str:
    """``identity: stars, coordinates; banking: iban``."""
    return "; ".join(f"{section}: {', '.join(fields)}" for section, fields in missing.items())


@attrs.define(eq=False)
class SupplierRequest:
    """A request to create a hotel as a supplier in Dome. Identity by ``id``; ``version``
    guards edits."""

    id: UUID
    name: str
    created_at: datetime
    updated_at: datetime
    created_by: str
    # identity
    chain: str | None = None
    stars: int | None = None
    address: str | None = None
    city: str | None = None
    postal_code: str | None = None
    country: str | None = None
    coordinates: Coordinates | None = None
    phone: Phone | None = None
    email: Email | None = None
    website: str | None = None
    # administrative
    legal_name: str | None = None
    tax_id: TaxId | None = None
    # fiscal
    vat_regime: VatRegime | None = None
    # banking
    iban: Iban | None = None
    bic: Bic | None = None
    account_holder: str | None = None
    # commercial
    contract_type: ContractType | None = None
    commission_pct: Decimal | None = None
    markup_pct: Decimal | None = None
    payment_terms: PaymentTerms | None = None
    release_days: int | None = None
    cancellation_policy: str | None = None
    contacts: tuple[HotelContact, ...] = ()
    # where the data came from and where the request is
    matched_hotel_ref: str | None = None
    status: SupplierRequestStatus = SupplierRequestStatus.DRAFT
    suppliers_address: str | None = None
    send_count: int = 0
    send_requested_at: datetime | None = None
    send_requested_by: str | None = None
    sent_at: datetime | None = None
    dome_supplier_code: str | None = None
    acknowledged_at: datetime | None = None
    rejection_reason: str | None = None
    rejected_at: datetime | None = None
    cancellation_reason: str | None = None
    cancelled_at: datetime | None = None
    version: int = 0
    events: list[object] = attrs.field(factory=list, repr=False)

    # --- creation ---------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        *,
        request_id: UUID,
        name: str,
        now: datetime,
        actor: str,
        matched_hotel_ref: str | None = None,
        **details: Any,
    ) -> SupplierRequest:
        """A new request from a partial description of the hotel (validated details, by
        detail field); draft or ready as complete as it is."""
        request = cls(
            id=request_id,
            name=name,
            created_at=now,
            updated_at=now,
            created_by=actor,
            matched_hotel_ref=_ref(matched_hotel_ref),
        )
        _refuse_unknown(details)
        problems = _problems({**request.details(), **details})
        if problems:
            raise invalid(problems)
        for field, value in details.items():
            setattr(request, field, value)
        request._settle()
        request.events.append(
            SupplierRequestCreated(
                request.id,
                now,
                actor,
                request.name,
                request.city,
                request.country,
                request.status.value,
                request.matched_hotel_ref,
            )
        )
        return request

    # --- reading ----------------------------------------------------------------------

    @property
    def message_id(self) -> str:
        return message_id_for(self.id)

    @property
    def reference(self) -> str:
        return short_reference(self.id)

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def awaiting_delivery(self) -> bool:
        """Whether the outbox handler should (still) e-mail the request."""
        return self.status is SupplierRequestStatus.SENDING

    def details(self) -> dict[str, Any]:
        """The detail fields and their values, section by section."""
        return {f: getattr(self, f) for f in DETAIL_FIELDS}

    def missing(self) -> dict[Section, tuple[str, ...]]:
        """What the Suppliers team needs and the request lacks, by section, in the order of
        :data:`SECTION_FIELDS`; sections with nothing missing are left out. Contacts are named
        by role (``contacts.reservations``); the commission or markup only once the contract
        type says which one applies."""
        found: dict[Section, tuple[str, ...]] = {}
        for section, fields in SECTION_FIELDS.items():
            lacking: list[str] = []
            for field in fields:
                if field == "contacts":
                    roles = {c.role for c in self.contacts}
                    lacking += [f"contacts.{r}" for r in REQUIRED_CONTACT_ROLES if r not in roles]
                elif field in RATE_FIELD.values():
                    if self.contract_type and RATE_FIELD[self.contract_type] == field:
                        lacking += [field] if getattr(self, field) is None else []
                elif field not in OPTIONAL_FIELDS and is_empty(getattr(self, field)):
                    lacking.append(field)
            if lacking:
                found[section] = tuple(lacking)
        return found

    @property
    def is_complete(self) -> bool:
        return not self.missing()

    def completeness(self) -> Completeness:
        return Completeness(self.id, self.status, self.missing(), self.observations())

    def observations(self) -> tuple[Observation, ...]:
        """What the Suppliers team should double-check; none of it stops the request."""
        found: list[Observation] = []
        if self.iban and self.country and self.iban.country != self.country:
            found.append(
                Observation(
                    "iban_country_differs",
                    "iban",
                    f"La cuenta bancaria es de {self.iban.country} y el hotel está en "
                    f"{self.country}.",
                )
            )
        if self.iban and self.bic and self.iban.country != self.bic.country:
            found.append(
                Observation(
                    "bic_country_differs",
                    "bic",
                    f"El BIC es de {self.bic.country} y el IBAN de {self.iban.country}.",
                )
            )
        if self.tax_id and self.country and self.tax_id.country != self.country:
            found.append(
                Observation(
                    "tax_id_country_differs",
                    "tax_id",
                    f"El identificador fiscal es de {self.tax_id.country} y el hotel está en "
                    f"{self.country}.",
                )
            )
        if (
            self.account_holder
            and self.legal_name
            and _comparable(self.account_holder) != _comparable(self.legal_name)
        ):
            found.append(
                Observation(
                    "account_holder_differs",
                    "account_holder",
                    f"El titular de la cuenta ({self.account_holder}) no coincide con la razón "
                    f"social ({self.legal_name}).",
                )
            )
        canary = self.country == "ES" and (self.postal_code or "").startswith(_CANARY_PROVINCES)
        if canary and self.vat_regime not in (None, VatRegime.IGIC):
            found.append(
                Observation(
                    "canary_islands_igic",
                    "vat_regime",
                    "El hotel está en Canarias, donde se aplica el IGIC en lugar del IVA.",
                )
            )
        if self.vat_regime is VatRegime.IGIC and self.country and not canary:
            found.append(
                Observation(
                    "igic_outside_canary_islands",
                    "vat_regime",
                    "El IGIC solo se aplica en Canarias y el hotel no está allí.",
                )
            )
        return tuple(found)

    def allowed_actions(self) -> list[str]:
        moves = [a for a, t in SUPPLIER_REQUEST_TRANSITIONS.items() if self.status in t]
        edits = ["prefill", "update"] if self.is_editable else []
        return sorted(moves + edits)

    # --- editing ----------------------------------------------------------------------

    def change_details(
        self, changes: Mapping[str, Any], *, now: datetime, actor: str
    ) -> tuple[str, ...]:
        """Apply validated changes (by detail field); returns the fields that changed, which
        the event names without their values. A rejected request edited goes back to draft or
        ready, to be sent again."""
        self._require_editable("update")
        _refuse_unknown(changes)
        changed = tuple(f for f in DETAIL_FIELDS if f in changes and changes[f] != getattr(self, f))
        if not changed:
            return ()
        update = {f: changes[f] for f in changed}
        problems = _problems({**self.details(), **update})
        if problems:
            raise invalid(problems)
        self._apply(update, now=now, actor=actor, source=None)
        return changed

    def prefill_from(
        self,
        record_fields: Mapping[str, Any],
        *,
        now: datetime,
        actor: str,
        hotel_ref: str | None = None,
    ) -> Prefill:
        """Fill the fields still empty from a confident hotel-directory match; never
        overwrites a value already there.

        ``record_fields`` holds primitives by input field (``name``, ``address``, ``city``,
        ``latitude``, ``longitude``, ``phone``, ``chain``, ``stars``, ``iban`` ...), as the
        directory stores them; a value that does not validate is skipped and reported, so one
        supplier's bad data never blocks the request. ``hotel_ref`` (the directory's id of the
        hotel) is kept as ``matched_hotel_ref`` unless the request already names one.
        """
        self._require_editable("prefill")
        ignored = tuple(k for k in record_fields if k not in INPUT_FIELDS)
        given = {
            k: v for k, v in record_fields.items() if k in INPUT_FIELDS and not _blank_input(v)
        }
        values, errors = read_fields(given, country=self.country)
        refused = {str(e.field): e.message for e in errors}
        offered = {f: v for f, v in values.items() if not is_empty(v)}
        kept = [f for f in offered if not is_empty(getattr(self, f))]
        fill = {f: v for f, v in offered.items() if f not in kept}
        while fill:
            problems = _problems({**self.details(), **fill})
            clashing = {f: m for f, m in problems.items() if f in fill}
            if not clashing:
                break
            for field, message in clashing.items():
                del fill[field]
                refused[field] = message
        ref = _ref(hotel_ref)
        if ref is not None and self.matched_hotel_ref not in (None, ref):
            kept.append("matched_hotel_ref")
        filled = tuple(f for f in DETAIL_FIELDS if f in fill)
        if ref is not None and self.matched_hotel_ref is None:
            self.matched_hotel_ref = ref
            filled += ("matched_hotel_ref",)
        if filled:
            self._apply(fill, now=now, actor=actor, source="prefill", changed=filled)
        return Prefill(filled, tuple(kept), refused, ignored)

    def _apply(
        self,
        values: Mapping[str, Any],
        *,
        now: datetime,
        actor: str,
        source: str | None,
        changed: tuple[str, ...] | None = None,
    ) -> None:
        for field, value in values.items():
            setattr(self, field, value)
        self.updated_at = now
        self._settle()
        self.events.append(
            SupplierRequestUpdated(
                self.id,
                now,
                actor,
                changed if changed is not None else tuple(values),
                self.status.value,
                source,
            )
        )

    def _settle(self) -> None:
        if self.is_editable:
            self.status = _S.READY if self.is_complete else _S.DRAFT

    def _require_editable(self, action: str) -> None:
        if not self.is_editable:
            raise IllegalTransition(
                "supplier request", self.status.value, action, allowed=self.allowed_actions()
            )

    # --- lifecycle ----------------------------------------------------------------------

    def request_send(self, suppliers_address: str, *, now: datetime, actor: str) -> None:
        """Queue the e-mail to the Suppliers team through the outbox; refused with what is
        missing while the request is incomplete. A sent or rejected request may be sent
        again: the same Message-ID, a new ``send_number``."""
        if self.is_editable or self.status is _S.SENT:
            missing = self.missing()
            if missing:
                refusal = PreconditionFailed(
                    "the supplier request cannot be sent until it is complete; missing "
                    + describe_missing(missing),
                    missing=[f for fields in missing.values() for f in fields],
                )
                refusal.details["missing_by_section"] = {
                    s.value: list(fields) for s, fields in missing.items()
                }
                raise refusal
        target = self._target("request_send")
        address = Email.parse(suppliers_address, field="suppliers_address").value
        self.status = target
        self.suppliers_address = address
        self.send_count += 1
        self.send_requested_at = now
        self.send_requested_by = actor
        self.updated_at = now
        self.events.append(
            SupplierRequestSendRequested(
                self.id, now, actor, address, self.message_id, self.send_count
            )
        )

    def mark_sent(self, *, now: datetime, actor: str, send_number: int | None = None) -> bool:
        """The e-mail left for the Suppliers team; returns whether this changed anything.

        Called by the outbox handler, so it never refuses: outside *sending*, or for an
        earlier send than the last one requested, it changes nothing (a redelivered message,
        or a request cancelled, acknowledged or rejected meanwhile).
        """
        if self.status is not _S.SENDING or send_number not in (None, self.send_count):
            return False
        assert self.suppliers_address is not None
        self.status = _S.SENT
        self.sent_at = now
        self.updated_at = now
        self.events.append(
            SupplierRequestSent(
                self.id, now, actor, self.suppliers_address, self.message_id, self.send_count
            )
        )
        return True

    def acknowledge(self, dome_supplier_code: str, *, now: datetime, actor: str) -> bool:
        """The Suppliers team created the supplier in Dome with this code. Acknowledging again
        with the same code changes nothing (returns ``False``)."""
        code = _dome_code(dome_supplier_code)
        if self.status is _S.ACKNOWLEDGED and self.dome_supplier_code == code:
            return False
        self.status = self._target("acknowledge")
        self.dome_supplier_code = code
        self.acknowledged_at = now
        self.updated_at = now
        self.events.append(SupplierRequestAcknowledged(self.id, now, actor, code))
        return True

    def reject(self, reason: str, *, now: datetime, actor: str) -> None:
        """The Suppliers team cannot create the supplier as sent; the request can be corrected
        and sent again."""
        text = _reason(reason, required=True)
        assert text is not None
        self.status = self._target("reject")
        self.rejection_reason = text
        self.rejected_at = now
        self.updated_at = now
        self.events.append(SupplierRequestRejected(self.id, now, actor, text))

    def cancel(self, *, now: datetime, actor: str, reason: str | None = None) -> None:
        """Withdraw the request (not once acknowledged: the supplier then exists in Dome)."""
        text = _reason(reason, required=False)
        before = self.status
        self.status = self._target("cancel")
        self.cancellation_reason = text
        self.cancelled_at = now
        self.updated_at = now
        self.events.append(SupplierRequestCancelled(self.id, now, actor, before.value, text))

    def _target(self, action: str) -> SupplierRequestStatus:
        target = SUPPLIER_REQUEST_TRANSITIONS[action].get(self.status)
        if target is None:
            raise IllegalTransition(
                "supplier request", self.status.value, action, allowed=self.allowed_actions()
            )
        return target


# --- rules across fields ----------------------------------------------------------------------


def _problems(view: Mapping[str, Any]) -> dict[str, str]:
    """Rules that tie fields together, as ``{field: message}`` for the values in ``view``."""
    found: dict[str, str] = {}
    if is_empty(view.get("name")):
        found["name"] = "is required"
    contract = view.get("contract_type")
    if contract is ContractType.NET and view.get("commission_pct") is not None:
        found["commission_pct"] = "a net contract has a markup, not a commission"
    if contract is ContractType.COMMISSION and view.get("markup_pct") is not None:
        found["markup_pct"] = "a commission contract has a commission, not a markup"
    postal = view.get("postal_code")
    if view.get("country") == "ES" and postal and not _SPANISH_POSTAL_CODE.match(postal):
        found["postal_code"] = f"{postal!r} is not a Spanish postal code (5 digits, 01000-52999)"
    return found


def _refuse_unknown(values: Mapping[str, Any]) -> None:
    unknown = sorted(set(values) - set(DETAIL_FIELDS))
    if unknown:
        raise invalid(dict.fromkeys(unknown, "is not a field of a supplier request"))


def _blank_input(value: object) -> bool:
    return is_empty(value) or (isinstance(value, str) and not value.strip()) or value == []


def _comparable(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", fold(name))


def _ref(value: str | None) -> str | None:
    return line(value, "matched_hotel_ref", MAX_REF)


def _reason(value: str | None, *, required: bool) -> str | None:
    text = (value or "").strip()
    if required and not text:
        raise InvalidValue("say why the Suppliers team rejected the request", field="reason")
    if len(text) > MAX_REASON:
        raise InvalidValue(f"is longer than {MAX_REASON} characters", field="reason")
    return text or None


def _dome_code(value: str | None) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidValue(
            "the Dome supplier code the Suppliers team gave the hotel is required",
            field="dome_supplier_code",
        )
    if not _DOME_CODE.match(text):
        raise InvalidValue(
            f"{value!r} is not a Dome supplier code (1 to 40 letters, digits, '.', '_', '/' "
            "or '-')",
            field="dome_supplier_code",
        )
    return text
