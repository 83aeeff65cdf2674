from hduce.core.migrations import raw_sql_migration

ID = "2026-12-02T12:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "search_vocabulary: the words of the index, for typo correction"

# Written with every entry (never pruned: a stale word only makes a correction find nothing).
FORWARDS_SQL = [
    # C collation: `LIKE 'prefix%'` and letter ranges use the primary key index.
    'CREATE TABLE search_vocabulary (word text COLLATE "C" PRIMARY KEY)',
    "INSERT INTO search_vocabulary (word) SELECT word FROM ts_stat("
    "'SELECT document FROM search_entry') WHERE word ~ '^[[:alpha:]]{4,40}$' "
    "ON CONFLICT DO NOTHING",
]

BACKWARDS_SQL = ["DROP TABLE IF EXISTS search_vocabulary"]


async def forwards():
    return raw_sql_migration(
        migration_id=ID,
        app_name="search",
        description=DESCRIPTION,
        forwards_sql=FORWARDS_SQL,
        backwards_sql=BACKWARDS_SQL,
    )
