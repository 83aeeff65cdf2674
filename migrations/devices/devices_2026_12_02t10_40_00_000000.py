from hduce.core.migrations import raw_sql_migration

ID = "2026-12-02T10:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "device presence; one open silence alert per device"

FORWARDS_SQL = [
    "ALTER TABLE device ADD COLUMN online boolean NOT NULL DEFAULT false",
    "ALTER TABLE device ADD COLUMN presence_changed_at timestamptz",
    "ALTER TABLE device ADD COLUMN offline_reason varchar(32)",
    # Threshold alerts stay one open per patient and metric; silence is per device.
    "DROP INDEX device_alert_one_open",
    "CREATE UNIQUE INDEX device_alert_one_open ON device_alert (patient, metric) "
    "WHERE acknowledged_at IS NULL AND metric <> 'silence'",
    "CREATE UNIQUE INDEX device_alert_one_silence ON device_alert (device) "
    "WHERE acknowledged_at IS NULL AND metric = 'silence'",
]

BACKWARDS_SQL = [
    "DROP INDEX IF EXISTS device_alert_one_silence",
    "DELETE FROM device_alert WHERE metric = 'silence'",
    "DROP INDEX IF EXISTS device_alert_one_open",
    "CREATE UNIQUE INDEX device_alert_one_open ON device_alert (patient, metric) "
    "WHERE acknowledged_at IS NULL",
    "ALTER TABLE device DROP COLUMN IF EXISTS offline_reason",
    "ALTER TABLE device DROP COLUMN IF EXISTS presence_changed_at",
    "ALTER TABLE device DROP COLUMN IF EXISTS online",
]


async def forwards():
    return raw_sql_migration(
        migration_id=ID,
        app_name="devices",
        description=DESCRIPTION,
        forwards_sql=FORWARDS_SQL,
        backwards_sql=BACKWARDS_SQL,
    )
