"""Export and erasure of one person's data, and the retention of raw messages, on the memory
unit of work (the SQL adapters run the same scenario in ``tests/e2e/test_privacy.py``)."""

from __future__ import annotations

import json
from datetime import timedelta
from uuid import UUID

import pytest
from tests.unit.privacy.data import (
    BUSINESS_ID,
    CONTACT,
    CONVERSATION_ID,
    E164,
    EMAIL,
    INQUIRY_ID,
    LATELY,
    MARTA_TEXT,
    NIF,
    NOW,
    OLD_CONVERSATION_ID,
    PARTY_ID,
    PHONE,
    STRANGER_INQUIRY_ID,
    seed,
)

from perla_adapters.memory import FixedClock, InMemoryStore, InMemoryUnitOfWork, SequentialIds
from perla_core.access.model import Actor
from perla_core.kernel.errors import InvalidValue, PermissionDenied
from perla_core.messaging import MessageStatus, TextMessage
from perla_core.privacy.identifiers import IdentifierKind, parse_identifier, suppression_key
from perla_core.privacy.services import (
    ERASED_NAME,
    blank_raw_messages,
    erase_personal_data,
    export_personal_data,
)


@pytest.fixture
def new_uow(store: InMemoryStore, clock: FixedClock, ids: SequentialIds) -> object:
    clock.set(NOW)
    seed(lambda: InMemoryUnitOfWork(store, clock, ids))
    return lambda: InMemoryUnitOfWork(store, clock, ids)


def _audit(store: InMemoryStore, topic: str) -> list[object]:
    return [m.event for m in store.outbox.values() if m.topic == topic]


# --- identifiers -------------------------------------------------------------------------------


