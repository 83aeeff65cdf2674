"""Piccolo app for the webhooks tables."""

from hduce.core.migrations import app_config
from hduce.plugins.webhooks.tables import Webhook, WebhookDelivery

APP_CONFIG = app_config("webhooks", [Webhook, WebhookDelivery], after=None)
