"""Changing, forgetting and resetting passwords; verifying e-mail addresses."""

import uuid
from datetime import UTC, datetime

from hduce.contracts.auth import AccountStatus
from hduce.core.events import EventMeta
from hduce.core.security import Principal
from hduce.plugins.auth.errors import InvalidOneTimeToken, WrongPassword
from hduce.plugins.auth.schemas import ClientInfo
from hduce.plugins.auth.services._env import RESET, VERIFICATION, AuthEnv
from hduce.plugins.auth.store import INVALID, RESET_PASSWORD, VERIFY_EMAIL, AccountRow, normalise
from hduce.plugins.auth.tasks import RESET_LINK, VERIFICATION_LINK, LinkAsked

RESET_ACCEPTED = "If an account uses this address, a password reset e-mail is on its way."
VERIFICATION_ACCEPTED = "If an unverified account uses this address, a new e-mail is on its way."
STALE_VERIFICATION = (
    "This link no longer works: it was used, it expired, or a later registration with this "
    "address replaced the one it was mailed for. To open your account, register again; do not "
    "use a link from an e-mail about a registration you did not make."
)


class PasswordService:
    """Password changes and the token-based flows sent by e-mail."""

    def __init__(self, env: AuthEnv) -> None:
        self._env = env

    async def change(
        self, principal: Principal, current: str, new: str, client: ClientInfo
    ) -> None:
        """Replace the caller's password and end every other session.

        A wrong current password counts as a failed login of the account's e-mail address, so
        guesses meet the login's lock (and its e-mail); it is audited.
        """
        env = self._env
        account = await env.account(principal)
        await env.limits.login.acquire(str(account.id))
        attempt = await env.lockout.claim(account.email)
        if not await env.hasher.verify(account.password_hash, current):
            reason = "wrong_password"
            await env.failed(account, attempt, client, "auth.password_change_failed", reason)
            raise WrongPassword("The current password is wrong.")
        await env.lockout.release(account.email, attempt)
        await env.hasher.check_policy(new, user_inputs=await env.user_inputs(account))
        password_hash = await env.hasher.hash(new)
        async with env.transaction():
            await self._set_password(account.id, password_hash)
            await env.sessions.revoke_all(account.id, keep=principal.session_id)
            await env.audit(
                "auth.password_changed", actor_id=account.id, subject_id=account.id, client=client
            )

    async def forgot(self, email: str, client: ClientInfo) -> str:
        """Have a reset link mailed if an account uses `email`; the same answer either way.

        The answer also takes the same time either way: the address is looked up by the
        `auth.mail_asked_link` task (`mail_asked_link`), not here.
        """
        await self._env.limits.forgot_password.acquire(normalise(email))
        await self._env.events.publish(LinkAsked(email=email, link=RESET_LINK, ip=client.ip))
        return RESET_ACCEPTED

    async def mail_asked_link(self, asked: LinkAsked, meta: EventMeta) -> None:
        """Mail the link asked for if an account uses the address and may have it.

        A reset link goes to any account but a deactivated one, a verification link to an
        account whose address is not verified yet; nothing happens otherwise.
        """
        env = self._env
        account = await env.accounts.find(asked.email) if "@" in asked.email else None
        if account is None:
            return
        if asked.link == RESET_LINK and account.status != AccountStatus.DEACTIVATED:
            async with env.transaction():
                await self.request_reset(account)
                await env.audit(
                    "auth.password_reset_requested",
                    actor_id=None,
                    subject_id=account.id,
                    client=ClientInfo(ip=asked.ip),
                )
        elif asked.link == VERIFICATION_LINK and account.email_verified_at is None:
            async with env.transaction():
                await env.mail_one_time_link(account, VERIFICATION)

    async def request_reset(self, account: AccountRow) -> None:
        """Issue a reset token and have it mailed, in the current transaction."""
        await self._env.mail_one_time_link(account, RESET)

    async def reset(self, token: str, new: str, client: ClientInfo) -> None:
        """Set a new password with a reset token; every session ends."""
        env = self._env
        account_id = await env.one_time_tokens.peek(token, RESET_PASSWORD)
        await env.limits.reset_password.acquire(str(account_id))
        account = await env.accounts.get(account_id)
        if account is None or account.status == AccountStatus.DEACTIVATED:
            # Deactivation spends the account's links; one it missed still changes nothing.
            raise InvalidOneTimeToken(INVALID)
        # Checked before the token is spent, so a weak password does not waste it.
        await env.hasher.check_policy(new, user_inputs=await env.user_inputs(account))
        password_hash = await env.hasher.hash(new)
        async with env.transaction():
            await env.one_time_tokens.use(token, RESET_PASSWORD)
            await self._set_password(account.id, password_hash)
            # The reset link reached the mailbox, which proves the address too.
            await env.accounts.mark_verified(account.id)
            await env.lockout.forget(account.email, account.username)  # and unlocks it
            await env.sessions.revoke_all(account.id)
            await env.audit(
                "auth.password_reset", actor_id=account.id, subject_id=account.id, client=client
            )

    async def verify_email(self, token: str, client: ClientInfo) -> None:
        """Mark the token's e-mail address verified (only the newest registration's link works)."""
        env = self._env
        async with env.transaction():
            try:
                account_id = await env.one_time_tokens.use(token, VERIFY_EMAIL)
            except InvalidOneTimeToken:
                raise InvalidOneTimeToken(STALE_VERIFICATION) from None
            await env.accounts.mark_verified(account_id)
            await env.audit(
                "auth.email_verified", actor_id=account_id, subject_id=account_id, client=client
            )

    async def resend_verification(self, email: str) -> str:
        """Have a new verification link mailed to an unverified account; as `forgot`."""
        await self._env.limits.verify_email.acquire(normalise(email))
        await self._env.events.publish(LinkAsked(email=email, link=VERIFICATION_LINK))
        return VERIFICATION_ACCEPTED

    async def _set_password(self, account_id: uuid.UUID, password_hash: str) -> None:
        await self._env.accounts.update(
            account_id,
            password_hash=password_hash,
            password_changed_at=datetime.now(UTC),
            must_reset_password=False,
        )
        # A reset link mailed before the new password must not undo it.
        await self._env.one_time_tokens.spend(account_id, RESET_PASSWORD)
