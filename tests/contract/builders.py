"""Aggregates for the contract suites, with every field worth storing filled in."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs
from attrs import AttrsInstance

from perla_adapters.memory import FixedClock, SequentialIds
from perla_core.access.model import digest
from perla_core.credentials.model import (
    ConnectionTest,
    Credential,
    CredentialStatus,
    Environment,
    Product,
)
from perla_core.kernel.values import Email
from perla_core.onboarding.model import Address, BusinessType, Client, ClientStatus, Phase
from perla_core.policies.model import (
    CommercialPolicy,
    DateRange,
    GlobalRules,
    MarginKind,
    MarginRule,
    PolicyChange,
)
from perla_core.suppliers.commands import HotelContactInput, PaymentTermsInput
from perla_core.suppliers.fields import parse_fields
from perla_core.suppliers.model import SupplierRequest
from perla_core.uow import UnitOfWork

NewUow = Callable[[], UnitOfWork]

AGENT = "ana.agent"
REASON = "agreed with the client in the March meeting"
LIMITS = GlobalRules()
BUENOS_AIRES = timezone(timedelta(hours=-3))


def fields_of(aggregate: AttrsInstance) -> dict[str, object]:
    """Every attrs field but the pending events: what a round trip must keep."""
    names = (f.name for f in attrs.fields(type(aggregate)))
    return {name: getattr(aggregate, name) for name in names if name != "events"}


def a_validated_client(clock: FixedClock, ids: SequentialIds, n: int = 1) -> Client:
    """A client whose record an agent validated (credentials and policies are for it)."""
    return Client(
        id=ids.new_id(),
        trade_name=f"Viajes {n}",
        country="ES",
        created_at=clock.now(),
        updated_at=clock.now(),
        legal_name=f"Viajes {n} S.L.",
        email=Email.parse(f"reservas{n}@viajes.es"),
        business_type=BusinessType.TRAVEL_AGENCY,
        addresses=(Address("Gran Vía 1", "Madrid", "28013", "ES", default_billing=True),),
        phase=Phase.CLIENT,
        client_status=ClientStatus.VALIDATED,
        validated_by=AGENT,
        validated_at=clock.now(),
    )


def stored_clients(new_uow: NewUow, *clients: Client) -> None:
    """Commit ``clients`` (rows the credentials and policies refer to)."""
    with new_uow() as uow:
        for client in clients:
            uow.clients.add(client)
        uow.commit()


def a_credential(
    clock: FixedClock,
    ids: SequentialIds,
    client: Client,
    *,
    username: str | None = None,
    environment: Environment = Environment.LIVE,
) -> Credential:
    """A live credential with every optional field set, its times in several offsets."""
    credential_id = ids.new_id()
    return Credential(
        id=credential_id,
        client_id=client.id,
        environment=environment,
        username=username or f"nandu-{credential_id.hex[-6:]}",
        secret_digest=digest("s3cret"),
        products=(Product.HOTELS, Product.TRANSFERS),
        currencies=("EUR", "USD"),
        markets=("AR", "ES"),
        ip_allowlist=(
            ipaddress.ip_network("203.0.113.0/24"),
            ipaddress.ip_network("2001:db8::/48"),
        ),
        rate_limit_per_minute=120,
        policy_revision=3,
        label="Motor de reservas B2B",
        created_at=clock.now(),
        updated_at=datetime(2026, 2, 1, 18, 0, 0, 1, tzinfo=UTC),
        secret_rotated_at=datetime(2026, 1, 20, 7, 30, tzinfo=BUENOS_AIRES),
        status=CredentialStatus.SUSPENDED,
        status_reason="pagos pendientes",
        last_connection_test=ConnectionTest(
            at=datetime(2026, 1, 21, 10, 0, 0, 250000, tzinfo=UTC),
            ok=True,
            latency_ms=87,
            message="búsqueda de prueba correcta",
        ),
    )


def a_policy(clock: FixedClock, ids: SequentialIds, client: Client) -> CommercialPolicy:
    """A policy with two rules (one changed), a priced scope and two pending scheduled
    changes: six audit entries, each with its before/after snapshots."""
    now = clock.now()
    policy = CommercialPolicy.open(client_id=client.id, now=now, actor=AGENT)
    base = MarginRule(
        id=ids.new_id(),
        name="Base",
        kind="percent",
        value="12.5",
        booking_period=DateRange(date(2026, 1, 1), date(2026, 12, 31)),
    )
    beach = MarginRule(
        id=ids.new_id(),
        name="Hoteles de playa",
        kind="fixed",
        value="7.25",
        currency="EUR",
        priority=5,
        booking_period=DateRange(date(2026, 3, 1), date(2026, 9, 30)),
        stay_period=DateRange(date(2026, 6, 1), date(2026, 9, 15)),
        hotels={"H-PLAYA-1", "H-PLAYA-2"},
        channels={"b2b"},
        suppliers={"S1"},
    )
    for rule in (base, beach):
        policy.add_rule(rule, global_rules=LIMITS, actor=AGENT, now=now, reason=REASON)
    policy.change_rule(
        base.id, {"value": "14", "priority": 1}, global_rules=LIMITS, actor=AGENT, now=now,
        reason=REASON,
    )  # fmt: skip
    policy.set_priced(
        currencies=["EUR", "USD"], products=["hotels", "transfers"], global_rules=LIMITS,
        actor=AGENT, now=now, reason=REASON,
    )  # fmt: skip
    schedule(policy, ids, PolicyChange.disable(beach.id), now + timedelta(days=30))
    later = {
        "kind": MarginKind.PERCENT,
        "value": Decimal("15.5"),
        "currency": None,
        "booking_period": DateRange(date(2027, 1, 1), date(2027, 12, 31)),
        "stay_period": None,
        "hotels": frozenset({"H-PLAYA-1"}),
    }
    schedule(policy, ids, PolicyChange.change(beach.id, later), now + timedelta(days=60))
    return policy


def schedule(
    policy: CommercialPolicy, ids: SequentialIds, change: PolicyChange, effective_at: datetime
) -> None:
    policy.schedule_change(
        ids.new_id(),
        change,
        effective_at=effective_at,
        global_rules=LIMITS,
        actor=AGENT,
        now=policy.updated_at,
        reason=REASON,
    )


def complete_hotel(**overrides: Any) -> dict[str, Any]:
    """Every field the Suppliers team needs, as primitives (a hotel in Cádiz, commission
    contract; contacts reachable one by e-mail, one by phone)."""
    fields: dict[str, Any] = {
        "name": "Hotel Playa Victoria",
        "chain": "Palafox Hoteles",
        "stars": 4,
        "address": "Glorieta Ingeniero La Cierva 4",
        "city": "Cádiz",
        "postal_code": "11010",
        "country": "ES",
        "latitude": "36.517220",
        "longitude": "-6.281390",
        "phone": "956 20 51 00",
        "email": "Reservas@PalafoxHoteles.com",
        "website": "www.palafoxhoteles.com",
        "legal_name": "Hoteles Ñandú S.L.",
        "tax_id": "B58378431",
        "vat_regime": "general",
        "iban": "ES91 2100 0418 4502 0005 1332",
        "bic": "CAIXESBBXXX",
        "account_holder": "Hoteles Ñandú, S.L.",
        "contract_type": "commission",
        "commission_pct": "15,5",
        "payment_terms": PaymentTermsInput("after_invoice", 30),
        "release_days": 7,
        "cancellation_policy": "Gratis hasta 48 h antes de la llegada.\nDespués, 1 noche.",
        "contacts": [
            HotelContactInput("reservations", "Lucía Pérez", email="reservas@palafoxhoteles.com"),
            HotelContactInput("accounting", "Íñigo Sáez", phone="+34 956 20 51 01"),
            HotelContactInput(
                "general_manager", "Ana Ruiz", email="direccion@palafox.es", phone="+34600123456"
            ),
        ],
    }
    fields.update(overrides)
    return fields


def a_supplier_request(
    clock: FixedClock,
    ids: SequentialIds,
    raw: dict[str, Any] | None = None,
    *,
    hotel_ref: str | None = None,
) -> SupplierRequest:
    """A request created now from ``raw`` (by default :func:`complete_hotel`), its creation
    event pending."""
    details = parse_fields(complete_hotel() if raw is None else raw, country=None)
    name = details.pop("name")
    return SupplierRequest.create(
        request_id=ids.new_id(),
        name=name,
        now=clock.now(),
        actor=AGENT,
        matched_hotel_ref=hotel_ref,
        **details,
    )


def a_supplier_request_acknowledged_after_a_rejection(
    clock: FixedClock, ids: SequentialIds, *, hotel_ref: str | None = "H-CADIZ-1"
) -> SupplierRequest:
    """A complete request sent, rejected, corrected, sent again and acknowledged: every
    detail and every bookkeeping field of a send set, its times in several offsets."""
    request = a_supplier_request(clock, ids, hotel_ref=hotel_ref)
    first = datetime(2026, 1, 16, 8, 0, 0, 500, tzinfo=BUENOS_AIRES)
    request.request_send("suppliers@perlatours.com", now=first, actor=AGENT)
    request.mark_sent(now=first + timedelta(minutes=1), actor="outbox")
    request.reject("Falta el certificado bancario", now=first + timedelta(days=1), actor="sup")
    again = datetime(2026, 1, 20, 9, 30, tzinfo=UTC)
    request.request_send("Proveedores@PerlaTours.com", now=again, actor="luis.agent")
    request.mark_sent(now=again + timedelta(seconds=3), actor="outbox")
    request.acknowledge("PRV-000123", now=again + timedelta(days=1), actor="sup")
    return request
