"""Per-account attempt limits, counted in PostgreSQL so every process shares them."""

from time import time

from hduce.core.db import HduceEngine
from hduce.core.rate_limit import SharedWindows
from hduce.plugins.auth.errors import RetryLater


class AccountLimit:
    """Allows at most `limit` attempts per key in each fixed window of `seconds`."""

    def __init__(self, db: HduceEngine, name: str, limit: int, seconds: int) -> None:
        if limit < 1 or seconds < 1:
            raise ValueError("a limit needs at least one attempt and a positive window")
        self.limit = limit
        self.seconds = seconds
        self._windows = SharedWindows(db, f"account:{name}")

    async def acquire(self, key: str) -> None:
        """Count one attempt for `key`, or raise `RetryLater` when its window is full."""
        allowed, _, reset = await self._windows.hit(key, self.limit, self.seconds)
        if not allowed:
            raise RetryLater(
                "Too many attempts for this account; try again later.", retry_after=reset - time()
            )
