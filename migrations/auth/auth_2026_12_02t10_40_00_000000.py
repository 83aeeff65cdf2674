from hduce.core.migrations import raw_sql_migration

ID = "2026-12-02T10:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "forget the one-time tokens that older releases put in outbox events"

# Older releases carried the plaintext token (and the address) in these events; the rows stay
# in the outbox for a while after dispatch, and the tasks that mailed them (which no longer
# exist) may sit in the dead letters. Both tables belong to core, hence the guards.
FORWARDS_SQL = [
    """
    DO $$ BEGIN
        IF to_regclass('outbox') IS NOT NULL THEN
            UPDATE outbox SET payload = payload - 'token' - 'email'
            WHERE name IN ('user.verification_requested', 'user.password_reset_requested');
        END IF;
        IF to_regclass('dead_letter') IS NOT NULL THEN
            DELETE FROM dead_letter
            WHERE task_name IN ('notifications.verify_email', 'notifications.password_reset');
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
