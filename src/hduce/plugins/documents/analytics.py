"""The documents section of the clinic analytics: what was uploaded, and how extraction went."""

from datetime import datetime

import msgspec

from hduce.core.analytics import ratio
from hduce.core.db import HduceEngine

BY_KIND_AND_STATUS = """
SELECT kind, status, count(*) AS n, coalesce(sum(size), 0) AS bytes,
       coalesce(sum(page_count), 0) AS pages
FROM document WHERE created_at >= $1 AND created_at < $2 AND deleted_at IS NULL
GROUP BY kind, status
"""
EXTRACTION_TIME = """
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM extracted_at - created_at))
  AS seconds
FROM document WHERE created_at >= $1 AND created_at < $2 AND status = 'done'
"""


class DocumentFigures(msgspec.Struct, frozen=True, kw_only=True):
    """Documents uploaded in the period (deleted ones left out)."""

    uploaded: int
    by_kind: dict[str, int]
    by_status: dict[str, int]
    """`pending`, `processing`, `done`, `failed`."""
    bytes_uploaded: int
    pages_extracted: int
    failure_rate: float | None
    """Failed over done plus failed."""
    median_extraction_seconds: float | None
    """Median time from upload to extracted, for the documents done."""


class DocumentAnalytics:
    """Computes `DocumentFigures` from the document table."""

    def __init__(self, db: HduceEngine) -> None:
        self._db = db

    async def figures(self, start: datetime, end: datetime) -> DocumentFigures:
        """The figures for documents uploaded in `[start, end)`."""
        rows = await self._db.fetch(BY_KIND_AND_STATUS, start, end)
        timed = await self._db.fetchrow(EXTRACTION_TIME, start, end)
        by_kind: dict[str, int] = {}
        by_status: dict[str, int] = {}
        for row in rows:
            by_kind[row["kind"]] = by_kind.get(row["kind"], 0) + row["n"]
            by_status[row["status"]] = by_status.get(row["status"], 0) + row["n"]
        done, failed = by_status.get("done", 0), by_status.get("failed", 0)
        seconds = timed["seconds"] if timed else None
        return DocumentFigures(
            uploaded=sum(by_kind.values()),
            by_kind=by_kind,
            by_status=by_status,
            bytes_uploaded=sum(int(row["bytes"]) for row in rows),
            pages_extracted=sum(int(row["pages"]) for row in rows),
            failure_rate=ratio(failed, done + failed),
            median_extraction_seconds=None if seconds is None else round(seconds, 3),
        )
