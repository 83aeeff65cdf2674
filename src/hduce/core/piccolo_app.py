"""Piccolo app for the core tables."""

from piccolo.conf.apps import AppConfig

from hduce.core.migrations import migrations_folder
from hduce.core.tables import DeadLetter, Outbox

APP_CONFIG = AppConfig(
    app_name="core",
    migrations_folder_path=migrations_folder("core"),
    table_classes=[Outbox, DeadLetter],
    migration_dependencies=[],
    commands=[],
)
