"""Reading and writing accounts and one-time tokens (joins the caller's transaction)."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from hduce.contracts.auth import ACCOUNT_DIRECTORY, DirectoryEntry
from hduce.core.db import HduceEngine
from hduce.plugins.auth.errors import InvalidOneTimeToken
from hduce.plugins.auth.opaque import digest, new_token
from hduce.plugins.auth.tables import Account, OneTimeToken

VERIFY_EMAIL, RESET_PASSWORD = "verify_email", "reset_password"

ACCOUNT_COLUMNS = (
    "id, email, username, password_hash, roles, status, email_verified_at, failed_logins, "
    "lockouts, locked_until, mfa_secret, mfa_enabled, mfa_last_counter, must_reset_password, "
    "last_login_at, created_at"
)


class AccountRow(msgspec.Struct, frozen=True, kw_only=True):
    """One `account` row as the services use it."""

    id: uuid.UUID
    email: str
    username: str
    password_hash: str
    roles: list[str]
    status: str
    email_verified_at: datetime | None
    failed_logins: int
    lockouts: int
    locked_until: datetime | None
    mfa_secret: str | None
    mfa_enabled: bool
    mfa_last_counter: int | None
    must_reset_password: bool
    last_login_at: datetime | None
    created_at: datetime

    def entry(self) -> DirectoryEntry:
        """What other plugins may know about this account."""
        return DirectoryEntry.from_row(msgspec.structs.asdict(self))


def normalise(identifier: str) -> str:
    """E-mail addresses and usernames are stored and compared lower-cased."""
    return identifier.strip().lower()


def _engine() -> HduceEngine:
    engine = Account._meta.db
    assert isinstance(engine, HduceEngine)
    return engine


async def get_account(account_id: uuid.UUID, *, lock: bool = False) -> AccountRow | None:
    """One account by id; `lock` holds it for update until the transaction ends."""
    suffix = " FOR UPDATE" if lock else ""
    row = await _engine().fetchrow(
        f"SELECT {ACCOUNT_COLUMNS} FROM account WHERE id = $1{suffix}", account_id
    )
    return AccountRow(**row) if row else None


async def get_entry(account_id: uuid.UUID) -> DirectoryEntry | None:
    """What other plugins may know about one account (read from `ACCOUNT_DIRECTORY`), or None."""
    row = await _engine().fetchrow(f"SELECT * FROM {ACCOUNT_DIRECTORY} WHERE id = $1", account_id)
    return DirectoryEntry.from_row(row) if row else None


async def find_account(identifier: str) -> AccountRow | None:
    """One account by e-mail address or username."""
    key = normalise(identifier)
    column = "email" if "@" in key else "username"
    row = await _engine().fetchrow(
        f"SELECT {ACCOUNT_COLUMNS} FROM account WHERE {column} = $1", key
    )
    return AccountRow(**row) if row else None


async def account_exists(email: str, username: str) -> bool:
    """Whether the e-mail address or the username is taken."""
    rows = await Account.raw(
        "SELECT 1 FROM account WHERE email = {} OR username = {} LIMIT 1", email, username
    )
    return bool(rows)


async def insert_account(
    *,
    email: str,
    username: str,
    password_hash: str,
    roles: list[str],
    status: str,
    verified: bool,
) -> AccountRow:
    """Create an account; raises asyncpg's `UniqueViolationError` on a taken e-mail/username."""
    rows = await Account.raw(
        "INSERT INTO account (id, email, username, password_hash, roles, status, "
        "email_verified_at, failed_logins, lockouts, mfa_enabled, must_reset_password, "
        "password_changed_at, created_at, updated_at) "
        "VALUES ({}, {}, {}, {}, {}::varchar[], {}, CASE WHEN {}::boolean THEN now() END, "
        "0, 0, false, false, "
        f"now(), now(), now()) RETURNING {ACCOUNT_COLUMNS}",
        uuid.uuid4(),
        email,
        username,
        password_hash,
        roles,
        status,
        verified,
    )
    return AccountRow(**rows[0])


async def update_account(account_id: uuid.UUID, **values: Any) -> None:
    """Set columns of one account (and its `updated_at`)."""
    await Account.update({**values, "updated_at": datetime.now(UTC)}).where(
        Account.id == account_id
    )


async def issue_one_time_token(
    account_id: uuid.UUID, purpose: str, ttl: float
) -> tuple[str, datetime]:
    """A new single-use token for `purpose`, valid `ttl` seconds; returns it and its expiry.

    Every older token of the same purpose is spent: only the newest e-mail's link works.
    """
    await spend_one_time_tokens(account_id, purpose)
    token = new_token()
    rows = await OneTimeToken.raw(
        "INSERT INTO one_time_token (id, account, purpose, token_hash, expires_at, created_at) "
        "VALUES ({}, {}, {}, {}, now() + {}::interval, now()) RETURNING expires_at",
        uuid.uuid4(),
        account_id,
        purpose,
        digest(token),
        timedelta(seconds=ttl),
    )
    return token, rows[0]["expires_at"]


async def peek_one_time_token(token: str, purpose: str) -> uuid.UUID:
    """The account of a valid (unused, unexpired) token, without using it."""
    rows = await OneTimeToken.raw(
        "SELECT account FROM one_time_token WHERE token_hash = {} AND purpose = {} "
        "AND used_at IS NULL AND expires_at > now()",
        digest(token),
        purpose,
    )
    if not rows:
        raise InvalidOneTimeToken("The token is unknown, already used or expired.")
    return rows[0]["account"]


async def use_one_time_token(token: str, purpose: str) -> uuid.UUID:
    """Mark a valid token used (once, even under concurrent requests); returns its account."""
    rows = await OneTimeToken.raw(
        "UPDATE one_time_token SET used_at = now() WHERE token_hash = {} AND purpose = {} "
        "AND used_at IS NULL AND expires_at > now() RETURNING account",
        digest(token),
        purpose,
    )
    if not rows:
        raise InvalidOneTimeToken("The token is unknown, already used or expired.")
    account_id: uuid.UUID = rows[0]["account"]
    await spend_one_time_tokens(account_id, purpose)
    return account_id


async def spend_one_time_tokens(account_id: uuid.UUID, purpose: str) -> None:
    """Mark every outstanding token of `purpose` for the account used."""
    await OneTimeToken.raw(
        "UPDATE one_time_token SET used_at = now() WHERE account = {} AND purpose = {} "
        "AND used_at IS NULL",
        account_id,
        purpose,
    )
