"""Signing in, out and up: tokens, the client asking, a new patient, a second factor."""

import uuid
from datetime import date
from typing import Protocol

import msgspec

from hduce.core.security import Principal


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
