"""Creates a table auth already has: the migration fails."""

import os

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from hduce.core.migrations import raw_sql_migration

ID = "2026-12-22T00:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "account table again"


async def forwards() -> MigrationManager:
    """Create `account`, which exists."""
    return raw_sql_migration(
        migration_id=ID,
        app_name=os.environ.get("CLASHING_APP_NAME", "clashing_tables"),
        description=DESCRIPTION,
        forwards_sql=["CREATE TABLE account (id uuid PRIMARY KEY)"],
        backwards_sql=["DROP TABLE account"],
    )
