from hduce.core.migrations import raw_sql_migration

ID = "2026-12-06T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "what a notification is about, and when it is too late to send"

# A reminder held back by quiet hours was e-mailed after its appointment had been cancelled, or
# after the visit had started: `about` lets the appointments plugin withdraw it while unsent,
# `send_before` makes the sender skip it once it is out of date.
FORWARDS_SQL = [
    "ALTER TABLE notification ADD COLUMN about varchar(200), ADD COLUMN send_before timestamptz",
    "CREATE INDEX notification_about ON notification (about) WHERE about IS NOT NULL",
]

BACKWARDS_SQL = [
    "DROP INDEX IF EXISTS notification_about",
    "ALTER TABLE notification DROP COLUMN about, DROP COLUMN send_before",
]


async def forwards():
    return raw_sql_migration(
        migration_id=ID,
        app_name="notifications",
        description=DESCRIPTION,
        forwards_sql=FORWARDS_SQL,
        backwards_sql=BACKWARDS_SQL,
    )
