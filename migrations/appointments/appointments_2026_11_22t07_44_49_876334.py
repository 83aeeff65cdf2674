from hduce.core.migrations import raw_sql_migration

ID = "2026-11-22T07:44:49:876334"
VERSION = "1.38.0"
DESCRIPTION = "exclusion constraints"

# Statuses that occupy time: everything but cancelled and no-show.
OCCUPYING = "status NOT IN ('cancelled', 'no_show')"

FORWARDS_SQL = [
    # pgserver has no btree_gist: a degenerate range over the id lets GiST compare uuids.
    "CREATE TYPE uuidrange AS RANGE (subtype = uuid)",
    f"""
    ALTER TABLE appointment ADD CONSTRAINT appointment_practitioner_no_overlap
    EXCLUDE USING gist (
        uuidrange(practitioner, practitioner, '[]') WITH =,
        tstzrange(blocked_from, blocked_until, '[)') WITH &&
    ) WHERE ({OCCUPYING})
    """,
    f"""
    ALTER TABLE appointment ADD CONSTRAINT appointment_patient_no_overlap
    EXCLUDE USING gist (
        uuidrange(patient, patient, '[]') WITH =,
        tstzrange(starts_at, ends_at, '[)') WITH &&
    ) WHERE ({OCCUPYING})
    """,
    """
    ALTER TABLE appointment ADD CONSTRAINT appointment_times_ordered CHECK (
        starts_at < ends_at AND blocked_from <= starts_at AND blocked_until >= ends_at
    )
    """,
    """
    ALTER TABLE appointment ADD CONSTRAINT appointment_status_known CHECK (status IN (
        'held', 'booked', 'confirmed', 'checked_in', 'in_progress', 'completed', 'cancelled',
        'no_show'
    ))
    """,
    "CREATE INDEX appointment_practitioner_starts ON appointment (practitioner, starts_at)",
    "CREATE INDEX appointment_patient_starts ON appointment (patient, starts_at)",
    "CREATE INDEX appointment_starts ON appointment (starts_at)",
    """
    CREATE UNIQUE INDEX appointment_type_practitioner_unique
    ON appointment_type_practitioner (appointment_type, practitioner)
    """,
    """
    ALTER TABLE weekly_hours ADD CONSTRAINT weekly_hours_valid
    CHECK (weekday BETWEEN 0 AND 6 AND start_time < end_time)
    """,
    """
    ALTER TABLE availability_exception ADD CONSTRAINT availability_exception_valid CHECK (
        kind IN ('time_off', 'extra_hours')
        AND (start_time IS NULL) = (end_time IS NULL)
        AND (start_time IS NULL OR start_time < end_time)
        AND (kind = 'time_off' OR start_time IS NOT NULL)
    )
    """,
    "CREATE INDEX availability_exception_date ON availability_exception (practitioner, on_date)",
    """
    CREATE INDEX waitlist_entry_waiting ON waitlist_entry
    (practitioner, appointment_type, created_at) WHERE status = 'waiting'
    """,
]

BACKWARDS_SQL = [
    "DROP INDEX IF EXISTS waitlist_entry_waiting",
    "DROP INDEX IF EXISTS availability_exception_date",
    "ALTER TABLE availability_exception DROP CONSTRAINT IF EXISTS availability_exception_valid",
    "ALTER TABLE weekly_hours DROP CONSTRAINT IF EXISTS weekly_hours_valid",
    "DROP INDEX IF EXISTS appointment_type_practitioner_unique",
    "DROP INDEX IF EXISTS appointment_starts",
    "DROP INDEX IF EXISTS appointment_patient_starts",
    "DROP INDEX IF EXISTS appointment_practitioner_starts",
    "ALTER TABLE appointment DROP CONSTRAINT IF EXISTS appointment_status_known",
    "ALTER TABLE appointment DROP CONSTRAINT IF EXISTS appointment_times_ordered",
    "ALTER TABLE appointment DROP CONSTRAINT IF EXISTS appointment_patient_no_overlap",
    "ALTER TABLE appointment DROP CONSTRAINT IF EXISTS appointment_practitioner_no_overlap",
    "DROP TYPE IF EXISTS uuidrange",
]


async def forwards():
    return raw_sql_migration(
        migration_id=ID,
        app_name="appointments",
        description=DESCRIPTION,
        forwards_sql=FORWARDS_SQL,
        backwards_sql=BACKWARDS_SQL,
    )
