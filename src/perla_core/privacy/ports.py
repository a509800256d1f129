"""What the privacy use cases need from storage beyond the areas' own repositories.

:class:`PersonalDataRepository` finds a person's records by the identifier (the areas'
repositories have no such queries) and writes the few raw rows no aggregate owns (received
webhook events, campaign recipients, the opt-out registry, the assistant's conversations).
Aggregates (clients, customer accounts, inquiries, conversations) are read and saved through
their own repositories, so versions, derived columns and the outbox behave as elsewhere.
"""

from __future__ import annotations

import builtins
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self, cast
from uuid import UUID

import attrs

from perla_core.assistant.ports import AssistantConversationRepository
from perla_core.campaigns.model import RunRecipient
from perla_core.conversations.ports import ConversationRepository, ReceivedEvent
from perla_core.customers.ports import CustomerAccountRepository
from perla_core.documents.model import BillingDocumentRecord
from perla_core.documents.ports import BillingDocumentRepository
from perla_core.inquiries.ports import InquiryRepository
from perla_core.kernel.values import TaxId
from perla_core.onboarding.ports import ClientRepository
from perla_core.orders.ports import OrderRepository
from perla_core.outbox import OutboxRepository
from perla_core.privacy.identifiers import PersonIdentifier


@attrs.frozen
class OptOutEntry:
    """A number in the campaigns' opt-out registry, when and how it opted out."""

    contact: str
    opted_out_at: datetime
    source: str


class PersonalDataRepository(Protocol):
    """Finds and blanks personal data. Joins the unit of work's transaction; never commits.

    The ``*_ids`` finders may return more than the person's records (a SQL adapter matches
    JSON text loosely); the use cases check every record they load. ``contact`` is a WhatsApp
    number as conversations key it (no ``+``). Every write is idempotent.
    """

    def client_ids(self, who: PersonIdentifier) -> builtins.list[UUID]:
        """Clients whose e-mail, phone or tax id is the identifier, or one of whose contacts'
        e-mail or phone is."""
        ...

    def account_ids(self, who: PersonIdentifier) -> builtins.list[UUID]:
        """Customer accounts one of whose contacts' e-mail or phone is the identifier."""
        ...

    def inquiry_ids(self, who: PersonIdentifier) -> builtins.list[UUID]:
        """Inquiries whose guest's e-mail or phone is the identifier."""
        ...

    def billing_documents_of(self, tax_id: TaxId) -> builtins.list[BillingDocumentRecord]:
        """Pre-invoices and invoices issued to this buyer tax id, by series and number."""
        ...

    def received_events(self, contact: str) -> builtins.list[ReceivedEvent]:
        """The webhook events stored for the number, in arrival order."""
        ...

    def erase_received_events(self, contact: str, at: datetime) -> int:
        """Blank the payload and the number of the number's webhook events (the event ids stay,
        so a redelivery is still recognised); those not processed yet are marked processed
        with the failure ``erased``. Returns how many were blanked."""
        ...

    def recipients(self, contact: str) -> builtins.list[RunRecipient]:
        """Campaign recipients sent to (or selected for) the number."""
        ...

    def erase_recipients(self, contact: str) -> int:
        """Blank the number and the survey answers of the number's campaign recipients (the
        rows stay: the runs' counts are anonymous). Returns how many were blanked."""
        ...

    def opt_out(self, contact: str) -> OptOutEntry | None:
        """The number's entry in the opt-out registry, stored as the number."""
        ...

    def hash_opt_out(self, contact: str, key: str) -> bool:
        """Replace the number's opt-out entry by ``key`` (its hash), which the registry still
        honours. ``False`` when the number had no entry."""
        ...

    def assistant_owners(self, who: PersonIdentifier) -> builtins.list[str]:
        """The owners of assistant conversations that are the identifier's e-mail (compared
        case-insensitively), as stored."""
        ...

    def delete_assistant_conversations(self, owner: str) -> int:
        """Delete the assistant conversations ``owner`` opened, with their entries."""
        ...

    def conversation_ids_before(
        self, before: datetime, after: UUID | None, limit: int
    ) -> builtins.list[UUID]:
        """Ids of conversations created before ``before``, by id, after ``after``."""
        ...

    def blank_received_payloads(self, before: datetime) -> int:
        """Blank the payload and the number of processed webhook events received before
        ``before`` (already blanked ones are left alone). Returns how many were blanked."""
        ...


class PrivacyUnitOfWork(Protocol):
    """The part of the unit of work the privacy use cases use."""

    @property
    def clients(self) -> ClientRepository: ...

    @property
    def customer_accounts(self) -> CustomerAccountRepository: ...

    @property
    def inquiries(self) -> InquiryRepository: ...

    @property
    def conversations(self) -> ConversationRepository: ...

    @property
    def orders(self) -> OrderRepository: ...

    @property
    def billing_documents(self) -> BillingDocumentRepository: ...

    @property
    def assistant_conversations(self) -> AssistantConversationRepository: ...

    @property
    def outbox(self) -> OutboxRepository: ...

    @property
    def personal_data(self) -> PersonalDataRepository: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


def privacy_work(work: object) -> PrivacyUnitOfWork:
    """``work`` (the application's unit of work, whose repositories include
    ``personal_data``) typed as the privacy use cases see it."""
    return cast("PrivacyUnitOfWork", work)
