"""The client repository's promises, kept by every adapter (memory, SQLite, PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import attrs
import pytest

from perla_adapters.memory import FixedClock, SequentialIds
from perla_core.kernel.errors import AlreadyExists, NotFound, StaleVersion
from perla_core.kernel.money import Money
from perla_core.kernel.pagination import PageRequest
from perla_core.kernel.values import Email, Phone, TaxId
from perla_core.onboarding.model import (
    Address,
    BusinessType,
    Client,
    ClientStatus,
    CommercialEstimate,
    ConnectionType,
    Contact,
    ContactRole,
    LeadStatus,
    OnboardingConfig,
    Phase,
)
from perla_core.onboarding.ports import ClientQuery
from perla_core.uow import UnitOfWork

NewUow = Callable[[], UnitOfWork]

_NIF_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def _nif(n: int) -> TaxId:
    number = 10_000_000 + n
    return TaxId.parse(f"{number}{_NIF_LETTERS[number % 23]}", "ES")


def _party(
    clock: FixedClock,
    ids: SequentialIds,
    trade_name: str,
    *,
    country: str = "ES",
    phase: Phase = Phase.LEAD,
    lead_status: LeadStatus = LeadStatus.NEW,
    client_status: ClientStatus | None = None,
    tax_id: TaxId | None = None,
    legal_name: str | None = None,
    email: str = "info@example.com",
) -> Client:
    return Client(
        id=ids.new_id(),
        trade_name=trade_name,
        country=country,
        created_at=clock.now(),
        updated_at=clock.now(),
        legal_name=legal_name,
        tax_id=tax_id,
        email=Email.parse(email),
        phase=phase,
        lead_status=lead_status,
        client_status=client_status,
    )


def _fully_populated(ids: SequentialIds) -> Client:
    buenos_aires = timezone(timedelta(hours=-3))
    return Client(
        id=ids.new_id(),
        trade_name="Viajes Ñandú",
        country="ES",
        created_at=datetime(2026, 1, 15, 9, 30, 15, 123456, tzinfo=buenos_aires),
        updated_at=datetime(2026, 2, 1, 18, 0, 0, 1, tzinfo=UTC),
        legal_name="Viajes Ñandú S.L.",
        tax_id=TaxId.parse("ESB58378431", "ES"),
        email=Email.parse("Reservas@Nandu.ES"),
        phone=Phone.parse("+34 943 711 952"),
        website="https://nandu.es",
        business_type=BusinessType.TOUR_OPERATOR,
        markets=("ES", "AR", "PT"),
        source="feria FITUR",
        sales_owner="ana",
        notes="prefiere WhatsApp\ny el correo después",
        addresses=(
            Address(
                line1="Calle Mayor 1",
                line2="2º B",
                city="Donostia",
                region="Gipuzkoa",
                postal_code="20001",
                country="ES",
                label="sede",
                default_billing=True,
            ),
            Address(
                line1="Av. de Mayo 500",
                city="Buenos Aires",
                postal_code="C1084",
                country="AR",
                label="almacén",
                default_shipping=True,
            ),
        ),
        contacts=(
            Contact(
                role=ContactRole.BILLING,
                name="Iñaki Zubía",
                email=Email.parse("facturas@nandu.es"),
                phone=Phone.parse("+34943711952"),
                title="Administración",
            ),
            Contact(role=ContactRole.TECHNICAL, name="Bea"),
        ),
        phase=Phase.CLIENT,
        lead_status=LeadStatus.WON,
        client_status=ClientStatus.LIVE,
        lost_reason="perdido en 2025 por precio, recuperado",
        converted_at=datetime(2026, 1, 20, 10, 0, tzinfo=UTC),
        onboarding=OnboardingConfig(
            products=("hotels", "transfers"),
            currencies=("EUR", "USD"),
            markets=("ES", "PT"),
            connection_type=ConnectionType.XML_API,
        ),
        estimate=CommercialEstimate(240, Money.of("125000.50", "EUR")),
        benchmark_access_until=datetime(2026, 1, 10, 23, 59, 59, 999999, tzinfo=buenos_aires),
        benchmark_access_id="bm-0042",
        benchmark_login="nandu.benchmark",
        dome_customer_code="C-000123",
        perlahub_agency_id="AG-77",
        registration_error="perlahub: timeout al crear la agencia",
        validated_by="bea",
        validated_at=datetime(2026, 1, 22, 12, 0, tzinfo=UTC),
        live_at=datetime(2026, 1, 31, 8, 15, 30, 5, tzinfo=buenos_aires),
        technical_validations={"xml_schema": True, "busqueda_de_prueba": False},
    )


def _fields(client: Client) -> dict[str, object]:
    return {f.name: getattr(client, f.name) for f in attrs.fields(Client) if f.name != "events"}


def _add(new_uow: NewUow, *parties: Client) -> None:
    with new_uow() as uow:
        for party in parties:
            uow.clients.add(party)
        uow.commit()


def _names(new_uow: NewUow, query: ClientQuery) -> list[str]:
    with new_uow() as uow:
        return [c.trade_name for c in uow.clients.list(query).items]


class TestClientRepositoryContract:
    def test_a_fully_populated_client_comes_back_equal_field_by_field(
        self, new_uow: NewUow, ids: SequentialIds
    ) -> None:
        client = _fully_populated(ids)
        _add(new_uow, client)

        with new_uow() as uow:
            stored = uow.clients.get(client.id)
            found = uow.clients.by_tax_id(TaxId.parse("B58378431", "ES"))
            [listed] = uow.clients.list(ClientQuery()).items

        for loaded in (stored, found, listed):
            assert loaded is not None
            assert _fields(loaded) == _fields(client)
            assert loaded.events == []
            assert loaded.estimate is not None
            assert loaded.estimate.monthly_revenue.amount == Decimal("125000.50")
            for moment in (
                loaded.created_at,
                loaded.updated_at,
                loaded.converted_at,
                loaded.benchmark_access_until,
                loaded.validated_at,
                loaded.live_at,
            ):
                assert moment is not None
                assert moment.utcoffset() is not None

    def test_a_new_lead_comes_back_with_empty_onboarding_and_no_estimate(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        lead = _party(clock, ids, "Viajes Ñandú")
        _add(new_uow, lead)

        with new_uow() as uow:
            stored = uow.clients.get(lead.id)

        assert _fields(stored) == _fields(lead)
        assert (stored.onboarding, stored.estimate) == (OnboardingConfig(), None)
        assert stored.technical_validations == {}

    def test_adding_sets_version_one_and_each_save_increments_it(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        lead = _party(clock, ids, "Viajes Ñandú")
        _add(new_uow, lead)
        assert lead.version == 1

        for expected in (2, 3):
            with new_uow() as uow:
                loaded = uow.clients.get(lead.id)
                loaded.change_details({"notes": f"v{expected}"}, now=clock.now(), actor="ana")
                uow.clients.save(loaded)
                assert loaded.version == expected
                uow.commit()

        with new_uow() as uow:
            stored = uow.clients.get(lead.id)
        assert (stored.version, stored.notes) == (3, "v3")

    def test_a_stale_save_raises_and_leaves_the_stored_client_unchanged(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        lead = _party(clock, ids, "Viajes Ñandú")
        _add(new_uow, lead)
        with new_uow() as uow:
            fresh = uow.clients.get(lead.id)
            stale = uow.clients.get(lead.id)
            fresh.change_details({"notes": "fresh"}, now=clock.now(), actor="ana")
            uow.clients.save(fresh)
            uow.commit()

        with new_uow() as uow:
            stale.change_details({"notes": "stale", "website": "x.es"}, now=clock.now(), actor="b")
            with pytest.raises(StaleVersion) as raised:
                uow.clients.save(stale)
            uow.commit()

        assert raised.value.details == {"expected": 1, "actual": 2}
        assert stale.version == 1
        with new_uow() as uow:
            stored = uow.clients.get(lead.id)
        assert (stored.version, stored.notes, stored.website) == (2, "fresh", None)

    def test_a_second_party_with_a_taken_tax_id_already_exists(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        first = _party(clock, ids, "Primero", tax_id=_nif(1))
        other = _party(clock, ids, "Otro", tax_id=_nif(2))
        _add(new_uow, first, other)

        with new_uow() as uow:
            with pytest.raises(AlreadyExists) as on_add:
                uow.clients.add(_party(clock, ids, "Copia", tax_id=_nif(1)))
            moved = uow.clients.get(other.id)
            moved.change_details({"tax_id": _nif(1)}, now=clock.now(), actor="ana")
            with pytest.raises(AlreadyExists) as on_save:
                uow.clients.save(moved)

        assert on_add.value.field == "tax_id"
        assert on_save.value.field == "tax_id"

    def test_a_tax_id_taken_earlier_in_the_same_unit_of_work_already_exists(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        with new_uow() as uow:
            uow.clients.add(_party(clock, ids, "Primero", tax_id=_nif(1)))
            with pytest.raises(AlreadyExists):
                uow.clients.add(_party(clock, ids, "Copia", tax_id=_nif(1)))

    def test_a_dome_customer_code_belongs_to_one_client_only(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        first, other = _party(clock, ids, "Primero"), _party(clock, ids, "Otro")
        first.dome_customer_code = "C-1"
        _add(new_uow, first, other, _party(clock, ids, "Sin código"))

        with new_uow() as uow:
            copy = _party(clock, ids, "Copia")
            copy.dome_customer_code = "C-1"
            with pytest.raises(AlreadyExists) as on_add:
                uow.clients.add(copy)
            moved = uow.clients.get(other.id)
            moved.dome_customer_code = "C-1"
            with pytest.raises(AlreadyExists) as on_save:
                uow.clients.save(moved)

        assert on_add.value.field == on_save.value.field == "dome_customer_code"
        with new_uow() as uow:
            renamed = uow.clients.get(first.id)
            renamed.dome_customer_code = "C-2"
            uow.clients.save(renamed)
            uow.commit()
        with new_uow() as uow:
            assert uow.clients.get(first.id).dome_customer_code == "C-2"

    def test_parties_without_a_tax_id_never_collide(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        _add(new_uow, _party(clock, ids, "Uno"), _party(clock, ids, "Dos"))

        assert _names(new_uow, ClientQuery()) == ["Dos", "Uno"]

    def test_adding_the_same_client_twice_already_exists(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        lead = _party(clock, ids, "Viajes Ñandú")
        _add(new_uow, lead)

        with new_uow() as uow, pytest.raises(AlreadyExists) as raised:
            uow.clients.add(lead)
        assert raised.value.field == "id"

    def test_an_unknown_client_is_not_found(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        never_added = _party(clock, ids, "Fantasma", tax_id=_nif(9))
        with new_uow() as uow:
            with pytest.raises(NotFound):
                uow.clients.get(never_added.id)
            with pytest.raises(NotFound):
                uow.clients.save(never_added)
            assert uow.clients.by_tax_id(_nif(9)) is None

    def test_added_and_loaded_clients_are_seen_by_the_unit_of_work(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        stored = _party(clock, ids, "Guardado")
        _add(new_uow, stored)
        new = _party(clock, ids, "Nuevo")

        with new_uow() as uow:
            uow.clients.add(new)
            loaded = uow.clients.get(stored.id)
            uow.clients.list(ClientQuery())
            assert [c.id for c in uow.clients.seen] == [new.id, loaded.id]
            assert uow.clients.seen[1] is loaded

    def test_the_list_filters_by_phase_status_and_country(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        parties = [
            _party(clock, ids, "nuevo"),
            _party(clock, ids, "contactado", lead_status=LeadStatus.CONTACTED),
            _party(clock, ids, "perdido", country="AR", lead_status=LeadStatus.LOST),
            _party(clock, ids, "activo", phase=Phase.CLIENT, lead_status=LeadStatus.WON,
                   client_status=ClientStatus.LIVE),
            _party(clock, ids, "en alta", country="AR", phase=Phase.CLIENT,
                   lead_status=LeadStatus.WON, client_status=ClientStatus.ONBOARDING),
        ]  # fmt: skip
        _add(new_uow, *parties)

        assert _names(new_uow, ClientQuery(phase=Phase.LEAD)) == ["perdido", "contactado", "nuevo"]
        assert _names(new_uow, ClientQuery(lead_status=LeadStatus.CONTACTED)) == ["contactado"]
        assert _names(new_uow, ClientQuery(client_status=ClientStatus.LIVE)) == ["activo"]
        assert _names(new_uow, ClientQuery(country="AR")) == ["en alta", "perdido"]
        assert _names(new_uow, ClientQuery(phase=Phase.CLIENT, country="AR")) == ["en alta"]
        assert _names(new_uow, ClientQuery(country="PT")) == []

    @pytest.mark.parametrize(
        ("text", "found"),
        [
            ("nandu", ["Viajes Ñandú"]),
            ("ÑANDÚ", ["Viajes Ñandú"]),
            ("  viajes   ñandu ", ["Viajes Ñandú"]),
            ("Cóndor Tours S.A.", ["Condor"]),
            ("hola@andes", ["Andes Travel"]),
            ("58378431", ["Viajes Ñandú"]),
            ("%", []),
            ("_", []),
            ("inexistente", []),
        ],
    )
    def test_text_search_matches_names_tax_id_and_email_ignoring_accents_and_case(
        self,
        new_uow: NewUow,
        clock: FixedClock,
        ids: SequentialIds,
        text: str,
        found: list[str],
    ) -> None:
        _add(
            new_uow,
            _party(clock, ids, "Viajes Ñandú", tax_id=TaxId.parse("B58378431", "ES")),
            _party(clock, ids, "Condor", legal_name="Condor Tours S.A.", country="AR"),
            _party(clock, ids, "Andes Travel", email="hola@andes.travel"),
        )

        assert _names(new_uow, ClientQuery(text=text)) == found

    def test_pages_are_newest_first_with_totals_and_a_stable_order(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        names = []
        for day in range(3):
            for twin in ("a", "b"):  # created at the same instant: the id breaks the tie
                names.append(f"day{day}{twin}")
                _add(new_uow, _party(clock, ids, names[-1]))
            clock.advance(timedelta(days=1))
        newest_first = list(reversed(names))

        pages = []
        with new_uow() as uow:
            for offset in (0, 4):
                pages.append(
                    uow.clients.list(ClientQuery(page=PageRequest(limit=4, offset=offset)))
                )

        assert [p.total for p in pages] == [6, 6]
        assert [(p.limit, p.offset, p.has_more) for p in pages] == [(4, 0, True), (4, 4, False)]
        assert [c.trade_name for p in pages for c in p.items] == newest_first
        assert _names(new_uow, ClientQuery(page=PageRequest(limit=2, offset=10))) == []
        with new_uow() as uow:
            filtered = uow.clients.list(ClientQuery(text="day1", page=PageRequest(limit=1)))
        assert (filtered.total, [c.trade_name for c in filtered.items]) == (2, ["day1b"])
