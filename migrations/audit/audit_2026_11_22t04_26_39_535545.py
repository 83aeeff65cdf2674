from hduce.core.migrations import raw_sql_migration

ID = "2026-11-22T04:26:39:535545"
VERSION = "1.38.0"
DESCRIPTION = "audit_event append-only trigger and one successor per hash"

FORWARDS_SQL = [
    # Two rows naming the same predecessor would fork the chain: make that impossible.
    "CREATE UNIQUE INDEX audit_event_prev_hash ON audit_event (prev_hash)",
    """
    CREATE FUNCTION hduce_audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit_event is append-only: % is not allowed', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END $$
    """,
    """
    CREATE TRIGGER audit_event_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION hduce_audit_event_append_only()
    """,
]

BACKWARDS_SQL = [
    "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event",
    "DROP FUNCTION IF EXISTS hduce_audit_event_append_only()",
    "DROP INDEX IF EXISTS audit_event_prev_hash",
]


async def forwards():
    return raw_sql_migration(
        migration_id=ID,
        app_name="audit",
        description=DESCRIPTION,
        forwards_sql=FORWARDS_SQL,
        backwards_sql=BACKWARDS_SQL,
    )
