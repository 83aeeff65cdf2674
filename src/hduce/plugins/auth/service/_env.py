"""What every auth service shares: context, config, hasher, sessions, limiters and the audit log."""

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from piccolo.engine.postgres import PostgresTransaction

from hduce.contracts.audit import AuditLog
from hduce.contracts.auth import UserPasswordResetRequested, UserVerificationRequested
from hduce.contracts.notifications import OneTimeLinks
from hduce.contracts.users import UserDirectory
from hduce.core.context import AppContext
from hduce.core.db import HduceEngine
from hduce.core.security import Principal
from hduce.plugins.auth.config import AuthConfig
from hduce.plugins.auth.errors import SessionEnded
from hduce.plugins.auth.limiter import AccountLimit
from hduce.plugins.auth.lockout import Lockouts
from hduce.plugins.auth.passwords import Passwords
from hduce.plugins.auth.schemas import TokenRead
from hduce.plugins.auth.sessions import ClientInfo, Sessions
from hduce.plugins.auth.store import VERIFY_EMAIL, AccountRow, issue_one_time_token

MINUTE, HOUR = 60, 3600
logger = logging.getLogger("hduce.auth")


@dataclass(frozen=True)
class AccountLimits:
    """Per-account windows shared by every process, one limiter per limit."""

    login: AccountLimit
    forgot_password: AccountLimit
    reset_password: AccountLimit
    verify_email: AccountLimit
    mfa: AccountLimit

    @classmethod
    def from_config(cls, config: AuthConfig, db: HduceEngine) -> "AccountLimits":
        """The limiters with the configured sizes."""
        reset = config.password_reset_per_hour_per_account
        return cls(
            login=AccountLimit(db, "login", config.login_per_minute_per_account, MINUTE),
            forgot_password=AccountLimit(db, "forgot_password", reset, HOUR),
            reset_password=AccountLimit(db, "reset_password", reset, HOUR),
            verify_email=AccountLimit(
                db, "verify_email", config.verify_email_per_hour_per_account, HOUR
            ),
            mfa=AccountLimit(db, "mfa", config.mfa_per_minute_per_account, MINUTE),
        )


@dataclass(frozen=True)
class AuthEnv:
    """The shared parts of the auth services."""

    context: AppContext
    config: AuthConfig
    passwords: Passwords
    sessions: Sessions
    limits: AccountLimits
    lockouts: Lockouts

    def transaction(self) -> PostgresTransaction:
        """A transaction (joining the current one if there is one)."""
        return self.context.db.transaction()

    async def audit(
        self,
        action: str,
        *,
        actor_id: uuid.UUID | None,
        subject_id: uuid.UUID | None = None,
        client: ClientInfo | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Append a security event to the audit log, in the current transaction."""
        await self.context.registry.get(AuditLog).record(
            action,
            actor_id=actor_id,
            subject_id=subject_id,
            ip=client.ip if client else None,
            detail=detail,
        )

    async def mail_one_time_link(self, account_id: uuid.UUID, purpose: str) -> None:
        """Issue a token for `purpose` and have it mailed, in the current transaction.

        The token goes straight to the notifications plugin (`OneTimeLinks`); the event that
        reaches the bus says only that a link was sent, and until when it works.
        """
        verify = purpose == VERIFY_EMAIL
        ttl = self.config.verification_token_ttl if verify else self.config.reset_token_ttl
        token, expires_at = await issue_one_time_token(account_id, purpose, ttl)
        try:
            links = self.context.registry.get(OneTimeLinks)
        except LookupError:
            logger.warning("no notifications plugin: the %s link is not sent", purpose)
        else:
            send = links.verification if verify else links.password_reset
            await send(account_id, token, expires_at)
        fact = UserVerificationRequested if verify else UserPasswordResetRequested
        await self.context.events.publish(fact(user_id=account_id, expires_at=expires_at))

    async def require_live_session(self, principal: Principal) -> None:
        """Refuse access tokens whose session ended (logout, revocation, password reset)."""
        if principal.session_id is None:
            return  # a token minted outside a login session has none to check
        if not await self.sessions.is_live(principal.session_id, principal.id):
            raise SessionEnded("This session has ended; log in again.")

    async def user_inputs(self, account: AccountRow) -> list[str]:
        """Words a password must not be built from: e-mail, username and names."""
        words = [account.email, account.username]
        try:
            directory = self.context.registry.get(UserDirectory)
        except LookupError:
            return words
        entry = await directory.get(account.id)
        return [*words, entry.first_name, entry.last_name] if entry else words

    def token_pair(
        self, account: AccountRow, refresh_token: str, family_id: uuid.UUID
    ) -> TokenRead:
        """An access token for the account's session plus its refresh token."""
        principal = Principal(id=account.id, roles=frozenset(account.roles), session_id=family_id)
        access_token, expires_in = self.context.tokens.issue(principal)
        return TokenRead(
            access_token=access_token, refresh_token=refresh_token, expires_in=expires_in
        )
