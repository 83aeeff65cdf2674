from hduce.core.migrations import raw_sql_migration

ID = "2026-11-22T07:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "inbox index"

FORWARDS_SQL = [
    "CREATE INDEX delivery_inbox ON delivery (recipient, created_at DESC, id DESC) "
    "WHERE channel = 'in_app' AND status = 'sent'",
]

BACKWARDS_SQL = ["DROP INDEX IF EXISTS delivery_inbox"]


async def forwards():
    return raw_sql_migration(
        migration_id=ID,
        app_name="notifications",
        description=DESCRIPTION,
        forwards_sql=FORWARDS_SQL,
        backwards_sql=BACKWARDS_SQL,
    )
