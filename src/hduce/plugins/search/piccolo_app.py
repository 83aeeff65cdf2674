"""Piccolo app for the search table."""

from piccolo.conf.apps import AppConfig

from hduce.core.migrations import migrations_folder
from hduce.plugins.search.tables import SearchEntry

APP_CONFIG = AppConfig(
    app_name="search",
    migrations_folder_path=migrations_folder("search"),
    table_classes=[SearchEntry],
    migration_dependencies=[],
    commands=[],
)
