"""The auth services, built once per process by the plugin's `setup`."""

from hduce.plugins.auth.service._admin import AccountAdminService, AccountDirectory
from hduce.plugins.auth.service._env import AccountLimits, AuthEnv
from hduce.plugins.auth.service._login import LoginService
from hduce.plugins.auth.service._mfa import MfaService
from hduce.plugins.auth.service._passwords import PasswordService
from hduce.plugins.auth.service._registration import RegistrationService
from hduce.plugins.auth.service._sessions import SessionService
from hduce.plugins.auth.service._signin import SignInDesk

__all__ = [
    "AccountAdminService",
    "AccountDirectory",
    "AccountLimits",
    "AuthEnv",
    "LoginService",
    "MfaService",
    "PasswordService",
    "RegistrationService",
    "SessionService",
    "SignInDesk",
]
