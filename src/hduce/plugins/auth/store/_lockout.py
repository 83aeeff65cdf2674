"""Failed-login counting and lockout, atomic in PostgreSQL, for accounts and unknown identifiers.

An attempt is counted *before* its password is checked (one `UPDATE … RETURNING`), and the
attempt that reaches the threshold locks at once: however many logins run in parallel, at most
`lockout_threshold` passwords are checked before the lock, and a lock is never undone by a
correct password checked in parallel. A correct password gives its attempt back (`release`).
Unknown identifiers are counted the same way in `login_failure`, keyed by a hash, so an
attacker cannot tell them from accounts by when they lock.
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from time import monotonic
from typing import Any

from hduce.core.db import Database
from hduce.plugins.auth.config import AuthConfig
from hduce.plugins.auth.errors import AccountLocked

LOCKED_MESSAGE = "Too many failed logins: the account is locked for a while."
MAX_DOUBLINGS = 30
"""Backoff doublings counted at most (`lockout_max` caps the duration long before)."""

CLAIM = """
UPDATE {table} SET
    failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END,
    lockouts = lockouts + (failed_logins + 1 >= $2)::int,
    locked_until = CASE WHEN failed_logins + 1 >= $2
        THEN now() + least($3::float8 * power(2, least(lockouts, {doublings})), $4::float8)
            * interval '1 second'
        ELSE locked_until END{touch}
WHERE {key} = $1 AND (locked_until IS NULL OR locked_until <= now())
RETURNING lockouts, locked_until, coalesce(locked_until > now(), false) AS locking
"""
RELEASE = """
UPDATE {table} SET
    failed_logins = CASE WHEN $2::timestamptz IS NULL THEN greatest(failed_logins - 1, 0)
        WHEN locked_until = $2::timestamptz THEN $3 - 1 ELSE failed_logins END,
    lockouts = lockouts - coalesce(locked_until = $2::timestamptz, false)::int,
    locked_until = CASE WHEN locked_until = $2::timestamptz THEN NULL ELSE locked_until END
WHERE {key} = $1
"""
CLEAR = """
UPDATE {table} SET failed_logins = 0, lockouts = 0, locked_until = NULL
WHERE {key} = $1 AND (locked_until IS NULL OR locked_until <= now()) RETURNING 1
"""
LOCKED_UNTIL = "SELECT locked_until FROM {table} WHERE {key} = $1"
ENSURE_UNKNOWN = "INSERT INTO login_failure (key) VALUES ($1) ON CONFLICT (key) DO NOTHING"
SWEEP_UNKNOWN = "DELETE FROM login_failure WHERE updated_at < now() - interval '1 day'"
SWEEP_EVERY = 600.0


@dataclass(frozen=True)
class Attempt:
    """A counted login attempt; `locking` when it reached the threshold and locked."""

    lockouts: int
    locked_until: datetime | None
    locking: bool

    def locked(self) -> AccountLocked:
        """The 429 this attempt answers with once its password proved wrong."""
        return locked_error(self.locked_until)


def locked_error(until: datetime | None) -> AccountLocked:
    """The 429 problem of a lock lasting until `until`."""
    left = (until - datetime.now(UTC)).total_seconds() if until else 1.0
    return AccountLocked(LOCKED_MESSAGE, retry_after=max(left, 1.0))


class Lockout:
    """Counts failed logins per key in one table (`account` by id)."""

    def __init__(
        self, db: Database, config: AuthConfig, table: str = "account", key: str = "id"
    ) -> None:
        self._db = db
        self._limits = (
            config.lockout_threshold,
            float(config.lockout_base),
            float(config.lockout_max),
        )
        touch = ", updated_at = now()" if table == "login_failure" else ""
        names = {"table": table, "key": key, "touch": touch, "doublings": MAX_DOUBLINGS}
        self._claim = CLAIM.format(**names)
        self._release, self._clear = RELEASE.format(**names), CLEAR.format(**names)
        self._locked_until = LOCKED_UNTIL.format(**names)

    async def claim(self, key: Any) -> Attempt:
        """Count an attempt before its password is checked; raises `AccountLocked` if locked."""
        row = await self._db.fetchrow(self._claim, key, *self._limits)
        if row is None:
            raise await self.refusal(key)
        return Attempt(row["lockouts"], row["locked_until"], row["locking"])

    async def refusal(self, key: Any) -> AccountLocked:
        """The 429 of a locked key, with the time the lock has left."""
        locked = await self._db.fetchrow(self._locked_until, key)
        return locked_error(locked["locked_until"] if locked else None)

    async def release(self, key: Any, attempt: Attempt) -> None:
        """Give back an attempt whose password was right (lifting the lock it set, if any)."""
        until = attempt.locked_until if attempt.locking else None
        await self._db.fetchrow(self._release, key, until, self._limits[0])

    async def clear(self, key: Any) -> bool:
        """Forget the failures after a login succeeded; False if a lock came first."""
        return await self._db.fetchrow(self._clear, key) is not None


class UnknownLockout(Lockout):
    """Counts failed logins of identifiers no account has, keyed by their SHA-256."""

    def __init__(self, db: Database, config: AuthConfig) -> None:
        super().__init__(db, config, table="login_failure", key="key")
        self._next_sweep = 0.0

    async def claim(self, key: Any) -> Attempt:
        """Count an attempt for an unknown identifier (already normalised)."""
        if monotonic() >= self._next_sweep:
            self._next_sweep = monotonic() + SWEEP_EVERY
            await self._db.fetchrow(SWEEP_UNKNOWN)
        hashed = hashlib.sha256(key.encode()).hexdigest()
        await self._db.fetchrow(ENSURE_UNKNOWN, hashed)
        return await super().claim(hashed)


@dataclass(frozen=True)
class Lockouts:
    """The two counters the login uses."""

    accounts: Lockout
    unknown: UnknownLockout

    @classmethod
    def from_config(cls, config: AuthConfig, db: Database) -> "Lockouts":
        """Both counters with the configured threshold and durations."""
        return cls(accounts=Lockout(db, config), unknown=UnknownLockout(db, config))
