from hduce.core.migrations import raw_sql_migration

ID = "2026-12-03T16:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "drop document.search: documents are found through search_entry"

# Nothing read this column since search moved to its own table, and every stored text paid for
# its tsvector and GIN entries (about two thirds of PostgreSQL's time per extraction).
FORWARDS_SQL = [
    "DROP INDEX IF EXISTS document_search",
    "ALTER TABLE document DROP COLUMN IF EXISTS search",
]

BACKWARDS_SQL = [
    "ALTER TABLE document ADD COLUMN search tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple', coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('simple', left(coalesce(text, ''), 200000)), 'B')) STORED",
    "CREATE INDEX document_search ON document USING gin (search)",
]


async def forwards():
    return raw_sql_migration(
        migration_id=ID,
        app_name="documents",
        description=DESCRIPTION,
        forwards_sql=FORWARDS_SQL,
        backwards_sql=BACKWARDS_SQL,
    )
