"""Per-client-address rate limits on auth routes, each group with a budget of its own."""

from litestar import Router
from litestar.middleware.rate_limit import DurationUnit, RateLimitConfig
from litestar.types import ControllerRouterHandler

from hduce.core.db import Database
from hduce.core.rate_limit import SharedWindows, counting_rate_limit


def limited(
    db: Database,
    name: str,
    unit: DurationUnit,
    count: int,
    *handlers: ControllerRouterHandler,
    path: str = "/auth",
) -> Router:
    """Routes under `path` sharing the per-address limit `name` of `count` requests per `unit`.

    Counted in PostgreSQL, so every process of the clinic shares the budget.
    """
    windows = SharedWindows(db, f"address:{name}")
    limit = counting_rate_limit(RateLimitConfig(rate_limit=(unit, count)), windows)
    return Router(path=path, route_handlers=list(handlers), middleware=[limit], tags=["auth"])
