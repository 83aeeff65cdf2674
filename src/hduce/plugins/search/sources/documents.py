"""Documents, from the documents plugin's `DocumentReader`, with the patient's name from users."""

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from hduce.contracts.auth import CLINICAL_ROLES
from hduce.contracts.documents import (
    DocumentDeleted,
    DocumentFact,
    DocumentProcessed,
    DocumentReader,
    DocumentSummary,
    DocumentUpdated,
    DocumentUploaded,
)
from hduce.contracts.users import DemographicsReader
from hduce.core.events import EventBus, EventMeta
from hduce.core.registry import Registry
from hduce.plugins.search.chunks import PAGE_BREAK
from hduce.plugins.search.entries import Entry, clean
from hduce.plugins.search.sources.base import Batch
from hduce.plugins.search.sources.patients import full_name

if TYPE_CHECKING:
    from hduce.plugins.search.indexer import Indexer

KIND = "document"
MAX_BODY_CHARS = 200_000
"""Text indexed per document: PostgreSQL caps a tsvector at 1 MB, long reports repeat words."""
# `document.processed`, not its alias `document.extracted`: one refresh per extraction.
FACTS: tuple[type[DocumentFact], ...] = (
    DocumentUploaded,
    DocumentProcessed,
    DocumentUpdated,
    DocumentDeleted,
)


def document_entry(row: DocumentSummary, patient_name: str) -> Entry:
    """The entry of one document: title and patient as title, the extracted text as body."""
    return Entry(
        kind=KIND,
        ref_id=row.id,
        patient_id=row.patient_id,
        title=clean(f"{row.title} · {patient_name}" if patient_name else row.title),
        # Pages stay apart (form feeds), so a chunk knows its page.
        body=PAGE_BREAK.join(clean(page) for page in row.text[:MAX_BODY_CHARS].split(PAGE_BREAK)),
        extra={
            "document_kind": row.kind,
            "status": row.status,
            "filename": row.filename,
            "content_type": row.content_type,
            "page_count": row.page_count,
            "created_at": row.created_at.isoformat(),
            "patient_name": patient_name,
        },
        updated_at=row.updated_at,
        dated_at=row.created_at,
        entities=row.entity_keys,
    )


class DocumentSource:
    """Indexes documents on upload, extraction, edit and deletion; clinical staff read them."""

    kind = KIND
    readers = CLINICAL_ROLES

    def __init__(self, registry: Registry) -> None:
        self._registry = registry

    async def entries(self, ids: Sequence[uuid.UUID]) -> list[Entry]:
        """The live documents among `ids` (a deleted one has none, so it leaves the index)."""
        return await self._with_names(await self._registry.get(DocumentReader).summaries(ids))

    async def page(self, after: uuid.UUID | None, limit: int) -> Batch:
        """A batch of live documents by id."""
        reader = self._registry.get(DocumentReader)
        rows = await reader.summaries_page(after=after, limit=limit)
        return await self._with_names(rows), rows[-1].id if len(rows) == limit else None

    def subscribe(self, events: EventBus, indexer: "Indexer") -> None:
        """One task per document event, each re-reading the document."""

        async def changed(event: DocumentFact, _meta: EventMeta) -> None:
            await indexer.refresh(KIND, [event.document_id])

        for fact in FACTS:
            verb = fact.name.removeprefix("document.")
            events.subscribe(fact, changed, task_name=f"search.index_document_{verb}")

    async def _with_names(self, rows: list[DocumentSummary]) -> list[Entry]:
        patient_ids = list({row.patient_id for row in rows})
        people = await self._registry.get(DemographicsReader).demographics(patient_ids)
        names = {person.id: full_name(person) for person in people}
        return [document_entry(row, names.get(row.patient_id, "")) for row in rows]
