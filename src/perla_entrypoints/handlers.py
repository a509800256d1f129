"""Which outbox handler runs for which event: the wiring of side effects to other systems.

Handler names are stable: they key the idempotency records (``processed_messages``), so a
renamed handler would run again for messages already handled.

The handlers send through :class:`LoggedMessenger` and :class:`LoggedMailer`, which log each
send (``whatsapp.sent`` / ``whatsapp.send_failed``, ``mail.sent`` / ``mail.send_failed``); a
delivery runs under its outbox message's correlation id, so those lines carry the id of the
request that started the chain (addresses and numbers are masked by the logging setup).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import structlog

from perla_core import conversations
from perla_core.answers.catalogue import index_product
from perla_core.catalogue import events as cat
from perla_core.credentials import events as cred
from perla_core.inquiries import delivery as inquiry_delivery
from perla_core.mail import Mailer, OutgoingEmail
from perla_core.messaging import Messenger, OutgoingMessage, SentMessage
from perla_core.onboarding import events as onb
from perla_core.onboarding import registration, sync
from perla_core.orders import events as orders_events
from perla_core.orders import sales
from perla_core.outbox import HandlerRegistry, OutboxMessage
from perla_core.policies import events as pol
from perla_core.suppliers import delivery
from perla_core.suppliers import events as sup
from perla_entrypoints.billing_wiring import with_billing_handlers
from perla_entrypoints.campaign_handlers import with_campaign_handlers
from perla_entrypoints.container import Container, settings_of

CREDENTIAL_TOPICS: tuple[str, ...] = tuple(
    e.event_name
    for e in (
        cred.CredentialIssued,
        cred.CredentialEdited,
        cred.CredentialSuspended,
        cred.CredentialReactivated,
        cred.CredentialRevoked,
        cred.CredentialSecretRotated,
    )
)
CATALOGUE_TOPICS: tuple[str, ...] = tuple(
    e.event_name for e in (cat.ProductChanged, cat.PriceChanged, cat.StockChanged)
)
SEARCH_INDEX_HANDLER = "search.index_product"
POLICY_TOPICS: tuple[str, ...] = tuple(
    e.event_name
    for e in (
        pol.PolicyRuleAdded,
        pol.PolicyRuleChanged,
        pol.PolicyRuleRemoved,
        pol.PolicyRuleEnabled,
        pol.PolicyRuleDisabled,
        pol.ScheduledChangeApplied,
    )
)


log = structlog.get_logger("perla.handlers")


class LoggedMessenger:
    """A :class:`Messenger` that logs every send and its outcome (then re-raises)."""

    def __init__(self, inner: Messenger) -> None:
        self._inner = inner

    def send(
        self,
        message: OutgoingMessage,
        *,
        to: str,
        from_: str,
        external_id: str,
        last_inbound_at: datetime | None = None,
    ) -> SentMessage:
        try:
            sent = self._inner.send(
                message,
                to=to,
                from_=from_,
                external_id=external_id,
                last_inbound_at=last_inbound_at,
            )
        except Exception as exc:
            log.warning(
                "whatsapp.send_failed", to=to, external_id=external_id, error=type(exc).__name__
            )
            raise
        log.info("whatsapp.sent", to=to, external_id=external_id, provider_id=sent.provider_id)
        return sent


class LoggedMailer:
    """A :class:`Mailer` that logs every send and its outcome (then re-raises)."""

    def __init__(self, inner: Mailer) -> None:
        self._inner = inner

    def send(self, email: OutgoingEmail) -> None:
        try:
            self._inner.send(email)
        except Exception as exc:
            log.warning(
                "mail.send_failed",
                to=list(email.recipients),
                message_id=email.message_id,
                error=type(exc).__name__,
            )
            raise
        log.info("mail.sent", to=list(email.recipients), message_id=email.message_id)


def build_handlers(container: Container) -> HandlerRegistry:
    """The registry of every handler perla runs, bound to the container's ports."""
    uow, clock = container.uow, container.clock

    def mailer() -> Mailer:
        return LoggedMailer(container.mailer())

    def messenger() -> Messenger:
        return LoggedMessenger(container.messenger())

    def dome_customer(event: Any, _: OutboxMessage) -> None:
        registration.register_in_dome(event.aggregate_id, uow(), container.dome(), clock())

    def perlahub_agency(event: Any, _: OutboxMessage) -> None:
        if getattr(event, "system", "dome") != "dome":
            return
        registration.register_in_perlahub(event.aggregate_id, uow(), container.perlahub(), clock())

    def benchmark(event: Any, _: OutboxMessage) -> None:
        registration.open_benchmark_access(event.aggregate_id, uow(), container.perlahub(), clock())

    def credential(event: Any, _: OutboxMessage) -> None:
        sync.push_credential(event.aggregate_id, uow(), container.perlahub())

    def policy(event: Any, _: OutboxMessage) -> None:
        sync.push_policy(event.aggregate_id, uow(), container.perlahub())

    def agency_state(event: Any, _: OutboxMessage) -> None:
        if getattr(event, "system", None) != "perlahub":
            return
        sync.push_policy(event.aggregate_id, uow(), container.perlahub())
        sync.push_credentials_of(event.aggregate_id, uow(), container.perlahub())

    def supplier_email(event: Any, _: OutboxMessage) -> None:
        settings = settings_of(container)
        delivery.email_supplier_request(
            event.aggregate_id,
            event.send_number,
            event.suppliers_address,
            settings.mail_from,
            uow(),
            mailer(),
            clock(),
        )

    def whatsapp_send(event: Any, _: OutboxMessage) -> None:
        conversations.send_queued_message(
            event.aggregate_id, event.message_ref, uow(), messenger(), clock()
        )

    def notify_operators(event: Any, _: OutboxMessage) -> None:
        settings = settings_of(container)
        conversations.notify_operators(
            event.aggregate_id,
            event.handoff_ref,
            uow(),
            mailer(),
            messenger(),
            clock(),
            operators_email=settings.operators_email,
            operators_whatsapp=settings.operators_whatsapp,
            sender=settings.whatsapp_sender,
            mail_from=settings.mail_from,
        )

    def erp_order(event: Any, _: OutboxMessage) -> None:
        sales.record_in_erp(event.aggregate_id, uow(), container.dome(), clock())

    def search_index(event: Any, _: OutboxMessage) -> None:
        index_product(
            event.sku, uow(), clock(), container.exchange_rate(), container.search_index()
        )

    registry = HandlerRegistry()
    registry = registry.with_handler(
        orders_events.OrderPreInvoiced.event_name, sales.ERP_OPERATION, erp_order
    )
    for topic in CATALOGUE_TOPICS:
        registry = registry.with_handler(topic, SEARCH_INDEX_HANDLER, search_index)
    registry = registry.with_handler(
        conversations.SEND_TOPIC, conversations.SEND_HANDLER, whatsapp_send
    )
    registry = registry.with_handler(
        conversations.NOTIFY_TOPIC, conversations.NOTIFY_HANDLER, notify_operators
    )
    registry = registry.with_handler(
        sup.SupplierRequestSendRequested.event_name, "mail.supplier_request", supplier_email
    )
    for topic in (onb.LeadConverted.event_name, onb.RegistrationRequested.event_name):
        registry = registry.with_handler(topic, "dome.create_customer", dome_customer)
    for topic in (onb.RegistrationRecorded.event_name, onb.RegistrationRequested.event_name):
        registry = registry.with_handler(topic, "perlahub.create_agency", perlahub_agency)
    registry = registry.with_handler(
        onb.BenchmarkAccessRequested.event_name, "perlahub.open_benchmark_access", benchmark
    )
    registry = registry.with_handler(
        onb.RegistrationRecorded.event_name, "perlahub.push_agency_state", agency_state
    )
    for topic in CREDENTIAL_TOPICS:
        registry = registry.with_handler(topic, "perlahub.push_credential", credential)
    for topic in POLICY_TOPICS:
        registry = registry.with_handler(topic, "perlahub.push_policy", policy)
    registry = with_billing_handlers(registry, container)
    registry = with_campaign_handlers(registry, container)
    return inquiry_delivery.with_inquiry_handlers(
        registry,
        uow=container.uow,
        mailer=mailer,
        clock=container.clock,
        ids=container.ids,
        mailbox=container.inquiry_mailbox,
    )
