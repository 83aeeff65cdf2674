from hduce.core.migrations import raw_sql_migration

ID = "2026-12-14T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "a patient's threshold may keep the clinic's bound on one side"

# A doctor's PUT {"above": 150} stored below = NULL, dropping the clinic's lower bound. A side
# left out of the PUT now inherits the clinic's bound (`*_inherits`); a stored row keeps its
# meaning (false: its NULL side never alerts).
FORWARDS_SQL = [
    "ALTER TABLE device_threshold ADD COLUMN above_inherits boolean NOT NULL DEFAULT false, "
    "ADD COLUMN below_inherits boolean NOT NULL DEFAULT false",
]

BACKWARDS_SQL = [
    "ALTER TABLE device_threshold DROP COLUMN IF EXISTS above_inherits, "
    "DROP COLUMN IF EXISTS below_inherits",
]


async def forwards():
    return raw_sql_migration(
        migration_id=ID,
        app_name="devices",
        description=DESCRIPTION,
        forwards_sql=FORWARDS_SQL,
        backwards_sql=BACKWARDS_SQL,
    )
