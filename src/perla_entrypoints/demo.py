"""``perla demo``: a fresh data folder, realistic sample data and a short scenario run through
the real services and adapters (SQLite, the outbox, the in-process Dramatiq broker and worker),
printed as a readable summary. Later capabilities add their scenarios here.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime
from importlib import resources
from pathlib import Path
from uuid import UUID

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from stdnum.es import cif as es_cif

from perla_core.access.model import Actor, Role
from perla_core.credentials import services as credentials
from perla_core.credentials.commands import IssueCredential, RecordConnectionTest
from perla_core.hotels import services as hotels
from perla_core.kernel.errors import PerlaError
from perla_core.kernel.pagination import PageRequest
from perla_core.onboarding import services
from perla_core.onboarding.commands import (
    AddressInput,
    AdvanceClient,
    AdvanceLead,
    ContactInput,
    ConvertLead,
    EstimateInput,
    GoLive,
    OnboardingInput,
    RecordTechnicalValidation,
    RegisterLead,
    UpdateDetails,
)
from perla_core.onboarding.model import Phase
from perla_core.onboarding.ports import ClientQuery
from perla_core.onboarding.sync import PerlaHubConnectionTester, policy_lookup
from perla_core.outbox import OutboxStatus
from perla_core.policies import services as policies
from perla_core.policies.commands import AddMarginRule, RateInput, SetPricedScope
from perla_core.suppliers import services as suppliers
from perla_core.suppliers.commands import (
    AcknowledgeSupplierRequest,
    CreateSupplierRequest,
    HotelContactInput,
    PaymentTermsInput,
    SendSupplierRequest,
    UpdateSupplierRequest,
)
from perla_entrypoints.container import Container, build_container, settings_of
from perla_entrypoints.demo_assistant import assistant_walkthrough
from perla_entrypoints.demo_reservations import inquiry_flow, manager_rules
from perla_entrypoints.demo_whatsapp import whatsapp_conversation
from perla_entrypoints.workers import register_actors, start_worker

AGENCIES = [
    (
        "Viajes Ñandú",
        "Viajes Ñandú Turismo S.L.",
        "Madrid",
        "28013",
        "Calle Mayor 41",
        "+34 914 29 38 10",
    ),
    (
        "Azahar Travel",
        "Azahar Travel Group S.L.",
        "Valencia",
        "46002",
        "Carrer de Colón 22",
        "+34 963 51 44 02",
    ),
    (
        "Rutas del Norte",
        "Rutas del Norte Viajes S.A.",
        "Bilbao",
        "48001",
        "Gran Vía de Don Diego López de Haro 9",
        "+34 944 23 61 77",
    ),
    (
        "Mediterrània Tours",
        "Mediterrània Tours Barcelona S.L.",
        "Barcelona",
        "08010",
        "Passeig de Gràcia 55",
        "+34 934 87 20 15",
    ),
    (
        "Giralda Viajes",
        "Giralda Viajes y Congresos S.L.",
        "Sevilla",
        "41004",
        "Avenida de la Constitución 18",
        "+34 954 22 71 30",
    ),
    (
        "Alhambra DMC",
        "Alhambra Destination Management S.L.",
        "Granada",
        "18009",
        "Calle Reyes Católicos 12",
        "+34 958 22 59 41",
    ),
    (
        "Costa Brava Incoming",
        "Costa Brava Incoming S.L.",
        "Girona",
        "17004",
        "Plaça de la Independència 6",
        "+34 972 20 93 18",
    ),
    (
        "Islas Afortunadas Viajes",
        "Islas Afortunadas Viajes S.L.",
        "Las Palmas de Gran Canaria",
        "35002",
        "Calle Triana 74",
        "+34 928 36 10 55",
    ),
]
PEOPLE = [
    "Lucía Fernández",
    "Javier Morales",
    "Marta Iglesias",
    "Carlos Ruiz",
    "Nerea Etxeberria",
    "Pablo Navarro",
    "Ainhoa Goikoetxea",
    "Sergio Castillo",
]
STAGES = [
    "new",
    "contacted",
    "meeting_held",
    "benchmark_access",
    "contacted",
    "lost",
    "new",
    "meeting_held",
]


def spanish_cif(rng: random.Random) -> str:
    """A real-format CIF of a limited company (B + 7 digits + check digit)."""
    body = f"B{rng.randrange(10**6, 10**7):07d}"
    return body + es_cif.calc_check_digits(body)[0]


def run_demo(data_dir: Path, console: Console | None = None, seed: int = 7) -> dict[str, object]:
    """Run the demo in ``data_dir`` (it must not exist yet); returns the figures it printed."""
    out = console or Console()
    data_dir.mkdir(parents=True, exist_ok=False)
    container = build_container(
        data_dir=data_dir, database_url=None, redis_url=None, log_level="WARNING"
    )
    container.storage().migrate()
    register_actors(container)
    worker = start_worker(container, threads=2)
    try:
        return _scenario(container, out, random.Random(seed))  # noqa: S311 - sample data, not secrets
    finally:
        worker.stop()
        container.storage().close()


def _scenario(container: Container, out: Console, rng: random.Random) -> dict[str, object]:
    clock, ids, uow = container.clock(), container.ids(), container.uow
    ana = Actor("ana.garcia@perlatours.com", Role.AGENT)
    out.print(
        Panel.fit(
            "[bold]perla demo[/] · PerlaHub onboarding: from lead to live client",
            subtitle=f"data in {settings_dir(container)}",
        )
    )

    # 1. Seed the commercial pipeline.
    lead_ids: list[UUID] = []
    for (trade, _legal, _city, _postal, _street, phone), person, stage in zip(
        AGENCIES, PEOPLE, STAGES, strict=True
    ):
        lead_id = services.register_lead(
            RegisterLead(
                trade_name=trade,
                country="ES",
                phone=phone,
                email=f"comercial@{_slug(trade)}.es",
                business_type="travel_agency",
                markets=["ES", "PT"],
                source="feria FITUR",
                sales_owner="ana.garcia@perlatours.com",
                contacts=[
                    ContactInput(
                        role="commercial",
                        name=person,
                        title="Sr." if person.split()[0].endswith("o") else "Sra.",
                        email=f"{_slug(person)}@{_slug(trade)}.es",
                    )
                ],
            ),
            uow(),
            clock,
            ids,
            ana,
        )
        lead_ids.append(lead_id)
        _walk_to(stage, lead_id, container, ana)

    # 2. The scenario: Viajes Ñandú asked for benchmark access and now wants to work with us.
    nandu = lead_ids[0]
    step = _stepper(out)
    step("Register the lead 'Viajes Ñandú' (feria FITUR)", lambda: None)
    step(
        "Mark it contacted, record the meeting",
        lambda: [
            services.advance_lead(AdvanceLead(nandu, a), uow(), clock, ana)
            for a in ("mark_contacted", "record_meeting")
        ],
    )
    step(
        "Grant benchmark access to compare prices",
        lambda: services.advance_lead(
            AdvanceLead(nandu, "grant_benchmark_access"), uow(), clock, ana
        ),
    )
    step(
        "Try to convert it before its record is complete",
        lambda: services.convert_lead(ConvertLead(nandu), uow(), clock, ana),
        expect_error=True,
    )
    legal, city, postal, street = AGENCIES[0][1], AGENCIES[0][2], AGENCIES[0][3], AGENCIES[0][4]
    cif = spanish_cif(rng)
    step(
        f"Complete the record: legal name, CIF {cif}, billing address, estimate, setup",
        lambda: services.update_details(
            UpdateDetails(
                nandu,
                legal_name=legal,
                tax_id=cif,
                addresses=[
                    AddressInput(street, city, postal, "ES", label="sede", default_billing=True)
                ],
                estimate=EstimateInput(monthly_bookings=140, monthly_revenue="61500.00"),
                onboarding=OnboardingInput(
                    products=["hotels"],
                    currencies=["EUR"],
                    markets=["ES", "PT"],
                    connection_type="json_api",
                ),
            ),
            uow(),
            clock,
            ana,
        ),
    )
    step(
        "Try to edit it with a stale version (someone else saved first)",
        lambda: services.update_details(
            UpdateDetails(nandu, expected_version=1, notes="x"), uow(), clock, ana
        ),
        expect_error=True,
    )
    step(
        "Convert the lead into a client",
        lambda: services.convert_lead(ConvertLead(nandu), uow(), clock, ana),
    )
    step(
        "Try to go live straight away",
        lambda: services.go_live(GoLive(nandu), uow(), clock, ana),
        expect_error=True,
    )

    # 3. The outbox registers the client in Dome, then in PerlaHub (in-process doubles here).
    _settle(container)
    registered = services.get_client(nandu, uow(), ana)
    out.print(
        f"     Dome customer [bold]{registered.dome_customer_code}[/], PerlaHub agency "
        f"[bold]{registered.perlahub_agency_id}[/] → {registered.status}"
    )
    _onboard_to_live(container, out, nandu, ana, step)
    _supplier_request(container, out, ana, step)
    inquiry_flow(container, out, ana, step, _settle)
    manager_rules(container, out, nandu, step)
    whatsapp_conversation(container, out, step, _settle)
    assistant = assistant_walkthrough(container, out, ana, _settle)
    _settle(container)
    with uow() as u:
        outbox = u.outbox.count_by_status()

    # 4. Summary.
    client = services.get_client(nandu, uow(), ana)
    table = Table(title="Pipeline", show_lines=False)
    for col in ("trade name", "phase", "status", "tax id", "city"):
        table.add_column(col)
    page = services.list_clients(ClientQuery(page=PageRequest(limit=50)), uow(), ana)
    for party in sorted(page.items, key=lambda c: c.trade_name):
        billing = party.billing_address
        table.add_row(
            party.trade_name,
            party.phase.value,
            party.status,
            party.tax_id.display if party.tax_id else "—",
            billing.city if billing else "—",
        )
    out.print(table)
    timeline = Table(title=f"Activity of {client.trade_name}")
    timeline.add_column("when")
    timeline.add_column("what")
    timeline.add_column("who")
    for event in services.activity(nandu, uow(), ana):
        timeline.add_row(_hhmm(event.occurred_at), _describe(event), event.actor)
    out.print(timeline)
    leads = sum(1 for c in page.items if c.phase is Phase.LEAD)
    clients = page.total - leads
    out.print(
        f"[bold green]✓[/] {client.trade_name} is now a [bold]{client.status}[/] client "
        f"(tier {client.estimate.potential_tier if client.estimate else '—'}). "
        f"{leads} leads and {clients} client{'s' if clients != 1 else ''} in the pipeline; outbox: "
        f"{outbox[OutboxStatus.DONE]} delivered, {outbox[OutboxStatus.PENDING]} pending."
    )
    return {
        "leads": leads,
        "clients": clients,
        "client_status": client.status,
        "outbox_done": outbox[OutboxStatus.DONE],
        "outbox_pending": outbox[OutboxStatus.PENDING],
        "assistant_applied": assistant["applied"],
        "assistant_refused": len(assistant["refused"]),
    }


def _walk_to(stage: str, lead_id: UUID, container: Container, actor: Actor) -> None:
    path = {
        "new": [],
        "contacted": ["mark_contacted"],
        "meeting_held": ["mark_contacted", "record_meeting"],
        "benchmark_access": ["mark_contacted", "record_meeting", "grant_benchmark_access"],
        "lost": ["mark_contacted", "mark_lost"],
    }[stage]
    for action in path:
        services.advance_lead(
            AdvanceLead(
                lead_id, action, reason="eligió otro proveedor" if action == "mark_lost" else None
            ),
            container.uow(),
            container.clock(),
            actor,
        )


def _stepper(out: Console) -> Callable[..., None]:
    counter = iter(range(1, 100))

    def step(title: str, action: Callable[[], object], *, expect_error: bool = False) -> None:
        n = next(counter)
        try:
            action()
        except PerlaError as exc:
            if not expect_error:
                raise
            out.print(f" {n:>2}. {title}\n     [yellow]refused[/] ({exc.code}): {exc}")
            return
        if expect_error:
            raise AssertionError(f"step {n} should have been refused")
        out.print(f" {n:>2}. {title} [green]✓[/]")

    return step


def _describe(event: object) -> str:
    name = type(event).__name__
    to_status = getattr(event, "to_status", None)
    if to_status is not None:
        return f"{name}: {getattr(event, 'from_status', '?')} → {to_status}"
    changed = getattr(event, "changed", None)
    if changed is not None:
        return f"{name}: {', '.join(changed)}"
    system, reference = getattr(event, "system", None), getattr(event, "reference", None)
    if system and reference:
        return f"{name}: {system} {reference}"
    for detail in ("name", "rule_name", "reason"):
        value = getattr(event, detail, None)
        if isinstance(value, str) and value:
            return f"{name}: {value}"
    return name


def _hhmm(when: datetime) -> str:
    return when.strftime("%H:%M:%S")


def _slug(text: str) -> str:
    from perla_core.kernel.text import fold  # noqa: PLC0415

    return "".join(ch for ch in fold(text).replace(" ", ".") if ch.isalnum() or ch == ".")


def settings_dir(container: Container) -> str:
    from perla_entrypoints.container import settings_of  # noqa: PLC0415

    return str(settings_of(container).data_dir)


def _settle(container: Container, rounds: int = 10) -> None:
    """Tick the scheduler and let the worker run until no outbox message is due."""
    from perla_entrypoints.scheduler import tick  # noqa: PLC0415

    for _ in range(rounds):
        tick(container)
        container.broker().join("perla", timeout=10_000)
        with container.uow() as uow:
            if not uow.outbox.claim_pending(container.clock().now(), 1):
                return


def _onboard_to_live(
    container: Container, out: Console, client_id: UUID, ana: Actor, step: Callable[..., None]
) -> None:
    clock, ids, uow = container.clock(), container.ids(), container.uow
    today = clock.now().date()
    year = (today.isoformat(), today.replace(year=today.year + 1).isoformat())
    policy_for = policy_lookup(uow)
    step(
        "Validate the record (ficha validada) and start onboarding",
        lambda: [
            services.advance_client(AdvanceClient(client_id, a), uow(), clock, ana)
            for a in ("validate_record", "start_onboarding")
        ],
    )
    step(
        "Price hotels in EUR; general margin 12 %",
        lambda: (
            policies.set_priced_scope(
                SetPricedScope(
                    client_id, reason="acuerdo comercial", currencies=["EUR"], products=["hotels"]
                ),
                uow(),
                clock,
                ana,
            ),
            policies.add_margin_rule(
                AddMarginRule(
                    client_id, "General 12 %", "percent", "12", *year, reason="acuerdo comercial"
                ),
                uow(),
                clock,
                ids,
                ana,
            ),
        ),
    )
    step(
        "Barcelona hotels at 8 %, priority 10",
        lambda: policies.add_margin_rule(
            AddMarginRule(
                client_id,
                "Barcelona 8 %",
                "percent",
                "8",
                *year,
                priority=10,
                hotels=["BCN-ARTS", "BCN-CASAFUSTER"],
                reason="campaña Barcelona",
            ),
            uow(),
            clock,
            ids,
            ana,
        ),
    )
    step(
        "Try a second general rule at the same priority",
        lambda: policies.add_margin_rule(
            AddMarginRule(client_id, "General 10 %", "percent", "10", *year, reason="prueba"),
            uow(),
            clock,
            ids,
            ana,
        ),
        expect_error=True,
    )
    rates = [
        RateInput(
            "BCN-ARTS", "b2b", "HOTELBEDS", today.isoformat(), today.isoformat(), "180.00", "EUR"
        ),
        RateInput(
            "MAD-URBAN", "b2b", "HOTELBEDS", today.isoformat(), today.isoformat(), "120.00", "EUR"
        ),
        RateInput(
            "MAD-URBAN",
            "b2c",
            "WEBBEDS",
            today.isoformat(),
            today.isoformat(),
            "95.50",
            "EUR",
            max_selling="104.00",
        ),
    ]
    priced = policies.price_batch(client_id, rates, uow(), ana)
    with uow() as u:
        policy = u.policies.get_for_client(client_id)
    names = {r.id: r.name for r in (policy.rules if policy else ())}
    table = Table(title="Rates priced by the commercial policy")
    for col in ("hotel", "net", "selling", "rule", "note"):
        table.add_column(col)
    for rate, result in zip(rates, priced, strict=True):
        table.add_row(
            rate.hotel,
            f"{rate.net} EUR",
            str(result.selling),
            names.get(result.rule_id, "—") if result.rule_id else "—",
            f"clamped to {result.clamped}" if result.clamped else "",
        )
    out.print(table)
    issued: list[str] = []
    step(
        "Create a live credential (hotels, EUR, one office network)",
        lambda: issued.append(
            str(
                credentials.issue_credential(
                    IssueCredential(
                        client_id,
                        "live",
                        ["hotels"],
                        ["EUR"],
                        markets=["ES"],
                        ip_allowlist=["81.45.12.0/24"],
                    ),
                    uow(),
                    clock,
                    ids,
                    container.secrets(),
                    policy_for,
                    ana,
                ).credential_id
            )
        ),
    )
    out.print("     secret shown once to the agent, stored only as a SHA-256 digest")
    _settle(container)
    tester = PerlaHubConnectionTester(uow, container.perlahub())
    step(
        "Connection test: a test availability search in PerlaHub",
        lambda: credentials.record_connection_test(
            RecordConnectionTest(UUID(issued[0])), uow(), clock, tester, ana
        ),
    )
    step(
        "Record the technical validations",
        lambda: [
            services.record_technical_validation(
                RecordTechnicalValidation(client_id, name, passed=True), uow(), clock, ana
            )
            for name in ("availability_search", "booking_flow")
        ],
    )
    step("Go live", lambda: services.go_live(GoLive(client_id), uow(), clock, ana))


def _supplier_request(
    container: Container, out: Console, ana: Actor, step: Callable[..., None]
) -> None:
    """Seed 000's last phase: everything the Suppliers team needs, e-mailed through the outbox
    (to the .eml folder on embedded defaults) and acknowledged with the Dome supplier code."""
    clock, uow = container.clock(), container.uow
    directory, imports = container.hotel_directory(), container.hotel_import_log()
    sample = resources.files("perla_entrypoints") / "data" / "hotels_sample.csv"
    job = hotels.start_hotel_import(
        sample.read_bytes(),
        directory,
        imports,
        clock=clock,
        ids=container.ids(),
        actor=ana,
        file_name="hotels_sample.csv",
        source="hotelbeds",
    )
    run = job()
    out.print(
        f"  ✓ Import a supplier's hotel file: {run.rows_stored} hotels filed, "
        f"{run.rows_rejected} row refused (line {run.rejected[0].line}: "
        f"{': '.join(run.rejected[0].errors[0])}), "
        f"{run.duplicates_found} likely duplicates reported"
    )
    result = hotels.match_hotel(
        hotels.query_of(None, {"name": "inglaterra", "city": "sevilla"}, directory),
        directory,
        ana,
    )
    best = result.best
    assert best is not None
    out.print(
        f"  ✓ Match 'inglaterra' in 'sevilla': {result.outcome.value} → {best.record.name} "
        f"({best.ref}, score {best.score:.0f}; {best.reasons[0]})"
    )
    created: list[UUID] = []
    step(
        f"Start a supplier request for '{best.record.name}', pre-filled from that match",
        lambda: created.append(
            suppliers.create_supplier_request(
                CreateSupplierRequest(
                    name=best.record.name,
                    matched_hotel_ref=best.ref,
                    email="reservas@hotelinglaterra.es",
                ),
                uow(),
                clock,
                container.ids(),
                ana,
                directory,
            )
        ),
    )
    request_id = created[0]
    missing = suppliers.supplier_request_completeness(request_id, uow(), ana).missing_fields
    out.print(f"     still missing for the Suppliers team: {', '.join(missing)}")
    step(
        "Try to send it before it is complete",
        lambda: suppliers.send_supplier_request(SendSupplierRequest(request_id), uow(), clock, ana),
        expect_error=True,
    )
    step(
        "Complete the fiscal, banking and commercial data",
        lambda: suppliers.update_supplier_request(
            UpdateSupplierRequest(
                request_id,
                legal_name="Hotel Inglaterra S.A.",
                tax_id="B58378431",
                vat_regime="general",
                iban="ES91 2100 0418 4502 0005 1332",
                bic="CAIXESBBXXX",
                account_holder="Hotel Inglaterra S.A.",
                contract_type="commission",
                commission_pct="15",
                payment_terms=PaymentTermsInput("after_invoice", 30),
                release_days=7,
                cancellation_policy="Gratis hasta 48 h antes de la llegada.",
                contacts=[
                    HotelContactInput(
                        "reservations", "Lucía Pérez", email="reservas@hotelinglaterra.es"
                    ),
                    HotelContactInput("accounting", "Íñigo Sáez", phone="+34 954 22 49 71"),
                ],
            ),
            uow(),
            clock,
            ana,
        ),
    )
    step(
        "Send it to the Suppliers team (through the outbox)",
        lambda: suppliers.send_supplier_request(
            SendSupplierRequest(request_id),
            uow(),
            clock,
            ana,
            suppliers_address=settings_of(container).suppliers_email,
        ),
    )
    _settle(container)
    mail_dir = settings_of(container).data_dir / "mail"
    out.print(f"     e-mail written to {mail_dir} ({len(list(mail_dir.glob('*.eml')))} file)")
    step(
        "The Suppliers team answers: created in Dome as PRV-00981",
        lambda: suppliers.acknowledge_supplier_request(
            AcknowledgeSupplierRequest(request_id, "PRV-00981"), uow(), clock, ana
        ),
    )
