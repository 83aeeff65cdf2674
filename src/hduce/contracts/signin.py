"""Signing in from another front end (the web console): the API's own login, refresh and logout."""

import uuid
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


class SignIn(Protocol):
    """Login, refresh, logout and registration with the API's rules (provided by auth).

    Lockout, per-account limits, MFA and audit apply exactly as on `/api/v1/auth`; a session
    started here is a refresh-token family like any other, so revoking it ends it everywhere.
    """

    def address_limit(self, name: str) -> tuple[str, int]:
        """The per-address budget of an auth route group (`login`, `register`): unit and count."""

    async def login(
        self, identifier: str, password: str, totp_code: str | None, client: Client
    ) -> TokenPair:
        """Check the credentials (and second factor) and start a session."""

    async def refresh(self, refresh_token: str, client: Client) -> TokenPair:
        """Spend a refresh token for a new pair (a spent one revokes its session)."""

    async def logout(self, principal: Principal, refresh_token: str | None) -> None:
        """End the caller's session."""

    async def register(self, person: NewPatient, client: Client) -> uuid.UUID:
        """Open a patient account (a verification e-mail is sent); returns its id."""
