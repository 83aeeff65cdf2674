from hduce.core.migrations import raw_sql_migration

ID = "2026-12-13T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "search_entry: words inside <...>, URLs and file paths indexed as words"

# PostgreSQL's parser reads `<low>` or `<hemoglobin low>` as an XML tag and drops it, and
# `/results/word` as one file-path token: lab reports' `<LOW>`, `<NEG>` and the words of a URL
# were never found. `<`, `>` and `/` become blanks before parsing (queries are parsed the same
# way, `store._sql.QUERY_OF`). Re-adding the generated column recomputes it for every entry and
# rebuilds its index; the words it now holds join the vocabulary (a prefix names them all).
WEIGHTED = "setweight(to_tsvector('simple', translate({}, '<>/', '   ')), '{}')"
DOCUMENT = " || ".join(
    WEIGHTED.format(text, weight)
    for text, weight in (
        ("coalesce(title, '')", "A"),
        ("coalesce(body, '')", "B"),
        ("folded_title", "A"),
        ("folded_body", "B"),
    )
)
OLD_DOCUMENT = (
    "setweight(to_tsvector('simple', coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('simple', coalesce(body, '')), 'B') || "
    "setweight(to_tsvector('simple', folded_title), 'A') || "
    "setweight(to_tsvector('simple', folded_body), 'B')"
)


def _document(expression: str) -> list[str]:
    return [
        "ALTER TABLE search_entry DROP COLUMN document",
        f"ALTER TABLE search_entry ADD COLUMN document tsvector GENERATED ALWAYS AS ({expression}) "
        "STORED",
        "CREATE INDEX search_entry_document ON search_entry USING gin (document)",
    ]


FORWARDS_SQL = [
    *_document(DOCUMENT),
    "INSERT INTO search_vocabulary (word) SELECT word FROM ts_stat("
    "'SELECT document FROM search_entry') WHERE word ~ '^[[:alpha:]]' "
    "ON CONFLICT DO NOTHING",
]

BACKWARDS_SQL = _document(OLD_DOCUMENT)


async def forwards():
    return raw_sql_migration(
        migration_id=ID,
        app_name="search",
        description=DESCRIPTION,
        forwards_sql=FORWARDS_SQL,
        backwards_sql=BACKWARDS_SQL,
    )
