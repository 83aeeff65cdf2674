from hduce.core.migrations import raw_sql_migration

ID = "2026-12-01T21:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "notify web processes of ended sessions and changed account access"

# Payloads on `hduce_token_revocations`: "session <family id>" when a refresh family is revoked,
# "access <account id> <status> <role,role>" when an account's roles or status change. PostgreSQL
# sends them at commit (never for a rolled-back change) and folds identical payloads of one
# transaction into one, so revoking a family of many rows notifies once. A web process that
# (re)connects loads what changed within one token lifetime: revoked families by `revoked_at`,
# accounts by `updated_at`, which the account trigger stamps however the row was changed.
FORWARDS_SQL = [
    "CREATE INDEX refresh_token_revoked_at ON refresh_token (revoked_at) "
    "WHERE revoked_at IS NOT NULL",
    "CREATE INDEX account_updated_at ON account (updated_at)",
    """
    CREATE FUNCTION hduce_notify_session_revoked() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_notify('hduce_token_revocations', 'session ' || NEW.family_id);
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER refresh_token_revoked AFTER UPDATE OF revoked_at ON refresh_token
    FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
    EXECUTE FUNCTION hduce_notify_session_revoked()
    """,
    """
    CREATE FUNCTION hduce_notify_account_access() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.updated_at := now();
        PERFORM pg_notify(
            'hduce_token_revocations',
            'access ' || NEW.id || ' ' || NEW.status || ' ' || array_to_string(NEW.roles, ',')
        );
        RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER account_access_changed BEFORE UPDATE OF roles, status ON account
    FOR EACH ROW
    WHEN (OLD.roles IS DISTINCT FROM NEW.roles OR OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION hduce_notify_account_access()
    """,
]

BACKWARDS_SQL = [
    "DROP TRIGGER IF EXISTS account_access_changed ON account",
    "DROP FUNCTION IF EXISTS hduce_notify_account_access()",
    "DROP TRIGGER IF EXISTS refresh_token_revoked ON refresh_token",
    "DROP FUNCTION IF EXISTS hduce_notify_session_revoked()",
    "DROP INDEX IF EXISTS account_updated_at",
    "DROP INDEX IF EXISTS refresh_token_revoked_at",
]


async def forwards():
    return raw_sql_migration(
        migration_id=ID,
        app_name="auth",
        description=DESCRIPTION,
        forwards_sql=FORWARDS_SQL,
        backwards_sql=BACKWARDS_SQL,
    )
