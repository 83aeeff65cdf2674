"""Failed-login counting and lockout, atomic in PostgreSQL, per identifier a login names.

An attempt is counted *before* its password is checked (one `UPDATE … RETURNING`), and the
attempt that reaches the threshold locks at once: however many logins run in parallel, at most
`lockout_threshold` passwords are checked before the lock, and a lock is never undone by a
correct password checked in parallel. A correct password gives its attempt back (`release`),
lifting the lock its own attempt set; logins that met a lock set moments ago wait for that
(`PROVISIONAL`) instead of being refused, so parallel logins with the right password all pass.
Every identifier, an account's e-mail address, its username or one no account has, is counted
on its own in `login_failure`, keyed by a hash: counted per account, failures by e-mail then
by username locked a real account and no made-up pair, so a guessed username told whether an
address was a patient's. An account's two identifiers thus allow twice the failures.
"""

import asyncio
import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from time import monotonic

from asyncpg import Record

from hduce.core.db import Database
from hduce.plugins.auth.config import AuthConfig
from hduce.plugins.auth.errors import AccountLocked

LOCKED_MESSAGE = "Too many failed logins: the account is locked for {}."
MAX_DOUBLINGS = 30
"""Backoff doublings counted at most (`lockout_max` caps the duration long before)."""

# `failed_logins` goes below zero while a lock holds: the attempts given back meanwhile.
CLAIM = f"""
UPDATE login_failure SET
    failed_logins = CASE WHEN greatest(failed_logins, 0) + 1 >= $2 THEN 0
        ELSE greatest(failed_logins, 0) + 1 END,
    lockouts = lockouts + (greatest(failed_logins, 0) + 1 >= $2)::int,
    locked_until = CASE WHEN greatest(failed_logins, 0) + 1 >= $2
        THEN now() + least($3::float8 * power(2, least(lockouts, {MAX_DOUBLINGS})), $4::float8)
            * interval '1 second'
        ELSE locked_until END,
    updated_at = now()
WHERE key = $1 AND (locked_until IS NULL OR locked_until <= now())
RETURNING lockouts, locked_until, coalesce(locked_until > now(), false) AS locking
"""
# An attempt given back while a lock holds is kept (below zero) for the attempt that set the
# lock: lifting it, that one restores the failures counted before it, less those given back.
RELEASE = """
UPDATE login_failure SET
    failed_logins = CASE
        WHEN $2::timestamptz IS NULL AND locked_until > now() THEN failed_logins - 1
        WHEN $2::timestamptz IS NULL THEN greatest(failed_logins - 1, 0)
        WHEN locked_until = $2::timestamptz THEN greatest($3 - 1 + least(failed_logins, 0), 0)
        ELSE failed_logins END,
    lockouts = lockouts - coalesce(locked_until = $2::timestamptz, false)::int,
    locked_until = CASE WHEN locked_until = $2::timestamptz THEN NULL ELSE locked_until END
WHERE key = $1
"""
CLEAR = """
UPDATE login_failure SET failed_logins = 0, lockouts = 0, locked_until = NULL
WHERE key = $1 AND (locked_until IS NULL OR locked_until <= now()) RETURNING 1
"""
LOCKED_UNTIL = "SELECT locked_until FROM login_failure WHERE key = $1"
# A claim sets `updated_at`; a locked row's is the moment its lock was set.
LOCK_STATE = """
SELECT coalesce(locked_until > now(), false) AS locked,
       updated_at > now() - $2 * interval '1 second' AS recent
FROM login_failure WHERE key = $1
"""
ENSURE = "INSERT INTO login_failure (key) VALUES ($1) ON CONFLICT (key) DO NOTHING"
FORGET = "DELETE FROM login_failure WHERE key = ANY($1::text[])"
# A day without failures forgets an identifier, unless it is still locked.
SWEEP = (
    "DELETE FROM login_failure WHERE updated_at < now() - interval '1 day' "
    "AND (locked_until IS NULL OR locked_until < now())"
)
SWEEP_EVERY = 600.0
PROVISIONAL = 3.0
"""Seconds a new lock may still be lifted by the right password of the attempt that set it
(the time its password check takes): a login meeting it waits that long before the 429."""
MAX_WAIT = 10.0
"""Seconds a login waits at most for a run of such locks, each set and lifted in turn by the
right passwords of parallel logins."""
RETRY_EVERY = 0.05


