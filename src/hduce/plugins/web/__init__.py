"""The web plugin: a server-rendered console for the clinic's staff and a portal for patients."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from hduce.core.plugin import HducePlugin
from hduce.plugins.web.config import WebConfig

if TYPE_CHECKING:
    from litestar.config.app import AppConfig
    from litestar.di import Provide
    from litestar.types import ControllerRouterHandler

    from hduce.core.context import AppContext


class WebPlugin(HducePlugin):
    """Sign-in, patient portal and front desk pages over the other plugins' contracts."""

    name = "web"
    description = "Web console and patient portal"
    requires = ("auth", "users")
    after = ("appointments", "notifications", "documents", "devices", "search", "audit")
    config_type = WebConfig
    serves_home = True

    def setup(self, context: AppContext) -> None:
        """Resolve the contracts the pages use."""
        from hduce.plugins.web.services import WebServices

        super().setup(context)
        self.services = WebServices.build(self.env)

    def root_route_handlers(self) -> Sequence[ControllerRouterHandler]:
        """`/`, the sign-in pages, the portal, the console and `/static/web`."""
        from hduce.plugins.web.routes import web_routes

        return web_routes(self.services, self.context.db)

    def dependencies(self) -> dict[str, Provide]:
        """The page services under `web`."""
        return self.provide_as_name(self.services)

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        """Also answer a browser at an address no route serves with a page, not JSON."""
        from hduce.plugins.web.routes import unknown_address_handler

        app_config = super().on_app_init(app_config)
        app_config.exception_handlers.update(unknown_address_handler(self.services))
        return app_config
