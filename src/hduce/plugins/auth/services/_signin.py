"""The `SignIn` contract: the API's login, refresh, logout and registration for other fronts."""

import uuid
from dataclasses import dataclass

import msgspec

from hduce.contracts.auth import Client, NewPatient, TokenPair, TotpEnrollment
from hduce.core.security import Principal
from hduce.core.validation import validated
from hduce.plugins.auth.config import AuthConfig
from hduce.plugins.auth.errors import InvalidInput
from hduce.plugins.auth.schemas import AccountCreate, ClientInfo, LoginCreate, TokenRead
from hduce.plugins.auth.services._login import LoginService
from hduce.plugins.auth.services._mfa import MfaService
from hduce.plugins.auth.services._passwords import PasswordService
from hduce.plugins.auth.services._registration import RegistrationService


@dataclass(frozen=True, eq=False)
class SignInDesk:
    """Each call goes through the same service, limits and checks as its `/auth` route."""

    _config: AuthConfig
    _login: LoginService
    _registration: RegistrationService
    _mfa: MfaService
    _passwords: PasswordService

    def address_limit(self, name: str) -> tuple[str, int]:
        """The per-address budget of `login` (per minute), `register`, `forgot_password` (hour)."""
        if name == "login":
            return "minute", self._config.login_per_minute_per_ip
        if name == "register":
            return "hour", self._config.register_per_hour_per_ip
        if name == "forgot_password":
            return "hour", self._config.password_reset_per_hour_per_ip
        raise KeyError(name)

    async def login(
        self, identifier: str, password: str, totp_code: str | None, client: Client
    ) -> TokenPair:
        """`LoginService.login` with the API's input limits."""
        fields = {"login": identifier, "password": password, "totp_code": totp_code or None}
        data = validated(fields, LoginCreate, error=InvalidInput)
        return _pair(await self._login.login(data, _client(client)))

    async def refresh(self, refresh_token: str, client: Client) -> TokenPair:
        """`LoginService.refresh`."""
        return _pair(await self._login.refresh(refresh_token, _client(client)))

    async def logout(self, principal: Principal, refresh_token: str | None) -> None:
        """`LoginService.logout`."""
        await self._login.logout(principal, refresh_token)

    async def forgot_password(self, email: str, client: Client) -> None:
        """`PasswordService.forgot`: the API's per-account limit, the same outcome either way."""
        await self._passwords.forgot(email, _client(client))

    async def register(self, person: NewPatient, client: Client) -> uuid.UUID | None:
        """`RegistrationService.register` of a patient, with the API's input limits."""
        data = validated(msgspec.structs.asdict(person), AccountCreate, error=InvalidInput)
        return await self._registration.register(data, _client(client))

    async def second_factor_on(self, principal: Principal) -> bool:
        """`MfaService.enabled`."""
        return await self._mfa.enabled(principal)

    async def enroll_totp(self, principal: Principal) -> TotpEnrollment:
        """`MfaService.enroll`, as `POST /auth/mfa/totp/enroll`."""
        read = await self._mfa.enroll(principal)
        return TotpEnrollment(secret=read.secret, otpauth_uri=read.otpauth_uri)

    async def confirm_totp(self, principal: Principal, code: str, client: Client) -> list[str]:
        """`MfaService.verify`, as `POST /auth/mfa/totp/verify` (its rate limit included)."""
        return (await self._mfa.verify(principal, code, _client(client))).recovery_codes


def _client(client: Client) -> ClientInfo:
    return ClientInfo(ip=client.ip, user_agent=client.user_agent)


def _pair(read: TokenRead) -> TokenPair:
    return TokenPair(
        access_token=read.access_token,
        refresh_token=read.refresh_token,
        expires_in=read.expires_in,
    )
