"""The auth services, built once per process by the plugin's `setup` (DI key `auth`)."""

from dataclasses import dataclass

from hduce.core.plugin_env import PluginEnv
from hduce.plugins.auth.config import AuthConfig
from hduce.plugins.auth.services._admin import AccountAdminService, AccountDirectory
from hduce.plugins.auth.services._env import AuthEnv
from hduce.plugins.auth.services._hashing import NO_PASSWORD
from hduce.plugins.auth.services._login import LoginService
from hduce.plugins.auth.services._mfa import MfaService
from hduce.plugins.auth.services._passwords import PasswordService
from hduce.plugins.auth.services._registration import REGISTRATION_ACCEPTED, RegistrationService
from hduce.plugins.auth.services._sessions import SessionService
from hduce.plugins.auth.services._signin import SignInDesk


@dataclass(frozen=True)
class AuthServices:
    """Every auth service: what the routes, the command line and the contracts use."""

    env: AuthEnv
    registration: RegistrationService
    login: LoginService
    passwords: PasswordService
    sessions: SessionService
    mfa: MfaService
    directory: AccountDirectory
    """Implements `Accounts`."""
    admin: AccountAdminService
    """Implements `AccountAdmin`."""
    sign_in: SignInDesk
    """Implements `SignIn` (the web plugin's cookie sign-in)."""

    @classmethod
    def of(cls, plugin_env: PluginEnv[AuthConfig]) -> "AuthServices":
        """The services of one process, sharing one `AuthEnv`."""
        return cls.sharing(AuthEnv.of(plugin_env))

    @classmethod
    def sharing(cls, env: AuthEnv) -> "AuthServices":
        """Services built on `env` (the command line swaps its audit log for a batch's)."""
        passwords = PasswordService(env)
        directory = AccountDirectory(env.accounts)
        registration, login, mfa = RegistrationService(env), LoginService(env), MfaService(env)
        return cls(
            env=env,
            registration=registration,
            login=login,
            passwords=passwords,
            sessions=SessionService(env),
            mfa=mfa,
            directory=directory,
            admin=AccountAdminService(env, passwords, directory),
            sign_in=SignInDesk(env.config, login, registration, mfa, passwords),
        )


__all__ = [
    "NO_PASSWORD",
    "REGISTRATION_ACCEPTED",
    "AccountAdminService",
    "AccountDirectory",
    "AuthEnv",
    "AuthServices",
    "LoginService",
    "MfaService",
    "PasswordService",
    "RegistrationService",
    "SessionService",
    "SignInDesk",
]
