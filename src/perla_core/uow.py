"""The unit of work: one transaction per use case.

``with uow:`` opens it; only an explicit ``uow.commit()`` persists; leaving the block without
committing, or with an exception, rolls back. On commit the unit of work collects the events
of every aggregate its repositories saw and writes them to the outbox in the same
transaction, in the order the aggregates were touched. After a commit or a rollback the same
unit of work can go on with a new transaction inside the block. Repositories never commit.

It is the one unit of work of every area: the narrower ``PolicyUnitOfWork``,
``CredentialUnitOfWork`` and ``SupplierUnitOfWork`` the policy, credential and supplier use
cases ask for are parts of it.
"""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self, cast

from perla_core.access.ports import ApiKeyRepository
from perla_core.assistant.ports import AssistantConversationRepository
from perla_core.campaigns.ports import CampaignRepository, OptOutRegistry
from perla_core.catalogue.ports import ProductRepository
from perla_core.conversations.ports import ConversationRepository, ReceivedEventRepository
from perla_core.credentials.ports import CredentialRepository
from perla_core.customers.ports import (
    CustomerAccountRepository,
    CustomerGroupRepository,
    TitleRepository,
)
from perla_core.dashboard.ports import DashboardReader
from perla_core.documents.ports import BillingDocumentRepository, DocumentNumbering
from perla_core.financing.ports import FinancingRateRepository
from perla_core.inquiries.ports import InquiryRepository, UnmatchedEmailRepository
from perla_core.managers.ports import AssignmentStateRepository, ManagerRepository
from perla_core.metrics.ports import MetricsReader
from perla_core.onboarding.ports import ClientRepository
from perla_core.orders.ports import CartRepository, OrderRepository, PaymentRepository
from perla_core.outbox import OutboxRepository, ProcessedMessages
from perla_core.policies.ports import GlobalRulesRepository, PolicyRepository
from perla_core.suppliers.ports import SupplierRequestRepository


class UnitOfWork(Protocol):
    @property
    def clients(self) -> ClientRepository: ...

    @property
    def api_keys(self) -> ApiKeyRepository: ...

    @property
    def credentials(self) -> CredentialRepository: ...

    @property
    def policies(self) -> PolicyRepository: ...

    @property
    def global_rules(self) -> GlobalRulesRepository: ...

    @property
    def supplier_requests(self) -> SupplierRequestRepository: ...

    @property
    def customer_accounts(self) -> CustomerAccountRepository: ...

    @property
    def titles(self) -> TitleRepository: ...

    @property
    def customer_groups(self) -> CustomerGroupRepository: ...

    @property
    def managers(self) -> ManagerRepository: ...

    @property
    def orders(self) -> OrderRepository: ...

    @property
    def carts(self) -> CartRepository: ...

    @property
    def assignment_state(self) -> AssignmentStateRepository: ...

    @property
    def inquiries(self) -> InquiryRepository: ...

    @property
    def unmatched_emails(self) -> UnmatchedEmailRepository: ...

    @property
    def conversations(self) -> ConversationRepository: ...

    @property
    def received_events(self) -> ReceivedEventRepository: ...

    @property
    def products(self) -> ProductRepository: ...

    @property
    def payments(self) -> PaymentRepository: ...

    @property
    def financing_rates(self) -> FinancingRateRepository: ...

    @property
    def document_numbers(self) -> DocumentNumbering: ...

    @property
    def billing_documents(self) -> BillingDocumentRepository: ...

    @property
    def outbox(self) -> OutboxRepository: ...

    @property
    def processed(self) -> ProcessedMessages: ...

    @property
    def metrics(self) -> MetricsReader: ...

    @property
    def campaigns(self) -> CampaignRepository: ...

    @property
    def opt_outs(self) -> OptOutRegistry: ...

    @property
    def dashboard(self) -> DashboardReader: ...

    @property
    def assistant_conversations(self) -> AssistantConversationRepository: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class Joined:
    """An open unit of work lent to use cases that open and commit their own: entering it,
    committing and rolling back do nothing, so their writes join the caller's transaction
    (which commits once, at the end, or not at all). Everything else is the lender's."""

    def __init__(self, work: object) -> None:
        self._work = work

    def __getattr__(self, name: str) -> object:
        return getattr(self._work, name)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *args: object) -> None:
        return None

    def commit(self) -> None:
        return None

    def rollback(self) -> None:
        return None


def joined(work: UnitOfWork) -> UnitOfWork:
    """``work`` lent to use cases as a :class:`Joined` unit of work, typed as one."""
    return cast("UnitOfWork", Joined(work))
