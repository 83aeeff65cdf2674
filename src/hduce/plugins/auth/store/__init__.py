"""All of auth's SQL: accounts, tokens, sessions, second factors, lockouts and counts."""

from hduce.plugins.auth.store._accounts import (
    AccountRow,
    AccountStore,
    NewAccount,
    normalise,
)
from hduce.plugins.auth.store._analytics import AccountCounts
from hduce.plugins.auth.store._lockout import PROVISIONAL, Attempt, Lockout, how_long
from hduce.plugins.auth.store._one_time_tokens import (
    INVALID,
    RESET_PASSWORD,
    VERIFY_EMAIL,
    OneTimeTokens,
)
from hduce.plugins.auth.store._refresh_tokens import LIVE_SESSIONS, RefreshTokens
from hduce.plugins.auth.store._revocation_feed import RevocationFeed
from hduce.plugins.auth.store._second_factor import SecondFactorStore

__all__ = [
    "INVALID",
    "LIVE_SESSIONS",
    "PROVISIONAL",
    "RESET_PASSWORD",
    "VERIFY_EMAIL",
    "AccountCounts",
    "AccountRow",
    "AccountStore",
    "Attempt",
    "Lockout",
    "NewAccount",
    "OneTimeTokens",
    "RefreshTokens",
    "RevocationFeed",
    "SecondFactorStore",
    "how_long",
    "normalise",
]
