"""The real clock, identifiers and secrets."""

from __future__ import annotations

import itertools
import time
import uuid
from datetime import UTC, timedelta

from perla_adapters.memory import FixedClock, SequentialIds, StaticSecrets
from perla_adapters.system import SystemClock, TokenSecrets, Uuid7Ids


def test_new_ids_are_uuid_version_7_of_the_rfc_variant() -> None:
    generator = Uuid7Ids()
    for _ in range(100):
        new = generator.new_id()
        assert new.version == 7
        assert new.variant == uuid.RFC_4122


def test_new_ids_carry_the_current_time_in_milliseconds() -> None:
    before = time.time_ns() // 1_000_000
    new = Uuid7Ids().new_id()
    after = time.time_ns() // 1_000_000
    assert before <= new.int >> 80 <= after


def test_ids_made_later_sort_after_ids_made_earlier() -> None:
    generator = Uuid7Ids()
    batches = []
    for _ in range(5):
        batches.append([generator.new_id() for _ in range(20)])
        time.sleep(0.002)
    for earlier, later in itertools.pairwise(batches):
        assert max(earlier) < min(later)
    every = [i for batch in batches for i in batch]
    assert len(set(every)) == len(every)
    milliseconds = [i.int >> 80 for i in every]
    assert milliseconds == sorted(milliseconds)


def test_the_system_clock_is_timezone_aware_utc() -> None:
    now = SystemClock().now()
    assert now.tzinfo is not None
    assert now.utcoffset() == timedelta(0)


def test_token_secrets_are_url_safe_and_distinct() -> None:
    secrets = TokenSecrets()
    first, second = secrets.new_secret(), secrets.new_secret()
    assert first != second
    assert len(first) >= 43
    assert set(first) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_the_fixed_clock_moves_only_when_told() -> None:
    clock = FixedClock()
    start = clock.now()
    assert start.tzinfo is UTC
    assert clock.now() == start
    clock.advance(timedelta(minutes=3))
    assert clock.now() == start + timedelta(minutes=3)


def test_sequential_ids_and_static_secrets_are_predictable() -> None:
    ids, secrets = SequentialIds(), StaticSecrets()
    assert str(ids.new_id()) == "00000000-0000-7000-8000-000000000001"
    assert str(ids.new_id()) == "00000000-0000-7000-8000-000000000002"
    assert secrets.new_secret() == "secret1x32"
    assert secrets.new_secret(16) == "secret2x16"
