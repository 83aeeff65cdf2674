"""What every auth service shares: config, stores, hasher, limiters, events and the audit log."""

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from piccolo.engine.postgres import PostgresTransaction

from hduce.contracts.audit import AuditLog
from hduce.contracts.auth import (
    LinkMailed,
    UserLocked,
    UserPasswordResetRequested,
    UserVerificationRequested,
)
from hduce.contracts.notifications import OneTimeLinks
from hduce.contracts.users import Profiles, UserDirectory
from hduce.core.db import Database
from hduce.core.errors import NotFound
from hduce.core.events import EventBus
from hduce.core.plugin_env import PluginEnv
from hduce.core.registry import Late
from hduce.core.security import Principal, TokenService
from hduce.plugins.auth.config import AuthConfig
from hduce.plugins.auth.errors import SessionEnded
from hduce.plugins.auth.schemas import ClientInfo, TokenRead
from hduce.plugins.auth.services._hashing import PasswordHasher
from hduce.plugins.auth.services._limits import AccountLimits
from hduce.plugins.auth.store import (
    RESET_PASSWORD,
    VERIFY_EMAIL,
    AccountRow,
    AccountStore,
    Attempt,
    Lockout,
    OneTimeTokens,
    RefreshTokens,
    SecondFactorStore,
)

logger = logging.getLogger("hduce.auth")


SendLink = Callable[[OneTimeLinks, AccountRow, str, datetime], Awaitable[None]]
"""Mails (through these links, to this account) a token valid until a time."""


@dataclass(frozen=True)
class LinkKind:
    """A one-time link: its token's purpose, lifetime, message and the fact published."""

    purpose: str
    long_lived: bool
    """Valid `verification_token_ttl` (48 h) rather than `reset_token_ttl` (1 h)."""
    send: SendLink
    """Mails it through the `OneTimeLinks` method of its message."""
    fact: type[LinkMailed]


VERIFICATION = LinkKind(
    VERIFY_EMAIL,
    True,
    # The account's `created_at` is its registration's: a new one replaces it while unverified.
    lambda links, account, token, until: links.verification(
        account.id, token, until, account.created_at
    ),
    UserVerificationRequested,
)
RESET = LinkKind(
    RESET_PASSWORD,
    False,
    lambda links, account, token, until: links.password_reset(account.id, token, until),
    UserPasswordResetRequested,
)
INVITATION = LinkKind(
    RESET_PASSWORD,
    True,
    lambda links, account, token, until: links.invitation(account.id, token, until),
    UserPasswordResetRequested,
)
"""The clinic opened the account: a reset token (the reset page works unchanged), kept 48 h."""


@dataclass(frozen=True)
class AuthEnv:
    """The shared parts of the auth services, built once in `setup()`."""

    config: AuthConfig
    db: Database
    events: EventBus
    tokens: TokenService
    audit_log: AuditLog
    links: Late[OneTimeLinks]
    """Notifications mails the links; it sets up after auth, or is not enabled."""
    directory: Late[UserDirectory]
    profiles: Late[Profiles]
    """The users plugin keeps names and profiles; it sets up after auth, or is not enabled."""
    hasher: PasswordHasher
    limits: AccountLimits
    lockout: Lockout
    accounts: AccountStore
    sessions: RefreshTokens
    one_time_tokens: OneTimeTokens
    second_factors: SecondFactorStore

    @classmethod
    def of(cls, env: PluginEnv[AuthConfig]) -> "AuthEnv":
        """Everything the services share, from the plugin's env."""
        config, db = env.config, env.db
        return cls(
            config=config,
            db=db,
            events=env.events,
            tokens=env.tokens,
            audit_log=env.require(AuditLog),
            links=env.optional(OneTimeLinks),
            directory=env.optional(UserDirectory),
            profiles=env.optional(Profiles),
            hasher=PasswordHasher(config),
            limits=AccountLimits.from_config(config, db),
            lockout=Lockout(db, config),
            accounts=AccountStore(db),
            sessions=RefreshTokens(db, config.refresh_token_ttl),
            one_time_tokens=OneTimeTokens(db),
            second_factors=SecondFactorStore(db),
        )

    def transaction(self) -> PostgresTransaction:
        """A transaction (joining the current one if there is one)."""
        return self.db.transaction()

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
        await self.audit_log.record(
            action,
            actor_id=actor_id,
            subject_id=subject_id,
            ip=client.ip if client else None,
            detail=detail,
        )

    async def failed(
        self, account: AccountRow, attempt: Attempt, client: ClientInfo, action: str, reason: str
    ) -> None:
        """Audit a wrong password (or code) counted by the login lock, and the lock it set.

        The attempt that locked publishes `UserLocked` (its owner is mailed) and raises
        `AccountLocked`.
        """
        async with self.transaction():
            await self.audit(
                action,
                actor_id=None,
                subject_id=account.id,
                client=client,
                detail={"reason": reason},
            )
            if attempt.locking:
                assert attempt.locked_until is not None
                until = attempt.locked_until
                await self.events.publish(UserLocked(user_id=account.id, until=until))
                await self.audit(
                    "auth.locked",
                    actor_id=None,
                    subject_id=account.id,
                    client=client,
                    detail=attempt.lock_detail(),
                )
        if attempt.locking:
            raise attempt.locked()

    async def mail_one_time_link(self, account: AccountRow, kind: LinkKind) -> None:
        """Issue a token of `kind` and have it mailed, in the current transaction.

        The token goes straight to the notifications plugin (`OneTimeLinks`); the event that
        reaches the bus says only that a link was sent, and until when it works.
        """
        config = self.config
        ttl = config.verification_token_ttl if kind.long_lived else config.reset_token_ttl
        token, expires_at = await self.one_time_tokens.issue(account.id, kind.purpose, ttl)
        links = self.links.get()
        if links is None:
            logger.warning("no notifications plugin: the %s link is not sent", kind.purpose)
        else:
            await kind.send(links, account, token, expires_at)
        await self.events.publish(kind.fact(user_id=account.id, expires_at=expires_at))

    async def account(self, principal: Principal) -> AccountRow:
        """The caller's account, once their session is known to be live."""
        await self.require_live_session(principal)
        account = await self.accounts.get(principal.id)
        if account is None:
            raise NotFound("no such account")
        return account

    async def require_live_session(self, principal: Principal) -> None:
        """Refuse access tokens whose session ended (logout, revocation, password reset)."""
        if principal.session_id is None:
            return  # a token minted outside a login session has none to check
        if not await self.sessions.is_live(principal.session_id, principal.id):
            raise SessionEnded("This session has ended; log in again.")

    async def user_inputs(self, account: AccountRow) -> list[str]:
        """Words a password must not be built from: e-mail, username and names."""
        words = [account.email, account.username]
        directory = self.directory.get()
        if directory is None:
            return words
        entry = await directory.get(account.id)
        return [*words, entry.first_name, entry.last_name] if entry else words

    def token_pair(
        self, account: AccountRow, refresh_token: str, family_id: uuid.UUID
    ) -> TokenRead:
        """An access token for the account's session plus its refresh token."""
        principal = Principal(id=account.id, roles=frozenset(account.roles), session_id=family_id)
        access_token, expires_in = self.tokens.issue(principal)
        return TokenRead(
            access_token=access_token, refresh_token=refresh_token, expires_in=expires_in
        )
