from hduce.core.migrations import raw_sql_migration

ID = "2026-12-02T10:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "forget the one-time tokens that older releases put in outbox events"

# Older releases carried the plaintext token (and the address) in these events; the rows stay
# in the outbox for a while after dispatch. The table belongs to core, hence the guard.
FORWARDS_SQL = [
    """
    DO $$ BEGIN
        IF to_regclass('outbox') IS NOT NULL THEN
            UPDATE outbox SET payload = payload - 'token' - 'email'
            WHERE name IN ('user.verification_requested', 'user.password_reset_requested');
        END IF;
    END $$
    """,
]

BACKWARDS_SQL: list[str] = []


async def forwards():
    return raw_sql_migration(
        migration_id=ID,
        app_name="auth",
        description=DESCRIPTION,
        forwards_sql=FORWARDS_SQL,
        backwards_sql=BACKWARDS_SQL,
    )
