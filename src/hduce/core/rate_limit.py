"""Rate limits: Litestar's fixed window per client, kept as a count in memory."""

from time import time

from litestar.exceptions import TooManyRequestsException
from litestar.middleware import DefineMiddleware
from litestar.middleware.rate_limit import DURATION_VALUES, RateLimitConfig, RateLimitMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send


class ClientWindows:
    """Requests per client in the current fixed window, shared by the routes of one limit."""

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, int]] = {}
        self._next_sweep = 0

    def hit(self, key: str, limit: int, seconds: int) -> tuple[bool, int, int]:
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


class CountingRateLimitMiddleware(RateLimitMiddleware):
    """Litestar's windows, limit, 429 and `RateLimit-*` headers, at a constant cost per request.

    A refused request also learns when to retry (`Retry-After`), which Litestar does not send.

    Litestar keeps every request's timestamp in a `Store` and decodes, extends and re-encodes
    that list under three locks on each request, so a busy client costs O(requests in the
    window). Only the count is ever used: `ClientWindows` keeps it in the process (the scope of
    Litestar's default in-memory store) and updates it without awaiting, so it needs no lock.
    """

    def __init__(self, app: ASGIApp, config: RateLimitConfig, windows: ClientWindows) -> None:
        super().__init__(app, config)
        self._windows = windows
        self._seconds = DURATION_VALUES[self.unit]
        policy, limit, remaining, reset = (
            name.lower().encode()
            for name in (
                config.rate_limit_policy_header_key,
                config.rate_limit_limit_header_key,
                config.rate_limit_remaining_header_key,
                config.rate_limit_reset_header_key,
            )
        )
        self._header_names = frozenset((policy, limit, remaining, reset))
        self._fixed_headers = (
            (policy, f"{self.max_requests}; w={self._seconds}".encode()),
            (limit, str(self.max_requests).encode()),
        )
        self._remaining_header, self._reset_header = remaining, reset

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Count the request in its client's window; 429 once the window is full."""
        request = scope["litestar_app"].request_class(scope)
        if await self.should_check_request(request=request):
            key = self.cache_key_from_request(request)
            counted, count, reset = self._windows.hit(key, self.max_requests, self._seconds)
            if not counted:
                raise TooManyRequestsException(headers=self._refusal_headers(count, reset))
            if self.config.set_rate_limit_headers:
                send = self._send_with_headers(send, count, reset)
        await self.app(scope, receive, send)

    def _refusal_headers(self, count: int, reset: int) -> dict[str, str]:
        """The `RateLimit-*` headers (if configured) and when to retry."""
        headers: dict[str, str] = {}
        if self.config.set_rate_limit_headers:
            headers = {k.decode(): v.decode() for k, v in self._headers(count, reset)}
        return {**headers, "Retry-After": str(max(1, reset - int(time())))}

    def _headers(self, count: int, reset: int) -> list[tuple[bytes, bytes]]:
        """The `RateLimit-*` headers of a client with `count` requests in a window until `reset`."""
        return [
            *self._fixed_headers,
            (self._remaining_header, str(max(self.max_requests - count, 0)).encode()),
            (self._reset_header, str(reset - int(time())).encode()),
        ]

    def _send_with_headers(self, send: Send, count: int, reset: int) -> Send:
        """`send` replacing any `RateLimit-*` headers of the response with this limit's."""

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = self._header_names
                headers = [h for h in message.get("headers", ()) if h[0].lower() not in names]
                message["headers"] = headers + self._headers(count, reset)
            await send(message)

        return send_wrapper


def counting_rate_limit(config: RateLimitConfig) -> DefineMiddleware:
    """The middleware for `config`: one window per client across every route it is put on."""
    return DefineMiddleware(CountingRateLimitMiddleware, config=config, windows=ClientWindows())
