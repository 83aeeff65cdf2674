"""Rate limits: Litestar's fixed window per client, counted in memory or in PostgreSQL."""

from collections.abc import Awaitable, Callable
from time import monotonic, time
from typing import Any, Protocol, cast

from litestar import Request
from litestar.exceptions import TooManyRequestsException
from litestar.middleware import DefineMiddleware
from litestar.middleware.rate_limit import DURATION_VALUES, RateLimitConfig, get_remote_address
from litestar.types import ASGIApp, Receive, Scope, Send

from hduce.core.db import Database
from hduce.core.http import exclude_pattern, path_excluded
from hduce.core.request_path import request_state

HIT = """
INSERT INTO rate_limit_window AS w (key, hits, reset_at)
VALUES ($1, 1, now() + make_interval(secs => $2))
ON CONFLICT (key) DO UPDATE SET
    hits = CASE WHEN w.reset_at <= now() THEN 1 ELSE w.hits + 1 END,
    reset_at = CASE WHEN w.reset_at <= now() THEN excluded.reset_at ELSE w.reset_at END
RETURNING hits, floor(extract(epoch FROM reset_at))::bigint AS reset
"""
SWEEP = "DELETE FROM rate_limit_window WHERE reset_at < now()"
SWEEP_EVERY = 60.0


class Windows(Protocol):
    """Counts requests per key in fixed windows."""

    async def hit(self, key: str, limit: int, seconds: int) -> tuple[bool, int, int]:
        """Count one request: (allowed, count in the window, reset time in epoch seconds)."""


class ClientWindows:
    """Requests per client in the current fixed window, kept in this process."""

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, int]] = {}
        self._next_sweep = 0

    async def hit(self, key: str, limit: int, seconds: int) -> tuple[bool, int, int]:
        """Count one request unless the window is full: (counted, count, reset time)."""
        now = int(time())
        if now >= self._next_sweep:
            self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
            self._next_sweep = now + seconds
        count, reset = self._counts.get(key, (0, 0))
        if reset <= now:
            count, reset = 0, now + seconds
        if count >= limit:
            return False, count, reset
        self._counts[key] = (count + 1, reset)
        return True, count + 1, reset


class SharedWindows:
    """Fixed windows counted in PostgreSQL: every process of a clinic shares each limit.

    One upsert per request; refused requests are counted too (a client hammering a full window
    keeps it full). Keys are prefixed with `scope`, so limits sharing the table stay apart.
    """

    def __init__(self, db: Database, scope: str) -> None:
        self._db = db
        self._scope = scope
        self._next_sweep = 0.0

    def __deepcopy__(self, _memo: dict[int, object]) -> "SharedWindows":
        # Litestar deep-copies route middleware; the counts live in the database, and the
        # engine (a pool and context variables) must stay the one of this process.
        return self

    async def hit(self, key: str, limit: int, seconds: int) -> tuple[bool, int, int]:
        """Count one request: (allowed, count in the window, reset time in epoch seconds)."""
        if monotonic() >= self._next_sweep:
            self._next_sweep = monotonic() + SWEEP_EVERY
            await self._db.fetch(SWEEP)
        row = await self._db.fetchrow(HIT, f"{self._scope}:{key}", float(seconds))
        assert row is not None
        return row["hits"] <= limit, int(row["hits"]), int(row["reset"])


