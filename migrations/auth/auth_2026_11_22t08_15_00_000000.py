from hduce.core.migrations import raw_sql_migration

ID = "2026-11-22T08:15:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "account_directory view: the account columns other plugins may join"

FORWARDS_SQL = [
    # What `DirectoryEntry` holds of an account; never secrets. PostgreSQL refuses to change the
    # type of a column a view uses: drop and re-create the view around such a change.
    "CREATE VIEW account_directory AS SELECT id, email, username, roles, status FROM account",
]

BACKWARDS_SQL = ["DROP VIEW IF EXISTS account_directory"]


async def forwards():
    return raw_sql_migration(
        migration_id=ID,
        app_name="auth",
        description=DESCRIPTION,
        forwards_sql=FORWARDS_SQL,
        backwards_sql=BACKWARDS_SQL,
    )
