from hduce.core.migrations import raw_sql_migration

ID = "2026-12-14T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "account.status_changed_at, in account_directory: when an account last changed status"

# Other plugins' read models (a FHIR Patient's meta.lastUpdated) change with the status too. An
# account deactivated before this migration is dated by its last change (`updated_at`).
FORWARDS_SQL = [
    "ALTER TABLE account ADD COLUMN status_changed_at timestamptz",
    "UPDATE account SET status_changed_at = updated_at WHERE status = 'deactivated'",
    "CREATE OR REPLACE VIEW account_directory AS "
    "SELECT id, email, username, roles, status, status_changed_at FROM account",
]

BACKWARDS_SQL = [
    "DROP VIEW IF EXISTS account_directory",
    "CREATE VIEW account_directory AS SELECT id, email, username, roles, status FROM account",
    "ALTER TABLE account DROP COLUMN status_changed_at",
]


async def forwards():
    return raw_sql_migration(
        migration_id=ID,
        app_name="auth",
        description=DESCRIPTION,
        forwards_sql=FORWARDS_SQL,
        backwards_sql=BACKWARDS_SQL,
    )
