from hduce.core.migrations import raw_sql_migration

ID = "2026-12-03T14:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "search_vocabulary: every indexed word that starts with a letter (prefix expansion)"

# Search turns a typed prefix into the few words it starts: the vocabulary must name them all,
# short words, words with digits and addresses included (before: letters only, 4 to 40).
FORWARDS_SQL = [
    "INSERT INTO search_vocabulary (word) SELECT word FROM ts_stat("
    "'SELECT document FROM search_entry') WHERE word ~ '^[[:alpha:]]' "
    "ON CONFLICT DO NOTHING",
]

BACKWARDS_SQL = ["DELETE FROM search_vocabulary WHERE word !~ '^[[:alpha:]]{4,40}$'"]


async def forwards():
    return raw_sql_migration(
        migration_id=ID,
        app_name="search",
        description=DESCRIPTION,
        forwards_sql=FORWARDS_SQL,
        backwards_sql=BACKWARDS_SQL,
    )
