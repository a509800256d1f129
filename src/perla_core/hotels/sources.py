"""Where the directory's hotel records come from: Dome's hotel suppliers.

Dome already holds the hotels perla's company works with, as suppliers: their trade name,
address, phone, e-mail and, where someone entered them, chain, stars, coordinates and website.
:func:`sync_directory_from_dome` pages through them and files each one in the
:class:`~perla_core.hotels.ports.HotelDirectory` as the record ``dome:<code>``; a supplier whose
data does not make a valid record is skipped and reported with what is wrong, in Dome's field
names, so someone can fix it there. Syncing again replaces the records by ref, so a sync is
safe to repeat; pass the last report's :attr:`DomeSyncReport.next_updated_since` to read only
what changed since.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

import attrs

from perla_core.gateways.dome import DomeGateway, DomeSupplier
from perla_core.gateways.errors import ExternalProtocolError
from perla_core.hotels.imports import MAX_REPORTED
from perla_core.hotels.model import HotelRecord
from perla_core.hotels.ports import HotelDirectory
from perla_core.kernel.errors import InvalidInput, InvalidValue

SOURCE: Final = "dome"

# A record's fields as Dome calls them, so a skipped supplier's errors point into Dome.
_DOME_FIELDS: Final = {
    "name": "trade_name",
    "country": "address.country",
    "city": "address.city",
    "address": "address.line1",
    "postal_code": "address.postal_code",
}


def record_of_dome_supplier(supplier: DomeSupplier) -> HotelRecord:
    """The directory's record of a Dome hotel supplier: ref ``dome:<code>``, named by its
    trade name, located by its address (the supplier's country when the address has none).

    Raises :class:`InvalidInput` naming every field that does not make a valid record.
    """
    address = supplier.address
    street = ", ".join(part for part in (address.line1, address.line2) if part and part.strip())
    return HotelRecord.parse(
        ref=f"{SOURCE}:{supplier.code}",
        source=SOURCE,
        name=supplier.trade_name,
        country=address.country if address.country.strip() else supplier.country,
        city=address.city,
        address=street,
        postal_code=address.postal_code,
        chain=supplier.chain,
        latitude=supplier.latitude,
        longitude=supplier.longitude,
        phone=supplier.phone,
        stars=supplier.stars,
        email=supplier.email,
        website=supplier.website,
    )


@attrs.frozen
class SkippedSupplier:
    """A Dome supplier left out of the directory: its code and every ``(field, message)``,
    fields named as in Dome (``trade_name``, ``address.country``, ``phone`` ...)."""

    code: str
    errors: tuple[tuple[str, str], ...]


@attrs.frozen(kw_only=True)
class DomeSyncReport:
    """What a sync read, stored and skipped.

    ``skipped`` keeps the first :data:`~perla_core.hotels.imports.MAX_REPORTED` suppliers
    left out; ``suppliers_skipped`` counts them all. ``newest_updated_at`` is the latest change
    among the suppliers read (None if none was).
    """

    updated_since: datetime | None
    pages: int
    suppliers_read: int
    records_stored: int
    suppliers_skipped: int
    skipped: tuple[SkippedSupplier, ...]
    newest_updated_at: datetime | None

    @property
    def next_updated_since(self) -> datetime | None:
        """What the next sync passes as ``updated_since`` to read only what changed since.

        Dome lists suppliers changed *at or after* it, so the next sync reads the newest ones
        again, rather than miss one changed in the same instant.
        """
        return self.newest_updated_at or self.updated_since


def sync_directory_from_dome(
    gateway: DomeGateway,
    directory: HotelDirectory,
    *,
    updated_since: datetime | None = None,
    country: str | None = None,
    page_size: int = 200,
) -> DomeSyncReport:
    """File Dome's hotel suppliers (of ``country``, changed since ``updated_since``, if given)
    in ``directory``, page by page, skipping and reporting those whose data is not a valid
    record.

    Each page is stored before the next is asked for, so a failure half-way (Dome's errors,
    :mod:`perla_core.gateways.errors`, propagate) keeps what was stored; running the same
    sync again is safe. A ``page_size`` outside 1..500 is :class:`InvalidValue` (on ``limit``).
    """
    pages = read = stored = skipped_count = 0
    skipped: list[SkippedSupplier] = []
    newest: datetime | None = None
    cursor: str | None = None
    while True:
        page = gateway.list_suppliers(
            kind="hotel",
            country=country,
            updated_since=updated_since,
            cursor=cursor,
            limit=page_size,
        )
        pages += 1
        records: list[HotelRecord] = []
        for supplier in page.items:
            read += 1
            if newest is None or supplier.updated_at > newest:
                newest = supplier.updated_at
            try:
                records.append(record_of_dome_supplier(supplier))
            except (InvalidInput, InvalidValue) as error:
                skipped_count += 1
                if len(skipped) < MAX_REPORTED:
                    skipped.append(SkippedSupplier(supplier.code, _dome_errors(error)))
        stored += directory.add_many(records)
        if page.next_cursor is None:
            break
        if page.next_cursor == cursor:
            raise ExternalProtocolError(
                SOURCE, "dome answered the supplier listing with the cursor it was given"
            )
        cursor = page.next_cursor
    return DomeSyncReport(
        updated_since=updated_since,
        pages=pages,
        suppliers_read=read,
        records_stored=stored,
        suppliers_skipped=skipped_count,
        skipped=tuple(skipped),
        newest_updated_at=newest,
    )


def _dome_errors(error: InvalidInput | InvalidValue) -> tuple[tuple[str, str], ...]:
    errors = error.errors if isinstance(error, InvalidInput) else [error]
    return tuple((_DOME_FIELDS.get(e.field or "", e.field or "?"), e.message) for e in errors)
