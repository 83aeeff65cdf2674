"""Identity contracts: roles, the user directory, profiles and the audit log, shared by plugins."""

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol

import msgspec

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


class ProfileFields(msgspec.Struct, frozen=True, kw_only=True):
    """Profile data collected at registration or edited later."""

    first_name: str
    last_name: str
    phone: str | None = None
    date_of_birth: date | None = None
    specialty: str | None = None
    institution: str | None = None


ACCOUNT_DIRECTORY = "account_directory"
"""A read-only view kept by the auth plugin: `id, email, username, roles, status` per account.

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


class ContactDetails(msgspec.Struct, frozen=True, kw_only=True):
    """Where and when to reach a user (for notifications and reminders)."""

    user_id: uuid.UUID
    email: str
    first_name: str = ""
    last_name: str = ""
    phone: str | None = None
    timezone: str = "UTC"


class Demographics(msgspec.Struct, frozen=True, kw_only=True):
    """What a person is looked up by: account, names, contact details and date of birth."""

    id: uuid.UUID
    email: str
    roles: frozenset[str]
    status: str
    first_name: str = ""
    last_name: str = ""
    phone: str | None = None
    date_of_birth: date | None = None
    address: str | None = None
    specialty: str | None = None
    updated_at: datetime | None = None
    """When the profile last changed (None without a profile)."""


class PeopleQuery(msgspec.Struct, frozen=True, kw_only=True):
    """Filters of a people search; every given filter must match."""

    roles: frozenset[str]
    """Accounts holding at least one of these roles."""
    active_only: bool = False
    ids: frozenset[uuid.UUID] | None = None
    name: str | None = None
    """The start of the first name, last name or full name (case-insensitive)."""
    email: str | None = None
    """The whole e-mail address (case-insensitive)."""
    born_from: date | None = None
    born_before: date | None = None
    updated_from: datetime | None = None
    """Profiles last changed at or after this instant."""
    updated_before: datetime | None = None
    """Profiles last changed before this instant."""
    limit: int = 20
    offset: int = 0


class DemographicsReader(Protocol):
    """Bulk reads of people for read models such as search indexes (provided by users)."""

    async def demographics(self, ids: Sequence[uuid.UUID]) -> list[Demographics]:
        """The people among `ids` that exist, in no particular order."""

    async def demographics_page(self, *, after: uuid.UUID | None, limit: int) -> list[Demographics]:
        """Up to `limit` people with an id above `after`, by id (for a full rebuild)."""

    async def search(self, query: PeopleQuery) -> tuple[list[Demographics], int]:
        """One page of the people matching `query` by name, then id; and the total count."""


class Accounts(Protocol):
    """The account owner's read side (provided by the auth plugin)."""

    async def get_account(self, account_id: uuid.UUID) -> DirectoryEntry | None:
        """One account (without profile fields), or None."""

    async def find_account(self, email_or_username: str) -> DirectoryEntry | None:
        """Look an account up by e-mail or username, or None."""


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
        """Replace an account's roles."""

    async def deactivate(self, account_id: uuid.UUID, *, by: uuid.UUID) -> DirectoryEntry:
        """Block logins and revoke every session."""

    async def reactivate(self, account_id: uuid.UUID, *, by: uuid.UUID) -> DirectoryEntry:
        """Allow logins again."""

    async def force_password_reset(self, account_id: uuid.UUID, *, by: uuid.UUID) -> None:
        """Revoke every session, require a new password and send a reset e-mail."""


class Profiles(Protocol):
    """Profile storage (provided by the users plugin)."""

    async def create_profile(self, account_id: uuid.UUID, fields: ProfileFields) -> None:
        """Create the profile of a new account inside the caller's transaction."""


class UserDirectory(Protocol):
    """Lookups other plugins make about users (provided by the users plugin)."""

    async def get(self, user_id: uuid.UUID) -> DirectoryEntry | None:
        """A user by id, or None."""

    async def find_by_email(self, email: str) -> DirectoryEntry | None:
        """A user by e-mail, or None."""

    async def contact(self, user_id: uuid.UUID) -> ContactDetails | None:
        """How to reach a user (e-mail, phone, time zone, name), or None."""


class CareTeams(Protocol):
    """Who looks after a patient (provided by the users plugin)."""

    async def clinicians(self, patient_id: uuid.UUID) -> list[uuid.UUID]:
        """The active doctors and nurses on the patient's care team; empty if it has none."""


class AuditLog(Protocol):
    """The append-only, hash-chained security and clinical-access log (provided by auth)."""

    async def record(
        self,
        action: str,
        *,
        actor_id: uuid.UUID | None,
        subject_id: uuid.UUID | None = None,
        ip: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Append one event, inside the caller's transaction when there is one."""


class AuditEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One event of the audit log."""

    id: int
    occurred_at: datetime
    action: str
    actor_id: uuid.UUID | None
    subject_id: uuid.UUID | None
    ip: str | None
    hash: str


class AuditTrail(Protocol):
    """Reading the audit log, for admins only; each read is itself audited (provided by audit)."""

    async def events(
        self,
        principal: Principal,
        *,
        actor_id: uuid.UUID | None,
        subject_id: uuid.UUID | None,
        occurred_from: datetime | None,
        occurred_before: datetime | None,
        limit: int,
        offset: int,
        ip: str | None,
    ) -> tuple[list[AuditEntry], int]:
        """Events newest first and the total; 403 for anyone but an admin."""
