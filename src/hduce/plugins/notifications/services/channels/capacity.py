"""How many sends may run at once: a channel's connections, a process's deliveries."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Protocol, runtime_checkable


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


@runtime_checkable
class Limited(Protocol):
    """A channel that sends at most so many messages at once."""

    @property
    def capacity(self) -> Capacity:
        """Its places (for e-mail, the SMTP connections)."""