@dataclass(frozen=True)
class Attempt:
    """A counted login attempt; `locking` when it reached the threshold and locked."""

    lockouts: int
    locked_until: datetime | None
    locking: bool

    def locked(self) -> AccountLocked:
        """The 429 this attempt answers with once its password proved wrong."""
        return locked_error(self.locked_until)

    def lock_detail(self) -> dict[str, object]:
        """The audit detail of the lock this attempt set."""
        assert self.locked_until is not None
        return {"until": self.locked_until.isoformat(), "lockouts": self.lockouts}


def locked_error(until: datetime | None) -> AccountLocked:
    """The 429 problem of a lock lasting until `until`."""
    left = (until - datetime.now(UTC)).total_seconds() if until else 1.0
    seconds = max(1, math.ceil(left))
    return AccountLocked(LOCKED_MESSAGE.format(how_long(seconds)), retry_after=seconds)


def how_long(seconds: int) -> str:
    """A wait in words, in whole minutes rounded up: `1 minute`, `2 hours 5 minutes`."""
    hours, minutes = divmod(math.ceil(seconds / 60), 60)
    parts = [(hours, "hour"), (minutes, "minute")]
    return " ".join(f"{n} {unit}{'s' if n > 1 else ''}" for n, unit in parts if n)


class Lockout:
    """Counts failed logins per identifier in `login_failure`, keyed by its SHA-256."""

    def __init__(self, db: Database, config: AuthConfig) -> None:
        self._db = db
        self._limits = (
            config.lockout_threshold,
            float(config.lockout_base),
            float(config.lockout_max),
        )
        self._next_sweep = 0.0

    async def claim(self, identifier: str) -> Attempt:
        """Count an attempt before its password is checked; raises `AccountLocked` if locked."""
        if monotonic() >= self._next_sweep:
            self._next_sweep = monotonic() + SWEEP_EVERY
            await self._db.fetchrow(SWEEP)
        key = _key(identifier)
        await self._db.fetchrow(ENSURE, key)
        row = await self._unless_locked(CLAIM, key, *self._limits)
        if row is None:
            raise await self.refusal(identifier)
        return Attempt(row["lockouts"], row["locked_until"], row["locking"])

    async def refusal(self, identifier: str) -> AccountLocked:
        """The 429 of a locked identifier, with the time the lock has left."""
        locked = await self._db.fetchrow(LOCKED_UNTIL, _key(identifier))
        return locked_error(locked["locked_until"] if locked else None)

    async def release(self, identifier: str, attempt: Attempt) -> None:
        """Give back an attempt whose password was right (lifting the lock it set, if any)."""
        until = attempt.locked_until if attempt.locking else None
        await self._db.fetchrow(RELEASE, _key(identifier), until, self._limits[0])

    async def clear(self, identifier: str) -> bool:
        """Forget the failures after a login succeeded; False if a lock came first."""
        return await self._unless_locked(CLEAR, _key(identifier)) is not None

    async def _unless_locked(self, statement: str, key: str, *args: object) -> Record | None:
        """The row of `statement` (which returns none while `key` is locked), once unlocked.

        A lock set less than `PROVISIONAL` seconds ago may still be lifted by the right
        password of the attempt that set it, and one lifted since the statement ran is gone:
        the statement is tried again (for `MAX_WAIT` at most, however many such locks come and
        go). Only a lock older than that refuses.
        """
        deadline = monotonic() + MAX_WAIT
        while (row := await self._db.fetchrow(statement, key, *args)) is None:
            state = await self._db.fetchrow(LOCK_STATE, key, PROVISIONAL)
            held = state is not None and state["locked"] and not state["recent"]
            if state is None or held or monotonic() >= deadline:
                return None
            await asyncio.sleep(RETRY_EVERY)
        return row

    async def forget(self, *identifiers: str) -> None:
        """Unlock these identifiers (an account's address and username), forgetting failures."""
        await self._db.execute(FORGET, [_key(identifier) for identifier in identifiers])


def _key(identifier: str) -> str:
    """The stored key of a normalised identifier: never the identifier itself."""
    return hashlib.sha256(identifier.encode()).hexdigest()
