from hduce.core.migrations import raw_sql_migration

ID = "2026-12-01T19:21:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "document full-text search column and list index"

# Capped: a tsvector holds at most 1 MB, and a long scan must not make the extraction fail.
FORWARDS_SQL = [
    "ALTER TABLE document ADD COLUMN search tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple', coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('simple', left(coalesce(text, ''), 200000)), 'B')) STORED",
    "CREATE INDEX document_search ON document USING gin (search)",
    "CREATE INDEX document_patient_live ON document (patient, created_at DESC, id) "
    "WHERE deleted_at IS NULL",
]

BACKWARDS_SQL = [
    "DROP INDEX IF EXISTS document_patient_live",
    "DROP INDEX IF EXISTS document_search",
    "ALTER TABLE document DROP COLUMN IF EXISTS search",
]


async def forwards():
    return raw_sql_migration(
        migration_id=ID,
        app_name="documents",
        description=DESCRIPTION,
        forwards_sql=FORWARDS_SQL,
        backwards_sql=BACKWARDS_SQL,
    )
