"""The database boundary: rows and JSON columns to and from domain objects.

One cattrs converter holds every hook (value objects as their canonical strings, enums as
their values, datetimes as ISO 8601 strings with their offset, dates as ISO 8601, decimals
and UUIDs as text, sets as sorted lists), so domain classes carry no serialisation code.
Clients, API keys and outbox rows map field by field here, in plain sight (credentials,
policies and supplier requests beside their repositories, in
:mod:`~perla_adapters.sql.credentials`, :mod:`~perla_adapters.sql.policies` and
:mod:`~perla_adapters.sql.suppliers`); events become a tagged payload
``{"type": "<area.event_name>", ...fields}`` resolved through
:data:`perla_core.kernel.events.EVENT_TYPES`, so renaming a class never breaks a stored
outbox row.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, get_type_hints
from uuid import UUID

import cattrs

from perla_core.access.model import ApiKey, Role
from perla_core.kernel.events import EVENT_TYPES, event_name
from perla_core.kernel.values import Email, Phone, TaxId
from perla_core.onboarding.model import (
    Address,
    BusinessType,
    Client,
    ClientStatus,
    CommercialEstimate,
    Contact,
    LeadStatus,
    OnboardingConfig,
    Phase,
)
from perla_core.outbox import OutboxMessage, OutboxStatus
from perla_core.policies.model import MarginRule, PolicyAction, PolicyChange

Row = Mapping[Any, Any]


def _structure_datetime(value: object, _: type) -> datetime:
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        raise ValueError(f"naive datetime {value!r} at the database boundary")
    return parsed


def _structure_decimal(value: object, _: type) -> Decimal:
    if isinstance(value, float):
        raise TypeError(f"the float {value!r} is not an exact decimal")
    return value if isinstance(value, Decimal) else Decimal(str(value))


def make_converter() -> cattrs.Converter:
    converter = cattrs.Converter(
        unstruct_collection_overrides={tuple: list, frozenset: sorted, set: sorted}
    )
    converter.register_unstructure_hook(datetime, datetime.isoformat)
    converter.register_structure_hook(datetime, _structure_datetime)
    converter.register_unstructure_hook(date, date.isoformat)
    converter.register_structure_hook(
        date, lambda v, _: v if isinstance(v, date) else date.fromisoformat(str(v))
    )
    converter.register_unstructure_hook(Decimal, str)
    converter.register_structure_hook(Decimal, _structure_decimal)
    converter.register_unstructure_hook(UUID, str)
    converter.register_structure_hook(UUID, lambda v, _: v if isinstance(v, UUID) else UUID(v))
    converter.register_unstructure_hook(Enum, lambda e: e.value)
    converter.register_unstructure_hook(Email, lambda e: e.value)
    converter.register_structure_hook(Email, lambda v, _: Email(str(v)))
    converter.register_unstructure_hook(Phone, lambda p: p.e164)
    converter.register_structure_hook(Phone, lambda v, _: Phone(str(v)))
    converter.register_unstructure_hook(
        PolicyChange, lambda change: _unstructure_change(converter, change)
    )
    converter.register_structure_hook(
        PolicyChange, lambda data, _: _structure_change(converter, data)
    )
    return converter


# A change's field values are kept by what they are; they load as the margin rule field they
# set (a value given as "12.5" comes back as Decimal("12.5"), which the change applies alike).
_RULE_FIELD_TYPES: dict[str, Any] = get_type_hints(MarginRule)


def _unstructure_change(converter: cattrs.Converter, change: PolicyChange) -> dict[str, Any]:
    return {
        "action": change.action.value,
        "rule": None if change.rule is None else converter.unstructure(change.rule, MarginRule),
        "rule_id": None if change.rule_id is None else str(change.rule_id),
        "changes": [[name, converter.unstructure(value)] for name, value in change.changes],
        "currencies": None if change.currencies is None else sorted(change.currencies),
        "products": None if change.products is None else sorted(change.products),
    }


def _structure_change(converter: cattrs.Converter, data: Mapping[str, Any]) -> PolicyChange:
    return PolicyChange(
        action=PolicyAction(data["action"]),
        rule=None if data["rule"] is None else converter.structure(data["rule"], MarginRule),
        rule_id=None if data["rule_id"] is None else UUID(data["rule_id"]),
        changes=tuple(
            (name, converter.structure(value, _RULE_FIELD_TYPES[name]))
            for name, value in data["changes"]
        ),
        currencies=data["currencies"],
        products=data["products"],
    )


converter = make_converter()


# --- events -----------------------------------------------------------------------------


def event_to_payload(event: object) -> dict[str, Any]:
    """``{"type": event_name, **fields}``, JSON-able."""
    fields: dict[str, Any] = converter.unstructure(event)
    return {"type": event_name(event), **fields}


def event_from_payload(payload: Mapping[str, Any]) -> Any:
    data = dict(payload)
    name = data.pop("type", None)
    event_type = EVENT_TYPES.get(str(name))
    if event_type is None:
        raise ValueError(f"no domain event is registered as {name!r}")
    return converter.structure(data, event_type)


# --- clients ----------------------------------------------------------------------------


def client_to_row(client: Client) -> dict[str, Any]:
    """Every column of ``clients``; ``events`` stay out of the table."""
    return {
        "id": client.id,
        "version": client.version,
        "trade_name": client.trade_name,
        "legal_name": client.legal_name,
        "tax_id_country": client.tax_id.country if client.tax_id else None,
        "tax_id_number": client.tax_id.number if client.tax_id else None,
        "country": client.country,
        "email": client.email.value if client.email else None,
        "phone": client.phone.e164 if client.phone else None,
        "website": client.website,
        "business_type": client.business_type.value if client.business_type else None,
        "markets": list(client.markets),
        "source": client.source,
        "sales_owner": client.sales_owner,
        "notes": client.notes,
        "addresses": converter.unstructure(client.addresses, tuple[Address, ...]),
        "contacts": converter.unstructure(client.contacts, tuple[Contact, ...]),
        "phase": client.phase.value,
        "lead_status": client.lead_status.value,
        "client_status": client.client_status.value if client.client_status else None,
        "lost_reason": client.lost_reason,
        "converted_at": client.converted_at,
        "created_at": client.created_at,
        "updated_at": client.updated_at,
        "search_text": client.search_text,
        "onboarding": converter.unstructure(client.onboarding, OnboardingConfig),
        "estimate": converter.unstructure(client.estimate, CommercialEstimate | None),
        "benchmark_access_until": client.benchmark_access_until,
        "benchmark_access_id": client.benchmark_access_id,
        "benchmark_login": client.benchmark_login,
        "dome_customer_code": client.dome_customer_code,
        "perlahub_agency_id": client.perlahub_agency_id,
        "registration_error": client.registration_error,
        "validated_by": client.validated_by,
        "validated_at": client.validated_at,
        "live_at": client.live_at,
        "technical_validations": dict(client.technical_validations),
    }


def client_from_row(row: Row) -> Client:
    tax_number = row["tax_id_number"]
    return Client(
        id=row["id"],
        trade_name=row["trade_name"],
        country=row["country"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        legal_name=row["legal_name"],
        tax_id=None if tax_number is None else TaxId(row["tax_id_country"], tax_number),
        email=None if row["email"] is None else Email(row["email"]),
        phone=None if row["phone"] is None else Phone(row["phone"]),
        website=row["website"],
        business_type=None if row["business_type"] is None else BusinessType(row["business_type"]),
        markets=tuple(row["markets"]),
        source=row["source"],
        sales_owner=row["sales_owner"],
        notes=row["notes"],
        addresses=converter.structure(row["addresses"], tuple[Address, ...]),
        contacts=converter.structure(row["contacts"], tuple[Contact, ...]),
        phase=Phase(row["phase"]),
        lead_status=LeadStatus(row["lead_status"]),
        client_status=None if row["client_status"] is None else ClientStatus(row["client_status"]),
        lost_reason=row["lost_reason"],
        converted_at=row["converted_at"],
        onboarding=converter.structure(row["onboarding"], OnboardingConfig),
        estimate=(
            None
            if row["estimate"] is None
            else converter.structure(row["estimate"], CommercialEstimate)
        ),
        benchmark_access_until=row["benchmark_access_until"],
        benchmark_access_id=row["benchmark_access_id"],
        benchmark_login=row["benchmark_login"],
        dome_customer_code=row["dome_customer_code"],
        perlahub_agency_id=row["perlahub_agency_id"],
        registration_error=row["registration_error"],
        validated_by=row["validated_by"],
        validated_at=row["validated_at"],
        live_at=row["live_at"],
        technical_validations=dict(row["technical_validations"]),
        version=row["version"],
    )


# --- API keys ---------------------------------------------------------------------------


def api_key_to_row(key: ApiKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "name": key.name,
        "role": key.role.value,
        "prefix": key.prefix,
        "secret_digest": key.secret_digest,
        "created_at": key.created_at,
        "revoked_at": key.revoked_at,
        "version": key.version,
    }


def api_key_from_row(row: Row) -> ApiKey:
    return ApiKey(
        id=row["id"],
        name=row["name"],
        role=Role(row["role"]),
        prefix=row["prefix"],
        secret_digest=row["secret_digest"],
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
        version=row["version"],
    )


# --- outbox -----------------------------------------------------------------------------


def outbox_to_row(message: OutboxMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "topic": message.topic,
        "aggregate_id": message.aggregate_id,
        "payload": event_to_payload(message.event),
        "created_at": message.created_at,
        "status": message.status.value,
        "attempts": message.attempts,
        "available_at": message.available_at,
        "last_error": message.last_error,
        "correlation_id": message.correlation_id,
    }


def outbox_from_row(row: Row) -> OutboxMessage:
    return OutboxMessage(
        id=row["id"],
        topic=row["topic"],
        aggregate_id=row["aggregate_id"],
        event=event_from_payload(row["payload"]),
        created_at=row["created_at"],
        status=OutboxStatus(row["status"]),
        attempts=row["attempts"],
        available_at=row["available_at"],
        last_error=row["last_error"],
        correlation_id=row["correlation_id"],
    )
