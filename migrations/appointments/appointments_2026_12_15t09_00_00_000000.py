from hduce.core.migrations import raw_sql_migration

ID = "2026-12-15T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "when a practitioner was last taken off an appointment type"

# A type's list of practitioners is replaced as a whole: whoever it left out left no trace, so
# what they offered changed (their FHIR PractitionerRole and Schedule) without a time to show.
FORWARDS_SQL = [
    """
    CREATE TABLE appointment_type_departure (
        id uuid PRIMARY KEY,
        appointment_type uuid NOT NULL REFERENCES appointment_type (id)
            ON DELETE RESTRICT ON UPDATE CASCADE,
        practitioner uuid NOT NULL REFERENCES account (id) ON DELETE RESTRICT ON UPDATE CASCADE,
        left_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (appointment_type, practitioner)
    )
    """,
]

BACKWARDS_SQL = ["DROP TABLE IF EXISTS appointment_type_departure"]


async def forwards():
    return raw_sql_migration(
        migration_id=ID,
        app_name="appointments",
        description=DESCRIPTION,
        forwards_sql=FORWARDS_SQL,
        backwards_sql=BACKWARDS_SQL,
    )
