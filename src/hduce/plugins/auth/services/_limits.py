"""Per-account attempt limits, counted in PostgreSQL so every process shares them."""

import math
from dataclasses import dataclass
from time import time

from hduce.core.db import Database
from hduce.core.rate_limit import SharedWindows
from hduce.plugins.auth.config import AuthConfig
from hduce.plugins.auth.errors import RetryLater
from hduce.plugins.auth.store import how_long

MINUTE, HOUR = 60, 3600


class AccountLimit:
    """Allows at most `limit` attempts per key in each fixed window of `seconds`."""

    def __init__(self, db: Database, name: str, limit: int, seconds: int) -> None:
        if limit < 1 or seconds < 1:
            raise ValueError("a limit needs at least one attempt and a positive window")
        self.limit = limit
        self.seconds = seconds
        self._windows = SharedWindows(db, f"account:{name}")

    async def allows(self, key: str) -> bool:
        """Count one attempt for `key`; whether its window had room for it (never raises)."""
        allowed, _, _ = await self._windows.hit(key, self.limit, self.seconds)
        return allowed

    async def acquire(self, key: str) -> None:
        """Count one attempt for `key`, or raise `RetryLater` when its window is full."""
        allowed, _, reset = await self._windows.hit(key, self.limit, self.seconds)
        if not allowed:
            wait = max(1, math.ceil(reset - time()))
            raise RetryLater(
                f"Too many attempts for this account; try again in {how_long(wait)}.",
                retry_after=wait,
            )


@dataclass(frozen=True)
class AccountLimits:
    """Per-account windows shared by every process, one limiter per limit."""

    login: AccountLimit
    forgot_password: AccountLimit
    reset_password: AccountLimit
    verify_email: AccountLimit
    mfa: AccountLimit

    @classmethod
    def from_config(cls, config: AuthConfig, db: Database) -> "AccountLimits":
        """The limiters with the configured sizes."""
        reset = config.password_reset_per_hour_per_account
        return cls(
            login=AccountLimit(db, "login", config.login_per_minute_per_account, MINUTE),
            forgot_password=AccountLimit(db, "forgot_password", reset, HOUR),
            reset_password=AccountLimit(db, "reset_password", reset, HOUR),
            verify_email=AccountLimit(
                db, "verify_email", config.verify_email_per_hour_per_account, HOUR
            ),
            mfa=AccountLimit(db, "mfa", config.mfa_per_minute_per_account, MINUTE),
        )
