from hduce.core.migrations import raw_sql_migration

ID = "2026-12-02T15:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "search_chunk: overlapping chunks of each entry with a 384-number vector (HNSW)"

FORWARDS_SQL = [
    "CREATE EXTENSION IF NOT EXISTS vector",
    """CREATE TABLE search_chunk (
        entry_id uuid NOT NULL REFERENCES search_entry (id) ON DELETE CASCADE,
        seq integer NOT NULL,
        page integer,
        text text NOT NULL,
        model text NOT NULL,
        embedding vector(384) NOT NULL,
        PRIMARY KEY (entry_id, seq)
    )""",
    # Vectors are unit length: cosine distance ranks as the inner product would.
    "CREATE INDEX search_chunk_embedding ON search_chunk USING hnsw (embedding vector_cosine_ops)",
    # Which entries `hduce search reindex` has reached, so an interrupted run resumes.
    """CREATE TABLE search_reindex (
        kind text PRIMARY KEY,
        started_at timestamptz NOT NULL,
        after uuid,
        done boolean NOT NULL DEFAULT false
    )""",
]

BACKWARDS_SQL = ["DROP TABLE IF EXISTS search_reindex", "DROP TABLE IF EXISTS search_chunk"]


async def forwards():
    return raw_sql_migration(
        migration_id=ID,
        app_name="search",
        description=DESCRIPTION,
        forwards_sql=FORWARDS_SQL,
        backwards_sql=BACKWARDS_SQL,
    )
