"""HTTP routes: the admin `/webhooks` management and delivery log."""

from hduce.plugins.webhooks.routes._webhooks import WebhookController

__all__ = ["WebhookController"]
