"""A supplier request goes draft -> ready -> sending -> sent -> acknowledged or rejected, or is
cancelled; each step announces itself and each refusal says why.

The transition table is written out here as well as in the model, so a change to the model's
table that nobody meant fails here.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import pytest
from tests.unit.suppliers.fakes import (
    AGENT,
    LATER,
    NOW,
    REQUEST_ID,
    SUPPLIERS,
    a_request,
    a_request_in,
    complete_input,
)

from perla_core.kernel.errors import (
    IllegalTransition,
    InvalidInput,
    InvalidValue,
    PreconditionFailed,
)
from perla_core.suppliers.events import (
    SupplierRequestAcknowledged,
    SupplierRequestCancelled,
    SupplierRequestCreated,
    SupplierRequestRejected,
    SupplierRequestSendRequested,
    SupplierRequestSent,
    SupplierRequestUpdated,
)
from perla_core.suppliers.model import (
    EDITABLE_STATUSES,
    SUPPLIER_REQUEST_TRANSITIONS,
    SupplierRequest,
    SupplierRequestStatus,
)
from perla_core.suppliers.values import ContractType, Iban

S = SupplierRequestStatus
EXPECTED_TRANSITIONS: dict[str, dict[SupplierRequestStatus, SupplierRequestStatus]] = {
    "request_send": {S.READY: S.SENDING, S.SENT: S.SENDING, S.REJECTED: S.SENDING},
    "mark_sent": {S.SENDING: S.SENT},
    "acknowledge": {S.SENDING: S.ACKNOWLEDGED, S.SENT: S.ACKNOWLEDGED},
    "reject": {S.SENDING: S.REJECTED, S.SENT: S.REJECTED},
    "cancel": {
        S.DRAFT: S.CANCELLED,
        S.READY: S.CANCELLED,
        S.SENDING: S.CANCELLED,
        S.SENT: S.CANCELLED,
        S.REJECTED: S.CANCELLED,
    },
}

ACTIONS: dict[str, Callable[[SupplierRequest], object]] = {
    "request_send": lambda r: r.request_send(SUPPLIERS, now=LATER, actor=AGENT),
    "acknowledge": lambda r: r.acknowledge("PRV-0099", now=LATER, actor=AGENT),
    "reject": lambda r: r.reject("El IBAN no es del titular", now=LATER, actor=AGENT),
    "cancel": lambda r: r.cancel(now=LATER, actor=AGENT, reason="El hotel se retira"),
}


def test_the_model_table_is_the_one_written_here() -> None:
    assert SUPPLIER_REQUEST_TRANSITIONS == EXPECTED_TRANSITIONS
    assert frozenset({S.DRAFT, S.READY, S.REJECTED}) == EDITABLE_STATUSES


@pytest.mark.parametrize(
    ("action", "start", "end"),
    [
        (action, start, end)
        for action, moves in EXPECTED_TRANSITIONS.items()
        if action in ACTIONS
        for start, end in moves.items()
    ],
)
def test_every_allowed_step_reaches_its_status(
    action: str, start: SupplierRequestStatus, end: SupplierRequestStatus
) -> None:
    request = a_request_in(start)

    ACTIONS[action](request)

    assert request.status is end
    assert request.updated_at == LATER
    assert len(request.events) == 1


@pytest.mark.parametrize(
    ("action", "start"),
    [
        (action, start)
        for action in ACTIONS
        for start in S
        if start not in EXPECTED_TRANSITIONS[action]
        and not (action == "request_send" and start is S.DRAFT)
    ],
)
def test_every_other_step_is_an_illegal_transition_that_changes_nothing(
    action: str, start: SupplierRequestStatus
) -> None:
    request = a_request_in(start)

    with pytest.raises(IllegalTransition) as refused:
        ACTIONS[action](request)

    assert refused.value.field == "status"
    assert request.status is start
    assert request.events == []


def test_creating_announces_the_hotel_and_the_status() -> None:
    request = a_request(matched_hotel_ref="dir:hotel:81")

    (event,) = request.events
    assert event == SupplierRequestCreated(
        REQUEST_ID, NOW, AGENT, "Hotel Playa Victoria", "Cádiz", "ES", "ready", "dir:hotel:81"
    )


# --- sending -----------------------------------------------------------------------------------


def test_sending_an_incomplete_request_is_refused_listing_what_is_missing() -> None:
    request = a_request(complete_input(iban=None, stars=None, release_days=None))
    request.events.clear()

    with pytest.raises(PreconditionFailed) as refused:
        request.request_send(SUPPLIERS, now=LATER, actor=AGENT)

    assert refused.value.missing == ["stars", "iban", "release_days"]
    assert refused.value.details["missing_by_section"] == {
        "identity": ["stars"],
        "banking": ["iban"],
        "commercial": ["release_days"],
    }
    assert "banking: iban" in refused.value.message
    assert request.status is S.DRAFT
    assert request.events == []


def test_sending_queues_the_e_mail_with_the_request_id_and_the_suppliers_address() -> None:
    request = a_request_in(S.READY)

    request.request_send("Suppliers@PerlaTours.com", now=LATER, actor=AGENT)

    (event,) = request.events
    assert isinstance(event, SupplierRequestSendRequested)
    assert event.request_id == REQUEST_ID
    assert event.suppliers_address == "Suppliers@perlatours.com"
    assert event.message_id == f"<supplier-request.{REQUEST_ID}@perla>"
    assert event.send_number == 1
    assert request.status is S.SENDING
    assert request.awaiting_delivery
    assert (request.send_requested_at, request.send_requested_by) == (LATER, AGENT)


def test_a_malformed_suppliers_address_is_refused() -> None:
    request = a_request_in(S.READY)

    with pytest.raises(InvalidValue) as refused:
        request.request_send("suppliers at perlatours", now=LATER, actor=AGENT)

    assert refused.value.field == "suppliers_address"
    assert request.status is S.READY


def test_marking_sent_records_it_once() -> None:
    request = a_request_in(S.SENDING)

    assert request.mark_sent(now=LATER, actor="system", send_number=1)
    assert not request.mark_sent(now=LATER, actor="system", send_number=1)

    (event,) = request.events
    assert event == SupplierRequestSent(
        REQUEST_ID, LATER, "system", SUPPLIERS, f"<supplier-request.{REQUEST_ID}@perla>", 1
    )
    assert request.status is S.SENT
    assert request.sent_at == LATER


@pytest.mark.parametrize("status", [S.DRAFT, S.READY, S.ACKNOWLEDGED, S.REJECTED, S.CANCELLED])
def test_marking_sent_outside_sending_changes_nothing_and_never_refuses(
    status: SupplierRequestStatus,
) -> None:
    request = a_request_in(status)

    assert not request.mark_sent(now=LATER, actor="system")
    assert request.status is status
    assert request.events == []


def test_a_report_for_an_earlier_send_does_not_mark_the_resend_sent() -> None:
    request = a_request_in(S.SENT)
    request.request_send(SUPPLIERS, now=LATER, actor=AGENT)

    assert not request.mark_sent(now=LATER, actor="system", send_number=1)
    assert request.status is S.SENDING
    assert request.mark_sent(now=LATER, actor="system", send_number=2)


def test_a_resend_keeps_the_message_id_and_counts_the_send() -> None:
    request = a_request_in(S.SENT)

    request.request_send(SUPPLIERS, now=LATER, actor=AGENT)

    (event,) = request.events
    assert isinstance(event, SupplierRequestSendRequested)
    assert event.send_number == 2
    assert event.message_id == request.message_id == f"<supplier-request.{REQUEST_ID}@perla>"


# --- the Suppliers team's answer ----------------------------------------------------------------


@pytest.mark.parametrize("code", ["", "   ", None])
def test_acknowledging_without_the_dome_supplier_code_is_refused(code: str | None) -> None:
    request = a_request_in(S.SENT)

    with pytest.raises(InvalidValue) as refused:
        request.acknowledge(code, now=LATER, actor=AGENT)  # type: ignore[arg-type]

    assert refused.value.field == "dome_supplier_code"
    assert request.status is S.SENT
    assert request.events == []


def test_a_malformed_dome_supplier_code_is_refused() -> None:
    with pytest.raises(InvalidValue) as refused:
        a_request_in(S.SENT).acknowledge("PRV 42; DROP", now=LATER, actor=AGENT)

    assert refused.value.field == "dome_supplier_code"


def test_acknowledging_records_the_dome_supplier_code_and_again_changes_nothing() -> None:
    request = a_request_in(S.SENT)

    assert request.acknowledge(" PRV-0042 ", now=LATER, actor=AGENT)
    assert not request.acknowledge("PRV-0042", now=LATER, actor=AGENT)

    assert request.events == [SupplierRequestAcknowledged(REQUEST_ID, LATER, AGENT, "PRV-0042")]
    assert (request.dome_supplier_code, request.acknowledged_at) == ("PRV-0042", LATER)
    with pytest.raises(IllegalTransition):
        request.acknowledge("PRV-0043", now=LATER, actor=AGENT)


@pytest.mark.parametrize("reason", ["", "  "])
def test_rejecting_without_a_reason_is_refused(reason: str) -> None:
    request = a_request_in(S.SENT)

    with pytest.raises(InvalidValue) as refused:
        request.reject(reason, now=LATER, actor=AGENT)

    assert refused.value.field == "reason"
    assert request.status is S.SENT


def test_a_rejected_request_is_corrected_and_sent_again() -> None:
    request = a_request_in(S.REJECTED)
    assert request.rejection_reason == "Falta el certificado bancario"

    request.change_details({"iban": Iban("ES7921000813610123456789")}, now=LATER, actor=AGENT)
    assert request.completeness().status is S.READY
    request.request_send(SUPPLIERS, now=LATER, actor=AGENT)

    assert request.status is S.SENDING
    assert request.send_count == 2
    updated, queued = request.events
    assert updated == SupplierRequestUpdated(REQUEST_ID, LATER, AGENT, ("iban",), "ready")
    assert isinstance(queued, SupplierRequestSendRequested)


def test_rejecting_announces_the_reason() -> None:
    request = a_request_in(S.SENT)

    request.reject("  Falta el certificado de titularidad  ", now=LATER, actor=AGENT)

    assert request.events == [
        SupplierRequestRejected(REQUEST_ID, LATER, AGENT, "Falta el certificado de titularidad")
    ]


def test_cancelling_says_whether_the_suppliers_team_may_have_the_e_mail() -> None:
    draft, sent = a_request_in(S.DRAFT), a_request_in(S.SENT)

    draft.cancel(now=LATER, actor=AGENT)
    sent.cancel(now=LATER, actor=AGENT, reason="El hotel cierra")

    assert draft.events == [SupplierRequestCancelled(REQUEST_ID, LATER, AGENT, "draft", None)]
    assert sent.events == [
        SupplierRequestCancelled(REQUEST_ID, LATER, AGENT, "sent", "El hotel cierra")
    ]
    assert not sent.awaiting_delivery


# --- editing ------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [S.SENDING, S.SENT, S.ACKNOWLEDGED, S.CANCELLED])
def test_a_request_with_the_suppliers_team_or_closed_is_not_edited(
    status: SupplierRequestStatus,
) -> None:
    request = a_request_in(status)

    with pytest.raises(IllegalTransition):
        request.change_details({"chain": None}, now=LATER, actor=AGENT)
    with pytest.raises(IllegalTransition):
        request.prefill_from({"chain": "NH"}, now=LATER, actor=AGENT)


def test_an_update_names_the_changed_fields_never_their_values() -> None:
    request = a_request_in(S.READY)

    changed = request.change_details(
        {"chain": "Meliá", "stars": 4, "iban": Iban("ES7921000813610123456789")},
        now=LATER,
        actor=AGENT,
    )

    assert changed == ("chain", "iban")
    (event,) = request.events
    assert event == SupplierRequestUpdated(REQUEST_ID, LATER, AGENT, ("chain", "iban"), "ready")
    assert "ES79" not in repr(event)


def test_an_update_that_changes_nothing_announces_nothing() -> None:
    request = a_request_in(S.READY)

    assert request.change_details({"stars": 4}, now=LATER, actor=AGENT) == ()
    assert request.events == []
    assert request.updated_at == NOW


def test_an_update_breaking_a_cross_field_rule_is_refused_and_changes_nothing() -> None:
    request = a_request_in(S.READY)

    with pytest.raises(InvalidInput) as refused:
        request.change_details({"contract_type": ContractType.NET}, now=LATER, actor=AGENT)

    assert [e.field for e in refused.value.errors] == ["commission_pct"]
    assert "net contract" in refused.value.message
    assert request.contract_type is ContractType.COMMISSION
    assert request.events == []


def test_allowed_actions_follow_the_status() -> None:
    assert a_request_in(S.DRAFT).allowed_actions() == ["cancel", "prefill", "update"]
    assert a_request_in(S.READY).allowed_actions() == [
        "cancel",
        "prefill",
        "request_send",
        "update",
    ]
    assert a_request_in(S.SENT).allowed_actions() == [
        "acknowledge",
        "cancel",
        "reject",
        "request_send",
    ]
    assert a_request_in(S.ACKNOWLEDGED).allowed_actions() == []


def test_the_reference_is_the_random_end_of_the_id() -> None:
    request = a_request(request_id=UUID("01943a2b-0000-7000-8000-00000000beef"))

    assert request.reference == "0000BEEF"