class RateLimiter:
    """One limit: Litestar's windows, limit, 429 and `RateLimit-*` headers, at a constant cost.

    A refused request also learns when to retry (`Retry-After`, and `retry_after` and a `detail`
    in its problem body), which Litestar does not send.
    The headers go out through the request path (`hduce.core.request_path`), which must wrap
    the app. Keys are Litestar's (`CountingRateLimitMiddleware::<client host>`), so windows
    counted before carry over.

    Litestar keeps every request's timestamp in a `Store` and decodes, extends and re-encodes
    that list under three locks on each request, so a busy client costs O(requests in the
    window); and it builds a `Request` for each. Only the count is ever used: `ClientWindows`
    keeps it in the process (the scope of Litestar's default in-memory store) and updates it
    without awaiting, so it needs no lock, and the key comes from the scope.
    """

    def __init__(self, config: RateLimitConfig, windows: Windows) -> None:
        if config.identifier_for_request is not get_remote_address:
            raise ValueError("only the client's address identifies a rate-limited client")
        self.config = config
        self._windows = windows
        self._limit = config.rate_limit[1]
        self._seconds = DURATION_VALUES[config.rate_limit[0]]
        self._exclude = exclude_pattern(config.exclude)
        self._throttled = cast(
            "Callable[[Request[Any, Any, Any]], Awaitable[bool]] | None",
            config.check_throttle_handler,
        )
        names = (
            config.rate_limit_policy_header_key,
            config.rate_limit_limit_header_key,
            config.rate_limit_remaining_header_key,
            config.rate_limit_reset_header_key,
        )
        policy, limit, remaining, reset = (name.lower().encode() for name in names)
        self._header_names = frozenset((policy, limit, remaining, reset))
        self._fixed_headers = (
            (policy, f"{self._limit}; w={self._seconds}".encode()),
            (limit, str(self._limit).encode()),
        )
        self._remaining_header, self._reset_header = remaining, reset

    def __deepcopy__(self, _memo: dict[int, object]) -> "RateLimiter":
        # Litestar deep-copies route middleware; one limiter keeps one set of windows.
        return self

    def applies(self, scope: Scope) -> bool:
        """Whether `scope` counts: an HTTP request not excluded by path or handler opt."""
        if scope["type"] != "http":
            return False
        opt_key = self.config.exclude_opt_key
        if opt_key and scope["route_handler"].opt.get(opt_key):
            return False
        return not path_excluded(self._exclude, scope)

    async def count(self, scope: Scope) -> None:
        """Count the request in its client's window; 429 once the window is full."""
        if self._throttled is not None and not await self._throttled(Request(scope)):
            return
        counted, count, reset = await self._windows.hit(_key(scope), self._limit, self._seconds)
        if not counted:
            request_state(scope).withdraw_headers(self._header_names)
            retry_after = max(1, reset - int(time()))
            raise TooManyRequestsException(
                detail=f"Too many requests from this address; retry in {retry_after} seconds.",
                headers=self._refusal_headers(count, reset, retry_after),
                extra={"retry_after": retry_after},
            )
        if self.config.set_rate_limit_headers:
            request_state(scope).set_headers(self._header_names, self._headers(count, reset))

    def _refusal_headers(self, count: int, reset: int, retry_after: int) -> dict[str, str]:
        """The `RateLimit-*` headers (if configured) and when to retry."""
        headers: dict[str, str] = {}
        if self.config.set_rate_limit_headers:
            headers = {k.decode(): v.decode() for k, v in self._headers(count, reset)}
        return {**headers, "Retry-After": str(retry_after)}

    def _headers(self, count: int, reset: int) -> list[tuple[bytes, bytes]]:
        """The `RateLimit-*` headers of a client with `count` requests in a window until `reset`."""
        return [
            *self._fixed_headers,
            (self._remaining_header, str(max(self._limit - count, 0)).encode()),
            (self._reset_header, str(reset - int(time())).encode()),
        ]


class CountingRateLimitMiddleware:
    """A `RateLimiter` on the routes it is put on (HTTP requests only)."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter) -> None:
        self.app = app
        self._limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Count the request unless excluded, then go on."""
        if self._limiter.applies(scope):
            await self._limiter.count(scope)
        await self.app(scope, receive, send)


def counting_rate_limit(
    config: RateLimitConfig, windows: Windows | None = None
) -> DefineMiddleware:
    """The middleware for `config`: one window per client across the routes it is put on."""
    limiter = RateLimiter(config, windows or ClientWindows())
    return DefineMiddleware(CountingRateLimitMiddleware, limiter=limiter)


def _key(scope: Scope) -> str:
    """Litestar's key: the client's address (`127.0.0.1` without one), mounts and static apart."""
    client = scope.get("client")
    key = f"CountingRateLimitMiddleware::{client[0] if client else '127.0.0.1'}"
    handler = scope["route_handler"]
    if getattr(handler, "is_mount", False):
        key += "::mount"
    if getattr(handler, "is_static", False):
        key += "::static"
    return key
