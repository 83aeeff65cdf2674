"""Login sessions: families of single-use refresh tokens, rotated on every use."""

import uuid
from datetime import datetime, timedelta

import msgspec
from asyncpg import Record

from hduce.core.db import Database
from hduce.plugins.auth.schemas import ClientInfo
from hduce.plugins.auth.store._opaque import digest, new_token

# The live families of account `$1`: each with when it began and its latest client.
LIVE_SESSIONS = (
    "SELECT family_id, min(issued_at) AS created_at, max(issued_at) AS last_used_at, "
    "(array_agg(ip ORDER BY issued_at DESC))[1] AS ip, "
    "(array_agg(user_agent ORDER BY issued_at DESC))[1] AS user_agent "
    "FROM refresh_token WHERE account = $1 GROUP BY family_id "
    "HAVING bool_and(revoked_at IS NULL) AND bool_or(used_at IS NULL AND expires_at > now()) "
    "ORDER BY last_used_at DESC"
)
ISSUE = (
    "INSERT INTO refresh_token (id, account, token_hash, family_id, issued_at, expires_at, ip, "
    "user_agent) VALUES ($1, $2, $3, $4, now(), now() + $5::interval, $6, $7)"
)
FIND = (
    "SELECT id, account, family_id, expires_at <= now() AS expired, used_at, revoked_at "
    "FROM refresh_token WHERE token_hash = $1 FOR UPDATE"
)
REVOKE_FAMILY = (
    "UPDATE refresh_token SET revoked_at = now() WHERE family_id = $1 AND account = $2 "
    "AND revoked_at IS NULL RETURNING used_at IS NULL AND expires_at > now() AS live"
)
REVOKE_ALL = (
    "UPDATE refresh_token SET revoked_at = now() WHERE account = $1 "
    "AND revoked_at IS NULL AND family_id IS DISTINCT FROM $2"
)
IS_LIVE = (
    "SELECT 1 FROM refresh_token WHERE family_id = $1 AND account = $2 "
    "AND revoked_at IS NULL AND used_at IS NULL AND expires_at > now() LIMIT 1"
)


class StoredRefreshToken(msgspec.Struct, frozen=True, kw_only=True):
    """A refresh token row, looked up by the hash of the presented token."""

    id: uuid.UUID
    account: uuid.UUID
    family_id: uuid.UUID
    expired: bool
    used_at: datetime | None
    revoked_at: datetime | None


class RefreshTokens:
    """Creates, rotates, lists and revokes refresh token families."""

    def __init__(self, db: Database, ttl: float) -> None:
        self._db = db
        self._ttl = timedelta(seconds=ttl)

    async def issue(
        self, account_id: uuid.UUID, client: ClientInfo, family_id: uuid.UUID | None = None
    ) -> tuple[str, uuid.UUID]:
        """A new refresh token, in `family_id` or a new family; returns it and the family."""
        token, family = new_token(), family_id or uuid.uuid4()
        await self._db.execute(
            ISSUE,
            uuid.uuid4(),
            account_id,
            digest(token),
            family,
            self._ttl,
            client.ip,
            client.user_agent,
        )
        return token, family

    async def find(self, token: str) -> StoredRefreshToken | None:
        """The row of a presented token, locked until the transaction ends."""
        row = await self._db.fetchrow(FIND, digest(token))
        return StoredRefreshToken(**row) if row else None

    async def mark_used(self, token_id: uuid.UUID) -> None:
        """Spend one token (it was rotated)."""
        await self._db.execute("UPDATE refresh_token SET used_at = now() WHERE id = $1", token_id)

    async def revoke_family(self, family_id: uuid.UUID, account_id: uuid.UUID) -> int:
        """Revoke every token of one of the account's families; returns how many were live."""
        rows = await self._db.fetch(REVOKE_FAMILY, family_id, account_id)
        return sum(1 for row in rows if row["live"])

    async def revoke_all(self, account_id: uuid.UUID, *, keep: uuid.UUID | None = None) -> None:
        """Revoke every session of the account except the family `keep`."""
        await self._db.execute(REVOKE_ALL, account_id, keep)

    async def is_live(self, family_id: uuid.UUID, account_id: uuid.UUID) -> bool:
        """Whether the account's session still holds a usable refresh token."""
        return await self._db.fetchval(IS_LIVE, family_id, account_id) is not None

    async def active(self, account_id: uuid.UUID) -> list[Record]:
        """The account's sessions that still hold a usable refresh token, latest first."""
        return await self._db.fetch(LIVE_SESSIONS, account_id)
