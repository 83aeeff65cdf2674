"""Roles and accounts: the account directory, the reads of accounts and their administration."""

import uuid
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Protocol

import msgspec

from hduce.core.errors import InvalidRequest
from hduce.core.security import Principal


class Role(StrEnum):
    """What an account may do; an account holds one or more."""

    ADMIN = "admin"
    DOCTOR = "doctor"
    NURSE = "nurse"
    RECEPTIONIST = "receptionist"
    PATIENT = "patient"


STAFF_ROLES: frozenset[str] = frozenset({Role.ADMIN, Role.DOCTOR, Role.NURSE, Role.RECEPTIONIST})

CLINICAL_ROLES: frozenset[str] = frozenset({Role.DOCTOR, Role.NURSE})


class AccountStatus(StrEnum):
    """Where an account stands."""

    ACTIVE = "active"
    PENDING_APPROVAL = "pending_approval"
    DEACTIVATED = "deactivated"


ACCOUNT_DIRECTORY = "account_directory"
"""A read-only view kept by the auth plugin: `id, email, username, roles, status` per account.

And `status_changed_at`: when an admin last approved, deactivated or reactivated it (or NULL).

For a plugin that needs accounts together with rows of its own (joined by id) in one query;
`DirectoryEntry.from_row` reads those columns. Other account reads go through `Accounts`.
"""


class DirectoryEntry(msgspec.Struct, frozen=True, kw_only=True):
    """What other plugins may know about a user."""

    id: uuid.UUID
    email: str
    username: str
    roles: frozenset[str]
    status: str
    first_name: str = ""
    last_name: str = ""
    phone: str | None = None
    timezone: str = "UTC"

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> "DirectoryEntry":
        """The account fields of a row with the `ACCOUNT_DIRECTORY` columns (no profile fields)."""
        return cls(
            id=row["id"],
            email=row["email"],
            username=row["username"],
            roles=frozenset(row["roles"]),
            status=row["status"],
        )


class NotInRole(InvalidRequest):
    """A request names an account that does not exist or lacks the role it needs (422)."""


class Accounts(Protocol):
    """The account owner's read side (provided by the auth plugin)."""

    async def get_account(self, account_id: uuid.UUID) -> DirectoryEntry | None:
        """One account (without profile fields), or None."""

    async def find_account(self, email_or_username: str) -> DirectoryEntry | None:
        """Look an account up by e-mail or username, or None."""

    async def require(
        self, account_id: uuid.UUID, role: Role, *, key: str, source: str = "body"
    ) -> DirectoryEntry:
        """The account if it holds `role`; else `NotInRole` (422) naming the input `key`.

        `key` and `source` (`body`, `query`, `path`) say where the request gave `account_id`.
        """


class AccountAdmin(Protocol):
    """Account administration (provided by the auth plugin; each change is audited)."""

    async def search_accounts(
        self,
        *,
        text: str | None,
        role: str | None,
        status: str | None,
        limit: int,
        offset: int,
    ) -> tuple[list[DirectoryEntry], int]:
        """Accounts whose e-mail or username contains `text`, filtered; and the total count."""

    async def approve(self, account_id: uuid.UUID, *, by: uuid.UUID) -> DirectoryEntry:
        """Activate a pending staff account."""

    async def set_roles(
        self, account_id: uuid.UUID, roles: frozenset[str], *, by: uuid.UUID
    ) -> DirectoryEntry:
        """Replace an account's roles; `by` keeps their own admin role, the last admin theirs."""

    async def deactivate(self, account_id: uuid.UUID, *, by: uuid.UUID) -> DirectoryEntry:
        """Block logins and revoke every session (not `by`'s own account, nor the last admin)."""

    async def reactivate(self, account_id: uuid.UUID, *, by: uuid.UUID) -> DirectoryEntry:
        """Allow logins again."""

    async def force_password_reset(self, account_id: uuid.UUID, *, by: uuid.UUID) -> None:
        """Revoke every session, require a new password and send a reset e-mail (not `by`'s own)."""

    async def invite(self, account_id: uuid.UUID, *, by: uuid.UUID) -> None:
        """Mail an account the clinic opened its invitation: a link to choose a password."""

    async def acting_admin(
        self, who: str | None, *, other_than: uuid.UUID | None = None
    ) -> Principal:
        """The admin a command acts as: `who` (id, e-mail or username), else the oldest other.

        The oldest active admin that is not `other_than` (the account the command changes).
        Raises an `HduceError` saying why when there is no such active admin.
        """
