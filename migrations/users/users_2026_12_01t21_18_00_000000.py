from hduce.core.migrations import raw_sql_migration

ID = "2026-12-01T21:18:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "a clinician is on a patient's care team at most once"

FORWARDS_SQL = [
    "CREATE UNIQUE INDEX care_team_member_once ON care_team_member (patient, clinician)",
]

BACKWARDS_SQL = ["DROP INDEX IF EXISTS care_team_member_once"]


async def forwards():
    return raw_sql_migration(
        migration_id=ID,
        app_name="users",
        description=DESCRIPTION,
        forwards_sql=FORWARDS_SQL,
        backwards_sql=BACKWARDS_SQL,
    )
