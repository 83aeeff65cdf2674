from hduce.core.migrations import raw_sql_migration

ID = "2026-12-02T11:05:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit chain head: appends lock one row instead of a global advisory lock"

FORWARDS_SQL = [
    # One row, locked FOR UPDATE by each append until its transaction ends: appends link in
    # commit order, and reading the previous hash is a primary-key lookup.
    """
    CREATE TABLE audit_chain_head (
        id smallint PRIMARY KEY CHECK (id = 1),
        last_id bigint,
        last_hash varchar(64) NOT NULL
    )
    """,
    """
    INSERT INTO audit_chain_head (id, last_id, last_hash)
    SELECT 1, last.id, coalesce(last.hash, repeat('0', 64))
    FROM (SELECT NULL) AS nothing
    LEFT JOIN (SELECT id, hash FROM audit_event ORDER BY id DESC LIMIT 1) AS last ON true
    """,
]

BACKWARDS_SQL = ["DROP TABLE IF EXISTS audit_chain_head"]


async def forwards():
    return raw_sql_migration(
        migration_id=ID,
        app_name="audit",
        description=DESCRIPTION,
        forwards_sql=FORWARDS_SQL,
        backwards_sql=BACKWARDS_SQL,
    )
