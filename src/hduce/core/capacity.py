"""How many sends may run at once, and when a send that found no place is due again.

A sender takes a place before its work, waiting at most `ROOM_WAIT`; when none frees it puts
the send off (`put_off_until`) instead of holding a worker's task slot while it waits.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta

from hduce.core.backoff import retry_delay

ROOM_WAIT = 0.5
"""Seconds a send waits for a free place before it is put off (its task slot freed)."""
BUSY_DELAYS = (0.5, 10.0)
"""A put-off send is due again after the first, doubled each time in a row, up to the second."""


class Busy(Exception):
    """No place came free within the wait: the caller tries again later instead of queueing."""


class Capacity:
    """At most `size` holders at once; a task already holding it holds it again for nothing.

    So a sender can take a channel's place before its database work, and the channel's `send`,
    which takes it too (for callers that did not), does not wait for a second one.
    """

    def __init__(self, size: int, what: str) -> None:
        self._free = asyncio.Semaphore(max(1, size))
        self._what = what
        self._held: ContextVar[bool] = ContextVar(f"capacity_held_{what}", default=False)

    @asynccontextmanager
    async def hold(self, wait: float | None = None) -> AsyncIterator[None]:
        """Hold one place for the block; `Busy` when none is free within `wait` seconds.

        `wait=None` waits as long as it takes.
        """
        if self._held.get():
            yield
            return
        try:
            async with asyncio.timeout(wait):
                await self._free.acquire()
        except TimeoutError:
            raise Busy(f"{self._what}: all busy") from None
        token = self._held.set(True)
        try:
            yield
        finally:
            self._held.reset(token)
            self._free.release()


def put_off_until(busy: int) -> datetime:
    """When a send put off `busy` times in a row before is due again (spread a little)."""
    first, most = BUSY_DELAYS
    return datetime.now(UTC) + timedelta(seconds=retry_delay(busy + 1, first, most, jitter=0.5))
