"""Per-client-address rate limits on auth routes, each in a store of its own."""

from litestar import Router
from litestar.exceptions import TooManyRequestsException
from litestar.middleware.rate_limit import DurationUnit, RateLimitConfig, RateLimitMiddleware
from litestar.types import ControllerRouterHandler, Receive, Scope, Send


class RetryAfterRateLimitMiddleware(RateLimitMiddleware):
    """Litestar's rate limit, also telling a refused client when to retry (`Retry-After`)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Add `Retry-After` to the 429 raised when the window is full."""
        try:
            await super().__call__(scope, receive, send)
        except TooManyRequestsException as exc:
            reset = (exc.headers or {}).get(self.config.rate_limit_reset_header_key)
            if reset is not None:
                exc.headers = {**(exc.headers or {}), "Retry-After": str(max(1, int(reset)))}
            raise


def limited(
    name: str, unit: DurationUnit, count: int, *handlers: ControllerRouterHandler
) -> Router:
    """`/auth` routes sharing one per-address limit of `count` requests per `unit`."""
    config = RateLimitConfig(
        rate_limit=(unit, count),
        store=f"auth_rate_limit_{name}",
        middleware_class=RetryAfterRateLimitMiddleware,
    )
    return Router(
        path="/auth",
        route_handlers=list(handlers),
        middleware=[config.middleware],
        tags=["auth"],
    )
