"""Export and erase everything perla holds about one person (GDPR art. 15, 17 and 20; Ley
25.326 art. 14 and 16), and the retention of raw WhatsApp messages.

A person is found by one identifier (:mod:`perla_core.privacy.identifiers`) in:

- clients: as the party (the client's own e-mail, phone or tax id: a private buyer) or as one
  of its contacts; and the contacts of the customer accounts;
- inquiries, where they are the guest;
- their WhatsApp conversation, the webhook events received from their number, the campaign
  recipients sent to it and the opt-out registry;
- the orders and the billing documents of the clients they are the party of, and the billing
  documents issued to their tax id;
- the assistant's conversations they opened (an e-mail that is a staff member's name).

Erasure anonymises or deletes what the law lets perla erase and keeps what invoices require:
the billing documents and the party's name, tax id and billing address printed on them
(Spain: six years, Código de Comercio art. 30 and Ley General Tributaria art. 66, which GDPR
art. 17(3)(b) honours; Argentina: ten years, Ley 11.683 / AFIP RG 1415, which Ley 25.326
art. 16(5) honours). The result says what was kept and why. An opted-out number stays
suppressed by its hash. Both use cases are one transaction each, need the ``administer``
permission, and leave an audit event (:mod:`perla_core.privacy.events`) that names the person
only by the identifier's hash.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any, Final
from uuid import UUID

import attrs

from perla_core.access.model import Actor, Permission
from perla_core.conversations.model import Conversation, ConversationMessage
from perla_core.customers.model import CustomerAccount
from perla_core.documents.model import BillingDocumentRecord
from perla_core.inquiries.model import Inquiry
from perla_core.inquiries.values import Guest
from perla_core.kernel.errors import InvalidValue
from perla_core.kernel.money import Money
from perla_core.kernel.pagination import PageRequest
from perla_core.kernel.ports import Clock, IdGenerator
from perla_core.kernel.values import Email, Phone, TaxId
from perla_core.messaging import MessageStatus
from perla_core.onboarding.model import Client
from perla_core.orders.model import Order
from perla_core.orders.ports import OrderQuery
from perla_core.outbox import messages_for
from perla_core.privacy.events import (
    PersonalDataErased,
    PersonalDataExported,
    RawMessagesBlanked,
)
from perla_core.privacy.identifiers import PersonIdentifier, digest, suppression_key
from perla_core.privacy.ports import PrivacyUnitOfWork

ERASED_NAME: Final = "Persona eliminada"
"""What an erased guest's or private buyer's name becomes (read by PerlaHub's staff)."""
ERASED_FAILURE: Final = "erased"
RETENTION_SUBJECT: Final = UUID("00000000-0000-5000-8000-000000000365")
"""The outbox timeline of the retention job's audit events."""
RETENTION_BATCH: Final = 100

KEPT_INVOICE: Final = (
    "Documento de facturación: se conserva (España: 6 años, Código de Comercio art. 30 y LGT "
    "art. 66, RGPD art. 17.3.b; Argentina: 10 años, Ley 11.683 y RG AFIP 1415, Ley 25.326 "
    "art. 16.5)."
)
KEPT_PARTY: Final = (
    "Nombre, identificación fiscal y dirección de facturación impresos en facturas emitidas: "
    "se conservan mientras dure la obligación de conservar las facturas."
)
KEPT_ORDER: Final = (
    "Pedido: registro contable de la venta, sin datos personales propios (solo la referencia "
    "al cliente); se conserva con las facturas."
)
KEPT_OPT_OUT: Final = (
    "Baja de campañas: se conserva solo el hash del número para seguir respetándola "
    "(RGPD art. 21; Ley 25.326 art. 27.3)."
)


# --- export ----------------------------------------------------------------------------------


@attrs.frozen
class PersonalDataExport:
    """Everything found about the person, by area, as JSON-ready values (:meth:`to_json`)."""

    identifier_kind: str
    subject_hash: str
    generated_at: datetime
    sections: Mapping[str, list[Any]]

    def to_json(self) -> dict[str, Any]:
        return {
            "identifier_kind": self.identifier_kind,
            "subject_hash": self.subject_hash,
            "generated_at": self.generated_at.isoformat(),
            "sections": {name: list(items) for name, items in self.sections.items()},
        }


def export_personal_data(
    who: PersonIdentifier,
    uow: PrivacyUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    actor: Actor,
) -> PersonalDataExport:
    """One JSON document of everything perla holds about ``who`` (read in one transaction,
    which also records the audit event). Raises :class:`PermissionDenied` unless ``actor``
    may administer."""
    actor.require(Permission.ADMINISTER)
    now = clock.now()
    with uow:
        found = _find(who, uow)
        sections: dict[str, list[Any]] = {
            "clients": [_client_export(who, c) for c in found.clients],
            "customer_accounts": [_account_export(who, a) for a in found.accounts],
            "inquiries": [jsonable(i) for i in found.inquiries],
            "conversations": [jsonable(c) for c in found.conversations],
            "received_events": [jsonable(e) for e in found.received_events],
            "campaign_recipients": [jsonable(r) for r in found.recipients],
            "campaign_opt_outs": [jsonable(o) for o in found.opt_outs],
            "orders": [jsonable(o) for o in found.orders],
            "billing_documents": [jsonable(d) for d in found.documents],
            "assistant_conversations": [jsonable(c) for c in found.assistant],
        }
        event = PersonalDataExported(
            aggregate_id=who.subject_id,
            occurred_at=now,
            actor=actor.name,
            identifier_kind=who.kind.value,
            subject_hash=who.hash,
            sections=_counts(sections),
        )
        uow.outbox.add(messages_for([event], clock, ids))
        uow.commit()
    return PersonalDataExport(who.kind.value, who.hash, now, sections)


# --- erasure ---------------------------------------------------------------------------------


@attrs.frozen
class ErasedItem:
    """A record erased (``what`` says how: ``anonymised``, ``deleted``, ``contact removed``)."""

    area: str
    ref: str
    what: str


@attrs.frozen
class KeptItem:
    """A record (or part of one) kept, and the legal reason."""

    area: str
    ref: str
    reason: str


@attrs.frozen
class ErasureResult:
    identifier_kind: str
    subject_hash: str
    erased_at: datetime
    erased: tuple[ErasedItem, ...]
    kept: tuple[KeptItem, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "identifier_kind": self.identifier_kind,
            "subject_hash": self.subject_hash,
            "erased_at": self.erased_at.isoformat(),
            "erased": [jsonable(e) for e in self.erased],
            "kept": [jsonable(k) for k in self.kept],
        }


def erase_personal_data(
    who: PersonIdentifier,
    uow: PrivacyUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    actor: Actor,
) -> ErasureResult:
    """Erase what perla may erase about ``who`` and keep what invoices require, in one
    transaction with the audit event. Running it again finds nothing more to erase. Raises
    :class:`PermissionDenied` unless ``actor`` may administer; :class:`StaleVersion` when a
    record changed meanwhile (nothing is erased then: run it again)."""
    actor.require(Permission.ADMINISTER)
    now = clock.now()
    erased: list[ErasedItem] = []
    kept: list[KeptItem] = []
    with uow:
        found = _find(who, uow)
        invoiced = {d.buyer_tax_id for d in found.documents}
        parties = {c.id for c in found.clients if _is_party(who, c)}
        party_invoiced = {c.id for c in found.clients if c.id in parties and c.tax_id in invoiced}
        for client in found.clients:
            _erase_client(who, client, invoiced, now, erased, kept)
            uow.clients.save(client)
        for account in found.accounts:
            _erase_account(who, account, account.client_id in parties, now, erased)
            if account.client_id in party_invoiced and any(
                a.default_billing for a in account.addresses
            ):
                kept.append(KeptItem("customer_accounts", str(account.client_id), KEPT_PARTY))
            uow.customer_accounts.save(account)
        for inquiry in found.inquiries:
            _erase_inquiry(inquiry)
            uow.inquiries.save(inquiry)
            erased.append(ErasedItem("inquiries", inquiry.reference, "anonymised"))
        for conversation in found.conversations:
            ref = str(conversation.id)
            _erase_conversation(conversation, now)
            uow.conversations.save(conversation)
            erased.append(ErasedItem("conversations", ref, "anonymised"))
        contact = who.contact
        if contact is not None:
            events = uow.personal_data.erase_received_events(contact, now)
            if events:
                erased.append(ErasedItem("received_events", contact_ref(events), "blanked"))
            recipients = uow.personal_data.erase_recipients(contact)
            if recipients:
                erased.append(ErasedItem("campaign_recipients", contact_ref(recipients), "blanked"))
            if uow.personal_data.hash_opt_out(contact, suppression_key(contact)):
                kept.append(KeptItem("campaign_opt_outs", suppression_key(contact), KEPT_OPT_OUT))
        for order in found.orders:
            kept.append(KeptItem("orders", str(order.number), KEPT_ORDER))
        for document in found.documents:
            kept.append(
                KeptItem("billing_documents", f"{document.series}-{document.number}", KEPT_INVOICE)
            )
        for owner in dict.fromkeys(c.owner for c in found.assistant):
            deleted = uow.personal_data.delete_assistant_conversations(owner)
            erased.append(ErasedItem("assistant_conversations", contact_ref(deleted), "deleted"))
        event = PersonalDataErased(
            aggregate_id=who.subject_id,
            occurred_at=now,
            actor=actor.name,
            identifier_kind=who.kind.value,
            subject_hash=who.hash,
            erased=_tally(e.area for e in erased),
            kept=_tally(k.area for k in kept),
        )
        uow.outbox.add(messages_for([event], clock, ids))
        uow.commit()
    return ErasureResult(who.kind.value, who.hash, now, tuple(erased), tuple(kept))


def contact_ref(count: int) -> str:
    """The ``ref`` of an item that stands for several rows: how many."""
    return f"{count} registro(s)"


def _is_party(who: PersonIdentifier, client: Client) -> bool:
    return who.matches_tax_id(client.tax_id) or who.matches(client.email, client.phone)


def _erase_client(
    who: PersonIdentifier,
    client: Client,
    invoiced: set[TaxId],
    now: datetime,
    erased: list[ErasedItem],
    kept: list[KeptItem],
) -> None:
    ref = str(client.id)
    before = len(client.contacts)
    client.contacts = tuple(c for c in client.contacts if not who.matches(c.email, c.phone))
    if len(client.contacts) != before:
        erased.append(ErasedItem("clients", ref, "contact removed"))
    if _is_party(who, client):
        client.email = None
        client.phone = None
        client.notes = None
        client.website = None
        client.benchmark_login = None
        client.contacts = ()
        if client.tax_id is not None and client.tax_id in invoiced:
            client.addresses = tuple(a for a in client.addresses if a.default_billing)
            kept.append(KeptItem("clients", ref, KEPT_PARTY))
        else:
            client.trade_name = ERASED_NAME
            client.legal_name = None
            client.tax_id = None
            client.addresses = ()
        erased.append(ErasedItem("clients", ref, "anonymised"))
    client.updated_at = now


def _erase_account(
    who: PersonIdentifier,
    account: CustomerAccount,
    party: bool,
    now: datetime,
    erased: list[ErasedItem],
) -> None:
    ref = str(account.client_id)
    before = len(account.contacts)
    account.contacts = tuple(c for c in account.contacts if not who.matches(c.email, c.phone))
    if len(account.contacts) != before:
        erased.append(ErasedItem("customer_accounts", ref, "contact removed"))
    if party:
        account.contacts = ()
        account.addresses = tuple(a for a in account.addresses if a.default_billing)
        account.survey_answers = {}
        account.whatsapp_consent = False
        erased.append(ErasedItem("customer_accounts", ref, "anonymised"))
    account.updated_at = now


def _erase_inquiry(inquiry: Inquiry) -> None:
    inquiry.guest = Guest(ERASED_NAME)
    inquiry.notes = None
    inquiry.messages = [
        attrs.evolve(
            m,
            text=None,
            subject=None,
            html=None,
            sender=None,
            sender_name=None,
            to=(),
            cc=(),
            reply_to=None,
            attachments=(),
        )
        for m in inquiry.messages
    ]
    inquiry.history = [attrs.evolve(h, details={}) for h in inquiry.history]


def _blank_message(message: ConversationMessage, now: datetime) -> bool:
    """Blank what the person or perla wrote; a message still queued is failed (never sent to
    a number perla no longer has). ``True`` when something changed."""
    if message.text is None and message.payload is None and message.content is None:
        return False
    if message.waiting:
        message.status = MessageStatus.FAILED
        message.status_at = now
        message.failure = ERASED_FAILURE
    message.text = None
    message.payload = None
    message.content = None
    return True


def _erase_conversation(conversation: Conversation, now: datetime) -> None:
    # the number's place takes a value unique per conversation and unrelated to the number (the
    # opt-out registry keeps the number's hash); a later conversation of the number is new
    conversation.contact = digest(f"erased-conversation:{conversation.id}")
    conversation.contact_name = None
    conversation.fields = {}
    for message in conversation.messages:
        _blank_message(message, now)


# --- retention -------------------------------------------------------------------------------


@attrs.frozen
class RetentionReport:
    """What one retention run blanked (``before``: ``None`` when retention is off)."""

    before: datetime | None
    received_events: int = 0
    messages: int = 0


def blank_raw_messages(
    uow: PrivacyUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    retention_days: int,
    *,
    batch: int = RETENTION_BATCH,
) -> RetentionReport:
    """Blank the raw WhatsApp messages older than ``retention_days`` (0: keep them): the
    payloads of processed webhook events and the texts of conversation messages (a message
    still queued is left alone). Conversations are read and saved a batch at a time, one
    transaction each, so a conversation busy meanwhile only waits for the next run (its
    :class:`StaleVersion` ends the batch's transaction, which is retried once). Idempotent.
    Raises :class:`InvalidValue` (field ``raw_message_retention_days``) for a negative value."""
    if retention_days < 0:
        raise InvalidValue("must be 0 (keep) or more days", field="raw_message_retention_days")
    if retention_days == 0:
        return RetentionReport(None)
    now = clock.now()
    before = now - timedelta(days=retention_days)
    with uow:
        events = uow.personal_data.blank_received_payloads(before)
        uow.commit()
    messages = 0
    after: UUID | None = None
    while True:
        with uow:
            page = uow.personal_data.conversation_ids_before(before, after, batch)
            for conversation_id in page:
                conversation = uow.conversations.get_by_id(conversation_id)
                changed = [
                    m
                    for m in conversation.messages
                    if m.at < before and not m.waiting and _blank_message(m, now)
                ]
                if changed:
                    uow.conversations.save(conversation)
                    messages += len(changed)
            uow.commit()
        if len(page) < batch:
            break
        after = page[-1]
    if events or messages:
        with uow:
            event = RawMessagesBlanked(
                aggregate_id=RETENTION_SUBJECT,
                occurred_at=now,
                before=before,
                received_events=events,
                messages=messages,
            )
            uow.outbox.add(messages_for([event], clock, ids))
            uow.commit()
    return RetentionReport(before, events, messages)


# --- finding ---------------------------------------------------------------------------------


@attrs.frozen
class _Found:
    clients: list[Client]
    accounts: list[CustomerAccount]
    inquiries: list[Inquiry]
    conversations: list[Conversation]
    received_events: list[Any]
    recipients: list[Any]
    opt_outs: list[Any]
    orders: list[Order]
    documents: list[BillingDocumentRecord]
    assistant: list[Any]


def _find(who: PersonIdentifier, uow: PrivacyUnitOfWork) -> _Found:
    data = uow.personal_data
    clients = [
        c
        for c in (uow.clients.get(i) for i in data.client_ids(who))
        if _is_party(who, c) or any(who.matches(k.email, k.phone) for k in c.contacts)
    ]
    parties = [c for c in clients if _is_party(who, c)]
    accounts: list[CustomerAccount] = []
    for client_id in dict.fromkeys([*data.account_ids(who), *(c.id for c in parties)]):
        account = uow.customer_accounts.get(client_id)
        if account is None:
            continue
        party = client_id in {c.id for c in parties}
        if party or any(who.matches(k.email, k.phone) for k in account.contacts):
            accounts.append(account)
    inquiries = [
        i
        for i in (uow.inquiries.get(x) for x in data.inquiry_ids(who))
        if who.matches(i.guest.email, i.guest.phone)
    ]
    contact = who.contact
    conversations: list[Conversation] = []
    received: list[Any] = []
    recipients: list[Any] = []
    opt_outs: list[Any] = []
    if contact is not None:
        conversation = uow.conversations.get(contact)
        if conversation is not None:
            conversations.append(conversation)
        received = list(data.received_events(contact))
        recipients = list(data.recipients(contact))
        entry = data.opt_out(contact)
        opt_outs = [] if entry is None else [entry]
    orders = [o for c in parties for o in _orders_of(uow, c.id)]
    documents: dict[UUID, BillingDocumentRecord] = {}
    for order in orders:
        for record in uow.billing_documents.for_order(order.id):
            documents[record.id] = record
    tax_ids = {c.tax_id for c in parties if c.tax_id is not None}
    if who.tax_id is not None:
        tax_ids.add(who.tax_id)
    for tax_id in tax_ids:
        for record in data.billing_documents_of(tax_id):
            documents[record.id] = record
    assistant: list[Any] = []
    for owner in data.assistant_owners(who):
        assistant.extend(_assistant_of(uow, owner))
    return _Found(
        clients=clients,
        accounts=accounts,
        inquiries=inquiries,
        conversations=conversations,
        received_events=received,
        recipients=recipients,
        opt_outs=opt_outs,
        orders=orders,
        documents=sorted(documents.values(), key=lambda d: (d.series, d.number)),
        assistant=assistant,
    )


def _orders_of(uow: PrivacyUnitOfWork, client_id: UUID) -> list[Order]:
    found: list[Order] = []
    offset = 0
    while True:
        page = uow.orders.list(
            OrderQuery(client_id=client_id, page=PageRequest(limit=200, offset=offset))
        )
        found.extend(page.items)
        offset += len(page.items)
        if not page.items or offset >= page.total:
            return found


def _assistant_of(uow: PrivacyUnitOfWork, owner: str) -> list[Any]:
    found: list[Any] = []
    offset = 0
    while True:
        page = uow.assistant_conversations.for_owner(owner, PageRequest(limit=200, offset=offset))
        found.extend(uow.assistant_conversations.get(c.id) for c in page.items)
        offset += len(page.items)
        if not page.items or offset >= page.total:
            return found


def _client_export(who: PersonIdentifier, client: Client) -> dict[str, Any]:
    if _is_party(who, client):
        return {"role": "party", "client": jsonable(client)}
    contacts = [c for c in client.contacts if who.matches(c.email, c.phone)]
    return {
        "role": "contact",
        "client_id": str(client.id),
        "trade_name": client.trade_name,
        "contacts": jsonable(contacts),
    }


def _account_export(who: PersonIdentifier, account: CustomerAccount) -> dict[str, Any]:
    contacts = [c for c in account.contacts if who.matches(c.email, c.phone)]
    if contacts:
        return {"client_id": str(account.client_id), "contacts": jsonable(contacts)}
    return {"client_id": str(account.client_id), "account": jsonable(account)}


def _counts(sections: Mapping[str, list[Any]]) -> tuple[str, ...]:
    return tuple(f"{name}:{len(items)}" for name, items in sections.items() if items)


def _tally(areas: Iterable[str]) -> tuple[str, ...]:
    counts: dict[str, int] = {}
    for area in areas:
        counts[area] = counts.get(area, 0) + 1
    return tuple(f"{area}:{n}" for area, n in counts.items())


# --- JSON ------------------------------------------------------------------------------------

_SKIPPED: Final = frozenset({"events", "version", "first_entry"})


def jsonable(value: object) -> Any:  # noqa: PLR0911 - one return per kind of value
    """``value`` as JSON-ready data: attrs records as objects (without their pending events
    and version), e-mails, phones and dates as text, decimals exact, tax ids and money as
    objects."""
    match value:
        case None | bool() | int() | float():
            return value
        case Enum():
            return value.value
        case str():
            return value
        case datetime() | date():
            return value.isoformat()
        case UUID() | Decimal():
            return str(value)
        case Email():
            return value.value
        case Phone():
            return value.e164
        case TaxId():
            return {"country": value.country, "number": value.number}
        case Money():
            return {"amount": str(value.amount), "currency": value.currency}
        case Mapping():
            return {str(k): jsonable(v) for k, v in value.items()}
        case list() | tuple() | set() | frozenset():
            return [jsonable(v) for v in value]
    kind: Any = type(value)
    if attrs.has(kind):
        return {
            f.name: jsonable(getattr(value, f.name))
            for f in attrs.fields(kind)
            if f.name not in _SKIPPED
        }
    return str(value)
