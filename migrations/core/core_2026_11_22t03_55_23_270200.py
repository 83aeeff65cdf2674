from hduce.core.migrations import raw_sql_migration

ID = "2026-11-22T03:55:23:270200"
VERSION = "1.38.0"
DESCRIPTION = "outbox due index and notify trigger"

FORWARDS_SQL = [
    "CREATE INDEX outbox_pending_due ON outbox (available_at, id) WHERE dispatched_at IS NULL",
    "CREATE INDEX outbox_dispatched_at ON outbox (dispatched_at) WHERE dispatched_at IS NOT NULL",
    """
    CREATE FUNCTION hduce_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_notify('hduce_outbox', '');
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION hduce_outbox_notify()
    """,
]

BACKWARDS_SQL = [
    "DROP TRIGGER IF EXISTS outbox_notify ON outbox",
    "DROP FUNCTION IF EXISTS hduce_outbox_notify()",
    "DROP INDEX IF EXISTS outbox_dispatched_at",
    "DROP INDEX IF EXISTS outbox_pending_due",
]


async def forwards():
    return raw_sql_migration(
        migration_id=ID,
        app_name="core",
        description=DESCRIPTION,
        forwards_sql=FORWARDS_SQL,
        backwards_sql=BACKWARDS_SQL,
    )
