import logging

import asyncpg

from hduce.core.migrations import changed_rows, raw_sql_migration
from hduce.plugins.documents.store import ENTITY_KEYS

ID = "2026-12-10T08:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "search_entry: dated_at and entity keys of the entries indexed before they existed"

logger = logging.getLogger("hduce.migrations")

# 2026-12-02T11:50 added `dated_at` (NULL) and `entities` ('{}') without filling them: the
# documents and appointments indexed before it were missing from date and entity filters and
# facets until `hduce search reindex`. They get what the indexer writes: a document's upload
# time and entity keys (the documents plugin's own SQL for them, which its `DocumentReader`
# hands the indexer), an appointment's start. An entry with a date was indexed since: left as
# it is. Search is migrated before documents and appointments (it depends on neither): on a new
# database their tables do not exist yet, and no entry needs this.
BACKFILLS = {
    "document": f"""
        UPDATE search_entry e SET dated_at = d.created_at, entities = d.entity_keys
        FROM (SELECT id, created_at, {ENTITY_KEYS} AS entity_keys
              FROM document WHERE deleted_at IS NULL) AS d
        WHERE e.kind = 'document' AND e.dated_at IS NULL AND d.id = e.ref_id
    """,
    "appointment": """
        UPDATE search_entry e SET dated_at = a.starts_at FROM appointment a
        WHERE e.kind = 'appointment' AND e.dated_at IS NULL AND a.id = e.ref_id
    """,
}


async def backfill(connection: asyncpg.Connection) -> None:
    """Date (and give entity keys to) the entries indexed before 2026-12-02T11:50; log how many."""
    for table, statement in BACKFILLS.items():
        if await connection.fetchval("SELECT to_regclass($1)", table) is None:
            continue
        if count := await changed_rows(connection, statement):
            logger.info("search: filled in %d old %s entries, as a reindex would", count, table)


async def forwards():
    return raw_sql_migration(
        migration_id=ID,
        app_name="search",
        description=DESCRIPTION,
        forwards_sql=[backfill],
        backwards_sql=[],
    )
