"""The `staff_note` table."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from hduce.core.migrations import raw_sql_migration

ID = "2026-12-20T00:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "staff_note table"


async def forwards() -> MigrationManager:
    """Create the table (and drop it going backwards)."""
    return raw_sql_migration(
        migration_id=ID,
        app_name="staff_notes",
        description=DESCRIPTION,
        forwards_sql=[
            "CREATE TABLE staff_note (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),"
            " author uuid NOT NULL, body text NOT NULL,"
            " created_at timestamptz NOT NULL DEFAULT now())"
        ],
        backwards_sql=["DROP TABLE staff_note"],
    )
