"""TOTP MFA: enrol, confirm with a first code (recovery codes issued), disable."""

import pyotp

from hduce.core.errors import Conflict
from hduce.core.security import Principal
from hduce.plugins.auth.errors import MfaCodeRejected, WrongPassword
from hduce.plugins.auth.schemas import ClientInfo, MfaEnrollmentRead, RecoveryCodesRead
from hduce.plugins.auth.services._env import AuthEnv
from hduce.plugins.auth.services._second_factor import (
    new_recovery_codes,
    totp_counter,
    use_second_factor,
)


class MfaService:
    """Turns TOTP MFA on and off for the caller."""

    def __init__(self, env: AuthEnv) -> None:
        self._env = env

    async def enabled(self, principal: Principal) -> bool:
        """Whether the caller's logins need a second factor."""
        return (await self._env.account(principal)).mfa_enabled

    async def enroll(self, principal: Principal) -> MfaEnrollmentRead:
        """A new TOTP secret for the caller; MFA stays off until a code is verified."""
        account = await self._env.account(principal)
        if account.mfa_enabled:
            raise Conflict("MFA is already enabled; disable it first to enrol a new device.")
        if account.email_verified_at is None:
            # A registration of the address replaces this one until the address is proven.
            raise Conflict("Verify your e-mail address before turning on MFA.")
        secret = pyotp.random_base32()
        await self._env.accounts.update(account.id, mfa_secret=secret, mfa_last_counter=None)
        uri = pyotp.TOTP(secret).provisioning_uri(
            name=account.email, issuer_name=self._env.config.mfa_issuer
        )
        return MfaEnrollmentRead(secret=secret, otpauth_uri=uri)

    async def verify(
        self, principal: Principal, code: str, client: ClientInfo
    ) -> RecoveryCodesRead:
        """Turn MFA on with a first valid code; returns the one-time recovery codes."""
        env = self._env
        await env.limits.mfa.acquire(str(principal.id))
        account = await env.account(principal)
        if account.mfa_enabled:
            raise Conflict("MFA is already enabled.")
        if account.mfa_secret is None:
            raise Conflict("Enrol first: POST /auth/mfa/totp/enroll.")
        counter = totp_counter(account.mfa_secret, "".join(code.split()))
        if counter is None:
            raise MfaCodeRejected("The code is wrong; check the time on your device.")
        async with env.transaction():
            if not await env.second_factors.claim_counter(account.id, counter):
                raise MfaCodeRejected("This code was used already; wait for the next one.")
            await env.accounts.update(account.id, mfa_enabled=True)
            codes, hashes = new_recovery_codes()
            await env.second_factors.replace_recovery_codes(account.id, hashes)
            await env.audit(
                "auth.mfa_enabled", actor_id=account.id, subject_id=account.id, client=client
            )
        return RecoveryCodesRead(recovery_codes=codes)

    async def disable(
        self, principal: Principal, password: str, code: str, client: ClientInfo
    ) -> None:
        """Turn MFA off, confirmed by the password and a TOTP or recovery code."""
        env = self._env
        await env.limits.mfa.acquire(str(principal.id))
        account = await env.account(principal)
        if not account.mfa_enabled:
            raise Conflict("MFA is not enabled.")
        if not await env.hasher.verify(account.password_hash, password):
            raise WrongPassword("The password is wrong.")
        async with env.transaction():
            method = await use_second_factor(env.second_factors, account, code)
            if method is not None:
                await env.accounts.update(
                    account.id, mfa_enabled=False, mfa_secret=None, mfa_last_counter=None
                )
                await env.second_factors.delete_recovery_codes(account.id)
                await env.audit(
                    "auth.mfa_disabled",
                    actor_id=account.id,
                    subject_id=account.id,
                    client=client,
                    detail={"method": method},
                )
        if method is None:
            raise MfaCodeRejected("The TOTP or recovery code is wrong or was used already.")
