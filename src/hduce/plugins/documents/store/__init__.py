"""All SQL of the documents plugin, run through `env.db` (it joins the caller's transaction)."""

from dataclasses import dataclass

from hduce.core.stores import StoreBundle
from hduce.plugins.documents.store._documents import DocumentRow, DocumentStore
from hduce.plugins.documents.store._extraction import ExtractionStore
from hduce.plugins.documents.store._reports import ReportStore
from hduce.plugins.documents.store._summaries import ENTITY_KEYS, DocumentSummaries


@dataclass(frozen=True)
class Stores(StoreBundle):
    """Every store of the plugin, over one `Database`."""

    documents: DocumentStore
    extraction: ExtractionStore
    reports: ReportStore
    summaries: DocumentSummaries


__all__ = [
    "ENTITY_KEYS",
    "DocumentRow",
    "DocumentStore",
    "DocumentSummaries",
    "ExtractionStore",
    "ReportStore",
    "Stores",
]
