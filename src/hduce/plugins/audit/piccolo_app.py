"""Piccolo app for the audit table."""

from piccolo.conf.apps import AppConfig

from hduce.core.migrations import migrations_folder
from hduce.plugins.audit.tables import AuditEvent

APP_CONFIG = AppConfig(
    app_name="audit",
    migrations_folder_path=migrations_folder("audit"),
    table_classes=[AuditEvent],
    migration_dependencies=["hduce.core.piccolo_app"],
    commands=[],
)
