from hduce.core.migrations import raw_sql_migration

ID = "2026-12-01T19:25:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "search_entry: one entry per (kind, ref_id), weighted tsvector and GIN index"

# `simple` config: names and e-mail addresses must match as typed, without stemming.
# Title (names) weighs A, body B. pgserver's PostgreSQL has no pg_trgm, so no trigram index.
FORWARDS_SQL = [
    "CREATE UNIQUE INDEX search_entry_ref ON search_entry (kind, ref_id)",
    "ALTER TABLE search_entry ADD COLUMN document tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple', coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('simple', coalesce(body, '')), 'B')) STORED",
    "CREATE INDEX search_entry_document ON search_entry USING gin (document)",
]

BACKWARDS_SQL = [
    "DROP INDEX IF EXISTS search_entry_document",
    "ALTER TABLE search_entry DROP COLUMN IF EXISTS document",
    "DROP INDEX IF EXISTS search_entry_ref",
]


async def forwards():
    return raw_sql_migration(
        migration_id=ID,
        app_name="search",
        description=DESCRIPTION,
        forwards_sql=FORWARDS_SQL,
        backwards_sql=BACKWARDS_SQL,
    )
