from hduce.core.migrations import raw_sql_migration

ID = "2026-12-13T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "one open silence alert per device and patient"

# A device given to another patient is silent for them too: the former patient's open silence
# alert stays theirs to review and no longer keeps the new patient's from being raised.
FORWARDS_SQL = [
    "DROP INDEX device_alert_one_silence",
    "CREATE UNIQUE INDEX device_alert_one_silence ON device_alert (device, patient) "
    "WHERE acknowledged_at IS NULL AND metric = 'silence'",
]

BACKWARDS_SQL = [
    "DROP INDEX IF EXISTS device_alert_one_silence",
    "UPDATE device_alert AS x SET acknowledged_at = now() WHERE x.metric = 'silence' "
    "AND x.acknowledged_at IS NULL AND EXISTS (SELECT 1 FROM device_alert AS y "
    "WHERE y.device = x.device AND y.metric = 'silence' AND y.acknowledged_at IS NULL "
    "AND y.raised_at > x.raised_at)",
    "CREATE UNIQUE INDEX device_alert_one_silence ON device_alert (device) "
    "WHERE acknowledged_at IS NULL AND metric = 'silence'",
]


async def forwards():
    return raw_sql_migration(
        migration_id=ID,
        app_name="devices",
        description=DESCRIPTION,
        forwards_sql=FORWARDS_SQL,
        backwards_sql=BACKWARDS_SQL,
    )
