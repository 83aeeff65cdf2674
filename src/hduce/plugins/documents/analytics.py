"""The documents section of the clinic analytics: what was uploaded, and how extraction went."""

from datetime import datetime

import msgspec

from hduce.core.analytics import ratio
from hduce.plugins.documents.store import ReportStore


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


async def document_figures(store: ReportStore, start: datetime, end: datetime) -> DocumentFigures:
    """The figures for documents uploaded in `[start, end)`, from the document table."""
    rows = await store.by_kind_and_status(start, end)
    seconds = await store.median_extraction_seconds(start, end)
    by_kind: dict[str, int] = {}
    by_status: dict[str, int] = {}
    for row in rows:
        by_kind[row["kind"]] = by_kind.get(row["kind"], 0) + row["n"]
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["n"]
    done, failed = by_status.get("done", 0), by_status.get("failed", 0)
    return DocumentFigures(
        uploaded=sum(by_kind.values()),
        by_kind=by_kind,
        by_status=by_status,
        bytes_uploaded=sum(int(row["bytes"]) for row in rows),
        pages_extracted=sum(int(row["pages"]) for row in rows),
        failure_rate=ratio(failed, done + failed),
        median_extraction_seconds=None if seconds is None else round(seconds, 3),
    )
