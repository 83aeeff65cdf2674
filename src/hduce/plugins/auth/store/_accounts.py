"""Reading and writing accounts (every statement joins the caller's transaction)."""

import unicodedata
import uuid
from datetime import datetime
from typing import Any

import msgspec

from hduce.contracts.auth import ACCOUNT_DIRECTORY, DirectoryEntry
from hduce.core.sql_store import SqlStore
from hduce.core.unicode_forms import nfc

ACCOUNT_COLUMNS = (
    "id, email, username, password_hash, roles, status, email_verified_at, "
    "mfa_secret, mfa_enabled, mfa_last_counter, must_reset_password, last_login_at, created_at"
)
INSERT = (
    "INSERT INTO account (id, email, username, password_hash, roles, status, "
    "email_verified_at, mfa_enabled, must_reset_password, "
    "password_changed_at, created_at, updated_at) "
    "VALUES ($1, $2, $3, $4, $5::varchar[], $6, CASE WHEN $7::boolean THEN now() END, "
    f"false, false, now(), now(), now()) RETURNING {ACCOUNT_COLUMNS}"
)
# A registration of an address still unverified replaces the one before it, all it set included.
REGISTER_AGAIN = (
    "UPDATE account SET username = $2, password_hash = $3, roles = $4::varchar[], status = $5, "
    "status_changed_at = now(), mfa_secret = NULL, mfa_enabled = false, mfa_last_counter = NULL, "
    "must_reset_password = false, password_changed_at = now(), last_login_at = NULL, "
    "created_at = now(), updated_at = now() "
    f"WHERE id = $1 AND email_verified_at IS NULL RETURNING {ACCOUNT_COLUMNS}"
)
# Held until the transaction ends by every change that may remove an active admin, so two of
# them (each admin removing the other) cannot both count the other as the one left.
LOCK_ADMINS = "SELECT pg_advisory_xact_lock(hashtext('hduce.auth.active_admins'))"
OTHER_ACTIVE_ADMINS = (
    "SELECT count(*) FROM account WHERE status = 'active' AND 'admin' = ANY(roles) AND id <> $1"
)
# A verification or reset link reached the mailbox: the address is proven.
MARK_VERIFIED = (
    "UPDATE account SET email_verified_at = coalesce(email_verified_at, now()), "
    "updated_at = now() WHERE id = $1"
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
    """E-mail addresses and usernames are stored and compared lower-cased, in Unicode's NFC.

    NFC: `zoë` typed as one character or as `e` and a combining mark is one address. An
    address's domain is mapped as IDNA (UTS #46) maps it before DNS and mail see it, in NFKC
    lower-cased: a full-width `x` (U+FF58) in a domain is an `x`, where its mail goes.
    """
    text = nfc(identifier.strip().lower())
    name, at, domain = text.rpartition("@")
    return f"{name}@{_compatible(_compatible(domain).lower())}" if at else text


def _compatible(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


class NewAccount(msgspec.Struct, frozen=True, kw_only=True):
    """An account to create: its two logins, roles and status."""

    email: str
    username: str
    roles: list[str]
    status: str
    verified: bool = False
    """Whether the e-mail address counts as proven from the start (no verification link)."""

    def normalised(self) -> "NewAccount":
        """The same account with its e-mail address and username as they are stored."""
        return msgspec.structs.replace(
            self, email=normalise(self.email), username=normalise(self.username)
        )


def _contains(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its wildcards escaped."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _account(row: Any) -> AccountRow:
    return AccountRow(**{name: row[name] for name in AccountRow.__struct_fields__})


def _maybe(row: Any) -> AccountRow | None:
    return _account(row) if row else None


class AccountStore(SqlStore):
    """The `account` table."""

    async def get(self, account_id: uuid.UUID, *, lock: bool = False) -> AccountRow | None:
        """One account by id; `lock` holds it for update until the transaction ends."""
        suffix = " FOR UPDATE" if lock else ""
        query = f"SELECT {ACCOUNT_COLUMNS} FROM account WHERE id = $1{suffix}"
        return _maybe(await self.db.fetchrow(query, account_id))

    async def entry(self, account_id: uuid.UUID) -> DirectoryEntry | None:
        """What other plugins may know about one account (from `ACCOUNT_DIRECTORY`), or None."""
        row = await self.db.fetchrow(f"SELECT * FROM {ACCOUNT_DIRECTORY} WHERE id = $1", account_id)
        return DirectoryEntry.from_row(row) if row else None

    async def find(self, identifier: str) -> AccountRow | None:
        """One account by e-mail address or username."""
        key = normalise(identifier)
        column = "email" if "@" in key else "username"
        query = f"SELECT {ACCOUNT_COLUMNS} FROM account WHERE {column} = $1"
        return _maybe(await self.db.fetchrow(query, key))

    async def exists(self, email: str, username: str) -> bool:
        """Whether the e-mail address or the username is taken."""
        query = "SELECT 1 FROM account WHERE email = $1 OR username = $2 LIMIT 1"
        return await self.db.fetchval(query, email, username) is not None

    async def insert(self, new: NewAccount, password_hash: str) -> AccountRow:
        """Create an account; raises asyncpg's `UniqueViolationError` on a taken e-mail/username."""
        row = await self.db.fetchrow(
            INSERT,
            uuid.uuid4(),
            new.email,
            new.username,
            password_hash,
            new.roles,
            new.status,
            new.verified,
        )
        return _account(row)

    async def register_again(
        self, account_id: uuid.UUID, new: NewAccount, password_hash: str
    ) -> AccountRow | None:
        """Replace an unverified account's registration (None once the address is verified).

        Username, password, roles and status become `new`'s, `created_at` the time of this
        registration; the second factor goes. Raises `UniqueViolationError` on a taken username.
        """
        row = await self.db.fetchrow(
            REGISTER_AGAIN, account_id, new.username, password_hash, new.roles, new.status
        )
        return _maybe(row)

    async def update(self, account_id: uuid.UUID, **values: Any) -> None:
        """Set columns of one account (and its `updated_at`); the names come from code only."""
        columns = ", ".join(f"{name} = ${n}" for n, name in enumerate(values, start=2))
        query = f"UPDATE account SET {columns}, updated_at = now() WHERE id = $1"
        await self.db.execute(query, account_id, *values.values())

    async def set_status(self, account_id: uuid.UUID, status: str) -> None:
        """Move one account to `status`, dated in `status_changed_at` (and `updated_at`)."""
        await self.db.execute(
            "UPDATE account SET status = $2, status_changed_at = now(), updated_at = now() "
            "WHERE id = $1",
            account_id,
            status,
        )

    async def mark_verified(self, account_id: uuid.UUID) -> None:
        """Take the e-mail address as proven."""
        await self.db.execute(MARK_VERIFIED, account_id)

    async def other_active_admins(self, account_id: uuid.UUID) -> int:
        """How many active admins there are besides `account_id`.

        Counted once every other change removing an admin has committed (a lock held until the
        caller's transaction ends): run it in the transaction that removes one.
        """
        await self.db.execute(LOCK_ADMINS)
        return int(await self.db.fetchval(OTHER_ACTIVE_ADMINS, account_id))

    async def search(
        self, *, text: str | None, role: str | None, status: str | None, limit: int, offset: int
    ) -> tuple[list[AccountRow], int]:
        """Accounts whose e-mail or username contains `text`, filtered; and the total count."""
        where, args = ["true"], []
        if text:
            args.append(_contains(text.lower()))
            where.append(f"(email LIKE ${len(args)} OR username LIKE ${len(args)})")
        if role:
            args.append(role)
            where.append(f"${len(args)} = ANY(roles)")
        if status:
            args.append(status)
            where.append(f"status = ${len(args)}")
        condition = " AND ".join(where)
        page = f"LIMIT ${len(args) + 1} OFFSET ${len(args) + 2}"
        rows = await self.db.fetch(
            f"SELECT {ACCOUNT_COLUMNS}, count(*) OVER () AS total FROM account "
            f"WHERE {condition} ORDER BY created_at, id {page}",
            *args,
            limit,
            offset,
        )
        if rows:
            total = rows[0]["total"]
        else:
            total = await self.db.fetchval(f"SELECT count(*) FROM account WHERE {condition}", *args)
        return [_account(row) for row in rows], int(total)
