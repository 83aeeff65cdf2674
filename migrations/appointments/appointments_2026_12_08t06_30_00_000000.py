import logging

import asyncpg

from hduce.core.migrations import changed_rows, raw_sql_migration

ID = "2026-12-08T06:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "one availability exception per practitioner, date, kind and times"

logger = logging.getLogger("hduce.migrations")

SLOT = "practitioner, on_date, kind, start_time, end_time"
REASON_LENGTH = 200
"""`availability_exception.reason` is a varchar(200)."""

# Identical exceptions recorded before (a double click, a second entry with another reason)
# are kept once, the oldest. Its reason becomes every distinct reason of the group, oldest
# first, joined by '; ' (cut to the column's length, with an ellipsis): the first version of
# this migration deleted the later rows with their reasons. Then the unique index makes the
# "already recorded" check hold for requests sent at the same moment.
MERGE_REASONS = f"""
WITH ranked AS (
    SELECT id, reason, created_at,
           first_value(id) OVER (PARTITION BY {SLOT} ORDER BY created_at, id) AS keep,
           row_number() OVER (PARTITION BY {SLOT}, reason ORDER BY created_at, id) AS nth
    FROM availability_exception WHERE practitioner IS NOT NULL
), joined AS (
    SELECT keep, string_agg(reason, '; ' ORDER BY created_at, id) AS reasons
    FROM ranked WHERE nth = 1 AND reason IS NOT NULL GROUP BY keep
), merged AS (
    SELECT keep, CASE WHEN length(reasons) > {REASON_LENGTH}
                      THEN left(reasons, {REASON_LENGTH - 1}) || '…' ELSE reasons END AS reason
    FROM joined
)
UPDATE availability_exception kept SET reason = merged.reason FROM merged
WHERE kept.id = merged.keep AND kept.reason IS DISTINCT FROM merged.reason
"""

DELETE_LATER = (
    "DELETE FROM availability_exception later USING availability_exception earlier "
    "WHERE later.practitioner = earlier.practitioner AND later.on_date = earlier.on_date "
    "AND later.kind = earlier.kind "
    "AND later.start_time IS NOT DISTINCT FROM earlier.start_time "
    "AND later.end_time IS NOT DISTINCT FROM earlier.end_time "
    "AND (later.created_at, later.id) > (earlier.created_at, earlier.id)"
)


async def keep_one_of_each(connection: asyncpg.Connection) -> None:
    """Merge each group's reasons into its oldest row, delete the others; log how many."""
    merged = await changed_rows(connection, MERGE_REASONS)
    removed = await changed_rows(connection, DELETE_LATER)
    if removed:
        logger.info(
            "appointments: removed %d duplicate availability exceptions; %d kept ones took"
            " the other reasons (joined by '; ')",
            removed,
            merged,
        )


FORWARDS_SQL = [
    keep_one_of_each,
    "CREATE UNIQUE INDEX availability_exception_once ON availability_exception "
    f"({SLOT}) NULLS NOT DISTINCT",
]

BACKWARDS_SQL = ["DROP INDEX IF EXISTS availability_exception_once"]


async def forwards():
    return raw_sql_migration(
        migration_id=ID,
        app_name="appointments",
        description=DESCRIPTION,
        forwards_sql=FORWARDS_SQL,
        backwards_sql=BACKWARDS_SQL,
    )
