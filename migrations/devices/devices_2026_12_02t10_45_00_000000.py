from hduce.core.migrations import raw_sql_migration

ID = "2026-12-02T10:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "reading idempotency key: a message sent again is stored once"

# `message_key` is the device's message id or a hash of the message (see telemetry.message_key),
# `position` the reading's index in its message. Rows from before have no key (NULLs never clash).
FORWARDS_SQL = [
    "ALTER TABLE reading ADD COLUMN message_key text, ADD COLUMN position smallint",
    "CREATE UNIQUE INDEX reading_message_once ON reading (device, message_key, position)",
]

BACKWARDS_SQL = [
    "DROP INDEX IF EXISTS reading_message_once",
    "ALTER TABLE reading DROP COLUMN IF EXISTS position, DROP COLUMN IF EXISTS message_key",
]


async def forwards():
    return raw_sql_migration(
        migration_id=ID,
        app_name="devices",
        description=DESCRIPTION,
        forwards_sql=FORWARDS_SQL,
        backwards_sql=BACKWARDS_SQL,
    )
