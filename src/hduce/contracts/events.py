"""Past-tense facts that plugins publish and subscribe to (subclasses of `Event`)."""

import uuid
from datetime import datetime

from hduce.core.events import Event, EventMeta

__all__ = [
    "Event",
    "EventMeta",
    "UserApproved",
    "UserLocked",
    "UserLoggedIn",
    "UserLoggedOut",
    "UserPasswordResetRequested",
    "UserProfileUpdated",
    "UserRegistered",
    "UserRolesChanged",
    "UserStatusChanged",
    "UserVerificationRequested",
]


class UserRegistered(Event, frozen=True):
    """An account was created (a staff account waits for an admin's approval)."""

    name = "user.registered"
    user_id: uuid.UUID
    email: str
    roles: list[str]
    pending_approval: bool


class UserVerificationRequested(Event, frozen=True):
    """A verification link valid until `expires_at` was mailed (the token never travels here)."""

    name = "user.verification_requested"
    user_id: uuid.UUID
    expires_at: datetime


class UserPasswordResetRequested(Event, frozen=True):
    """A password-reset link valid until `expires_at` was mailed (the token never travels here)."""

    name = "user.password_reset_requested"
    user_id: uuid.UUID
    expires_at: datetime


class UserApproved(Event, frozen=True):
    """An admin approved a pending staff account."""

    name = "user.approved"
    user_id: uuid.UUID
    approved_by: uuid.UUID


class UserProfileUpdated(Event, frozen=True):
    """A user's profile (names, contact details, demographics) changed."""

    name = "user.profile_updated"
    user_id: uuid.UUID


class UserRolesChanged(Event, frozen=True):
    """An admin replaced an account's roles."""

    name = "user.roles_changed"
    user_id: uuid.UUID
    roles: list[str]
    changed_by: uuid.UUID


class UserStatusChanged(Event, frozen=True):
    """An admin deactivated or reactivated an account (`status` is the new one)."""

    name = "user.status_changed"
    user_id: uuid.UUID
    status: str
    changed_by: uuid.UUID


class UserLoggedIn(Event, frozen=True):
    """A login succeeded."""

    name = "user.login"
    user_id: uuid.UUID
    ip: str | None = None
    user_agent: str | None = None


class UserLoggedOut(Event, frozen=True):
    """A session ended by logout."""

    name = "user.logout"
    user_id: uuid.UUID


class UserLocked(Event, frozen=True):
    """Too many failed logins locked the account until `until`."""

    name = "user.locked"
    user_id: uuid.UUID
    until: datetime
