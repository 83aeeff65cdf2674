"""Per-client-address rate limits on auth routes, each group with a budget of its own."""

from litestar import Router
from litestar.middleware.rate_limit import DurationUnit, RateLimitConfig
from litestar.types import ControllerRouterHandler

from hduce.core.rate_limit import counting_rate_limit


def limited(
    unit: DurationUnit, count: int, *handlers: ControllerRouterHandler, path: str = "/auth"
) -> Router:
    """Routes under `path` sharing one per-address limit of `count` requests per `unit`."""
    limit = counting_rate_limit(RateLimitConfig(rate_limit=(unit, count)))
    return Router(path=path, route_handlers=list(handlers), middleware=[limit], tags=["auth"])
