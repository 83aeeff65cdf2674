"""`search_reindex`: one cursor per kind while a rebuild runs, so an interrupted run resumes."""

import uuid
from collections.abc import Sequence
from datetime import datetime

import asyncpg

from hduce.core.sql_store import SqlStore

CURSORS = "SELECT kind, started_at, after, done FROM search_reindex"
BEGIN = """
INSERT INTO search_reindex (kind, started_at)
SELECT kind, coalesce($2::timestamptz, now()) FROM unnest($1::text[]) AS kind
ON CONFLICT (kind) DO NOTHING
RETURNING kind, started_at, after, done
"""
ADVANCE = "UPDATE search_reindex SET after = $2, done = $3 WHERE kind = $1"
CLEAR = "DELETE FROM search_reindex"


class ReindexCursors(SqlStore):
    """Where a rebuild got to, per kind."""

    async def left(self) -> dict[str, asyncpg.Record]:
        """The cursors an interrupted rebuild left, by kind (empty when none)."""
        return {row["kind"]: row for row in await self.db.fetch(CURSORS)}

    async def begin(
        self, kinds: Sequence[str], since: datetime | None
    ) -> dict[str, asyncpg.Record]:
        """Cursors for the `kinds` that have none, started `since` (None: now)."""
        return {row["kind"]: row for row in await self.db.fetch(BEGIN, list(kinds), since)}

    async def advance(self, kind: str, after: uuid.UUID | None, done: bool) -> None:
        """Record the next page of `kind` (or that it is done)."""
        await self.db.execute(ADVANCE, kind, after, done)

    async def clear(self) -> None:
        """Forget every cursor (the rebuild finished, or starts over)."""
        await self.db.execute(CLEAR)
