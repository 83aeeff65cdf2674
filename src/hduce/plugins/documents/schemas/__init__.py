"""API shapes of the documents plugin."""

import uuid
from datetime import datetime
from typing import Annotated

from msgspec import UNSET, UnsetType

from hduce.contracts.documents import DocumentKind, DocumentStatus
from hduce.core.schemas import Input, Read
from hduce.core.text_patterns import not_blank
from hduce.plugins.documents.schemas._entity import Entity

__all__ = ["DocumentRead", "DocumentUpdate", "Entity", "Title"]

Title = Annotated[str, not_blank(min_length=1, max_length=200)]


class DocumentRead(Read, kw_only=True, omit_defaults=True):
    """A document's metadata and status; `entities` only for the patient, doctors and nurses."""

    id: uuid.UUID
    patient_id: uuid.UUID
    uploaded_by: uuid.UUID
    title: str
    kind: DocumentKind
    filename: str | None = None
    content_type: str
    size: int
    sha256: str
    status: DocumentStatus
    error: str | None = None
    note: str | None = None
    page_count: int | None = None
    created_at: datetime
    updated_at: datetime
    extracted_at: datetime | None = None
    entities: list[Entity] | UnsetType = UNSET


class DocumentUpdate(Input):
    """A new title or kind (the content of a document never changes)."""

    kept_as_sent = frozenset({"title"})
    """Cleaned instead, like an upload's title: control and format characters dropped."""

    title: Title | UnsetType = UNSET
    kind: DocumentKind | UnsetType = UNSET
