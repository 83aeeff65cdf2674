"""The reading table, read a page at a time (columns named as `ReadingRead`'s fields)."""

import uuid
from datetime import datetime

import asyncpg

from hduce.core.sql_store import SqlStore

PAGE = """
SELECT id, device AS device_id, patient AS patient_id, metric, value, unit, measured_at,
       received_at
FROM reading
WHERE patient = $1 AND ($2::text IS NULL OR metric = $2)
  AND ($3::timestamptz IS NULL OR measured_at >= $3)
  AND ($4::timestamptz IS NULL OR measured_at < $4)
  AND ($5::timestamptz IS NULL OR (measured_at, id) < ($5, $6))
ORDER BY measured_at DESC, id DESC LIMIT $7
"""


class ReadingStore(SqlStore):
    """Pages of one patient's readings, newest first."""

    async def page(
        self,
        patient_id: uuid.UUID,
        *,
        metric: str | None,
        start: datetime | None,
        end: datetime | None,
        after: tuple[datetime, int] | None,
        limit: int,
    ) -> list[asyncpg.Record]:
        """Up to `limit` rows in `[start, end)` measured before the position `after`."""
        return await self.db.fetch(
            PAGE,
            patient_id,
            metric,
            start,
            end,
            after[0] if after else None,
            after[1] if after else None,
            limit,
        )
