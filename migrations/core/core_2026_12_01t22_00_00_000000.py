from hduce.core.migrations import raw_sql_migration

ID = "2026-12-01T22:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "rate limit windows shared by every process"

FORWARDS_SQL = [
    # UNLOGGED: counters need no WAL or replicas; after a crash they start from zero.
    "CREATE UNLOGGED TABLE rate_limit_window ("
    "key text PRIMARY KEY, hits integer NOT NULL, reset_at timestamptz NOT NULL)",
]

BACKWARDS_SQL = ["DROP TABLE IF EXISTS rate_limit_window"]


async def forwards():
    return raw_sql_migration(
        migration_id=ID,
        app_name="core",
        description=DESCRIPTION,
        forwards_sql=FORWARDS_SQL,
        backwards_sql=BACKWARDS_SQL,
    )
