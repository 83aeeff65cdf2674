"""All SQL of the documents plugin, run through `env.db` (it joins the caller's transaction)."""

from dataclasses import dataclass

from hduce.core.db import Database
from hduce.plugins.documents.store._documents import DocumentRow, DocumentStore
from hduce.plugins.documents.store._extraction import ExtractionStore
from hduce.plugins.documents.store._reports import ReportStore
from hduce.plugins.documents.store._summaries import DocumentSummaries


@dataclass(frozen=True)
class Stores:
    """Every store of the plugin, over one `Database`."""

    documents: DocumentStore
    extraction: ExtractionStore
    reports: ReportStore
    summaries: DocumentSummaries

    @classmethod
    def over(cls, db: Database) -> "Stores":
        """The stores reading and writing through `db`."""
        return cls(
            documents=DocumentStore(db),
            extraction=ExtractionStore(db),
            reports=ReportStore(db),
            summaries=DocumentSummaries(db),
        )


__all__ = [
    "DocumentRow",
    "DocumentStore",
    "DocumentSummaries",
    "ExtractionStore",
    "ReportStore",
    "Stores",
]
