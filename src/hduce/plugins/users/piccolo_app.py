"""Piccolo app for the users tables."""

from piccolo.conf.apps import AppConfig

from hduce.core.migrations import migrations_folder
from hduce.plugins.users.tables import CareTeamMember, Profile

APP_CONFIG = AppConfig(
    app_name="users",
    migrations_folder_path=migrations_folder("users"),
    table_classes=[Profile, CareTeamMember],
    migration_dependencies=["hduce.plugins.auth.piccolo_app"],
    commands=[],
)
