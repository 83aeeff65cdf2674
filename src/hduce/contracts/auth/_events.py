"""Account facts other plugins may react to: the `User*` events (past tense)."""

import uuid
from datetime import datetime

from hduce.core.events import Event


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
