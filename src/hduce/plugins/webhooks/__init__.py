"""The webhooks plugin: signed HTTP deliveries of clinic events to registered endpoints."""

from collections.abc import Sequence

from litestar.di import Provide
from litestar.types import ControllerRouterHandler

from hduce.core.context import AppContext
from hduce.core.plugin import HducePlugin
from hduce.plugins.webhooks.config import WebhooksConfig
from hduce.plugins.webhooks.events import WebhookDeliveryDue
from hduce.plugins.webhooks.handlers import FanOut
from hduce.plugins.webhooks.routes import WebhookController
from hduce.plugins.webhooks.sender import WebhookSender
from hduce.plugins.webhooks.services import WebhookService
from hduce.plugins.webhooks.store import WebhookStore


class WebhooksPlugin(HducePlugin):
    """Admins register endpoints; events reach them through the outbox, signed, with retries."""

    name = "webhooks"
    description = "Signed HTTP deliveries of clinic events to endpoints an admin registered"
    requires = ("audit",)
    config_type = WebhooksConfig

    def setup(self, context: AppContext) -> None:
        """Build the service, subscribe the fan-out tasks and the `webhooks.deliver` task."""
        super().setup(context)
        assert isinstance(self.config, WebhooksConfig)
        store = WebhookStore(context.db)
        self.service = WebhookService(context, store, https_only=context.settings.is_production)
        self.sender = WebhookSender(context, store, self.config)
        context.registry.add_closer(self.sender.aclose)
        FanOut(context, store).subscribe()
        context.events.subscribe(
            WebhookDeliveryDue, self.sender.handle, task_name="webhooks.deliver"
        )

    def route_handlers(self) -> Sequence[ControllerRouterHandler]:
        """The admin `/webhooks` routes."""
        return (WebhookController,)

    def dependencies(self) -> dict[str, Provide]:
        """Provide `webhooks_service`."""
        return {"webhooks_service": Provide(self._provide, sync_to_thread=False, use_cache=True)}

    def _provide(self) -> WebhookService:
        return self.service
