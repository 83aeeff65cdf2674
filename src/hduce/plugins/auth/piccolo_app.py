"""Piccolo app for the auth tables."""

from piccolo.conf.apps import AppConfig

from hduce.core.migrations import migrations_folder
from hduce.plugins.auth.tables import Account, OneTimeToken, RecoveryCode, RefreshToken

APP_CONFIG = AppConfig(
    app_name="auth",
    migrations_folder_path=migrations_folder("auth"),
    table_classes=[Account, RefreshToken, OneTimeToken, RecoveryCode],
    migration_dependencies=["hduce.core.piccolo_app"],
    commands=[],
)
