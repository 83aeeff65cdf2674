"""Piccolo app for the notifications tables."""

from piccolo.conf.apps import AppConfig

from hduce.core.migrations import migrations_folder
from hduce.plugins.notifications.tables import Delivery, Notification, Preference

APP_CONFIG = AppConfig(
    app_name="notifications",
    migrations_folder_path=migrations_folder("notifications"),
    table_classes=[Notification, Delivery, Preference],
    migration_dependencies=["hduce.plugins.auth.piccolo_app"],
    commands=[],
)
