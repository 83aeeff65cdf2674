"""The webhooks plugin: signed HTTP deliveries of clinic events to registered endpoints."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from hduce.core.plugin import HducePlugin
from hduce.plugins.webhooks.config import WebhooksConfig

if TYPE_CHECKING:
    from litestar.di import Provide
    from litestar.types import ControllerRouterHandler

    from hduce.core.context import AppContext
    from hduce.core.plugin_env import PluginEnv


class WebhooksPlugin(HducePlugin):
    """Admins register endpoints; events reach them through the outbox, signed, with retries."""

    name = "webhooks"
    description = "Signed HTTP deliveries of clinic events to endpoints an admin registered"
    requires = ("audit",)
    config_type = WebhooksConfig

    def setup(self, context: AppContext) -> None:
        """Build the service, subscribe the fan-out tasks and the `webhooks.deliver` task."""
        from hduce.contracts.audit import AuditLog
        from hduce.plugins.webhooks import handlers
        from hduce.plugins.webhooks.services import WebhookSender, WebhookService
        from hduce.plugins.webhooks.store import WebhookStore

        super().setup(context)
        env: PluginEnv[WebhooksConfig] = self.env
        audit = env.require(AuditLog)
        store = WebhookStore(env.db)
        production = env.settings.is_production
        grace = float(env.config.rotation_grace)
        self.service = WebhookService(
            env.db, store, audit, https_only=production, rotation_grace=grace
        )
        self.sender = WebhookSender(env, store, audit, public_only=production)
        env.registry.add_closer(self.sender.aclose)
        handlers.subscribe(env.events, handlers.FanOut(env.db, env.events, store), self.sender)

    def route_handlers(self) -> Sequence[ControllerRouterHandler]:
        """The admin `/webhooks` routes."""
        from hduce.plugins.webhooks.routes import WebhookController

        return (WebhookController,)

    def dependencies(self) -> dict[str, Provide]:
        """Provide the service under `webhooks`."""
        return self.provide_as_name(self.service)
