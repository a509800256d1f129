"""The supplier request repository's promises, kept by every adapter (memory, SQLite,
PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from tests.contract.builders import (
    AGENT,
    NewUow,
    a_supplier_request,
    a_supplier_request_acknowledged_after_a_rejection,
    complete_hotel,
    fields_of,
)

from perla_adapters.memory import FixedClock, SequentialIds
from perla_core.kernel.errors import AlreadyExists, NotFound, StaleVersion
from perla_core.kernel.pagination import PageRequest
from perla_core.kernel.values import Email, Phone, TaxId
from perla_core.suppliers.events import SupplierRequestCreated, SupplierRequestSendRequested
from perla_core.suppliers.model import SupplierRequest, SupplierRequestStatus
from perla_core.suppliers.ports import SupplierRequestQuery
from perla_core.suppliers.values import (
    Bic,
    ContactRole,
    ContractType,
    Coordinates,
    HotelContact,
    Iban,
    PaymentBasis,
    PaymentTerms,
    VatRegime,
)

S = SupplierRequestStatus


def _add(new_uow: NewUow, *requests: SupplierRequest) -> None:
    with new_uow() as uow:
        for request in requests:
            uow.supplier_requests.add(request)
        uow.commit()


def _get(new_uow: NewUow, request: SupplierRequest) -> SupplierRequest:
    with new_uow() as uow:
        return uow.supplier_requests.get(request.id)


def _ids(requests: object) -> list[object]:
    return [r.id for r in requests]  # type: ignore[attr-defined]


class TestSupplierRequestRepositoryContract:
    def test_a_complete_acknowledged_request_comes_back_equal_field_by_field(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        request = a_supplier_request_acknowledged_after_a_rejection(clock, ids)
        _add(new_uow, request)
        assert request.version == 1

        with new_uow() as uow:
            got = uow.supplier_requests.get(request.id)
            [for_hotel] = uow.supplier_requests.for_hotel("H-CADIZ-1")
            [listed] = uow.supplier_requests.list(SupplierRequestQuery()).items

        for loaded in (got, for_hotel, listed):
            assert fields_of(loaded) == fields_of(request)
            assert loaded.events == []
            assert loaded.missing() == {}
            for moment in (
                loaded.created_at, loaded.updated_at, loaded.send_requested_at, loaded.sent_at,
                loaded.acknowledged_at, loaded.rejected_at,
            ):  # fmt: skip
                assert moment is not None
                assert moment.utcoffset() is not None
        # Each value object, spelled out, so an adapter cannot pass by storing them alike wrong.
        assert got.coordinates == Coordinates(Decimal("36.517220"), Decimal("-6.281390"))
        assert str(got.coordinates.latitude) == "36.517220"
        assert got.phone == Phone("+34956205100")
        assert got.email == Email("Reservas@palafoxhoteles.com")
        assert got.website == "https://www.palafoxhoteles.com"
        assert got.tax_id == TaxId("ES", "B58378431")
        assert got.vat_regime is VatRegime.GENERAL
        assert got.iban == Iban("ES9121000418450200051332")
        assert got.bic == Bic("CAIXESBBXXX")
        assert got.contract_type is ContractType.COMMISSION
        assert str(got.commission_pct) == "15.50"
        assert got.markup_pct is None
        assert got.payment_terms == PaymentTerms(PaymentBasis.AFTER_INVOICE, 30)
        assert (
            got.cancellation_policy == "Gratis hasta 48 h antes de la llegada.\nDespués, 1 noche."
        )
        assert got.contacts == (
            HotelContact(
                ContactRole.RESERVATIONS, "Lucía Pérez", Email("reservas@palafoxhoteles.com")
            ),
            HotelContact(ContactRole.ACCOUNTING, "Íñigo Sáez", phone=Phone("+34956205101")),
            HotelContact(
                ContactRole.GENERAL_MANAGER, "Ana Ruiz", Email("direccion@palafox.es"),
                Phone("+34600123456"),
            ),
        )  # fmt: skip
        assert (got.status, got.send_count, got.suppliers_address, got.send_requested_by) == (
            S.ACKNOWLEDGED, 2, "Proveedores@perlatours.com", "luis.agent",
        )  # fmt: skip
        assert (got.dome_supplier_code, got.rejection_reason) == (
            "PRV-000123",
            "Falta el certificado bancario",
        )
        assert got.message_id == request.message_id

    def test_a_cancelled_net_contract_request_comes_back_equal_field_by_field(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        raw = complete_hotel(
            contract_type="net", commission_pct=None, markup_pct="12",
            payment_terms="prepayment", vat_regime="igic", postal_code="38001",
            latitude=None, longitude=None,
        )  # fmt: skip
        request = a_supplier_request(clock, ids, raw)
        request.cancel(now=clock.now() + timedelta(hours=1), actor=AGENT, reason="duplicado")
        _add(new_uow, request)

        got = _get(new_uow, request)

        assert fields_of(got) == fields_of(request)
        assert (got.contract_type, got.markup_pct, got.commission_pct) == (
            ContractType.NET, Decimal("12.00"), None,
        )  # fmt: skip
        assert str(got.markup_pct) == "12.00"
        assert got.payment_terms == PaymentTerms(PaymentBasis.PREPAYMENT, 0)
        assert got.coordinates is None
        assert (got.status, got.cancellation_reason) == (S.CANCELLED, "duplicado")
        assert got.cancelled_at == clock.now() + timedelta(hours=1)

    def test_a_draft_with_only_a_name_comes_back_as_it_was(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        draft = a_supplier_request(clock, ids, {"name": "Hostal Sol", "city": "Sevilla"})
        _add(new_uow, draft)

        got = _get(new_uow, draft)

        assert fields_of(got) == fields_of(draft)
        assert (got.status, got.contacts, got.send_count, got.matched_hotel_ref) == (
            S.DRAFT, (), 0, None,
        )  # fmt: skip
        assert got.missing() == draft.missing() != {}
        assert got.details() == draft.details()

    def test_each_save_increments_the_version_and_keeps_the_changes(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        draft = a_supplier_request(clock, ids, {"name": "Hostal Sol"})
        _add(new_uow, draft)
        later = clock.now() + timedelta(minutes=5)

        with new_uow() as uow:
            loaded = uow.supplier_requests.get(draft.id)
            loaded.change_details(
                {"city": "Sevilla", "stars": 2, "contract_type": ContractType.NET},
                now=later, actor=AGENT,
            )  # fmt: skip
            uow.supplier_requests.save(loaded)
            assert loaded.version == 2
            loaded.change_details({"markup_pct": Decimal("9.50")}, now=later, actor=AGENT)
            uow.supplier_requests.save(loaded)
            assert loaded.version == 3
            uow.commit()

        stored = _get(new_uow, draft)
        assert (stored.version, stored.city, stored.stars, stored.markup_pct) == (
            3, "Sevilla", 2, Decimal("9.50"),
        )  # fmt: skip
        assert (stored.contract_type, stored.updated_at) == (ContractType.NET, later)
        assert fields_of(stored) == fields_of(loaded)

    def test_a_stale_save_raises_and_leaves_the_stored_request_unchanged(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        request = a_supplier_request(clock, ids)
        _add(new_uow, request)
        with new_uow() as uow:
            fresh = uow.supplier_requests.get(request.id)
            stale = uow.supplier_requests.get(request.id)
            fresh.change_details({"stars": 5}, now=clock.now(), actor=AGENT)
            uow.supplier_requests.save(fresh)
            uow.commit()

        with new_uow() as uow:
            stale.change_details({"stars": 3}, now=clock.now(), actor=AGENT)
            with pytest.raises(StaleVersion) as raised:
                uow.supplier_requests.save(stale)
            uow.commit()

        assert raised.value.details == {"expected": 1, "actual": 2}
        assert stale.version == 1
        stored = _get(new_uow, request)
        assert (stored.version, stored.stars) == (2, 5)

    def test_adding_the_same_request_twice_already_exists(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        request = a_supplier_request(clock, ids)
        _add(new_uow, request)

        with new_uow() as uow, pytest.raises(AlreadyExists) as committed:
            uow.supplier_requests.add(_get(new_uow, request))
        other = a_supplier_request(clock, ids)
        with new_uow() as uow:
            uow.supplier_requests.add(other)
            with pytest.raises(AlreadyExists) as staged:
                uow.supplier_requests.add(other)

        assert committed.value.field == staged.value.field == "id"

    def test_unknown_requests_are_not_found(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        never_stored = a_supplier_request(clock, ids)
        with new_uow() as uow:
            with pytest.raises(NotFound) as on_get:
                uow.supplier_requests.get(never_stored.id)
            with pytest.raises(NotFound) as on_save:
                uow.supplier_requests.save(never_stored)
        assert (on_get.value.kind, on_get.value.ident) == ("supplier request", never_stored.id)
        assert on_save.value.ident == never_stored.id
        assert never_stored.version == 0

    def test_a_hotel_s_requests_are_listed_oldest_first_whatever_their_status(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        cancelled = a_supplier_request(clock, ids, hotel_ref="H-1")
        cancelled.cancel(now=clock.now(), actor=AGENT)
        clock.advance(timedelta(minutes=1))
        current = a_supplier_request(clock, ids, hotel_ref="H-1")
        twin = a_supplier_request(clock, ids, hotel_ref="H-1")  # the same instant: id breaks it
        elsewhere = a_supplier_request(clock, ids, hotel_ref="H-2")
        unmatched = a_supplier_request(clock, ids)
        _add(new_uow, twin, elsewhere, current, unmatched, cancelled)

        with new_uow() as uow:
            listed = uow.supplier_requests.for_hotel("H-1")
            assert uow.supplier_requests.for_hotel("H-404") == []
            assert _ids(uow.supplier_requests.for_hotel("H-2")) == [elsewhere.id]

        assert _ids(listed) == [cancelled.id, current.id, twin.id]
        assert [r.status for r in listed] == [S.CANCELLED, S.READY, S.READY]

    def test_requests_are_listed_newest_first_by_status_a_page_at_a_time(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        made: list[SupplierRequest] = []
        for n in range(5):
            request = a_supplier_request(clock, ids, None if n % 2 else {"name": f"Hostal {n}"})
            made.append(request)
            if n < 4:
                clock.advance(timedelta(minutes=1))
        twin = a_supplier_request(clock, ids)  # created with the last one: the id breaks the tie
        made.append(twin)
        _add(new_uow, *reversed(made))
        newest_first = list(reversed(made))
        ready = [r for r in newest_first if r.status is S.READY]
        drafts = [r for r in newest_first if r.status is S.DRAFT]

        with new_uow() as uow:
            every = uow.supplier_requests.list(SupplierRequestQuery())
            first = uow.supplier_requests.list(SupplierRequestQuery(page=PageRequest(limit=4)))
            rest = uow.supplier_requests.list(
                SupplierRequestQuery(page=PageRequest(limit=4, offset=4))
            )
            by_ready = uow.supplier_requests.list(SupplierRequestQuery(status=S.READY))
            ready_page = uow.supplier_requests.list(
                SupplierRequestQuery(status=S.READY, page=PageRequest(limit=1, offset=1))
            )
            by_draft = uow.supplier_requests.list(SupplierRequestQuery(status=S.DRAFT))
            none_sent = uow.supplier_requests.list(SupplierRequestQuery(status=S.SENT))

        assert _ids(every.items) == _ids(newest_first)
        assert (every.total, every.has_more) == (6, False)
        assert _ids(first.items) + _ids(rest.items) == _ids(newest_first)
        assert (first.total, first.limit, first.offset, first.has_more) == (6, 4, 0, True)
        assert (rest.total, rest.offset, rest.has_more) == (6, 4, False)
        assert (len(ready), len(drafts)) == (3, 3)
        assert (_ids(by_ready.items), by_ready.total) == (_ids(ready), 3)
        assert (_ids(ready_page.items), ready_page.total) == ([ready[1].id], 3)
        assert (_ids(by_draft.items), by_draft.total) == (_ids(drafts), 3)
        assert (none_sent.items, none_sent.total) == ([], 0)

    def test_reads_are_copies_and_writes_stay_staged_until_commit(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        request = a_supplier_request(clock, ids)
        with new_uow() as uow:
            uow.supplier_requests.add(request)
            request.city = "changed after add"
            staged = uow.supplier_requests.get(request.id)
            assert staged.city == "Cádiz"
            assert staged is not request
        with new_uow() as uow, pytest.raises(NotFound):
            uow.supplier_requests.get(request.id)

    def test_added_saved_and_loaded_requests_are_seen_by_the_unit_of_work(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        stored = a_supplier_request(clock, ids, hotel_ref="H-1")
        _add(new_uow, stored)
        new = a_supplier_request(clock, ids)

        with new_uow() as uow:
            uow.supplier_requests.add(new)
            loaded = uow.supplier_requests.get(stored.id)
            uow.supplier_requests.save(loaded)
            uow.supplier_requests.for_hotel("H-1")
            uow.supplier_requests.list(SupplierRequestQuery())
            assert _ids(uow.supplier_requests.seen) == [new.id, stored.id]
            assert uow.supplier_requests.seen[1] is loaded

    def test_events_reach_the_outbox_on_commit_only_in_the_order_they_happened(
        self, new_uow: NewUow, clock: FixedClock, ids: SequentialIds
    ) -> None:
        request = a_supplier_request(clock, ids, hotel_ref="H-1")
        with new_uow() as uow:
            uow.supplier_requests.add(request)
            assert uow.outbox.for_aggregate(request.id) == []
        with new_uow() as uow:
            assert uow.outbox.for_aggregate(request.id) == []
            with pytest.raises(NotFound):
                uow.supplier_requests.get(request.id)

        request = a_supplier_request(clock, ids, hotel_ref="H-1")
        with new_uow() as uow:
            uow.supplier_requests.add(request)
            uow.commit()
        assert request.events == []
        with new_uow() as uow:
            loaded = uow.supplier_requests.get(request.id)
            loaded.request_send("suppliers@perlatours.com", now=clock.now(), actor=AGENT)
            uow.supplier_requests.save(loaded)
        with new_uow() as uow:
            loaded = uow.supplier_requests.get(request.id)
            assert loaded.status is S.READY
            loaded.request_send("suppliers@perlatours.com", now=clock.now(), actor=AGENT)
            uow.supplier_requests.save(loaded)
            uow.commit()

        with new_uow() as uow:
            messages = uow.outbox.for_aggregate(request.id)
            stored = uow.supplier_requests.get(request.id)
        assert [m.topic for m in messages] == [
            "suppliers.supplier_request_created",
            "suppliers.supplier_request_send_requested",
        ]
        created, send = (m.event for m in messages)
        assert isinstance(created, SupplierRequestCreated)
        assert (created.hotel_name, created.matched_hotel_ref, created.status) == (
            "Hotel Playa Victoria", "H-1", "ready",
        )  # fmt: skip
        assert send == SupplierRequestSendRequested(
            request.id, clock.now(), AGENT, "suppliers@perlatours.com", request.message_id, 1
        )
        assert (stored.status, stored.send_count, stored.version) == (S.SENDING, 1, 2)
