from hduce.core.migrations import raw_sql_migration

ID = "2026-12-08T07:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "device assignment history: a reading is its patient's at arrival, not at writing"

# A row per time a device was assigned to a patient: from `since` until `until` (NULL: still
# is). The device table's triggers write it in the transaction that sets `device.patient`,
# however it is set, with the time of the change itself (`clock_timestamp()`, taken under the
# device's row lock: assignments of one device never overlap). The batch writer looks each
# reading's arrival time up in it; the silent-device rule counts silence from `since` too.
# A device assigned now is taken to be so since its registration (the spool may hold readings).
FORWARDS_SQL = [
    "CREATE TABLE device_assignment (id bigserial PRIMARY KEY, "
    "device uuid NOT NULL REFERENCES device (id) ON DELETE CASCADE, "
    "patient uuid NOT NULL REFERENCES account (id) ON DELETE RESTRICT, "
    "since timestamptz NOT NULL, until timestamptz, CHECK (until >= since))",
    "CREATE INDEX device_assignment_device_since ON device_assignment (device, since)",
    "CREATE UNIQUE INDEX device_assignment_open ON device_assignment (device) "
    "WHERE until IS NULL",
    "CREATE INDEX device_assignment_patient ON device_assignment (patient)",
    """
    CREATE FUNCTION hduce_device_assignment() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        changed_at timestamptz := clock_timestamp();
    BEGIN
        UPDATE device_assignment SET until = changed_at
        WHERE device = NEW.id AND until IS NULL;
        IF NEW.patient IS NOT NULL THEN
            INSERT INTO device_assignment (device, patient, since)
            VALUES (NEW.id, NEW.patient, changed_at);
        END IF;
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER device_assigned AFTER INSERT ON device FOR EACH ROW "
    "WHEN (NEW.patient IS NOT NULL) EXECUTE FUNCTION hduce_device_assignment()",
    "CREATE TRIGGER device_reassigned AFTER UPDATE OF patient ON device FOR EACH ROW "
    "WHEN (OLD.patient IS DISTINCT FROM NEW.patient) EXECUTE FUNCTION hduce_device_assignment()",
    "INSERT INTO device_assignment (device, patient, since) "
    "SELECT id, patient, created_at FROM device WHERE patient IS NOT NULL",
]

BACKWARDS_SQL = [
    "DROP TRIGGER IF EXISTS device_reassigned ON device",
    "DROP TRIGGER IF EXISTS device_assigned ON device",
    "DROP FUNCTION IF EXISTS hduce_device_assignment()",
    "DROP TABLE IF EXISTS device_assignment",
]


async def forwards():
    return raw_sql_migration(
        migration_id=ID,
        app_name="devices",
        description=DESCRIPTION,
        forwards_sql=FORWARDS_SQL,
        backwards_sql=BACKWARDS_SQL,
    )
