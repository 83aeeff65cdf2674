"""Document facts other plugins may react to (past-tense events) and the document vocabulary."""

import uuid
from enum import StrEnum

from hduce.core.events import Event


class DocumentKind(StrEnum):
    """What a medical document is."""

    LAB_RESULT = "lab_result"
    PRESCRIPTION = "prescription"
    REFERRAL = "referral"
    IMAGING_REPORT = "imaging_report"
    DISCHARGE_SUMMARY = "discharge_summary"
    OTHER = "other"


class DocumentStatus(StrEnum):
    """Where text extraction stands: `pending` → `processing` → `done` or `failed`."""

    PENDING = "pending"
    PROCESSING = "processing"
    DONE = "done"
    FAILED = "failed"


class DocumentUploaded(Event, frozen=True):
    """A document was stored for a patient; its extraction is due."""

    name = "document.uploaded"
    document_id: uuid.UUID
    patient_id: uuid.UUID
    uploaded_by: uuid.UUID
    kind: DocumentKind
    content_type: str
    sha256: str


class DocumentExtracted(Event, frozen=True):
    """Extraction finished (`done` or `failed`); the text and entities are on the document."""

    name = "document.extracted"
    document_id: uuid.UUID
    patient_id: uuid.UUID
    kind: DocumentKind
    status: DocumentStatus
    page_count: int | None = None
    entity_count: int = 0


class DocumentDeleted(Event, frozen=True):
    """A document was deleted (its metadata stays for the audit trail; its content is gone)."""

    name = "document.deleted"
    document_id: uuid.UUID
    patient_id: uuid.UUID
    deleted_by: uuid.UUID
