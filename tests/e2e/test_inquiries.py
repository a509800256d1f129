"""Seed 001 over HTTP: a phone inquiry registered, answered by e-mail, followed up with
reminders, answered by the guest (a raw e-mail in), quoted, confirmed and handed to booking;
then the refusals: a fourth reminder, one in the past, a negative quote line, e-mails that
cannot be read, a reply that matches nothing, a read-only key."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from perla_core.mail.inbound import MAX_INBOUND_BYTES
from perla_entrypoints.container import Container

Headers = dict[str, str]
Json = dict[str, Any]
ProblemCheck = Callable[..., Json]

INQUIRIES = "/api/v1/inquiries"
INBOUND = "/api/v1/inbound-emails"
MIME = {"Content-Type": "message/rfc822"}
GUEST_EMAIL = "lucia.gomez@example.com"


def _today() -> date:
    return datetime.now(UTC).date()


def _soon(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def _phone_inquiry(**overrides: Any) -> Json:
    body: Json = {
        "guest_name": "Lucía Gómez",
        "guest_email": GUEST_EMAIL,
        "guest_phone": "+34 600 123 456",
        "channel": "phone",
        "check_in": (_today() + timedelta(days=30)).isoformat(),
        "check_out": (_today() + timedelta(days=33)).isoformat(),
        "adults": 2,
        "message": "Llama para preguntar por una doble con vistas al mar",
    }
    body.update(overrides)
    return body


def _guest_email(
    *,
    message_id: str,
    subject: str,
    text: str,
    in_reply_to: str | None = None,
    references: str | None = None,
    sender: str = GUEST_EMAIL,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Lucía Gómez <{sender}>"
    msg["To"] = "reservas@perlatours.com"
    msg["Subject"] = subject
    msg["Message-ID"] = message_id
    msg["Date"] = "Tue, 20 Jan 2026 10:00:00 +0100"
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    msg.set_content(text)
    return msg.as_bytes()


def _header(message: EmailMessage, name: str) -> str:
    """A header unfolded (long Message-IDs are folded onto the next line)."""
    return " ".join(str(message[name]).split())


def _sent_mail(container: Container) -> list[EmailMessage]:
    folder = Path(container.settings().data_dir) / "mail"
    return [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in sorted(folder.glob("*.eml"))
    ]


@pytest.fixture
def inquiry(client: TestClient[Litestar], agent: Headers) -> Json:
    response = client.post(INQUIRIES, json=_phone_inquiry(), headers=agent)
    assert response.status_code == 201, response.text
    body: Json = response.json()
    return body


def test_a_phone_inquiry_goes_from_the_first_call_to_the_booking_team(
    client: TestClient[Litestar],
    agent: Headers,
    container: Container,
    drain: Callable[[], int],
) -> None:
    older = client.post(
        INQUIRIES,
        json=_phone_inquiry(guest_name="Otro Huésped", guest_email="otro@example.com"),
        headers=agent,
    )
    client.post(
        f"{INQUIRIES}/{older.json()['id']}/calls",
        json={"direction": "outgoing", "summary": "le llamamos"},
        headers=agent,
    )

    # registered: pending, first in the list, counted in its stage
    created = client.post(INQUIRIES, json=_phone_inquiry(), headers=agent)
    assert created.status_code == 201, created.text
    inquiry = created.json()
    url = f"{INQUIRIES}/{inquiry['id']}"
    assert created.headers["location"] == url
    assert created.headers["etag"] == f'"{inquiry["version"]}"'
    assert inquiry["stage"] == "inquiry"
    assert inquiry["pending_action"] is True
    assert inquiry["reference"].startswith("C-")
    listed = client.get(INQUIRIES, headers=agent).json()
    assert listed["items"][0]["id"] == inquiry["id"]
    assert listed["items"][1]["pending_action"] is False
    pending = client.get(INQUIRIES, params={"pending": "true"}, headers=agent).json()
    assert [i["id"] for i in pending["items"]] == [inquiry["id"]]
    stages = client.get(f"{INQUIRIES}/stages", headers=agent).json()
    first = stages["stages"][0]
    assert (first["stage"], first["label"], first["total"], first["pending"]) == (
        "inquiry",
        "Consulta",
        2,
        1,
    )
    found = client.get(INQUIRIES, params={"q": "lucia"}, headers=agent).json()
    assert [i["id"] for i in found["items"]] == [inquiry["id"]]

    # answered by e-mail, through the outbox
    replied = client.post(
        f"{url}/reply",
        json={"text": "Tenemos una doble con vistas al mar disponible."},
        headers=agent,
    )
    assert replied.status_code == 202, replied.text
    reply_message = replied.json()["messages"][-1]
    assert reply_message["delivery"] == "queued"
    assert replied.json()["pending_action"] is False
    assert drain() >= 1
    sent = [
        m for m in _sent_mail(container) if _header(m, "Message-ID") == reply_message["message_id"]
    ]
    assert len(sent) == 1
    out = sent[0]
    assert out["To"] == GUEST_EMAIL
    assert "reservas@perlatours.com" in out["From"]
    assert "Reservas PerlaHub" in out["From"]
    assert inquiry["reference"] in out["Subject"]
    assert out["Reply-To"].startswith("reservas+")
    after_send = client.get(url, headers=agent).json()
    assert after_send["messages"][-1]["delivery"] == "sent"

    # two reminders
    for days in (2, 4):
        scheduled = client.post(f"{url}/reminders", json={"due_at": _soon(days)}, headers=agent)
        assert scheduled.status_code == 201, scheduled.text
    reminders = scheduled.json()["reminders"]
    assert [r["status"] for r in reminders] == ["scheduled", "scheduled"]
    withdrawn = client.delete(f"{url}/reminders/{reminders[1]['id']}", headers=agent)
    assert withdrawn.status_code == 200, withdrawn.text
    assert [r["status"] for r in withdrawn.json()["reminders"]] == ["scheduled", "unscheduled"]

    # the guest answers by e-mail: matched by In-Reply-To, the pending reminder cancelled
    raw = _guest_email(
        message_id="<respuesta-1@example.com>",
        subject=f"Re: {out['Subject']}",
        text="Perfecto, ¿cuánto costaría?",
        in_reply_to=reply_message["message_id"],
        references=reply_message["message_id"],
    )
    received = client.post(INBOUND, content=raw, headers={**agent, **MIME})
    assert received.status_code == 200, received.text
    receipt = received.json()
    assert receipt["outcome"] == "matched"
    assert receipt["inquiry_id"] == inquiry["id"]
    assert receipt["matched_by"] == "in_reply_to"
    again = client.post(INBOUND, content=raw, headers={**agent, **MIME})
    assert again.json() == receipt
    answered = client.get(url, headers=agent).json()
    assert answered["pending_action"] is True
    assert [r["status"] for r in answered["reminders"]] == ["cancelled", "unscheduled"]
    assert answered["reminders"][0]["end_reason"] == "guest replied"
    guest_reply = answered["messages"][-1]
    assert (guest_reply["direction"], guest_reply["message_id"]) == (
        "incoming",
        "<respuesta-1@example.com>",
    )

    # quoted (e-mailed in the thread), confirmed, handed to booking
    valid_until = (_today() + timedelta(days=7)).isoformat()
    quoted = client.post(
        f"{url}/quote",
        json={
            "lines": [
                {"description": "Doble vista mar", "unit_price": "120.00", "quantity": 3},
                {"description": "Desayuno", "unit_price": "15.50", "quantity": 6},
            ],
            "valid_until": valid_until,
        },
        headers=agent,
    )
    assert quoted.status_code == 202, quoted.text
    body = quoted.json()
    assert body["stage"] == "quoted"
    assert body["quotes"][0]["total"] == "453.00"
    quote_message = body["messages"][-1]
    assert quote_message["kind"] == "quote"
    assert quote_message["in_reply_to"] == "<respuesta-1@example.com>"
    drain()
    quote_mail = [
        m for m in _sent_mail(container) if _header(m, "Message-ID") == quote_message["message_id"]
    ]
    assert _header(quote_mail[0], "In-Reply-To") == "<respuesta-1@example.com>"
    assert reply_message["message_id"] in _header(quote_mail[0], "References")

    confirmed = client.post(f"{url}/confirm", json={"note": "acepta por teléfono"}, headers=agent)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["stage"] == "confirmed"
    booked = client.post(
        f"{url}/hand-to-booking", json={"booking_reference": "R-2026-0042"}, headers=agent
    )
    assert booked.status_code == 200, booked.text
    final = booked.json()
    assert final["stage"] == "booking"
    assert final["booking_reference"] == "R-2026-0042"
    assert final["pending_action"] is False

    # the History tab, in order, with who did what
    history = [(h["kind"], h["actor"]) for h in final["history"]]
    assert [h["seq"] for h in final["history"]] == list(range(1, len(history) + 1))
    kinds = [k for k, _ in history]
    order = [
        "registered",
        "message_received",
        "reply_sent",
        "reminder_scheduled",
        "reminder_scheduled",
        "reminder_unscheduled",
        "message_received",
        "reminder_cancelled",
        "quote_sent",
        "stage_changed",
        "stage_changed",
        "stage_changed",
    ]
    positions = [
        kinds.index(k, (kinds.index(order[i - 1]) if i else 0)) for i, k in enumerate(order)
    ]
    assert positions == sorted(positions), kinds
    actors = dict(history)
    assert actors["message_received"] == "guest"
    assert actors["reminder_cancelled"] == "system"
    assert actors["reply_sent"] == "agent key"
    assert ("quote_sent", "agent key") in history


def test_reminders_are_at_most_three_and_in_the_future(
    client: TestClient[Litestar], agent: Headers, inquiry: Json, assert_problem: ProblemCheck
) -> None:
    url = f"{INQUIRIES}/{inquiry['id']}"
    early = client.post(f"{url}/reminders", json={"due_at": _soon(1)}, headers=agent)
    assert_problem(early, 422, "precondition_failed", ["reminders"])  # answer the guest first
    client.post(f"{url}/reply", json={"text": "Le respondemos enseguida."}, headers=agent)
    for days in (1, 2, 3):
        ok = client.post(f"{url}/reminders", json={"due_at": _soon(days)}, headers=agent)
        assert ok.status_code == 201, ok.text
    fourth = client.post(f"{url}/reminders", json={"due_at": _soon(4)}, headers=agent)
    assert_problem(fourth, 422, "reminder_limit_reached", ["reminders"])
    past = client.post(f"{url}/reminders", json={"due_at": _soon(-1)}, headers=agent)
    assert_problem(past, 422, "invalid_value", ["due_at"])
    naive = client.post(f"{url}/reminders", json={"due_at": "2030-01-01T10:00:00"}, headers=agent)
    assert_problem(naive, 400, "invalid_request", ["due_at"])


def test_a_quote_refuses_a_negative_line_by_its_position(
    client: TestClient[Litestar], agent: Headers, inquiry: Json, assert_problem: ProblemCheck
) -> None:
    url = f"{INQUIRIES}/{inquiry['id']}/quote"
    body = {
        "lines": [
            {"description": "Doble", "unit_price": "100.00"},
            {"description": "Descuento", "unit_price": "-20.00"},
        ],
        "valid_until": (_today() + timedelta(days=5)).isoformat(),
    }
    response = client.post(url, json=body, headers=agent)
    assert_problem(response, 422, "invalid_input", ["lines[1].unit_price"])
    past = {**body, "lines": body["lines"][:1], "valid_until": "2020-01-01"}
    assert_problem(
        client.post(url, json=past, headers=agent), 422, "invalid_value", ["valid_until"]
    )
    confirm = client.post(f"{INQUIRIES}/{inquiry['id']}/confirm", headers=agent)
    assert_problem(confirm, 409, "illegal_transition")


def test_registration_names_every_bad_field(
    client: TestClient[Litestar], agent: Headers, assert_problem: ProblemCheck
) -> None:
    body = _phone_inquiry(guest_email="not-an-email", check_in="2020-01-01", channel="fax")
    response = client.post(INQUIRIES, json=body, headers=agent)
    problem = assert_problem(response, 422, "invalid_input")
    assert {e["field"] for e in problem["errors"]} >= {"guest_email", "check_in", "channel"}
    unknown = client.post(INQUIRIES, json={**_phone_inquiry(), "vip": True}, headers=agent)
    assert_problem(unknown, 400, "invalid_request", ["vip"])


def test_details_notes_assignment_and_closing(
    client: TestClient[Litestar], agent: Headers, inquiry: Json, assert_problem: ProblemCheck
) -> None:
    url = f"{INQUIRIES}/{inquiry['id']}"
    patched = client.patch(
        url,
        json={"version": inquiry["version"], "adults": 3, "notes": "cliente habitual"},
        headers=agent,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["party"]["adults"] == 3
    stale = client.patch(url, json={"version": inquiry["version"], "adults": 4}, headers=agent)
    assert_problem(stale, 409, "stale_version")
    noted = client.post(f"{url}/notes", json={"text": "prefiere planta alta"}, headers=agent)
    assert noted.status_code == 201
    assigned = client.post(f"{url}/assign", json={"assigned_to": "Marta"}, headers=agent)
    assert assigned.json()["assigned_to"] == "Marta"
    mine = client.get(INQUIRIES, params={"assigned_to": "Marta"}, headers=agent).json()
    assert [i["id"] for i in mine["items"]] == [inquiry["id"]]
    no_reason = client.post(f"{url}/lost", json={"reason": " "}, headers=agent)
    assert_problem(no_reason, 422, "invalid_value", ["reason"])
    lost = client.post(f"{url}/lost", json={"reason": "reservó en otro hotel"}, headers=agent)
    assert lost.json()["stage"] == "lost"
    assert lost.json()["stage_reason"] == "reservó en otro hotel"
    again = client.post(f"{url}/expired", json={"reason": "sin respuesta"}, headers=agent)
    assert_problem(again, 409, "illegal_transition")
    kinds = [h["kind"] for h in lost.json()["history"]]
    assert {"details_updated", "note_added", "assigned", "stage_changed"} <= set(kinds)
    missing = client.get(f"{INQUIRIES}/00000000-0000-0000-0000-000000000000", headers=agent)
    assert_problem(missing, 404, "not_found")


def test_a_new_email_opens_an_inquiry_and_an_unknown_reply_waits_in_the_unmatched_inbox(
    client: TestClient[Litestar], agent: Headers, inquiry: Json, assert_problem: ProblemCheck
) -> None:
    fresh = _guest_email(
        message_id="<nueva@example.com>",
        subject="Disponibilidad agosto",
        text="¿Tienen habitación del 1 al 5 de agosto?",
        sender="pablo@example.org",
    )
    opened = client.post(INBOUND, content=fresh, headers={**agent, **MIME}).json()
    assert opened["outcome"] == "new_inquiry"
    new = client.get(f"{INQUIRIES}/{opened['inquiry_id']}", headers=agent).json()
    assert (new["channel"], new["guest"]["email"]) == ("email", "pablo@example.org")

    stray = _guest_email(
        message_id="<perdida@example.com>",
        subject="Re: nuestra conversación",
        text="Sí, me interesa",
        in_reply_to="<desconocido@otro-sistema.example>",
    )
    receipt = client.post(
        INBOUND, content=stray, headers={**agent, "Content-Type": "application/octet-stream"}
    ).json()
    assert receipt["outcome"] == "unmatched"
    inbox = client.get(f"{INBOUND}/unmatched", headers=agent).json()
    assert [u["id"] for u in inbox["items"]] == [receipt["unmatched_id"]]
    kept = inbox["items"][0]
    assert (kept["status"], kept["reason"]) == ("open", "no_match")
    assert kept["email"]["in_reply_to"] == "<desconocido@otro-sistema.example>"

    unmatched_url = f"{INBOUND}/unmatched/{receipt['unmatched_id']}"
    attached = client.post(
        f"{unmatched_url}/attach", json={"inquiry_id": inquiry["id"]}, headers=agent
    )
    assert attached.status_code == 200, attached.text
    assert attached.json()["status"] == "attached"
    after = client.get(f"{INQUIRIES}/{inquiry['id']}", headers=agent).json()
    assert after["messages"][-1]["matched_by"] == "agent"
    twice = client.post(f"{unmatched_url}/discard", json={"reason": "spam"}, headers=agent)
    assert_problem(twice, 409, "illegal_transition")
    assert client.get(f"{INBOUND}/unmatched", headers=agent).json()["items"] == []

    other = _guest_email(
        message_id="<otra@example.com>",
        subject="RE: presupuesto",
        text="¿Sigue en pie?",
        in_reply_to="<viejo@example.com>",
        sender="ana@example.net",
    )
    second = client.post(INBOUND, content=other, headers={**agent, **MIME}).json()
    opened_url = f"{INBOUND}/unmatched/{second['unmatched_id']}/open-inquiry"
    from_unmatched = client.post(opened_url, json={"guest_name": "Ana Ruiz"}, headers=agent)
    assert from_unmatched.status_code == 201, from_unmatched.text
    assert from_unmatched.json()["guest"]["name"] == "Ana Ruiz"
    all_kept = client.get(f"{INBOUND}/unmatched", params={"status": "attached"}, headers=agent)
    assert all_kept.json()["total"] == 2

    spam = _guest_email(
        message_id="<spam@example.com>", subject="Re: ganaste", text="x", in_reply_to="<a@b.c>"
    )
    third = client.post(INBOUND, content=spam, headers={**agent, **MIME}).json()
    discarded = client.post(
        f"{INBOUND}/unmatched/{third['unmatched_id']}/discard",
        json={"reason": "spam"},
        headers=agent,
    )
    assert discarded.json()["status"] == "discarded"


def test_an_email_that_cannot_be_read_is_refused(
    client: TestClient[Litestar], agent: Headers, assert_problem: ProblemCheck
) -> None:
    garbage = client.post(INBOUND, content=b"hello, not an e-mail", headers={**agent, **MIME})
    assert_problem(garbage, 422, "invalid_value", ["message"])
    huge = b"Subject: x\r\nFrom: a@example.com\r\n\r\n" + b"a" * MAX_INBOUND_BYTES
    too_large = client.post(INBOUND, content=huge, headers={**agent, **MIME})
    assert_problem(too_large, 413, "payload_too_large", ["message"])
    as_json = client.post(INBOUND, json={"raw": "..."}, headers=agent)
    assert_problem(as_json, 415, "unsupported_media_type")


def test_a_read_only_key_reads_but_cannot_write(
    client: TestClient[Litestar],
    reader: Headers,
    inquiry: Json,
    assert_problem: ProblemCheck,
) -> None:
    url = f"{INQUIRIES}/{inquiry['id']}"
    assert client.get(url, headers=reader).status_code == 200
    assert client.get(INQUIRIES, headers=reader).status_code == 200
    assert client.get(f"{INBOUND}/unmatched", headers=reader).status_code == 200
    refused = [
        client.post(INQUIRIES, json=_phone_inquiry(), headers=reader),
        client.post(f"{url}/reply", json={"text": "hola"}, headers=reader),
        client.post(f"{url}/notes", json={"text": "hola"}, headers=reader),
        client.post(INBOUND, content=b"x", headers={**reader, **MIME}),
    ]
    for response in refused:
        assert_problem(response, 403, "permission_denied")
    assert_problem(client.get(INQUIRIES), 401, "unauthenticated")
