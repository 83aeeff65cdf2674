"""The auth plugin: accounts, login, tokens, sessions, password flows, MFA and lockout."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import rich_click as click

from hduce.core.plugin import HducePlugin, running_lifespan
from hduce.plugins.auth.config import AuthConfig

if TYPE_CHECKING:
    from litestar.config.app import AppConfig
    from litestar.di import Provide
    from litestar.types import ControllerRouterHandler

    from hduce.core.context import AppContext


class AuthPlugin(HducePlugin):
    """Registration, login, rotating refresh tokens, password flows, TOTP MFA, lockout."""

    name = "auth"
    description = "Accounts, login, tokens, sessions, password flows, MFA"
    requires = ("audit",)
    config_type = AuthConfig

    def setup(self, context: AppContext) -> None:
        """Build the account services, their contracts, the link task and the analytics."""
        from hduce.contracts.auth import AccountAdmin, Accounts, SignIn
        from hduce.core.personal_data import RowQueries
        from hduce.plugins.auth import handlers
        from hduce.plugins.auth.analytics import AccountAnalytics
        from hduce.plugins.auth.personal_data import ACCOUNT_DATA
        from hduce.plugins.auth.services import AuthServices
        from hduce.plugins.auth.store import AccountCounts, RevocationFeed

        super().setup(context)
        env = self.env
        self.services = AuthServices.of(env)
        env.registry.provide(Accounts, self.services.directory)
        env.registry.provide(AccountAdmin, self.services.admin)
        env.registry.provide(SignIn, self.services.sign_in)
        handlers.subscribe(env.events, self.services.passwords)
        env.registry.add_analytics_source(
            "accounts", AccountAnalytics(AccountCounts(env.db)).figures
        )
        env.registry.add_personal_data_source("account", RowQueries(env.db, ACCOUNT_DATA))
        # LISTEN needs a connection of its own, outside the pool.
        self.revocation_feed = RevocationFeed(
            context.db.dsn, env.tokens.revocations, env.tokens.lifetime.total_seconds()
        )
        if env.is_web:
            env.registry.add_health_check("token_revocations", self.revocation_feed.health)

    def route_handlers(self) -> Sequence[ControllerRouterHandler]:
        """The `/auth` routes, rate limited per the config."""
        from hduce.plugins.auth.routes import auth_routes

        return auth_routes(self.env.config, self.env.db)

    def root_route_handlers(self) -> Sequence[ControllerRouterHandler]:
        """The pages the verification and reset links open."""
        from hduce.plugins.auth.routes import auth_pages

        return auth_pages(self.env.config, self.env.db)

    def dependencies(self) -> dict[str, Provide]:
        """Provide the services as `auth`."""
        return self.provide_as_name(self.services)

    def lifespans(self) -> Sequence[Any]:
        """Follow ended sessions and account changes while the web app runs."""
        return (running_lifespan(self.revocation_feed),)

    @classmethod
    def on_cli_init(cls, cli: click.Group) -> None:
        """Add `hduce user …` and `hduce import patients`."""
        from hduce.plugins.auth.cli import add_commands  # the commands import this module

        add_commands(cli)

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        """Also render 429s of the auth limits with `Retry-After`."""
        from hduce.plugins.auth.errors import RetryLater, retry_later_handler

        app_config.exception_handlers[RetryLater] = retry_later_handler
        return super().on_app_init(app_config)
