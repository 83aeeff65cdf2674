from hduce.core.migrations import raw_sql_migration

ID = "2026-12-02T11:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "search_entry: dated_at and entity keys, for date and entity facets and filters"

# `dated_at`: when the thing happened (a document's upload, an appointment's start); patients
# have none. `entities`: `kind:value` keys such as `medication:metformin` (GIN for `@>`).
FORWARDS_SQL = [
    "ALTER TABLE search_entry ADD COLUMN dated_at timestamptz",
    "ALTER TABLE search_entry ADD COLUMN entities text[] NOT NULL DEFAULT '{}'",
    "CREATE INDEX search_entry_entities ON search_entry USING gin (entities)",
    "CREATE INDEX search_entry_dated_at ON search_entry (dated_at)",
]

BACKWARDS_SQL = [
    "DROP INDEX IF EXISTS search_entry_dated_at",
    "DROP INDEX IF EXISTS search_entry_entities",
    "ALTER TABLE search_entry DROP COLUMN IF EXISTS entities",
    "ALTER TABLE search_entry DROP COLUMN IF EXISTS dated_at",
]


async def forwards():
    return raw_sql_migration(
        migration_id=ID,
        app_name="search",
        description=DESCRIPTION,
        forwards_sql=FORWARDS_SQL,
        backwards_sql=BACKWARDS_SQL,
    )
