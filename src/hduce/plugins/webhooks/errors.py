"""Errors of the webhooks plugin."""

from hduce.core.errors import HduceError, NotFound


class InvalidWebhook(HduceError):
    """The URL or the event patterns of a webhook are not acceptable."""

    status_code, slug, title = 422, "invalid-webhook", "Invalid webhook"


class WebhookNotFound(NotFound):
    """No webhook has this id."""
