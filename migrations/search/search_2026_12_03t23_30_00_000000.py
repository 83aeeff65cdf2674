from hduce.core.migrations import raw_sql_migration

ID = "2026-12-03T23:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "search_chunk: each chunk's kind, and one HNSW index per kind"

# One HNSW graph over every kind let a search for a small kind (appointments) come back empty:
# the index yields the nearest chunks of any kind first, and hundreds of nearer document chunks
# filled the candidates before one appointment. A graph per kind yields that kind's nearest.
# The old index goes first, so the backfill does not insert every row into it again.
FORWARDS_SQL = [
    "DROP INDEX IF EXISTS search_chunk_embedding",
    "ALTER TABLE search_chunk ADD COLUMN kind text",
    "UPDATE search_chunk c SET kind = e.kind FROM search_entry e WHERE e.id = c.entry_id",
    "ALTER TABLE search_chunk ALTER COLUMN kind SET NOT NULL",
    # Building a graph of many chunks is far faster when it fits in memory.
    "SET LOCAL maintenance_work_mem = '512MB'",
    *(
        f"CREATE INDEX search_chunk_{kind} ON search_chunk "
        f"USING hnsw (embedding vector_cosine_ops) WHERE kind = '{kind}'"
        for kind in ("patient", "appointment", "document")
    ),
]

BACKWARDS_SQL = [
    *(
        f"DROP INDEX IF EXISTS search_chunk_{kind}"
        for kind in ("patient", "appointment", "document")
    ),
    "ALTER TABLE search_chunk DROP COLUMN kind",
    "CREATE INDEX search_chunk_embedding ON search_chunk USING hnsw (embedding vector_cosine_ops)",
]


async def forwards():
    return raw_sql_migration(
        migration_id=ID,
        app_name="search",
        description=DESCRIPTION,
        forwards_sql=FORWARDS_SQL,
        backwards_sql=BACKWARDS_SQL,
    )
