"""Login with lockout and MFA, refresh token rotation with reuse detection, logout."""

from datetime import UTC, datetime
from typing import NoReturn

from hduce.contracts.auth import AccountStatus, UserLoggedIn, UserLoggedOut
from hduce.core.errors import HduceError
from hduce.core.security import Principal
from hduce.plugins.auth.errors import (
    AccountDeactivated,
    AccountPendingApproval,
    EmailNotVerified,
    InvalidCredentials,
    InvalidMfaCode,
    InvalidRefreshToken,
    MfaRequired,
    PasswordResetRequired,
)
from hduce.plugins.auth.schemas import ClientInfo, LoginCreate, TokenRead
from hduce.plugins.auth.services._env import AuthEnv
from hduce.plugins.auth.services._second_factor import use_second_factor
from hduce.plugins.auth.store import AccountRow, normalise

BAD_CREDENTIALS = "Wrong e-mail address, username or password."


class LoginService:
    """Turns credentials into tokens, and refresh tokens into new ones."""

    def __init__(self, env: AuthEnv) -> None:
        self._env = env

    async def login(self, data: LoginCreate, client: ClientInfo) -> TokenRead:
        """Check credentials, lockout, account state and MFA; start a session."""
        env = self._env
        account = await env.accounts.find(data.identifier)
        # Per identifier, an account's as anyone's: counting per account would tell which
        # address and username belong together, so that they exist (`store/_lockout.py`).
        identifier = normalise(data.identifier)
        await env.limits.login.acquire(identifier)
        if account is None:
            await self._unknown(identifier, data.password, client)
        lockout = env.lockout
        attempt = await lockout.claim(identifier)
        if not await env.hasher.verify(account.password_hash, data.password):
            await env.failed(account, attempt, client, "auth.login_failed", "wrong_password")
            raise InvalidCredentials(BAD_CREDENTIALS)
        await lockout.release(identifier, attempt)
        self._check_state(account)
        if account.mfa_enabled:
            if not data.totp_code:
                raise MfaRequired("Give the code from your authenticator app as `totp_code`.")
            await env.limits.mfa.acquire(str(account.id))
        new_hash = None
        if env.hasher.needs_rehash(account.password_hash):
            new_hash = await env.hasher.hash(data.password)
        async with env.transaction():
            method = "password"
            if account.mfa_enabled:
                code = data.totp_code or ""
                method = await use_second_factor(env.second_factors, account, code) or ""
            if method:
                return await self._succeed(account, identifier, client, method, new_hash)
        attempt = await lockout.claim(identifier)
        await env.failed(account, attempt, client, "auth.login_failed", "invalid_mfa_code")
        raise InvalidMfaCode("The TOTP or recovery code is wrong or was used already.")

    async def _unknown(self, identifier: str, password: str, client: ClientInfo) -> NoReturn:
        """Fail like a wrong password does, locking the identifier at the same threshold."""
        env = self._env
        attempt = await env.lockout.claim(identifier)
        await env.hasher.verify(None, password)
        async with env.transaction():
            await env.audit(
                "auth.login_failed", actor_id=None, client=client, detail={"reason": "unknown"}
            )
            if attempt.locking:
                detail = attempt.lock_detail()
                await env.audit("auth.locked", actor_id=None, client=client, detail=detail)
        if attempt.locking:
            raise attempt.locked()
        raise InvalidCredentials(BAD_CREDENTIALS)

    async def refresh(self, token: str, client: ClientInfo) -> TokenRead:
        """Spend a refresh token for a new pair; a spent token revokes its whole session."""
        env = self._env
        failure: HduceError
        async with env.transaction():
            stored = await env.sessions.find(token)
            if stored is None:
                failure = InvalidRefreshToken("Unknown refresh token.")
            elif stored.used_at is not None:
                await env.sessions.revoke_family(stored.family_id, stored.account)
                await env.audit(
                    "auth.refresh_token_reuse",
                    actor_id=None,
                    subject_id=stored.account,
                    client=client,
                    detail={"session_id": str(stored.family_id)},
                )
                failure = InvalidRefreshToken(
                    "This refresh token was already used: the session has been revoked."
                )
            elif stored.revoked_at is not None or stored.expired:
                failure = InvalidRefreshToken("The session has ended; log in again.")
            else:
                account = await env.accounts.get(stored.account)
                if account is None or account.status != AccountStatus.ACTIVE:
                    failure = InvalidRefreshToken("The account cannot log in.")
                else:
                    await env.sessions.mark_used(stored.id)
                    new_token, family = await env.sessions.issue(
                        account.id, client, stored.family_id
                    )
                    return env.token_pair(account, new_token, family)
        raise failure

    async def logout(self, principal: Principal, refresh_token: str | None) -> None:
        """End the caller's session (and the session of `refresh_token` if it is theirs)."""
        env = self._env
        async with env.transaction():
            if principal.session_id is not None:
                await env.sessions.revoke_family(principal.session_id, principal.id)
            stored = await env.sessions.find(refresh_token) if refresh_token else None
            if stored is not None and stored.account == principal.id:
                await env.sessions.revoke_family(stored.family_id, principal.id)
            await env.events.publish(UserLoggedOut(user_id=principal.id))
            session = {"session_id": str(principal.session_id)} if principal.session_id else None
            await env.audit(
                "auth.logout", actor_id=principal.id, subject_id=principal.id, detail=session
            )

    def _check_state(self, account: AccountRow) -> None:
        if account.status == AccountStatus.DEACTIVATED:
            raise AccountDeactivated("This account has been deactivated.")
        if self._env.config.require_verified_email and account.email_verified_at is None:
            raise EmailNotVerified("Verify your e-mail address before logging in.")
        if account.status == AccountStatus.PENDING_APPROVAL:
            raise AccountPendingApproval("An administrator has not approved this account yet.")
        if account.must_reset_password:
            raise PasswordResetRequired("Set a new password through the reset e-mail.")

    async def _succeed(
        self,
        account: AccountRow,
        identifier: str,
        client: ClientInfo,
        method: str,
        new_hash: str | None,
    ) -> TokenRead:
        env = self._env
        if not await env.lockout.clear(identifier):
            # A wrong password checked in parallel locked the identifier meanwhile.
            raise await env.lockout.refusal(identifier)
        values: dict[str, object] = {"last_login_at": datetime.now(UTC)}
        if new_hash is not None:
            values["password_hash"] = new_hash
        await env.accounts.update(account.id, **values)
        refresh_token, family = await env.sessions.issue(account.id, client)
        await env.events.publish(
            UserLoggedIn(user_id=account.id, ip=client.ip, user_agent=client.user_agent)
        )
        await env.audit(
            "auth.login_succeeded",
            actor_id=account.id,
            subject_id=account.id,
            client=client,
            detail={"method": method, "session_id": str(family), "rehashed": bool(new_hash)},
        )
        return env.token_pair(account, refresh_token, family)
