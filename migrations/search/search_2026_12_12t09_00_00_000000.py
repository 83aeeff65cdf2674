from hduce.core.migrations import raw_sql_migration

ID = "2026-12-12T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "search_entry: the accent-folded copy of each accented word, indexed beside it"

# `folded_title` and `folded_body` hold the accent-free spelling of each word that has accents
# (written by the indexer, `services._folding`: pgserver's PostgreSQL has no `unaccent`), so a
# query folded the same way finds either spelling. Entries indexed before stay empty until
# `hduce search reindex`. Re-adding the generated column rebuilds it and its index.
FORWARDS_SQL = [
    "ALTER TABLE search_entry ADD COLUMN folded_title text NOT NULL DEFAULT ''",
    "ALTER TABLE search_entry ADD COLUMN folded_body text NOT NULL DEFAULT ''",
    "ALTER TABLE search_entry DROP COLUMN document",
    "ALTER TABLE search_entry ADD COLUMN document tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple', coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('simple', coalesce(body, '')), 'B') || "
    "setweight(to_tsvector('simple', folded_title), 'A') || "
    "setweight(to_tsvector('simple', folded_body), 'B')) STORED",
    "CREATE INDEX search_entry_document ON search_entry USING gin (document)",
]

BACKWARDS_SQL = [
    "ALTER TABLE search_entry DROP COLUMN document",
    "ALTER TABLE search_entry DROP COLUMN folded_title",
    "ALTER TABLE search_entry DROP COLUMN folded_body",
    "ALTER TABLE search_entry ADD COLUMN document tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple', coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('simple', coalesce(body, '')), 'B')) STORED",
    "CREATE INDEX search_entry_document ON search_entry USING gin (document)",
]


async def forwards():
    return raw_sql_migration(
        migration_id=ID,
        app_name="search",
        description=DESCRIPTION,
        forwards_sql=FORWARDS_SQL,
        backwards_sql=BACKWARDS_SQL,
    )
