"""Single-use tokens mailed as links: e-mail verification and password reset."""

import uuid
from datetime import datetime, timedelta

from hduce.core.sql_store import SqlStore
from hduce.plugins.auth.errors import InvalidOneTimeToken
from hduce.plugins.auth.store._opaque import digest, new_token

VERIFY_EMAIL, RESET_PASSWORD = "verify_email", "reset_password"
INVALID = "The token is unknown, already used or expired."

ISSUE = (
    "INSERT INTO one_time_token (id, account, purpose, token_hash, expires_at, created_at) "
    "VALUES ($1, $2, $3, $4, now() + $5::interval, now()) RETURNING expires_at"
)
VALID = "token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()"
PEEK = f"SELECT account FROM one_time_token WHERE {VALID}"
USE = f"UPDATE one_time_token SET used_at = now() WHERE {VALID} RETURNING account"
SPEND = (
    "UPDATE one_time_token SET used_at = now() WHERE account = $1 AND purpose = $2 "
    "AND used_at IS NULL"
)


class OneTimeTokens(SqlStore):
    """The `one_time_token` table: each token stored as its SHA-256, used once."""

    async def issue(self, account_id: uuid.UUID, purpose: str, ttl: float) -> tuple[str, datetime]:
        """A new token for `purpose`, valid `ttl` seconds; returns it and its expiry.

        Every older token of the same purpose is spent: only the newest e-mail's link works.
        """
        await self.spend(account_id, purpose)
        token = new_token()
        expires_at = await self.db.fetchval(
            ISSUE, uuid.uuid4(), account_id, purpose, digest(token), timedelta(seconds=ttl)
        )
        return token, expires_at

    async def peek(self, token: str, purpose: str) -> uuid.UUID:
        """The account of a valid (unused, unexpired) token, without using it."""
        return await self._account(PEEK, token, purpose)

    async def use(self, token: str, purpose: str) -> uuid.UUID:
        """Mark a valid token used (once, even under concurrent requests); returns its account."""
        account_id = await self._account(USE, token, purpose)
        await self.spend(account_id, purpose)
        return account_id

    async def spend(self, account_id: uuid.UUID, purpose: str) -> None:
        """Mark every outstanding token of `purpose` for the account used."""
        await self.db.execute(SPEND, account_id, purpose)

    async def _account(self, query: str, token: str, purpose: str) -> uuid.UUID:
        account_id = await self.db.fetchval(query, digest(token), purpose)
        if account_id is None:
            raise InvalidOneTimeToken(INVALID)
        return account_id
