"""Counts over the `document` table: the analytics figures and the health check's backlog."""

from datetime import datetime

import asyncpg

from hduce.core.sql_store import SqlStore

BY_KIND_AND_STATUS = """
SELECT kind, status, count(*) AS n, coalesce(sum(size), 0) AS bytes,
       coalesce(sum(page_count), 0) AS pages
FROM document WHERE created_at >= $1 AND created_at < $2 AND deleted_at IS NULL
GROUP BY kind, status
"""
EXTRACTION_TIME = """
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM extracted_at - created_at))
  AS seconds
FROM document
WHERE created_at >= $1 AND created_at < $2 AND status = 'done' AND deleted_at IS NULL
"""
UNFINISHED = """
SELECT status, count(*) AS n FROM document
WHERE deleted_at IS NULL AND status IN ('pending', 'processing', 'failed') GROUP BY status
"""


class ReportStore(SqlStore):
    """Reads for analytics and health; they change nothing."""

    async def by_kind_and_status(self, start: datetime, end: datetime) -> list[asyncpg.Record]:
        """Documents uploaded in `[start, end)` by kind and status: count, bytes and pages."""
        return await self.db.fetch(BY_KIND_AND_STATUS, start, end)

    async def median_extraction_seconds(self, start: datetime, end: datetime) -> float | None:
        """Median seconds from upload to extracted of the live documents done, uploaded then."""
        return await self.db.fetchval(EXTRACTION_TIME, start, end)

    async def unfinished(self) -> dict[str, int]:
        """Live documents `pending`, `processing` and `failed`, by status (zeros included)."""
        counts = {"pending": 0, "processing": 0, "failed": 0}
        for record in await self.db.fetch(UNFINISHED):
            counts[record["status"]] = int(record["n"])
        return counts
