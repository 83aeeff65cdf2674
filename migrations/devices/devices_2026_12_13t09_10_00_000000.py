from hduce.core.migrations import raw_sql_migration

ID = "2026-12-13T09:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "one open threshold alert per patient, metric and direction"

# An open alert above a metric's bound (heart rate 130) no longer hides a later breach below it
# (heart rate 35): each direction opens its own alert.
FORWARDS_SQL = [
    "DROP INDEX device_alert_one_open",
    "CREATE UNIQUE INDEX device_alert_one_open ON device_alert (patient, metric, bound) "
    "WHERE acknowledged_at IS NULL AND metric <> 'silence'",
]

BACKWARDS_SQL = [
    "DROP INDEX IF EXISTS device_alert_one_open",
    "UPDATE device_alert AS x SET acknowledged_at = now() WHERE x.metric <> 'silence' "
    "AND x.acknowledged_at IS NULL AND EXISTS (SELECT 1 FROM device_alert AS y "
    "WHERE y.patient = x.patient AND y.metric = x.metric AND y.acknowledged_at IS NULL "
    "AND y.raised_at < x.raised_at)",
    "CREATE UNIQUE INDEX device_alert_one_open ON device_alert (patient, metric) "
    "WHERE acknowledged_at IS NULL AND metric <> 'silence'",
]


async def forwards():
    return raw_sql_migration(
        migration_id=ID,
        app_name="devices",
        description=DESCRIPTION,
        forwards_sql=FORWARDS_SQL,
        backwards_sql=BACKWARDS_SQL,
    )
