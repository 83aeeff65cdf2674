from hduce.core.migrations import raw_sql_migration

ID = "2026-12-13T09:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "a message is stored whole or not at all: one reading_message row per message"

# The batch writer claims a message's (device, message_key) here before it inserts its readings,
# in the same statement: a message re-using a stored `id` (with readings at positions the first
# lacked) claims nothing and stores nothing, however many copies arrive at once.
FORWARDS_SQL = [
    "CREATE TABLE reading_message (id bigserial PRIMARY KEY, "
    "device uuid NOT NULL REFERENCES device (id) ON DELETE CASCADE, message_key text NOT NULL)",
    "CREATE UNIQUE INDEX reading_message_key ON reading_message (device, message_key)",
    "INSERT INTO reading_message (device, message_key) "
    "SELECT DISTINCT device, message_key FROM reading WHERE message_key IS NOT NULL",
]

BACKWARDS_SQL = ["DROP TABLE IF EXISTS reading_message"]


async def forwards():
    return raw_sql_migration(
        migration_id=ID,
        app_name="devices",
        description=DESCRIPTION,
        forwards_sql=FORWARDS_SQL,
        backwards_sql=BACKWARDS_SQL,
    )
