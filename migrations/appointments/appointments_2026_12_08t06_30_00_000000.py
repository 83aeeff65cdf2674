from hduce.core.migrations import raw_sql_migration

ID = "2026-12-08T06:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "one availability exception per practitioner, date, kind and times"

# Identical exceptions recorded before (a double click) are kept once, the oldest; then the
# unique index makes the "already recorded" check hold for requests sent at the same moment.
FORWARDS_SQL = [
    "DELETE FROM availability_exception later USING availability_exception earlier "
    "WHERE later.practitioner = earlier.practitioner AND later.on_date = earlier.on_date "
    "AND later.kind = earlier.kind "
    "AND later.start_time IS NOT DISTINCT FROM earlier.start_time "
    "AND later.end_time IS NOT DISTINCT FROM earlier.end_time "
    "AND (later.created_at, later.id) > (earlier.created_at, earlier.id)",
    "CREATE UNIQUE INDEX availability_exception_once ON availability_exception "
    "(practitioner, on_date, kind, start_time, end_time) NULLS NOT DISTINCT",
]

BACKWARDS_SQL = ["DROP INDEX IF EXISTS availability_exception_once"]


async def forwards():
    return raw_sql_migration(
        migration_id=ID,
        app_name="appointments",
        description=DESCRIPTION,
        forwards_sql=FORWARDS_SQL,
        backwards_sql=BACKWARDS_SQL,
    )
