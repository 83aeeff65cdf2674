"""The counting rate limit answers like Litestar's middleware, plus `Retry-After` on a 429."""

import time
import uuid

import asyncpg
import pytest
from litestar import Litestar, get
from litestar.middleware import DefineMiddleware
from litestar.middleware import rate_limit as litestar_rate_limit
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.testing import AsyncTestClient

from hduce.core import rate_limit
from hduce.core.db import HduceEngine
from hduce.core.rate_limit import ClientWindows, SharedWindows, counting_rate_limit
from hduce.core.request_path import install_request_path

# One client over two limited routes and an excluded one: the window is shared by the routes.
PATHS = ["/one", "/free", "/two", "/one", "/two", "/one", "/free"]


@get("/one", sync_to_thread=False)
def one() -> str:
    """Counted."""
    return "ok"


@get("/two", sync_to_thread=False)
def two() -> str:
    """Counted in the same window as `/one`."""
    return "ok"


@get("/free", sync_to_thread=False)
def free() -> str:
    """Excluded from the limit."""
    return "ok"


def make_app(middleware: DefineMiddleware) -> Litestar:
    """An app with two limited routes and an excluded one, behind the request path."""
    app = Litestar([one, two, free], middleware=[middleware], logging_config=None)
    return install_request_path(app, body_timeout=15.0)


def limit(requests: int) -> RateLimitConfig:
    """`requests` a minute per client, `/free` excluded."""
    return RateLimitConfig(rate_limit=("minute", requests), exclude=["^/free"])


async def responses(app: Litestar) -> list[tuple[int, dict[str, str]]]:
    """Status and `RateLimit-*` headers of each request in `PATHS`."""
    seen = []
    async with AsyncTestClient(app) as client:
        for path in PATHS:
            response = await client.get(path)
            limits = {k: v for k, v in response.headers.items() if k.startswith("ratelimit")}
            seen.append((response.status_code, limits))
    return seen


async def test_same_answers_as_litestar(monkeypatch: pytest.MonkeyPatch) -> None:
    # One frozen clock for both, so a second boundary crossed mid-run cannot shift `reset`.
    for module in (rate_limit, litestar_rate_limit):
        monkeypatch.setattr(module, "time", lambda: 1_000_000.5)
    ours = await responses(make_app(counting_rate_limit(limit(3))))
    assert ours == await responses(make_app(limit(3).middleware))
    assert [status for status, _ in ours] == [200, 200, 200, 200, 429, 429, 200]


async def test_a_new_window_starts_after_the_reset(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1_000_000.0]
    monkeypatch.setattr(rate_limit, "time", lambda: now[0])
    async with AsyncTestClient(make_app(counting_rate_limit(limit(1)))) as client:
        assert (await client.get("/one")).status_code == 200
        now[0] += 59
        refused = await client.get("/two")
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == refused.headers["ratelimit-reset"] == "1"
        now[0] += 1
        response = await client.get("/two")
        assert response.status_code == 200
        assert response.headers["ratelimit-remaining"] == "0"
        assert response.headers["ratelimit-reset"] == "60"


async def test_expired_windows_are_forgotten(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1_000_000.0]
    monkeypatch.setattr(rate_limit, "time", lambda: now[0])
    windows = ClientWindows()
    for client in range(100):
        assert await windows.hit(f"client-{client}", 5, 60) == (True, 1, 1_000_060)
    now[0] += 60
    await windows.hit("client-new", 5, 60)
    assert list(windows._counts) == ["client-new"]


async def test_shared_windows_count_across_processes_and_sweep_old_ones(
    engine: HduceEngine, raw_pool: asyncpg.Pool
) -> None:
    await raw_pool.execute(
        "INSERT INTO rate_limit_window VALUES ('test:stale', 9, now() - interval '1 minute')"
    )
    first, second = SharedWindows(engine, "test"), SharedWindows(engine, "test")
    key = uuid.uuid4().hex
    assert (await first.hit(key, 2, 60))[:2] == (True, 1)  # the first hit also sweeps
    assert (
        await raw_pool.fetchval("SELECT count(*) FROM rate_limit_window WHERE key = 'test:stale'")
        == 0
    )
    assert (await second.hit(key, 2, 60))[:2] == (True, 2)
    allowed, count, reset = await first.hit(key, 2, 60)
    assert (allowed, count) == (False, 3)
    assert 58 <= reset - time.time() <= 60
    assert (await SharedWindows(engine, "other").hit(key, 2, 60))[:2] == (True, 1)
