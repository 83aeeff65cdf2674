"""Documents, from the documents plugin's `DocumentReader`, with the patient's name from users."""

from hduce.contracts.auth import CLINICAL_ROLES
from hduce.contracts.documents import DocumentSummary
from hduce.plugins.search.services._chunking import PAGE_BREAK
from hduce.plugins.search.services._entries import Entry, clean
from hduce.plugins.search.services.sources.base import SummarySource
from hduce.plugins.search.services.sources.patients import full_name

KIND = "document"
MAX_BODY_CHARS = 200_000
"""Text indexed per document: PostgreSQL caps a tsvector at 1 MB, long reports repeat words."""


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


class DocumentSource(SummarySource[DocumentSummary]):
    """Live documents with their patient's name; clinical staff read them."""

    kind = KIND
    readers = CLINICAL_ROLES

    async def _with_names(self, rows: list[DocumentSummary]) -> list[Entry]:
        patient_ids = list({row.patient_id for row in rows})
        people = await self._people.demographics(patient_ids)
        names = {person.id: full_name(person) for person in people}
        return [document_entry(row, names.get(row.patient_id, "")) for row in rows]
