"""The auth plugin: accounts, login, tokens, sessions, password flows, MFA and lockout."""

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from litestar.config.app import AppConfig
from litestar.di import Provide
from litestar.types import ControllerRouterHandler

from hduce.contracts.auth import AccountAdmin, Accounts, SignIn
from hduce.core.context import AppContext
from hduce.core.personal_data import RowQueries
from hduce.core.plugin import HducePlugin
from hduce.plugins.auth.analytics import AccountAnalytics
from hduce.plugins.auth.config import AuthConfig
from hduce.plugins.auth.errors import RetryLater, retry_later_handler
from hduce.plugins.auth.lockout import Lockouts
from hduce.plugins.auth.passwords import Passwords
from hduce.plugins.auth.personal_data import ACCOUNT_DATA
from hduce.plugins.auth.revocation_feed import RevocationFeed
from hduce.plugins.auth.routes import auth_pages, auth_routes
from hduce.plugins.auth.service import (
    AccountAdminService,
    AccountDirectory,
    AccountLimits,
    AuthEnv,
    LoginService,
    MfaService,
    PasswordService,
    RegistrationService,
    SessionService,
    SignInDesk,
)
from hduce.plugins.auth.sessions import Sessions

T = TypeVar("T")


class AuthPlugin(HducePlugin):
    """Registration, login, rotating refresh tokens, password flows, TOTP MFA, lockout."""

    name = "auth"
    description = "Accounts, login, tokens, sessions, password flows, MFA"
    requires = ("audit",)
    config_type = AuthConfig

    def setup(self, context: AppContext) -> None:
        """Build the account services, register `Accounts` / `AccountAdmin` and the analytics."""
        super().setup(context)
        assert isinstance(self.config, AuthConfig)
        env = AuthEnv(
            context=context,
            config=self.config,
            passwords=Passwords(self.config),
            sessions=Sessions(self.config.refresh_token_ttl),
            limits=AccountLimits.from_config(self.config, context.db),
            lockouts=Lockouts.from_config(self.config, context.db),
        )
        self.registration = RegistrationService(env)  # `hduce user create` calls it too
        self.passwords = PasswordService(env)
        login = LoginService(env)
        self._services: dict[str, object] = {
            "auth_registration": self.registration,
            "auth_login": login,
            "auth_passwords": self.passwords,
            "auth_sessions": SessionService(env),
            "auth_mfa": MfaService(env),
        }
        context.registry.provide(Accounts, AccountDirectory())
        context.registry.provide(AccountAdmin, AccountAdminService(env, self.passwords))
        context.registry.provide(SignIn, SignInDesk(self.config, login, self.registration))
        context.registry.add_analytics_source("accounts", AccountAnalytics(context.db).figures)
        context.registry.add_personal_data_source("account", RowQueries(context.db, ACCOUNT_DATA))
        self.revocation_feed = RevocationFeed(
            context.db, context.tokens.revocations, context.tokens.lifetime.total_seconds()
        )
        if context.role == "web":
            context.registry.add_health_check("token_revocations", self.revocation_feed.health)

    def route_handlers(self) -> Sequence[ControllerRouterHandler]:
        """The `/auth` routes, rate limited per the config."""
        assert isinstance(self.config, AuthConfig)
        return auth_routes(self.config, self.context.db)

    def root_route_handlers(self) -> Sequence[ControllerRouterHandler]:
        """The pages the verification and reset links open."""
        assert isinstance(self.config, AuthConfig)
        return auth_pages(self.config, self.context.db)

    def dependencies(self) -> dict[str, Provide]:
        """Each auth service under its `auth_*` key."""
        return {
            key: Provide(_constant(service), sync_to_thread=False, use_cache=True)
            for key, service in self._services.items()
        }

    def lifespans(self) -> Sequence[Any]:
        """Follow ended sessions and account changes while the web app runs."""
        return (self._follow_revocations,)

    @asynccontextmanager
    async def _follow_revocations(self, _app: Any) -> AsyncIterator[None]:
        async with self.revocation_feed.running():
            yield

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        """Also render 429s of the auth limits with `Retry-After`."""
        app_config.exception_handlers[RetryLater] = retry_later_handler
        return super().on_app_init(app_config)


def _constant(value: T) -> Callable[[], T]:
    def provide() -> T:
        return value

    return provide
