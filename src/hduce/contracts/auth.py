"""The auth plugin's contracts: roles, accounts, the account directory, and `User*` events."""

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol

import msgspec

from hduce.core.errors import InvalidRequest
from hduce.core.events import Event
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


class UserFact(Event, frozen=True):
    """What every account event carries: whose account it is."""

    user_id: uuid.UUID


class UserRegistered(UserFact, frozen=True):
    """An account was created (a staff account waits for an admin's approval)."""

    name = "user.registered"
    email: str
    roles: list[str]
    pending_approval: bool


class LinkMailed(UserFact, frozen=True):
    """A one-time link valid until `expires_at` was mailed (the token never travels here)."""

    expires_at: datetime


class UserVerificationRequested(LinkMailed, frozen=True):
    """A verification link was mailed."""

    name = "user.verification_requested"


class UserPasswordResetRequested(LinkMailed, frozen=True):
    """A password-reset link was mailed."""

    name = "user.password_reset_requested"


class UserApproved(UserFact, frozen=True):
    """An admin approved a pending staff account."""

    name = "user.approved"
    approved_by: uuid.UUID


class UserProfileUpdated(UserFact, frozen=True):
    """A user's profile (names, contact details, demographics) changed."""

    name = "user.profile_updated"


class UserRolesChanged(UserFact, frozen=True):
    """An admin replaced an account's roles."""

    name = "user.roles_changed"
    roles: list[str]
    changed_by: uuid.UUID


class UserStatusChanged(UserFact, frozen=True):
    """An admin deactivated or reactivated an account (`status` is the new one)."""

    name = "user.status_changed"
    status: str
    changed_by: uuid.UUID


class UserLoggedIn(UserFact, frozen=True):
    """A login succeeded."""

    name = "user.login"
    ip: str | None = None
    user_agent: str | None = None


class UserLoggedOut(UserFact, frozen=True):
    """A session ended by logout."""

    name = "user.logout"


class UserRegistrationAttempted(UserFact, frozen=True):
    """Someone tried to open an account with this user's e-mail address (the owner is told)."""

    name = "user.registration_attempted"


class UserLocked(UserFact, frozen=True):
    """Too many failed logins locked the account until `until`."""

    name = "user.locked"
    until: datetime


class TokenPair(msgspec.Struct, frozen=True, kw_only=True):
    """An access token, the refresh token of its session, and the access token's lifetime."""

    access_token: str
    refresh_token: str
    expires_in: int


class Client(msgspec.Struct, frozen=True, kw_only=True):
    """Where a sign-in request came from (recorded with the session and audit events)."""

    ip: str | None = None
    user_agent: str | None = None


class NewPatient(msgspec.Struct, frozen=True, kw_only=True):
    """What a person gives to open a patient account."""

    email: str
    username: str
    password: str
    first_name: str
    last_name: str
    phone: str | None = None
    date_of_birth: date | None = None


class TotpEnrollment(msgspec.Struct, frozen=True, kw_only=True):
    """A new TOTP secret and its `otpauth://` URI for an authenticator app."""

    secret: str
    otpauth_uri: str


class SignIn(Protocol):
    """Login, refresh, logout and registration with the API's rules (provided by auth).

    Lockout, per-account limits, MFA and audit apply exactly as on `/api/v1/auth`; a session
    started here is a refresh-token family like any other, so revoking it ends it everywhere.
    """

    def address_limit(self, name: str) -> tuple[str, int]:
        """Unit and count of an auth route group's per-address budget, e.g. `login`."""

    async def login(
        self, identifier: str, password: str, totp_code: str | None, client: Client
    ) -> TokenPair:
        """Check the credentials (and second factor) and start a session."""

    async def refresh(self, refresh_token: str, client: Client) -> TokenPair:
        """Spend a refresh token for a new pair (a spent one revokes its session)."""

    async def logout(self, principal: Principal, refresh_token: str | None) -> None:
        """End the caller's session."""

    async def register(self, person: NewPatient, client: Client) -> uuid.UUID | None:
        """Open a patient account (a verification e-mail is sent); returns its id.

        None when the e-mail address already has an account: nothing is opened and its owner is
        mailed a notice; a public page answers as for a new account, so no one learns whether
        the address is known.
        """

    async def forgot_password(self, email: str, client: Client) -> None:
        """Mail a reset link if an active account has `email`; nothing tells whether one does."""

    async def second_factor_on(self, principal: Principal) -> bool:
        """Whether the caller's logins need a TOTP code."""

    async def enroll_totp(self, principal: Principal) -> TotpEnrollment:
        """A new TOTP secret for the caller (409 when MFA is on); off until confirmed."""

    async def confirm_totp(self, principal: Principal, code: str, client: Client) -> list[str]:
        """Turn MFA on with a first valid code; returns the one-time recovery codes."""
