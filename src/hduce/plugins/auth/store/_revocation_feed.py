"""Keeps a web process's `Revocations` in step with the database.

Ended sessions and changed roles then stop access tokens at once instead of at their `exp`. The
auth migration's triggers notify `hduce_token_revocations` at commit; one LISTEN connection per
web process applies them. On (re)connecting it first loads what changed within one token
lifetime, holding notifications back until the load is applied so an older row never overwrites
a newer notice. A lost connection is re-opened in the background (and reloaded).
"""

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from hduce.contracts.auth import AccountStatus
from hduce.core.registry import HealthStatus
from hduce.core.security.revocations import Revocations

logger = logging.getLogger("hduce.auth")

CHANNEL = "hduce_token_revocations"
RECONNECT_DELAYS = (0.2, 1.0, 2.0, 5.0)

ENDED_SESSIONS = (
    "SELECT family_id, extract(epoch FROM now() - max(revoked_at))::float8 AS age "
    "FROM refresh_token WHERE revoked_at > now() - make_interval(secs => $1) GROUP BY family_id"
)
CHANGED_ACCOUNTS = (
    "SELECT id, status, roles, extract(epoch FROM now() - updated_at)::float8 AS age "
    "FROM account WHERE updated_at > now() - make_interval(secs => $1)"
)


class RevocationFeed:
    """LISTENs for ended sessions and account changes and applies them to `revocations`."""

    def __init__(self, dsn: str, revocations: Revocations, token_lifetime: float) -> None:
        self._dsn = dsn
        self._revocations = revocations
        self._lifetime = token_lifetime
        self._connection: asyncpg.Connection | None = None
        self._held_back: list[str] | None = None
        self._reconnecting: asyncio.Task[None] | None = None
        self._stopping = False

    @property
    def connected(self) -> bool:
        """Whether notifications are being received right now."""
        return self._connection is not None and not self._connection.is_closed()

    async def health(self) -> HealthStatus:
        """Unhealthy while the feed is disconnected (revocations may arrive late)."""
        detail = {"listening": self.connected, "revocations_kept": len(self._revocations)}
        return HealthStatus(ok=self.connected, detail=detail)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Listen for the duration of the block (a web lifespan)."""
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
                await connection.close()

    async def _connect(self) -> None:
        connection = await asyncpg.connect(self._dsn)
        try:
            self._held_back = []
            await connection.add_listener(CHANNEL, self._on_notify)
            await self._load(connection)
        except BaseException:
            self._held_back = None
            await connection.close()
            raise
        held_back, self._held_back = self._held_back, None
        for payload in held_back:
            self._apply(payload)
        connection.add_termination_listener(self._on_lost)
        self._connection = connection

    async def _load(self, connection: asyncpg.Connection) -> None:
        for row in await connection.fetch(ENDED_SESSIONS, self._lifetime):
            self._revocations.end_session(row["family_id"], age=row["age"])
        for row in await connection.fetch(CHANGED_ACCOUNTS, self._lifetime):
            self._set_access(row["id"], row["status"], row["roles"], age=row["age"])

    def _on_notify(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        if self._held_back is not None:
            self._held_back.append(payload)
        else:
            self._apply(payload)

    def _apply(self, payload: str) -> None:
        kind, *fields = payload.split(" ")
        try:
            if kind == "session" and len(fields) == 1:
                self._revocations.end_session(uuid.UUID(fields[0]))
                return
            if kind == "access" and len(fields) == 3:
                account, status, roles = fields
                self._set_access(uuid.UUID(account), status, [r for r in roles.split(",") if r])
                return
        except ValueError:
            pass
        logger.warning("ignoring malformed token revocation notice %r", payload)

    def _set_access(
        self, account_id: uuid.UUID, status: str, roles: list[str], *, age: float = 0.0
    ) -> None:
        current = None if status == AccountStatus.DEACTIVATED else frozenset(roles)
        self._revocations.set_access(account_id, current, age=age)

    def _on_lost(self, connection: asyncpg.Connection) -> None:
        if self._stopping or connection is not self._connection:
            return
        self._connection = None
        logger.warning("token revocation feed: database connection lost, reconnecting")
        self._reconnecting = asyncio.get_running_loop().create_task(self._reconnect())

    async def _reconnect(self) -> None:
        attempt = 0
        while not self._stopping:
            try:
                await self._connect()
            except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
                delay = RECONNECT_DELAYS[min(attempt, len(RECONNECT_DELAYS) - 1)]
                logger.warning(
                    "token revocation feed: reconnect failed: %s; retry in %ss", exc, delay
                )
                attempt += 1
                await asyncio.sleep(delay)
            else:
                logger.info("token revocation feed: listening again")
                return
