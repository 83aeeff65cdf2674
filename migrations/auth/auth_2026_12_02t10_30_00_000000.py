from hduce.core.migrations import raw_sql_migration

ID = "2026-12-02T10:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "failed logins of unknown identifiers, so they lock like accounts"

# Keyed by the SHA-256 of the normalised identifier (never the identifier itself). UNLOGGED:
# losing the counts in a crash only forgets some failures, as a restart forgets a rate limit.
FORWARDS_SQL = [
    """
    CREATE UNLOGGED TABLE login_failure (
        key text PRIMARY KEY,
        failed_logins integer NOT NULL DEFAULT 0,
        lockouts integer NOT NULL DEFAULT 0,
        locked_until timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    "CREATE INDEX login_failure_updated_at ON login_failure (updated_at)",
]

BACKWARDS_SQL = ["DROP TABLE IF EXISTS login_failure"]


async def forwards():
    return raw_sql_migration(
        migration_id=ID,
        app_name="auth",
        description=DESCRIPTION,
        forwards_sql=FORWARDS_SQL,
        backwards_sql=BACKWARDS_SQL,
    )
