"""Piccolo app for the documents table."""

from piccolo.conf.apps import AppConfig

from hduce.core.migrations import migrations_folder
from hduce.plugins.documents.tables import Document

APP_CONFIG = AppConfig(
    app_name="documents",
    migrations_folder_path=migrations_folder("documents"),
    table_classes=[Document],
    migration_dependencies=["hduce.plugins.auth.piccolo_app"],
    commands=[],
)
