"""Piccolo app for the webhooks tables."""

from piccolo.conf.apps import AppConfig

from hduce.core.migrations import migrations_folder
from hduce.plugins.webhooks.tables import Webhook, WebhookDelivery

APP_CONFIG = AppConfig(
    app_name="webhooks",
    migrations_folder_path=migrations_folder("webhooks"),
    table_classes=[Webhook, WebhookDelivery],
    migration_dependencies=[],
    commands=[],
)
