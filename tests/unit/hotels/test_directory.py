"""The memory directory alone; the directory's contract, which it keeps with the SQL one, is
in ``tests/contract/test_hotel_directory_contract.py``."""

from __future__ import annotations

import pytest
from tests.unit.hotels.builders import SEVILLA_CENTRO, a_record

from perla_adapters.memory.hotels import InMemoryHotelDirectory


@pytest.mark.parametrize("records", [0, 1])
def test_a_memory_directory_can_start_from_records(records: int) -> None:
    directory = InMemoryHotelDirectory([a_record(SEVILLA_CENTRO)] * records)
    assert len(directory) == records
