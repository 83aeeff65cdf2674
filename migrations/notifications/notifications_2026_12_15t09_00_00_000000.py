from hduce.core.migrations import raw_sql_migration

ID = "2026-12-15T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "in-app items replayed in commit order"

# A reconnecting inbox stream replayed the items sent after its last one by `sent_at`: an item
# whose transaction committed after a later-stamped one had been streamed was never replayed.
# Each in-app item now records its transaction (`sent_xid`) and what had committed when it was
# sent (`sent_snapshot`); the replay after an item is what its snapshot did not see. Items sent
# before this migration are given its snapshot: a replay after one of them carries what came
# after the upgrade.
FORWARDS_SQL = [
    "ALTER TABLE delivery ADD COLUMN sent_xid bigint, ADD COLUMN sent_snapshot text",
    "UPDATE delivery SET sent_snapshot = pg_current_snapshot()::text "
    "WHERE channel = 'in_app' AND status = 'sent'",
]

BACKWARDS_SQL = ["ALTER TABLE delivery DROP COLUMN sent_xid, DROP COLUMN sent_snapshot"]


async def forwards():
    return raw_sql_migration(
        migration_id=ID,
        app_name="notifications",
        description=DESCRIPTION,
        forwards_sql=FORWARDS_SQL,
        backwards_sql=BACKWARDS_SQL,
    )
