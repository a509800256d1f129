"""The relational schema, as SQLAlchemy Core tables.

Nothing here is mapped to a domain class: repositories turn rows into aggregates explicitly
(:mod:`perla_adapters.sql.serialization`). The migrations in ``migrations/versions`` create
this same schema; a test compares the two.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Dialect,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    false,
    text,
)
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    }
)


class UtcDateTime(TypeDecorator[datetime]):
    """``timestamptz`` on PostgreSQL, text on SQLite; always timezone-aware UTC in Python.

    SQLite keeps no offset, so values are converted to UTC on the way in and marked UTC on
    the way out. Naive datetimes are refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: perla stores timezone-aware UTC")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, _dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


clients = Table(
    "clients",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("trade_name", String(200), nullable=False),
    Column("legal_name", String(200)),
    Column("tax_id_country", String(2)),
    Column("tax_id_number", String(32)),
    Column("country", String(2), nullable=False),
    Column("email", String(254)),
    Column("phone", String(32)),
    Column("website", String(500)),
    Column("business_type", String(32)),
    Column("markets", JSON, nullable=False),
    Column("source", String(200)),
    Column("sales_owner", String(200)),
    Column("notes", Text),
    Column("addresses", JSON, nullable=False),
    Column("contacts", JSON, nullable=False),
    Column("phase", String(16), nullable=False),
    Column("lead_status", String(32), nullable=False),
    Column("client_status", String(32)),
    Column("lost_reason", Text),
    Column("converted_at", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("search_text", Text, nullable=False),
    Column("onboarding", JSON, nullable=False, server_default=text("'{}'")),
    Column("estimate", JSON),
    Column("benchmark_access_until", UtcDateTime),
    Column("benchmark_access_id", String(200)),
    Column("benchmark_login", String(254)),
    Column("dome_customer_code", String(200)),
    Column("perlahub_agency_id", String(200)),
    Column("registration_error", Text),
    Column("validated_by", String(200)),
    Column("validated_at", UtcDateTime),
    Column("live_at", UtcDateTime),
    Column("technical_validations", JSON, nullable=False, server_default=text("'{}'")),
)
Index("ix_clients_phase", clients.c.phase)
Index("ix_clients_lead_status", clients.c.lead_status)
Index("ix_clients_client_status", clients.c.client_status)
Index("ix_clients_country", clients.c.country)
Index("ix_clients_created_at", clients.c.created_at.desc(), clients.c.id.desc())
Index("ix_clients_search_text", clients.c.search_text)
# NULLs never collide in a unique index on either database; the WHERE says so explicitly.
Index(
    "uq_clients_tax_id",
    clients.c.tax_id_country,
    clients.c.tax_id_number,
    unique=True,
    sqlite_where=clients.c.tax_id_number.is_not(None),
    postgresql_where=clients.c.tax_id_number.is_not(None),
)
Index(
    "uq_clients_dome_customer_code",
    clients.c.dome_customer_code,
    unique=True,
    sqlite_where=clients.c.dome_customer_code.is_not(None),
    postgresql_where=clients.c.dome_customer_code.is_not(None),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("role", String(32), nullable=False),
    Column("prefix", String(64), nullable=False),
    Column("secret_digest", String(128), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime),
    Column("version", Integer, nullable=False),
    UniqueConstraint("prefix", name="uq_api_keys_prefix"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("topic", String(100), nullable=False),
    Column("aggregate_id", Uuid, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("available_at", UtcDateTime),
    Column("last_error", Text),
    Column("correlation_id", String(128)),  # migration 0014
)
Index("ix_outbox_aggregate_id", outbox.c.aggregate_id)
Index("ix_outbox_status_available_at", outbox.c.status, outbox.c.available_at)

processed_messages = Table(
    "processed_messages",
    metadata,
    Column("message_id", Uuid, primary_key=True),
    Column("handler", String(200), primary_key=True),
    Column("processed_at", UtcDateTime, nullable=False),
)

credentials = Table(
    "credentials",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("client_id", Uuid, ForeignKey("clients.id"), nullable=False),
    Column("environment", String(16), nullable=False),
    Column("username", String(64), nullable=False),
    Column("secret_digest", String(128), nullable=False),
    Column("status", String(16), nullable=False),
    Column("status_reason", Text),
    Column("products", JSON, nullable=False),
    Column("currencies", JSON, nullable=False),
    Column("markets", JSON, nullable=False),
    Column("ip_allowlist", JSON, nullable=False),
    Column("rate_limit_per_minute", Integer, nullable=False),
    Column("policy_revision", Integer),
    Column("label", String(100)),
    Column("last_test_at", UtcDateTime),
    Column("last_test_ok", Boolean),
    Column("last_test_latency_ms", Integer),
    Column("last_test_message", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("secret_rotated_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime),
    Column("version", Integer, nullable=False),
    UniqueConstraint("username", name="uq_credentials_username"),
)
Index("ix_credentials_client_id", credentials.c.client_id)

commercial_policies = Table(
    "commercial_policies",
    metadata,
    Column("client_id", Uuid, ForeignKey("clients.id"), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("rules", JSON, nullable=False),
    Column("currencies", JSON, nullable=False),
    Column("products", JSON, nullable=False),
    Column("scheduled", JSON, nullable=False),
    # The earliest pending scheduled change, so the scheduler finds due policies by index.
    Column("next_due_at", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
Index("ix_commercial_policies_next_due_at", commercial_policies.c.next_due_at)

# Append-only: the migration installs triggers that refuse UPDATE and DELETE (and, on
# PostgreSQL, TRUNCATE) for every role; loading a policy reads its entries by revision.
policy_audit = Table(
    "policy_audit",
    metadata,
    Column("client_id", Uuid, ForeignKey("commercial_policies.client_id"), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("action", String(32), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("reason", Text, nullable=False),
    Column("rule_id", Uuid),
    Column("schedule_id", Uuid),
    Column("before", JSON),
    Column("after", JSON),
    PrimaryKeyConstraint("client_id", "revision", name="pk_policy_audit"),
)

# One row (id 1); decimals are kept as their exact text.
global_rules = Table(
    "global_rules",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("min_margin_percent", String(50), nullable=False),
    Column("max_margin_percent", String(50), nullable=False),
    Column("allowed_channels", JSON),
    Column("max_fixed_margin", JSON, nullable=False),
    CheckConstraint("id = 1", name="ck_global_rules_single_row"),
)

# A request to create a hotel as a supplier in Dome. Decimals (coordinates, percentages) are
# kept as their exact text; the tax id as its country and number; the contacts as a JSON
# array of {role, name, email, phone}.
supplier_requests = Table(
    "supplier_requests",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("name", String(200), nullable=False),
    Column("created_by", String(200), nullable=False),
    # identity
    Column("chain", String(200)),
    Column("stars", Integer),
    Column("address", String(200)),
    Column("city", String(200)),
    Column("postal_code", String(20)),
    Column("country", String(2)),
    Column("latitude", String(20)),
    Column("longitude", String(20)),
    Column("phone", String(32)),
    Column("email", String(254)),
    Column("website", String(500)),
    # administrative
    Column("legal_name", String(200)),
    Column("tax_id_country", String(2)),
    Column("tax_id_number", String(32)),
    # fiscal
    Column("vat_regime", String(32)),
    # banking
    Column("iban", String(34)),
    Column("bic", String(11)),
    Column("account_holder", String(200)),
    # commercial
    Column("contract_type", String(16)),
    Column("commission_pct", String(20)),
    Column("markup_pct", String(20)),
    Column("payment_basis", String(32)),
    Column("payment_days", Integer),
    Column("release_days", Integer),
    Column("cancellation_policy", Text),
    Column("contacts", JSON, nullable=False),
    # where the data came from and where the request is
    Column("matched_hotel_ref", String(200)),
    Column("suppliers_address", String(254)),
    Column("send_count", Integer, nullable=False),
    Column("send_requested_at", UtcDateTime),
    Column("send_requested_by", String(200)),
    Column("sent_at", UtcDateTime),
    Column("dome_supplier_code", String(40)),
    Column("acknowledged_at", UtcDateTime),
    Column("rejection_reason", Text),
    Column("rejected_at", UtcDateTime),
    Column("cancellation_reason", Text),
    Column("cancelled_at", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
Index("ix_supplier_requests_matched_hotel_ref", supplier_requests.c.matched_hotel_ref)
Index(
    "ix_supplier_requests_status_created_at",
    supplier_requests.c.status,
    supplier_requests.c.created_at,
)
Index("ix_supplier_requests_created_at", supplier_requests.c.created_at)

# The hotel directory: one row per supplier record (``ref``), and the blocks it is filed under.
# ``content_hash`` is a digest of the record's fields, so any process can tell whether the
# profile it cached for a ref is still the record's. Coordinates are binary doubles (a record
# keeps floats, and they come back exactly).
hotel_records = Table(
    "hotel_records",
    metadata,
    Column("ref", Text, primary_key=True),
    Column("content_hash", BigInteger, nullable=False),
    Column("source", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("country", String(2), nullable=False),
    Column("city", Text),
    Column("address", Text),
    Column("postal_code", Text),
    Column("chain", Text),
    Column("latitude", Double),
    Column("longitude", Double),
    Column("phone", String(32)),
    Column("stars", Integer),
    Column("email", String(254)),
    Column("website", Text),
)

# Keyed by ref first (replacing a record deletes its blocks by ref); the index on the block
# serves candidates and covers the ref. No row id on SQLite: the key is the row.
hotel_blocks = Table(
    "hotel_blocks",
    metadata,
    Column("ref", Text, nullable=False),
    Column("block", Text, nullable=False),
    PrimaryKeyConstraint("ref", "block", name="pk_hotel_blocks"),
    sqlite_with_rowid=False,
)
Index("ix_hotel_blocks_block_ref", hotel_blocks.c.block, hotel_blocks.c.ref)

# One row per import run; the rejected rows and duplicate pairs it reports are JSON arrays.
hotel_imports = Table(
    "hotel_imports",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("source", Text, nullable=False),
    Column("file_name", Text, nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("started_by", String(200), nullable=False),
    Column("status", String(16), nullable=False),
    Column("finished_at", UtcDateTime),
    Column("rows_read", Integer, nullable=False),
    Column("rows_stored", Integer, nullable=False),
    Column("rows_rejected", Integer, nullable=False),
    Column("rejected", JSON, nullable=False),
    Column("duplicates_found", Integer, nullable=False),
    Column("duplicates", JSON, nullable=False),
    Column("error", Text),
)
Index("ix_hotel_imports_started_at", hotel_imports.c.started_at, hotel_imports.c.id)

# --- inquiries (migration 0005) ---------------------------------------------------------------

# A guest's inquiry: the whole aggregate (guest, stay, messages, reminders, quotes, history) is
# the JSON ``body``; the columns beside it are what lists filter and sort on. Lists read the
# (pending_action, last_activity_at, id) index backwards; stage counts read (stage,
# pending_action) alone.
inquiries = Table(
    "inquiries",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("reference", String(32), nullable=False),
    Column("reply_token", String(64), nullable=False),
    Column("stage", String(16), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("guest_name", String(200), nullable=False),
    Column("guest_email", String(254)),
    Column("guest_phone", String(32)),
    Column("check_in", Date),
    Column("check_out", Date),
    Column("client_id", Uuid),
    Column("assigned_to", String(100)),
    Column("pending_action", Boolean, nullable=False),
    Column("last_activity_at", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("search_text", Text, nullable=False),
    Column("body", JSON, nullable=False),
    UniqueConstraint("reference", name="uq_inquiries_reference"),
    UniqueConstraint("reply_token", name="uq_inquiries_reply_token"),
)
Index(
    "ix_inquiries_pending_action_last_activity_at",
    inquiries.c.pending_action,
    inquiries.c.last_activity_at,
    inquiries.c.id,
)
Index("ix_inquiries_stage_pending_action", inquiries.c.stage, inquiries.c.pending_action)
Index("ix_inquiries_client_id", inquiries.c.client_id)
Index("ix_inquiries_assigned_to", inquiries.c.assigned_to)

# Every Message-ID of every inquiry (both directions): threading finds the inquiry by key, and
# the key makes a Message-ID belong to one inquiry only.
inquiry_message_ids = Table(
    "inquiry_message_ids",
    metadata,
    Column("message_id", Text, primary_key=True),
    Column("inquiry_id", Uuid, ForeignKey("inquiries.id"), nullable=False),
)
Index("ix_inquiry_message_ids_inquiry_id", inquiry_message_ids.c.inquiry_id)

# The reminders of the aggregate's body, one row each, kept in step on every save, so the
# scheduler's claim is a range scan of (status, due_at).
inquiry_reminders = Table(
    "inquiry_reminders",
    metadata,
    Column("inquiry_id", Uuid, ForeignKey("inquiries.id"), nullable=False),
    Column("reminder_id", Uuid, nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("status", String(16), nullable=False),
    # set once by the scheduler's hand-over; aggregate saves never write it
    Column("handed_over_at", UtcDateTime, nullable=True),
    PrimaryKeyConstraint("inquiry_id", "reminder_id", name="pk_inquiry_reminders"),
)
Index(
    "ix_inquiry_reminders_status_handed_over_at_due_at",
    inquiry_reminders.c.status,
    inquiry_reminders.c.handed_over_at,
    inquiry_reminders.c.due_at,
)

# Received e-mails no inquiry claimed, whole in ``body``; unique by Message-ID.
unmatched_emails = Table(
    "unmatched_emails",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("message_id", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("kept_at", UtcDateTime, nullable=False),
    Column("body", JSON, nullable=False),
    UniqueConstraint("message_id", name="uq_unmatched_emails_message_id"),
)
Index("ix_unmatched_emails_status_kept_at", unmatched_emails.c.status, unmatched_emails.c.kept_at)
Index("ix_unmatched_emails_kept_at", unmatched_emails.c.kept_at, unmatched_emails.c.id)

# --- customers, managers, orders and carts (migration 0006) -----------------------------------

# The catalogues: codes unique; the migration inserts the default titles and groups with the
# fixed ids of ``perla_core.customers.model``. Decimals are kept as their exact text.
titles = Table(
    "titles",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("code", String(32), nullable=False),
    Column("label", String(40), nullable=False),
    Column("active", Boolean, nullable=False),
    UniqueConstraint("code", name="uq_titles_code"),
)

customer_groups = Table(
    "customer_groups",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("code", String(32), nullable=False),
    Column("name", String(80), nullable=False),
    Column("discount_pct", String(20), nullable=False),
    Column("system", Boolean, nullable=False),
    UniqueConstraint("code", name="uq_customer_groups_code"),
)

# ``email_key`` is the e-mail case folded: its unique constraint is the case-insensitive one.
managers = Table(
    "managers",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("name", String(120), nullable=False),
    Column("email", String(254), nullable=False),
    Column("email_key", String(254), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("email_key", name="uq_managers_email_key"),
)

# One per lead or client. Addresses and contacts are JSON arrays; the contacts' titles are
# also rows of ``customer_contact_titles`` so a title in use cannot be deleted (foreign keys).
customer_accounts = Table(
    "customer_accounts",
    metadata,
    Column("client_id", Uuid, ForeignKey("clients.id"), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("group_id", Uuid, ForeignKey("customer_groups.id"), nullable=False),
    Column("title_id", Uuid, ForeignKey("titles.id")),
    Column("manager_id", Uuid, ForeignKey("managers.id")),
    Column("addresses", JSON, nullable=False),
    Column("contacts", JSON, nullable=False),
    Column("last_contact_at", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # campaigns (migration 0012)
    Column("whatsapp_consent", Boolean, nullable=False, server_default=false()),
    Column("survey_answers", JSON, nullable=False, server_default=text("'{}'")),
)
Index("ix_customer_accounts_group_id", customer_accounts.c.group_id)
Index("ix_customer_accounts_title_id", customer_accounts.c.title_id)
Index("ix_customer_accounts_manager_id", customer_accounts.c.manager_id)

customer_contact_titles = Table(
    "customer_contact_titles",
    metadata,
    Column("client_id", Uuid, ForeignKey("customer_accounts.client_id"), nullable=False),
    Column("contact_id", Uuid, nullable=False),
    Column("title_id", Uuid, ForeignKey("titles.id"), nullable=False),
    PrimaryKeyConstraint("client_id", "contact_id", name="pk_customer_contact_titles"),
)
Index("ix_customer_contact_titles_title_id", customer_contact_titles.c.title_id)

# The distribution rule and the round-robin cursor: one row (id 1) once saved.
assignment_state = Table(
    "assignment_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", Integer, nullable=False),
    Column("rule", String(32), nullable=False),
    Column("cursor", Uuid),
    CheckConstraint("id = 1", name="ck_assignment_state_single_row"),
)

# Order numbers: each ``next_number`` inserts a row and takes its key (a PostgreSQL serial
# sequence, SQLite AUTOINCREMENT), then deletes it: numbers never repeat, gaps are allowed.
order_numbers = Table(
    "order_numbers",
    metadata,
    Column("number", Integer, primary_key=True, autoincrement=True),
    sqlite_autoincrement=True,
)

# Lines are a JSON array (each with its total); the total and the cart value are stored in
# minor units (cents) so the KPI sums are exact integer sums on both databases.
orders = Table(
    "orders",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("number", Integer, nullable=False),
    Column("client_id", Uuid, ForeignKey("clients.id"), nullable=False),
    Column("manager_id", Uuid, ForeignKey("managers.id")),
    Column("currency", String(3), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("status", String(32), nullable=False),
    Column("lines", JSON, nullable=False),
    Column("total_minor", BigInteger, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("placed_at", UtcDateTime),
    Column("completed_at", UtcDateTime),
    Column("cancelled_at", UtcDateTime),
    Column("cancellation_reason", Text),
    # the purchase lifecycle (migration 0011): VAT per line lives in ``lines``
    Column("summary_version", Integer, nullable=False, server_default=text("0")),
    Column("summary_digest", String(64)),
    Column("summary_sent_at", UtcDateTime),
    Column("confirmed_at", UtcDateTime),
    Column("financing", JSON),
    Column("pre_invoice_document_id", String(100)),
    Column("pre_invoice_series", String(16)),
    Column("pre_invoice_number", BigInteger),
    Column("pre_invoiced_at", UtcDateTime),
    Column("erp_reference", String(100)),
    Column("recorded_at", UtcDateTime),
    Column("paid_minor", BigInteger, nullable=False, server_default=text("0")),
    Column("paid_at", UtcDateTime),
    Column("invoice_document_id", String(100)),
    Column("invoice_series", String(16)),
    Column("invoice_number", BigInteger),
    Column("invoiced_at", UtcDateTime),
    UniqueConstraint("number", name="uq_orders_number"),
)
Index("ix_orders_client_id", orders.c.client_id)
Index("ix_orders_manager_id_status", orders.c.manager_id, orders.c.status)
Index("ix_orders_created_at", orders.c.created_at, orders.c.id)
Index("ix_orders_status_updated_at", orders.c.status, orders.c.updated_at)

# Payments of orders (migration 0011), unique by the provider's payment id.
payments = Table(
    "payments",
    metadata,
    Column("payment_id", String(200), primary_key=True),
    Column("order_id", Uuid, ForeignKey("orders.id"), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("method", String(32), nullable=False),
    Column("paid_at", UtcDateTime, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("recorded_by", String(200), nullable=False),
    Column("channel", String(16), nullable=False),
)
Index("ix_payments_order_id_paid_at", payments.c.order_id, payments.c.paid_at)

carts = Table(
    "carts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("client_id", Uuid, ForeignKey("clients.id"), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(16), nullable=False),
    Column("lines", JSON, nullable=False),
    Column("value_minor", BigInteger, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("abandoned_at", UtcDateTime),
    Column("converted_at", UtcDateTime),
    Column("converted_order_id", Uuid),
)
Index("ix_carts_client_id", carts.c.client_id)
Index("ix_carts_status_updated_at", carts.c.status, carts.c.updated_at)

# --- conversations (migration 0007) -------------------------------------------------------------

# One conversation per contact, the aggregate whole in ``body`` (messages, handoffs, the flow's
# state and fields); beside it the columns the list filters and sorts on.
conversations = Table(
    "conversations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("contact", String(64), nullable=False),
    Column("owner", String(16), nullable=False),
    Column("last_inbound_at", UtcDateTime),
    Column("last_activity_at", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("body", JSON, nullable=False),
    UniqueConstraint("contact", name="uq_conversations_contact"),
)
Index(
    "ix_conversations_owner_last_activity_at",
    conversations.c.owner,
    conversations.c.last_activity_at,
    conversations.c.id,
)
Index("ix_conversations_last_activity_at", conversations.c.last_activity_at, conversations.c.id)

# Every message's perla id (``external_id``) and provider id, one row each, kept in step on
# every save: a status event finds its message by either (a ref belongs to one message).
conversation_message_refs = Table(
    "conversation_message_refs",
    metadata,
    Column("ref", String(200), primary_key=True),
    Column("conversation_id", Uuid, ForeignKey("conversations.id"), nullable=False),
    Column("message_id", Uuid, nullable=False),
)
Index("ix_conversation_message_refs_conversation_id", conversation_message_refs.c.conversation_id)

# Webhook events as they arrived, unique by the provider's event id; ``seq`` is the arrival
# order (a PostgreSQL serial, SQLite AUTOINCREMENT).
received_events = Table(
    "received_events",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(200), nullable=False),
    Column("contact", String(64)),
    Column("kind", String(16), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Column("processed_at", UtcDateTime),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", String(500)),
    Column("failure", String(500)),
    UniqueConstraint("event_id", name="uq_received_events_event_id"),
    sqlite_autoincrement=True,
)
Index(
    "ix_received_events_contact_processed_at_seq",
    received_events.c.contact,
    received_events.c.processed_at,
    received_events.c.seq,
)
Index(
    "ix_received_events_processed_at_received_at",
    received_events.c.processed_at,
    received_events.c.received_at,
)

# --- catalogue (issue 7) -----------------------------------------------------------------------
# Products by SKU; ``brand_key`` and ``search_text`` are folded (case and accents aside) for the
# filters; ``total_stock`` is the sum of ``product_stock``, kept in step on every save.
products = Table(
    "products",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("sku", String(64), nullable=False),
    Column("brand", String(200), nullable=False),
    Column("brand_key", String(200), nullable=False),
    Column("model", String(200), nullable=False),
    Column("category", String(16), nullable=False),
    Column("description", Text, nullable=False),
    Column("attributes", JSON, nullable=False),
    Column("vat_rate", String(8), nullable=False),
    Column("total_stock", Integer, nullable=False),
    Column("search_text", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("sku", name="uq_products_sku"),
)
Index("ix_products_brand_key_sku", products.c.brand_key, products.c.sku)
Index("ix_products_category_sku", products.c.category, products.c.sku)
Index("ix_products_total_stock", products.c.total_stock)

# A product's list prices, each valid from ``valid_from`` until ``valid_until`` (exclusive,
# null: until replaced); amounts in minor units (cents) of ARS or USD.
product_prices = Table(
    "product_prices",
    metadata,
    Column("product_id", Uuid, ForeignKey("products.id"), nullable=False),
    Column("valid_from", UtcDateTime, nullable=False),
    Column("valid_until", UtcDateTime),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    PrimaryKeyConstraint("product_id", "valid_from", name="pk_product_prices"),
)
Index(
    "ix_product_prices_valid_from_valid_until",
    product_prices.c.valid_from,
    product_prices.c.valid_until,
)

product_stock = Table(
    "product_stock",
    metadata,
    Column("product_id", Uuid, ForeignKey("products.id"), nullable=False),
    Column("warehouse", String(64), nullable=False),
    Column("quantity", Integer, nullable=False),
    PrimaryKeyConstraint("product_id", "warehouse", name="pk_product_stock"),
    CheckConstraint("quantity >= 0", name="ck_product_stock_quantity_not_negative"),
)

# --- financing rates (issue 8) -----------------------------------------------------------------
# The rates table, replaced as a whole; percentages exact (NUMERIC(12, 6)), money in minor units;
# valid from ``valid_from`` (inclusive) until ``valid_until`` (exclusive, null: until replaced).
financing_rates = Table(
    "financing_rates",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("min_installments", Integer, nullable=False),
    Column("max_installments", Integer, nullable=False),
    Column("kind", String(8), nullable=False),
    Column("rate", Numeric(12, 6), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_until", Date),
    Column("currency", String(3), nullable=False),
    Column("origination_fee_percent", Numeric(12, 6), nullable=False),
    Column("fixed_fee_minor", BigInteger),
    Column("minimum_amount_minor", BigInteger),
    Column("vat_on_interest_percent", Numeric(12, 6), nullable=False),
    Column("description", String(200), nullable=False),
    CheckConstraint(
        "min_installments >= 1 AND max_installments >= min_installments",
        name="ck_financing_rates_installments_range",
    ),
)

# --- billing documents (issue 8) ---------------------------------------------------------------
# One counter row per series: ``last_number`` is the last number issued. Taking a number is one
# ``UPDATE ... SET last_number = last_number + 1 RETURNING``, which row-locks the series until
# the transaction ends, so numbers are gapless (a rollback gives it back) and never doubled.
document_series = Table(
    "document_series",
    metadata,
    Column("series", String(32), primary_key=True),
    Column("last_number", Integer, nullable=False),
    CheckConstraint("last_number >= 0", name="ck_document_series_last_number_not_negative"),
)

# The issued pre-invoices and invoices; the total in minor units; the PDF's store key and hash.
billing_documents = Table(
    "billing_documents",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("series", String(32), nullable=False),
    Column("number", Integer, nullable=False),
    Column("order_id", Uuid),
    Column("buyer_tax_country", String(2), nullable=False),
    Column("buyer_tax_number", String(32), nullable=False),
    Column("total_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("issued_at", UtcDateTime, nullable=False),
    Column("storage_key", String(512), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    UniqueConstraint("series", "number", name="uq_billing_documents_series_number"),
)
Index("ix_billing_documents_order_id", billing_documents.c.order_id)

# --- campaigns (migration 0012) ------------------------------------------------------------------

# A campaign run: its configuration (JSON) and lifecycle.
campaign_runs = Table(
    "campaign_runs",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("campaign", String(32), nullable=False),
    Column("config", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("started_at", UtcDateTime),
    Column("finished_at", UtcDateTime),
    Column("next_dispatch_at", UtcDateTime),
)
Index("ix_campaign_runs_status", campaign_runs.c.status)

# One row per (run, client): selected ones pending → sent → ..., excluded ones with the reason.
campaign_recipients = Table(
    "campaign_recipients",
    metadata,
    Column("run_id", Uuid, ForeignKey("campaign_runs.id"), nullable=False),
    Column("client_id", Uuid, nullable=False),
    Column("contact", String(64)),
    Column("status", String(16), nullable=False),
    Column("exclusion", String(32)),
    Column("sent_at", UtcDateTime),
    Column("sent_on", Date),
    Column("conversation_id", Uuid),
    Column("message_ref", String(200)),
    Column("answered_at", UtcDateTime),
    Column("finished_at", UtcDateTime),
    Column("answers", JSON, nullable=False),
    PrimaryKeyConstraint("run_id", "client_id", name="pk_campaign_recipients"),
)
Index(
    "ix_campaign_recipients_run_id_status",
    campaign_recipients.c.run_id,
    campaign_recipients.c.status,
)
Index(
    "ix_campaign_recipients_client_id_sent_at",
    campaign_recipients.c.client_id,
    campaign_recipients.c.sent_at,
)
Index("ix_campaign_recipients_sent_on", campaign_recipients.c.sent_on)

# WhatsApp numbers (as conversations key them) that opted out of every campaign.
campaign_opt_outs = Table(
    "campaign_opt_outs",
    metadata,
    Column("contact", String(64), primary_key=True),
    Column("opted_out_at", UtcDateTime, nullable=False),
    Column("source", String(200), nullable=False),
)

# --- the assistant's conversations (migration 0013) -----------------------------------------------

# One row per conversation: who opened it (``owner``) with which role, the pending proposal and the
# form being gathered (JSON); the entries are rows of ``assistant_entries``, appended by position.
assistant_conversations = Table(
    "assistant_conversations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("owner", String(200), nullable=False),
    Column("role", String(32), nullable=False),
    Column("title", String(200), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("proposal", JSON),
    Column("form", JSON),
)
Index(
    "ix_assistant_conversations_owner_updated_at_id",
    assistant_conversations.c.owner,
    assistant_conversations.c.updated_at,
    assistant_conversations.c.id,
)

assistant_entries = Table(
    "assistant_entries",
    metadata,
    Column("conversation_id", Uuid, ForeignKey("assistant_conversations.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("text", Text, nullable=False),
    Column("data", JSON, nullable=False),
    PrimaryKeyConstraint("conversation_id", "position", name="pk_assistant_entries"),
)
