"""Document facts other plugins react to (events), the vocabulary, and a reader for read models."""

import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Protocol

import msgspec

from hduce.contracts.document_entities import DocumentEntity
from hduce.core.events import Event
from hduce.core.security import Principal


class DocumentKind(StrEnum):
    """What a medical document is."""

    LAB_RESULT = "lab_result"
    PRESCRIPTION = "prescription"
    REFERRAL = "referral"
    IMAGING_REPORT = "imaging_report"
    DISCHARGE_SUMMARY = "discharge_summary"
    CLINICAL_NOTE = "clinical_note"
    LETTER = "letter"
    CONSENT = "consent"
    INSURANCE = "insurance"
    QUESTIONNAIRE = "questionnaire"
    OTHER = "other"


# The LOINC document type of each kind (code, display), e.g. for FHIR `DocumentReference.type`
# (system http://loinc.org); codes with scale DOC as listed at https://loinc.org/<code>/ and in
# the FHIR "Document Type Codes" value set. `other` has none: it says only what it is not.
LOINC_DOCUMENT_TYPES: dict[DocumentKind, tuple[str, str] | None] = {
    DocumentKind.LAB_RESULT: ("11502-2", "Laboratory report"),
    DocumentKind.PRESCRIPTION: ("57833-6", "Prescription for medication"),
    DocumentKind.REFERRAL: ("57133-1", "Referral note"),
    DocumentKind.IMAGING_REPORT: ("18748-4", "Diagnostic imaging study"),
    DocumentKind.DISCHARGE_SUMMARY: ("18842-5", "Discharge summary"),
    DocumentKind.CLINICAL_NOTE: ("11506-3", "Progress note"),
    DocumentKind.LETTER: ("51852-2", "Letter"),
    DocumentKind.CONSENT: ("59284-0", "Consent Document"),
    DocumentKind.INSURANCE: ("64290-0", "Health insurance card"),
    DocumentKind.QUESTIONNAIRE: ("74465-6", "Questionnaire response Document"),
    DocumentKind.OTHER: None,
}


class DocumentStatus(StrEnum):
    """Where text extraction stands: `pending` → `processing` → `done` or `failed`."""

    PENDING = "pending"
    PROCESSING = "processing"
    DONE = "done"
    FAILED = "failed"


class DocumentFact(Event, frozen=True):
    """What every document event carries."""

    document_id: uuid.UUID
    patient_id: uuid.UUID


class DocumentUploaded(DocumentFact, frozen=True):
    """A document was stored for a patient; its extraction is due."""

    name = "document.uploaded"
    uploaded_by: uuid.UUID
    kind: DocumentKind
    content_type: str
    sha256: str


class DocumentExtracted(DocumentFact, frozen=True):
    """Extraction finished (`done` or `failed`); the text and entities are on the document.

    Kept as an alias of `document.processed` (same payload, same transaction) for one release.
    """

    name = "document.extracted"
    kind: DocumentKind
    status: DocumentStatus
    page_count: int | None = None
    entity_count: int = 0


class DocumentProcessed(DocumentExtracted, frozen=True):
    """Extraction finished: the platform's name of `document.extracted`, published with it."""

    name = "document.processed"


class DocumentUpdated(DocumentFact, frozen=True):
    """A document's title or kind changed."""

    name = "document.updated"
    updated_by: uuid.UUID


class DocumentDeleted(DocumentFact, frozen=True):
    """A document was deleted (its metadata stays for the audit trail; its content is gone)."""

    name = "document.deleted"
    deleted_by: uuid.UUID


class DocumentLabel(msgspec.Struct, frozen=True, kw_only=True):
    """What names a live document: whose it is, its title, kind and status, and its file's."""

    id: uuid.UUID
    patient_id: uuid.UUID
    title: str
    kind: DocumentKind
    status: DocumentStatus
    filename: str | None
    content_type: str


class DocumentSummary(DocumentLabel, frozen=True, kw_only=True):
    """What read models such as search may keep of a live document (never the file itself)."""

    page_count: int | None
    text: str
    """The extracted text (pages separated by form feeds); empty until extraction is `done`."""
    entity_keys: tuple[str, ...] = ()
    """Lower-cased `kind:value` of its medications, diagnoses (code and category) and allergies;
    not of those the text negates, puts in the family or makes hypothetical."""
    created_at: datetime
    updated_at: datetime


class DocumentReader(Protocol):
    """Bulk reads of documents for read models such as search (provided by documents).

    Clinical content: whoever shows it must apply the documents rules (the patient, doctors
    and nurses read it; receptionists and admins do not).
    """

    async def summaries(self, ids: Sequence[uuid.UUID]) -> list[DocumentSummary]:
        """The live (not deleted) documents among `ids`, in no particular order."""

    async def summaries_page(self, *, after: uuid.UUID | None, limit: int) -> list[DocumentSummary]:
        """Up to `limit` live documents with an id above `after`, by id (for a full rebuild)."""

    async def count(self) -> int:
        """How many live documents `summaries_page` walks through (a rebuild's progress total)."""


class DocumentView(DocumentLabel, frozen=True, kw_only=True):
    """A live document's metadata as its reader may see it (no text, no entities)."""

    size: int
    sha256: str
    created_at: datetime
    updated_at: datetime


class NewDocument(msgspec.Struct, frozen=True, kw_only=True):
    """What an upload says about its file; the bytes come separately, as a stream."""

    patient_id: uuid.UUID | None
    """The patient (staff name one; patients upload for themselves: None)."""
    title: str | None
    kind: DocumentKind
    filename: str | None
    declared_type: str | None
    """The media type the sender gave (it must agree with the sniffed one)."""


class DocumentQuery(msgspec.Struct, frozen=True, kw_only=True):
    """A page of live documents, newest first: whose, of which kind and status, and when."""

    patient_id: uuid.UUID | None = None
    """The patient (patients: themselves, whatever this says)."""
    kind: DocumentKind | None = None
    status: DocumentStatus | None = None
    created_from: datetime | None = None
    created_before: datetime | None = None
    updated_from: datetime | None = None
    updated_before: datetime | None = None
    limit: int | None = None
    """How many on the page (None: the provider's default page size)."""
    offset: int = 0


class DocumentShelf(Protocol):
    """Document reads with the REST API's rules and audit (provided by documents)."""

    @property
    def max_upload_size(self) -> int:
        """Largest file `upload` accepts, in bytes (`[plugins.documents] max_upload_size`)."""

    async def get(self, principal: Principal, document_id: uuid.UUID) -> DocumentView:
        """One document the caller may see (404 otherwise; content reads are audited)."""

    async def page(
        self, principal: Principal, query: DocumentQuery
    ) -> tuple[list[DocumentView], int]:
        """Live documents newest first (patients: their own); and the total. 403 for others."""

    async def content(self, principal: Principal, document_id: uuid.UUID) -> tuple[str, bytes]:
        """The file's media type and bytes (the patient, doctors and nurses; audited)."""

    async def entities(
        self, principal: Principal, document_id: uuid.UUID
    ) -> tuple[DocumentView, list[DocumentEntity]]:
        """One visible document and its entities (none for receptionists and admins; audited)."""

    async def upload(
        self, principal: Principal, document: NewDocument, body: AsyncIterator[bytes]
    ) -> DocumentView:
        """Store a file as `POST /documents` does (size cap, type sniffed); extraction follows."""
