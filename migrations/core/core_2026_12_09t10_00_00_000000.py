from hduce.core.migrations import raw_sql_migration

ID = "2026-12-09T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "the id of each file store the servers on this database share"

FORWARDS_SQL = [
    "CREATE TABLE shared_storage ("
    "name text PRIMARY KEY, storage_id text NOT NULL, first_store text NOT NULL, "
    "created_at timestamptz NOT NULL DEFAULT now())",
]

BACKWARDS_SQL = ["DROP TABLE IF EXISTS shared_storage"]


async def forwards():
    return raw_sql_migration(
        migration_id=ID,
        app_name="core",
        description=DESCRIPTION,
        forwards_sql=FORWARDS_SQL,
        backwards_sql=BACKWARDS_SQL,
    )
