"""A PostgreSQL LISTEN that outlives its connection (a database restart, a killed backend).

The LISTEN holds a connection of its own, outside the pool. When that connection is lost it is
re-opened in the background, with growing pauses, until it is back; `on_connected` then runs
(on the first connection too) so the listener can catch up with what it missed, while the
notifications that arrive meanwhile are held back and applied after it, in order.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from hduce.core.closing import close_or_drop

logger = logging.getLogger("hduce.db")

RECONNECT_DELAYS = (0.2, 1.0, 2.0, 5.0)
"""Pauses between attempts to listen again; the last one repeats."""

Notified = Callable[[str], None]
Connected = Callable[[asyncpg.Connection], Awaitable[object]]


class HealingListener:
    """Calls `notified(payload)` for each NOTIFY on `channel` while `running()`."""

    def __init__(
        self, dsn: str, channel: str, notified: Notified, *, on_connected: Connected | None = None
    ) -> None:
        self.channel = channel
        self._dsn = dsn
        self._notified = notified
        self._on_connected = on_connected
        self._connection: asyncpg.Connection | None = None
        self._held_back: list[str] | None = None
        self._reconnecting: asyncio.Task[None] | None = None
        self._stopping = False

    @property
    def name(self) -> str:
        """The connection's `application_name` (what `pg_stat_activity` shows of it)."""
        return f"hduce listen {self.channel}"

    @property
    def connected(self) -> bool:
        """Whether notifications are being received right now."""
        return self._connection is not None and not self._connection.is_closed()

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Listen for the duration of the block; the first connection must succeed."""
        self._stopping = False
        await self._connect()
        try:
            yield
        finally:
            self._stopping = True
            if self._reconnecting is not None:
                self._reconnecting.cancel()
                await asyncio.gather(self._reconnecting, return_exceptions=True)
            connection, self._connection = self._connection, None
            if connection is not None:
                await close_or_drop(connection, f"listener of {self.channel}")

    async def _connect(self) -> None:
        connection = await asyncpg.connect(
            self._dsn, server_settings={"application_name": self.name}
        )
        try:
            self._held_back = []
            await connection.add_listener(self.channel, self._on_notify)
            if self._on_connected is not None:
                await self._on_connected(connection)
        except BaseException:
            self._held_back = None
            await connection.close()
            raise
        held_back, self._held_back = self._held_back, None
        for payload in held_back:
            self._notified(payload)
        connection.add_termination_listener(self._on_lost)
        self._connection = connection

    def _on_notify(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        if self._held_back is not None:
            self._held_back.append(payload)
        else:
            self._notified(payload)

    def _on_lost(self, connection: asyncpg.Connection) -> None:
        if self._stopping or connection is not self._connection:
            return
        self._connection = None
        logger.warning("listener of %s: database connection lost, reconnecting", self.channel)
        self._reconnecting = asyncio.get_running_loop().create_task(
            self._reconnect(), name=f"hduce-listen-{self.channel}"
        )

    async def _reconnect(self) -> None:
        attempt = 0
        while not self._stopping:
            try:
                await self._connect()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
                delay = RECONNECT_DELAYS[min(attempt, len(RECONNECT_DELAYS) - 1)]
                logger.warning(
                    "listener of %s: reconnect failed: %s; retry in %ss", self.channel, exc, delay
                )
                attempt += 1
                await asyncio.sleep(delay)
            else:
                logger.info("listener of %s: listening again", self.channel)
                return
