"""``/api/v1/customer-service/inbox``: every conversation that still needs a reply (seed 002,
"Servicio al cliente"), whatever the channel, in one list.

The inbox merges the inquiries pending action (the guest spoke last) with the received
e-mails no inquiry claimed, newest first by the time the guest has been waiting since.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Literal, TypeVar
from uuid import UUID

from litestar import Controller, get
from msgspec import Struct

from perla_core.access.model import Actor
from perla_core.inquiries import services as inquiries
from perla_core.inquiries.model import Inquiry, UnmatchedEmail
from perla_core.inquiries.ports import InquiryQuery, UnmatchedEmailQuery
from perla_core.inquiries.values import Direction
from perla_core.kernel.pagination import MAX_LIMIT, Page, PageRequest
from perla_core.uow import UnitOfWork
from perla_entrypoints.http.dependencies import ActorDep, NewUow
from perla_entrypoints.http.leads import Limit, Offset
from perla_entrypoints.http.openapi import responses

INBOX = "/api/v1/customer-service/inbox"
MAX_PER_SOURCE = 2000
"""How many threads of each kind the inbox reads at most (the oldest beyond are left out)."""
SUMMARY_LENGTH = 200

T = TypeVar("T")


class InboxItemOut(Struct, kw_only=True):
    """A thread waiting for a reply: an inquiry pending action (``kind`` ``inquiry``, its
    ``reference``) or a received e-mail no inquiry claimed (``unmatched_email``, its
    Message-ID as ``reference``, and why it matched nothing as ``status``)."""

    kind: Literal["inquiry", "unmatched_email"]
    id: UUID
    reference: str
    name: str | None
    address: str | None
    subject: str | None
    summary: str | None
    channel: str
    status: str
    waiting_since: datetime


class InboxPage(Struct, kw_only=True):
    items: list[InboxItemOut]
    total: int
    inquiries: int
    unmatched_emails: int
    limit: int
    offset: int


def _summary(text: str | None) -> str | None:
    if not text:
        return None
    flat = " ".join(text.split())
    return flat if len(flat) <= SUMMARY_LENGTH else flat[: SUMMARY_LENGTH - 1] + "…"


def inquiry_item(inquiry: Inquiry) -> InboxItemOut:
    incoming = [
        m
        for m in inquiry.messages
        if m.direction is Direction.INCOMING and m.counts_as_conversation
    ]
    last = incoming[-1] if incoming else None
    subject = next((m.subject for m in reversed(incoming) if m.subject), None)
    guest = inquiry.guest
    address = guest.email.value if guest.email is not None else None
    if address is None and guest.phone is not None:
        address = guest.phone.e164
    return InboxItemOut(
        kind="inquiry",
        id=inquiry.id,
        reference=inquiry.reference,
        name=guest.name,
        address=address,
        subject=subject,
        summary=None if last is None else _summary(last.text),
        channel=inquiry.channel.value,
        status=inquiry.stage.value,
        waiting_since=inquiry.last_activity_at if last is None else last.at,
    )


def unmatched_item(kept: UnmatchedEmail) -> InboxItemOut:
    email = kept.email
    return InboxItemOut(
        kind="unmatched_email",
        id=kept.id,
        reference=email.message_id,
        name=email.sender_name,
        address=email.sender,
        subject=email.subject or None,
        summary=_summary(email.text),
        channel="email",
        status=kept.reason.value,
        waiting_since=email.received_at,
    )


def _every(read: Callable[[PageRequest], Page[T]]) -> tuple[list[T], int]:
    """The items of a paged read, up to :data:`MAX_PER_SOURCE`, and its total."""

    def pages() -> Iterator[Page[T]]:
        offset = 0
        while True:
            page = read(PageRequest(limit=MAX_LIMIT, offset=offset))
            yield page
            offset += len(page.items)
            if not page.items or not page.has_more or offset >= MAX_PER_SOURCE:
                return

    items: list[T] = []
    total = 0
    for page in pages():
        items.extend(page.items)
        total = page.total
    return items[:MAX_PER_SOURCE], total


def read_inbox(uows: Callable[[], UnitOfWork], actor: Actor, limit: int, offset: int) -> InboxPage:
    pending, pending_total = _every(
        lambda page: inquiries.list_inquiries(
            InquiryQuery(pending_only=True, page=page), uows(), actor
        )
    )
    unmatched, unmatched_total = _every(
        lambda page: inquiries.list_unmatched_emails(UnmatchedEmailQuery(page=page), uows(), actor)
    )
    items = [inquiry_item(i) for i in pending if i.pending_action and i.is_open]
    items += [unmatched_item(u) for u in unmatched]
    items.sort(key=lambda item: (item.waiting_since, item.id.int), reverse=True)
    return InboxPage(
        items=items[offset : offset + limit],
        total=pending_total + unmatched_total,
        inquiries=pending_total,
        unmatched_emails=unmatched_total,
        limit=limit,
        offset=offset,
    )


class CustomerServiceController(Controller):
    path = INBOX
    tags = ["customer-service"]

    @get(
        "/",
        operation_id="getCustomerServiceInbox",
        summary="Every conversation waiting for a reply, across channels, newest first",
        description=(
            "The inquiries pending action (the guest spoke last) and the received e-mails no "
            "inquiry claimed, merged newest first by how long the guest has been waiting, so "
            "nobody has to look through the mailbox to know what still needs an answer."
        ),
        sync_to_thread=True,
        responses=responses(400, 401),
    )
    def inbox(
        self, uows: NewUow, actor: ActorDep, limit: Limit = 50, offset: Offset = 0
    ) -> InboxPage:
        return read_inbox(uows, actor, limit, offset)