def test_an_identifier_is_normalised_like_the_data_it_finds() -> None:
    assert parse_identifier(phone=PHONE).phone is not None
    assert parse_identifier(phone=PHONE).contact == CONTACT
    assert parse_identifier(email=EMAIL).value == "marta.gomez@example.com"
    who = parse_identifier(tax_id="12345678-z", country="es")
    assert who.kind is IdentifierKind.TAX_ID
    assert who.value == f"ES:{NIF}"


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({}, "identifier"),
        ({"email": EMAIL, "phone": PHONE}, "identifier"),
        ({"email": "marta@"}, "email"),
        ({"phone": "600"}, "phone"),
        ({"tax_id": NIF}, "country"),
        ({"tax_id": "12345678A", "country": "ES"}, "tax_id"),
    ],
)
def test_a_bad_identifier_names_the_field(given: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        parse_identifier(**given)
    assert raised.value.field == field


def test_hashes_fit_the_columns_they_replace_and_hide_the_value() -> None:
    key = suppression_key("+" + CONTACT)
    assert key == suppression_key(CONTACT)
    assert len(key) <= 64
    assert CONTACT not in key


# --- export ------------------------------------------------------------------------------------


def test_export_by_email_gathers_every_area_as_json(
    new_uow: object, store: InMemoryStore, clock: FixedClock, ids: SequentialIds, admin: Actor
) -> None:
    who = parse_identifier(email="MARTA.gomez@example.com")
    result = export_personal_data(who, InMemoryUnitOfWork(store, clock, ids), clock, ids, admin)
    document = json.loads(json.dumps(result.to_json()))
    sections = document["sections"]
    roles = {c["role"] for c in sections["clients"]}
    assert roles == {"party", "contact"}
    contact = next(c for c in sections["clients"] if c["role"] == "contact")
    assert [c["name"] for c in contact["contacts"]] == ["Marta Gómez"]  # not Pedro
    assert [i["id"] for i in sections["inquiries"]] == [str(INQUIRY_ID)]
    assert sections["inquiries"][0]["messages"][0]["text"] == MARTA_TEXT
    assert len(sections["orders"]) == 1
    assert [d["series"] for d in sections["billing_documents"]] == ["A-0001"]
    assert sections["assistant_conversations"][0]["entries"][0]["text"] == "¿qué pedidos tengo?"
    assert sections["conversations"] == []  # found by the phone


def test_export_by_phone_gathers_whatsapp_data(
    new_uow: object, store: InMemoryStore, clock: FixedClock, ids: SequentialIds, admin: Actor
) -> None:
    who = parse_identifier(phone=E164)
    sections = export_personal_data(
        who, InMemoryUnitOfWork(store, clock, ids), clock, ids, admin
    ).sections
    assert [c["contact"] for c in sections["conversations"]] == [CONTACT]
    assert sections["received_events"][0]["payload"]["visitor_name"] == "Marta"
    assert sections["campaign_recipients"][0]["answers"] == [["p1", "sí"]]
    assert sections["campaign_opt_outs"][0]["contact"] == CONTACT
    assert {a["client_id"] for a in sections["customer_accounts"]} == {
        str(PARTY_ID),
        str(BUSINESS_ID),
    }


def test_an_export_is_audited_with_the_hash_only(
    new_uow: object, store: InMemoryStore, clock: FixedClock, ids: SequentialIds, admin: Actor
) -> None:
    who = parse_identifier(email=EMAIL)
    export_personal_data(who, InMemoryUnitOfWork(store, clock, ids), clock, ids, admin)
    [event] = _audit(store, "privacy.personal_data_exported")
    text = repr(event).lower()
    assert who.hash in repr(event)
    assert "marta" not in text
    assert "inquiries:1" in text


def test_only_an_administrator_exports_or_erases(
    new_uow: object, store: InMemoryStore, clock: FixedClock, ids: SequentialIds, agent: Actor
) -> None:
    who = parse_identifier(email=EMAIL)
    with pytest.raises(PermissionDenied):
        export_personal_data(who, InMemoryUnitOfWork(store, clock, ids), clock, ids, agent)
    with pytest.raises(PermissionDenied):
        erase_personal_data(who, InMemoryUnitOfWork(store, clock, ids), clock, ids, agent)
    assert store.clients[PARTY_ID].email is not None


# --- erasure -----------------------------------------------------------------------------------


def test_erasure_by_email_keeps_what_invoices_print(
    new_uow: object, store: InMemoryStore, clock: FixedClock, ids: SequentialIds, admin: Actor
) -> None:
    who = parse_identifier(email=EMAIL)
    result = erase_personal_data(who, InMemoryUnitOfWork(store, clock, ids), clock, ids, admin)

    party = store.clients[PARTY_ID]
    assert (party.email, party.phone, party.notes) == (None, None, None)
    assert party.tax_id is not None  # printed on invoice A-0001-1
    assert party.legal_name == "Marta Gómez Ruiz"
    assert [a.line1 for a in party.addresses] == ["Calle del Pez 3"]  # the billing one
    business = store.clients[BUSINESS_ID]
    assert [c.name for c in business.contacts] == ["Pedro Ruiz"]
    account = store.customer_accounts[PARTY_ID]
    assert account.survey_answers == {}
    assert not account.whatsapp_consent
    inquiry = store.inquiries[INQUIRY_ID]
    assert inquiry.guest.name == ERASED_NAME
    assert inquiry.guest.email is None
    assert inquiry.notes is None
    assert [m.text for m in inquiry.messages] == [None]
    assert store.inquiries[STRANGER_INQUIRY_ID].guest.name == "Luis Vidal"
    assert store.assistant_conversations == {}
    assert len(store.billing_documents) == 1

    kept = {k.area: k.reason for k in result.kept}
    assert "billing_documents" in kept
    assert "Código de Comercio" in kept["billing_documents"]
    assert "AFIP" in kept["billing_documents"]
    assert {"clients", "orders"} <= set(kept)
    erased = {(e.area, e.what) for e in result.erased}
    assert ("inquiries", "anonymised") in erased
    assert ("clients", "contact removed") in erased
    assert ("assistant_conversations", "deleted") in erased

    [event] = _audit(store, "privacy.personal_data_erased")
    assert "marta" not in repr(event).lower()
    assert event.subject_hash == who.hash  # type: ignore[attr-defined]


def test_a_party_never_invoiced_loses_its_name_and_tax_id(
    new_uow: object, store: InMemoryStore, clock: FixedClock, ids: SequentialIds, admin: Actor
) -> None:
    store.billing_documents.clear()
    who = parse_identifier(tax_id=NIF, country="ES")
    result = erase_personal_data(who, InMemoryUnitOfWork(store, clock, ids), clock, ids, admin)
    party = store.clients[PARTY_ID]
    assert (party.trade_name, party.legal_name, party.tax_id) == (ERASED_NAME, None, None)
    assert party.addresses == ()
    assert "billing_documents" not in {k.area for k in result.kept}


def test_erasure_by_phone_blanks_whatsapp_and_keeps_the_opt_out(
    new_uow: object, store: InMemoryStore, clock: FixedClock, ids: SequentialIds, admin: Actor
) -> None:
    who = parse_identifier(phone=PHONE)
    erase_personal_data(who, InMemoryUnitOfWork(store, clock, ids), clock, ids, admin)

    conversation = store.conversations[CONVERSATION_ID]
    assert CONTACT not in conversation.contact
    assert conversation.contact.startswith("sha256:")
    assert (conversation.contact_name, conversation.fields) == (None, {})
    assert [m.text for m in conversation.messages] == [None]
    [event] = store.received_events.values()
    assert (event.contact, dict(event.payload)) == (None, {})
    [recipient] = store.campaign_recipients.values()
    assert (recipient.contact, recipient.answers) == (None, ())
    assert CONTACT not in store.campaign_opt_outs
    assert suppression_key(CONTACT) in store.campaign_opt_outs
    with InMemoryUnitOfWork(store, clock, ids) as uow:
        assert uow.opt_outs.is_opted_out(E164)  # still suppressed
        assert not uow.opt_outs.add(CONTACT, NOW, "again")
    assert [c.name for c in store.customer_accounts[BUSINESS_ID].contacts] == ["Pedro"]


def test_a_number_that_writes_again_after_erasure_is_erased_again(
    new_uow: object, store: InMemoryStore, clock: FixedClock, ids: SequentialIds, admin: Actor
) -> None:
    from perla_core.conversations.model import Conversation  # noqa: PLC0415

    who = parse_identifier(phone=PHONE)
    erase_personal_data(who, InMemoryUnitOfWork(store, clock, ids), clock, ids, admin)
    with InMemoryUnitOfWork(store, clock, ids) as uow:
        again = Conversation.open(UUID(int=77), CONTACT, NOW)
        again.receive(UUID(int=78), kind="text", text="otra vez yo", at=NOW)
        uow.conversations.add(again)
        uow.commit()
    result = erase_personal_data(who, InMemoryUnitOfWork(store, clock, ids), clock, ids, admin)
    assert ("conversations", str(UUID(int=77))) in {(e.area, e.ref) for e in result.erased}
    contacts = {c.contact for c in store.conversations.values()}
    assert len(contacts) == len(store.conversations)
    assert CONTACT not in contacts


def test_erasure_twice_finds_nothing_more(
    new_uow: object, store: InMemoryStore, clock: FixedClock, ids: SequentialIds, admin: Actor
) -> None:
    for who in (parse_identifier(email=EMAIL), parse_identifier(phone=PHONE)):
        erase_personal_data(who, InMemoryUnitOfWork(store, clock, ids), clock, ids, admin)
    for who in (parse_identifier(email=EMAIL), parse_identifier(phone=PHONE)):
        again = erase_personal_data(who, InMemoryUnitOfWork(store, clock, ids), clock, ids, admin)
        assert again.erased == ()
        sections = export_personal_data(
            who, InMemoryUnitOfWork(store, clock, ids), clock, ids, admin
        ).sections
        assert not any(sections[name] for name in ("clients", "inquiries", "conversations"))


# --- retention ---------------------------------------------------------------------------------


def _old_conversation(store: InMemoryStore, clock: FixedClock, ids: SequentialIds) -> None:
    from perla_core.conversations.model import Conversation  # noqa: PLC0415

    old = NOW - timedelta(days=500)
    with InMemoryUnitOfWork(store, clock, ids) as uow:
        conversation = Conversation.open(OLD_CONVERSATION_ID, "5491155550000", old)
        conversation.receive(UUID(int=61), kind="text", text="viejo", at=old)
        conversation.queue(UUID(int=62), TextMessage("en cola"), author="bot", at=old)
        conversation.receive(UUID(int=63), kind="text", text="reciente", at=LATELY)
        uow.conversations.add(conversation)
        uow.received_events.add_if_new("evt-old", "5491155550000", "message", {"x": 1}, old)
        uow.received_events.mark_processed("evt-old", old)
        uow.received_events.add_if_new("evt-old-pending", "5491155550000", "message", {}, old)
        uow.commit()


def test_retention_blanks_old_raw_messages_once(
    new_uow: object, store: InMemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    _old_conversation(store, clock, ids)
    report = blank_raw_messages(InMemoryUnitOfWork(store, clock, ids), clock, ids, 365, batch=1)
    assert (report.received_events, report.messages) == (1, 1)
    conversation = store.conversations[OLD_CONVERSATION_ID]
    assert [m.text for m in conversation.messages] == [None, "en cola", "reciente"]
    assert conversation.messages[1].status is not MessageStatus.FAILED
    assert store.received_events["evt-old"].payload == {}
    assert store.received_events["evt-old-pending"].contact is not None  # not processed yet
    assert store.received_events["evt-marta"].payload != {}  # recent
    [event] = _audit(store, "privacy.raw_messages_blanked")
    assert event.messages == 1  # type: ignore[attr-defined]

    again = blank_raw_messages(InMemoryUnitOfWork(store, clock, ids), clock, ids, 365)
    assert (again.received_events, again.messages) == (0, 0)
    assert len(_audit(store, "privacy.raw_messages_blanked")) == 1


def test_retention_zero_keeps_everything_and_negative_is_refused(
    new_uow: object, store: InMemoryStore, clock: FixedClock, ids: SequentialIds
) -> None:
    _old_conversation(store, clock, ids)
    report = blank_raw_messages(InMemoryUnitOfWork(store, clock, ids), clock, ids, 0)
    assert report.before is None
    assert store.conversations[OLD_CONVERSATION_ID].messages[0].text == "viejo"
    with pytest.raises(InvalidValue) as raised:
        blank_raw_messages(InMemoryUnitOfWork(store, clock, ids), clock, ids, -1)
    assert raised.value.field == "raw_message_retention_days"
