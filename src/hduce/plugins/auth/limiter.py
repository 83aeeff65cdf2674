"""Per-account attempt limits: an in-process sliding window per key."""

import time
from collections import deque

from hduce.plugins.auth.errors import RetryLater


class SlidingWindowLimiter:
    """Allows at most `limit` attempts per key within any `window` seconds."""

    def __init__(self, limit: int, window: float, *, max_keys: int = 100_000) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("a limit needs at least one attempt and a positive window")
        self.limit = limit
        self.window = window
        self._max_keys = max_keys
        self._attempts: dict[str, deque[float]] = {}

    def acquire(self, key: str) -> None:
        """Count one attempt for `key`, or raise `RetryLater` when the window is full."""
        now = time.monotonic()
        attempts = self._attempts.get(key)
        if attempts is None:
            if len(self._attempts) >= self._max_keys:
                self._evict(now)
            attempts = self._attempts[key] = deque()
        while attempts and attempts[0] <= now - self.window:
            attempts.popleft()
        if len(attempts) >= self.limit:
            raise RetryLater(
                "Too many attempts for this account; try again later.",
                retry_after=attempts[0] + self.window - now,
            )
        attempts.append(now)

    def _evict(self, now: float) -> None:
        """Forget keys without recent attempts; if none, the oldest key (bounded memory)."""
        stale = [k for k, a in self._attempts.items() if not a or a[-1] <= now - self.window]
        for key in stale:
            del self._attempts[key]
        if len(self._attempts) >= self._max_keys:
            del self._attempts[next(iter(self._attempts))]
