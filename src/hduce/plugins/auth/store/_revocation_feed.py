"""Keeps a web process's `Revocations` in step with the database.

Ended sessions and changed roles then stop access tokens at once instead of at their `exp`. The
auth migration's triggers notify `hduce_token_revocations` at commit; one LISTEN connection per
web process applies them. On (re)connecting it first loads what changed within one token
lifetime, holding notifications back until the load is applied so an older row never overwrites
a newer notice. A lost connection is re-opened in the background (and reloaded).
"""

import logging
import uuid
from contextlib import AbstractAsyncContextManager

import asyncpg

from hduce.contracts.auth import AccountStatus
from hduce.core.listener import HealingListener
from hduce.core.registry import HealthStatus
from hduce.core.security.revocations import Revocations

logger = logging.getLogger("hduce.auth")

CHANNEL = "hduce_token_revocations"

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
        self._revocations = revocations
        self._lifetime = token_lifetime
        self._listener = HealingListener(dsn, CHANNEL, self._apply, on_connected=self._load)

    @property
    def connected(self) -> bool:
        """Whether notifications are being received right now."""
        return self._listener.connected

    async def health(self) -> HealthStatus:
        """Unhealthy while the feed is disconnected (revocations may arrive late)."""
        detail = {"listening": self.connected, "revocations_kept": len(self._revocations)}
        return HealthStatus(ok=self.connected, detail=detail)

    def running(self) -> AbstractAsyncContextManager[None]:
        """Listen for the duration of the block (a web lifespan)."""
        return self._listener.running()

    async def _load(self, connection: asyncpg.Connection) -> None:
        for row in await connection.fetch(ENDED_SESSIONS, self._lifetime):
            self._revocations.end_session(row["family_id"], age=row["age"])
        for row in await connection.fetch(CHANGED_ACCOUNTS, self._lifetime):
            self._set_access(row["id"], row["status"], row["roles"], age=row["age"])

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
