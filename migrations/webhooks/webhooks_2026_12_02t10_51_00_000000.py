from hduce.core.migrations import raw_sql_migration

ID = "2026-12-02T10:51:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "webhook_delivery: one row per (webhook, event), log read newest first"

# The unique pair makes fan-out idempotent: a redelivered event adds no second delivery.
FORWARDS_SQL = [
    "CREATE UNIQUE INDEX webhook_delivery_event ON webhook_delivery (webhook, event_id)",
    "CREATE INDEX webhook_delivery_log ON webhook_delivery (webhook, created_at DESC)",
    "ALTER TABLE webhook_delivery ADD CONSTRAINT webhook_delivery_status "
    "CHECK (status IN ('pending', 'delivered', 'failed', 'skipped'))",
]

BACKWARDS_SQL = [
    "ALTER TABLE webhook_delivery DROP CONSTRAINT IF EXISTS webhook_delivery_status",
    "DROP INDEX IF EXISTS webhook_delivery_log",
    "DROP INDEX IF EXISTS webhook_delivery_event",
]


async def forwards():
    return raw_sql_migration(
        migration_id=ID,
        app_name="webhooks",
        description=DESCRIPTION,
        forwards_sql=FORWARDS_SQL,
        backwards_sql=BACKWARDS_SQL,
    )
