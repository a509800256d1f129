"""What every :class:`RateLimiter` does, run against the memory and the Redis limiter.

A subclass provides the ``limiter`` fixture, built on the ``clock`` fixture, so time moves
only when a test moves it.
"""

from __future__ import annotations

import secrets

import pytest

from perla_entrypoints.http.ratelimit import RateDecision, RateLimiter


class FakeClock:
    """Seconds that pass only when told to."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class RateLimiterContract:
    @pytest.fixture
    def clock(self) -> FakeClock:
        return FakeClock()

    @pytest.fixture
    def key(self) -> str:
        return f"guest_form:203.0.113.{secrets.randbelow(250)}:{secrets.token_hex(4)}"

    def test_the_limit_is_let_through_then_the_next_hit_is_told_when_to_retry(
        self, limiter: RateLimiter, key: str
    ) -> None:
        decisions = [limiter.hit(key, limit=5, window_seconds=60) for _ in range(6)]

        assert [d.allowed for d in decisions] == [True] * 5 + [False]
        assert [d.remaining for d in decisions] == [4, 3, 2, 1, 0, 0]
        assert decisions[0].retry_after == 0
        assert decisions[-1].retry_after == pytest.approx(12)  # one comes back every 60/5 s

    def test_the_window_slides_one_hit_coming_back_per_interval_and_all_after_a_window(
        self, limiter: RateLimiter, key: str, clock: FakeClock
    ) -> None:
        for _ in range(3):
            assert limiter.hit(key, limit=3, window_seconds=30).allowed

        clock.advance(9.5)
        assert limiter.hit(key, limit=3, window_seconds=30).retry_after == pytest.approx(0.5)
        clock.advance(0.5)
        assert limiter.hit(key, limit=3, window_seconds=30) == RateDecision(True, 0, 0.0)
        assert not limiter.hit(key, limit=3, window_seconds=30).allowed

        clock.advance(30)
        again = [limiter.hit(key, limit=3, window_seconds=30).allowed for _ in range(4)]
        assert again == [True, True, True, False]

    def test_a_refused_hit_is_not_counted_so_knocking_does_not_push_the_wait_further(
        self, limiter: RateLimiter, key: str, clock: FakeClock
    ) -> None:
        for _ in range(2):
            limiter.hit(key, limit=2, window_seconds=10)
        for _ in range(50):
            assert not limiter.hit(key, limit=2, window_seconds=10).allowed
            clock.advance(0.01)

        clock.advance(5 - 0.5)
        assert limiter.hit(key, limit=2, window_seconds=10).allowed

    def test_keys_are_counted_apart(self, limiter: RateLimiter, key: str) -> None:
        assert limiter.hit(key, limit=1, window_seconds=60).allowed
        assert not limiter.hit(key, limit=1, window_seconds=60).allowed

        assert limiter.hit(f"{key}:other", limit=1, window_seconds=60).allowed
        assert limiter.hit(f"webhook:{key}", limit=1, window_seconds=60).allowed

    @pytest.mark.parametrize(("limit", "window"), [(0, 60.0), (-1, 60.0), (5, 0.0), (5, -1.0)])
    def test_a_limit_or_window_that_is_not_positive_is_a_programming_error(
        self, limiter: RateLimiter, key: str, limit: int, window: float
    ) -> None:
        with pytest.raises(ValueError, match="must be"):
            limiter.hit(key, limit=limit, window_seconds=window)
