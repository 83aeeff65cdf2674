"""The auth plugin: accounts, login, tokens, sessions, password flows, MFA and lockout."""

from hduce.core.context import AppContext
from hduce.core.plugin import HducePlugin
from hduce.plugins.auth.config import AuthConfig


class AuthPlugin(HducePlugin):
    """Registration, login, rotating refresh tokens, password flows, TOTP MFA, lockout."""

    name = "auth"
    description = "Accounts, login, tokens, sessions, password flows, MFA"
    requires = ("audit",)
    config_type = AuthConfig

    def setup(self, context: AppContext) -> None:
        """Build the account services and register the `Accounts` / `AccountAdmin` contracts."""
        super().setup(context)
