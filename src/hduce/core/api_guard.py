"""The app-wide guard of every routed request: rate limit, bearer token, well-formed query.

On `/api/v1` a single-valued query parameter given twice is a 422 (`core.query_repeats`), and so
is a date-time query parameter that is not an RFC 3339 date-time within the calendar
(`core.query_instants`).
One middleware where Litestar stacks two (its rate limit and its authentication middleware):
each stacked layer costs a call and its own bypass checks per request, and Litestar's rate limit
also builds a `Request`. Routes marked `exclude_from_auth` (health, docs, sign-in, the web
pages) skip the token; paths the limit excludes skip the count.
"""

from litestar.middleware import DefineMiddleware
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.types import ASGIApp, Receive, Scope, Send

from hduce.core.plugin import API_PREFIX
from hduce.core.query_instants import refuse_malformed_instants
from hduce.core.query_repeats import refuse_repeated_query_values
from hduce.core.rate_limit import ClientWindows, RateLimiter
from hduce.core.security import TokenService
from hduce.core.security.bearer import authenticate, needs_token


class ApiGuard:
    """Count the request in its client's window, check its token unless excluded, its query."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter, tokens: TokenService) -> None:
        self.app = app
        self._limiter = limiter
        self._tokens = tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """429 for a full window, 401 without a valid token, 422 for a malformed query."""
        if self._limiter.applies(scope):
            await self._limiter.count(scope)
        if needs_token(scope):
            authenticate(scope, self._tokens)
        if scope["path"].startswith(API_PREFIX + "/"):
            refuse_repeated_query_values(scope)
            refuse_malformed_instants(scope)
        await self.app(scope, receive, send)


def api_guard(rate_limit: RateLimitConfig, tokens: TokenService) -> DefineMiddleware:
    """The guard with one in-process window per client across every route."""
    limiter = RateLimiter(rate_limit, ClientWindows())
    return DefineMiddleware(ApiGuard, limiter=limiter, tokens=tokens)
