"""Login sessions: families of single-use refresh tokens, rotated on every use."""

import uuid
from datetime import datetime, timedelta

import msgspec

from hduce.core.db import HduceEngine
from hduce.plugins.auth.opaque import digest, new_token
from hduce.plugins.auth.tables import RefreshToken

# The live families of account `$1`: each with when it began and its latest client.
LIVE_SESSIONS = (
    "SELECT family_id, min(issued_at) AS created_at, max(issued_at) AS last_used_at, "
    "(array_agg(ip ORDER BY issued_at DESC))[1] AS ip, "
    "(array_agg(user_agent ORDER BY issued_at DESC))[1] AS user_agent "
    "FROM refresh_token WHERE account = $1 GROUP BY family_id "
    "HAVING bool_and(revoked_at IS NULL) AND bool_or(used_at IS NULL AND expires_at > now()) "
    "ORDER BY last_used_at DESC"
)


class ClientInfo(msgspec.Struct, frozen=True):
    """Where a request came from, as recorded with sessions and audit events."""

    ip: str | None = None
    user_agent: str | None = None


class StoredRefreshToken(msgspec.Struct, frozen=True, kw_only=True):
    """A refresh token row, looked up by the hash of the presented token."""

    id: uuid.UUID
    account: uuid.UUID
    family_id: uuid.UUID
    expired: bool
    used_at: datetime | None
    revoked_at: datetime | None


class SessionRow(msgspec.Struct, frozen=True, kw_only=True):
    """One active session (refresh token family) of an account."""

    family_id: uuid.UUID
    created_at: datetime
    last_used_at: datetime
    ip: str | None
    user_agent: str | None


class Sessions:
    """Creates, rotates, lists and revokes refresh token families."""

    def __init__(self, ttl: float) -> None:
        self._ttl = timedelta(seconds=ttl)

    async def issue(
        self, account_id: uuid.UUID, client: ClientInfo, family_id: uuid.UUID | None = None
    ) -> tuple[str, uuid.UUID]:
        """A new refresh token, in `family_id` or a new family; returns it and the family."""
        token, family = new_token(), family_id or uuid.uuid4()
        await RefreshToken.raw(
            "INSERT INTO refresh_token (id, account, token_hash, family_id, issued_at, "
            "expires_at, ip, user_agent) VALUES ({}, {}, {}, {}, now(), now() + {}::interval, "
            "{}, {})",
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
        rows = await RefreshToken.raw(
            "SELECT id, account, family_id, expires_at <= now() AS expired, used_at, revoked_at "
            "FROM refresh_token WHERE token_hash = {} FOR UPDATE",
            digest(token),
        )
        return StoredRefreshToken(**rows[0]) if rows else None

    async def mark_used(self, token_id: uuid.UUID) -> None:
        """Spend one token (it was rotated)."""
        await RefreshToken.raw("UPDATE refresh_token SET used_at = now() WHERE id = {}", token_id)

    async def revoke_family(self, family_id: uuid.UUID, account_id: uuid.UUID) -> int:
        """Revoke every token of one of the account's families; returns how many were live."""
        rows = await RefreshToken.raw(
            "UPDATE refresh_token SET revoked_at = now() WHERE family_id = {} AND account = {} "
            "AND revoked_at IS NULL RETURNING used_at IS NULL AND expires_at > now() AS live",
            family_id,
            account_id,
        )
        return sum(1 for row in rows if row["live"])

    async def revoke_all(self, account_id: uuid.UUID, *, keep: uuid.UUID | None = None) -> None:
        """Revoke every session of the account except the family `keep`."""
        await RefreshToken.raw(
            "UPDATE refresh_token SET revoked_at = now() WHERE account = {} "
            "AND revoked_at IS NULL AND family_id IS DISTINCT FROM {}",
            account_id,
            keep,
        )

    async def is_live(self, family_id: uuid.UUID, account_id: uuid.UUID) -> bool:
        """Whether the account's session still holds a usable refresh token."""
        rows = await RefreshToken.raw(
            "SELECT 1 FROM refresh_token WHERE family_id = {} AND account = {} "
            "AND revoked_at IS NULL AND used_at IS NULL AND expires_at > now() LIMIT 1",
            family_id,
            account_id,
        )
        return bool(rows)

    async def active(self, account_id: uuid.UUID) -> list[SessionRow]:
        """The account's sessions that still hold a usable refresh token, latest first."""
        engine = RefreshToken._meta.db
        assert isinstance(engine, HduceEngine)
        return [SessionRow(**row) for row in await engine.fetch(LIVE_SESSIONS, account_id)]
