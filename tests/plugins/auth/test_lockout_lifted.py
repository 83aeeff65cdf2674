"""A lock lifted between a login's refused claim and its look at the lock lets the login in."""

import uuid
from typing import Any

from hduce.core.db import Database, HduceEngine
from hduce.plugins.auth.config import AuthConfig
from hduce.plugins.auth.store._lockout import CLAIM, Lockout
from tests.plugins.auth.helpers import failure_key


class LiftedAfterTheClaim(Database):
    """The real database; the first claim refused by a lock sees it lifted right after.

    That is what a parallel login with the right password does when it gives back the
    attempt that set the lock: on two `hduce serve`s, it landed there in 3 runs of 11.
    """

    def __init__(self, engine: HduceEngine) -> None:
        super().__init__(engine)
        self.lifted = False

    async def fetchrow(self, query: str, *args: Any) -> Any:
        row = await super().fetchrow(query, *args)
        if query == CLAIM and row is None and not self.lifted:
            self.lifted = True
            await self.execute(
                "UPDATE login_failure SET locked_until = NULL WHERE key = $1", args[0]
            )
        return row


async def test_a_lock_lifted_after_the_claim_was_refused_counts_the_attempt(
    engine: HduceEngine,
) -> None:
    identifier = f"lifted-{uuid.uuid4().hex[:12]}@example.org"
    db = LiftedAfterTheClaim(engine)
    # A lock a parallel login set a moment ago, at the threshold.
    await db.execute(
        "INSERT INTO login_failure (key, lockouts, locked_until) "
        "VALUES ($1, 1, now() + interval '1 minute')",
        failure_key(identifier),
    )
    attempt = await Lockout(db, AuthConfig()).claim(identifier)
    assert db.lifted
    assert attempt.locked_until is None and not attempt.locking
