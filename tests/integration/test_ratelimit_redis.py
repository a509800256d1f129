"""The Redis rate limiter: the same contract as the memory one, a limit shared by every process
on the same Redis, keys that expire, and a refusal (not a free pass) when Redis is down."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator

import pytest
import redis
from tests.unit.entrypoints.ratelimit_contract import FakeClock, RateLimiterContract

from perla_entrypoints.http.ratelimit import (
    REDIS_PREFIX,
    MemoryRateLimiter,
    RateLimiterUnavailable,
    RedisRateLimiter,
)

pytestmark = pytest.mark.redis

UNREACHABLE = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def client(redis_url: str) -> Iterator[redis.Redis]:
    with redis.Redis.from_url(redis_url) as client:
        yield client


@pytest.fixture
def key() -> str:
    return f"web_form:203.0.113.7:{secrets.token_hex(6)}"


class TestRedisRateLimiter(RateLimiterContract):
    @pytest.fixture
    def limiter(self, redis_url: str, clock: FakeClock) -> RedisRateLimiter:
        return RedisRateLimiter(redis_url, clock=clock)


def test_two_limiters_on_the_same_redis_share_one_limit_as_two_processes_would(
    redis_url: str, key: str
) -> None:
    clock = FakeClock()
    first = RedisRateLimiter(redis.Redis.from_url(redis_url), clock=clock)
    second = RedisRateLimiter(redis_url, clock=clock)

    decisions = [(first, second)[n % 2].hit(key, limit=4, window_seconds=60) for n in range(5)]

    assert [d.allowed for d in decisions] == [True, True, True, True, False]
    assert [d.remaining for d in decisions[:4]] == [3, 2, 1, 0]


def test_many_threads_each_with_its_own_connection_are_let_through_exactly_the_limit(
    redis_url: str, key: str
) -> None:
    threads, hits_each, limit = 8, 25, 60
    start = threading.Barrier(threads)
    allowed: list[int] = []
    lock = threading.Lock()

    def process() -> None:
        # its own connection, with no short timeout; Redis's clock (the window is 600 s)
        limiter = RedisRateLimiter(redis.Redis.from_url(redis_url))
        start.wait()
        mine = sum(
            limiter.hit(key, limit=limit, window_seconds=600).allowed for _ in range(hits_each)
        )
        with lock:
            allowed.append(mine)

    workers = [threading.Thread(target=process) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert sum(allowed) == limit
    assert threads * hits_each > limit


def test_on_redis_time_one_hit_comes_back_after_its_interval(redis_url: str, key: str) -> None:
    limiter = RedisRateLimiter(redis_url)
    assert [limiter.hit(key, limit=2, window_seconds=1).allowed for _ in range(2)] == [True] * 2

    refused = limiter.hit(key, limit=2, window_seconds=1)
    assert not refused.allowed
    assert 0 < refused.retry_after <= 0.5

    time.sleep(refused.retry_after + 0.02)
    assert limiter.hit(key, limit=2, window_seconds=1).allowed


def test_keys_are_prefixed_and_expire_once_their_bucket_is_full_again(
    redis_url: str, client: redis.Redis, key: str
) -> None:
    RedisRateLimiter(redis_url).hit(key, limit=5, window_seconds=60)

    ttl_ms = client.pttl(f"{REDIS_PREFIX}{key}")
    assert 11_000 < ttl_ms <= 12_000  # one hit of five per minute: full again in 12 s
    custom = RedisRateLimiter(redis_url, prefix="perla-test:rl:")
    custom.hit(key, limit=5, window_seconds=60)
    assert client.exists(f"perla-test:rl:{key}") == 1


def test_when_redis_does_not_answer_the_hit_is_refused_as_unavailable_not_allowed() -> None:
    limiter = RedisRateLimiter(UNREACHABLE)

    with pytest.raises(RateLimiterUnavailable) as caught:
        limiter.hit("web_form:203.0.113.7", limit=5, window_seconds=60)

    assert caught.value.retryable
    assert caught.value.details["retry_after"] == 5


def test_with_a_fallback_a_redis_outage_limits_per_process_instead() -> None:
    fallback = MemoryRateLimiter(clock=FakeClock())
    limiter = RedisRateLimiter(UNREACHABLE, fallback=fallback)

    decisions = [limiter.hit("web_form:203.0.113.7", limit=2, window_seconds=60) for _ in range(3)]

    assert [d.allowed for d in decisions] == [True, True, False]
    assert len(fallback) == 1
