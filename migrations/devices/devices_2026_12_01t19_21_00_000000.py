from hduce.core.migrations import raw_sql_migration

ID = "2026-12-01T19:21:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "reading, alert and threshold indexes"

FORWARDS_SQL = [
    "CREATE INDEX reading_patient_metric_time ON reading (patient, metric, measured_at DESC, id)",
    "CREATE INDEX reading_device_time ON reading (device, measured_at DESC)",
    "CREATE INDEX reading_received_brin ON reading USING brin (received_at)",
    "CREATE UNIQUE INDEX device_alert_one_open ON device_alert (patient, metric) "
    "WHERE acknowledged_at IS NULL",
    "CREATE UNIQUE INDEX device_threshold_patient_metric ON device_threshold (patient, metric)",
]

BACKWARDS_SQL = [
    "DROP INDEX IF EXISTS device_threshold_patient_metric",
    "DROP INDEX IF EXISTS device_alert_one_open",
    "DROP INDEX IF EXISTS reading_received_brin",
    "DROP INDEX IF EXISTS reading_device_time",
    "DROP INDEX IF EXISTS reading_patient_metric_time",
]


async def forwards():
    return raw_sql_migration(
        migration_id=ID,
        app_name="devices",
        description=DESCRIPTION,
        forwards_sql=FORWARDS_SQL,
        backwards_sql=BACKWARDS_SQL,
    )
