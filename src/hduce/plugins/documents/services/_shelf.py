"""The `DocumentShelf` contract over `Documents`: the REST API's reads, rules and audit."""

import asyncio
import uuid
from collections.abc import AsyncIterator

import msgspec

from hduce.contracts.documents import DocumentEntity, DocumentQuery, DocumentView, NewDocument
from hduce.core.errors import Forbidden
from hduce.core.security import Principal
from hduce.plugins.documents.schemas import DocumentRead
from hduce.plugins.documents.services._access import READERS
from hduce.plugins.documents.services._documents import Documents, to_read
from hduce.plugins.documents.services._uploads import UploadRequest, Uploads


class Shelf:
    """Document reads for other plugins (FHIR) through the same service as the routes."""

    def __init__(self, documents: Documents, uploads: Uploads) -> None:
        self._documents = documents
        self._uploads = uploads

    @property
    def max_upload_size(self) -> int:
        """Largest file `upload` accepts, in bytes."""
        return self._uploads.max_size

    async def get(self, principal: Principal, document_id: uuid.UUID) -> DocumentView:
        """One visible document, as `GET /api/v1/documents/{id}`."""
        return _view(await self._documents.get(principal, document_id))

    async def page(
        self, principal: Principal, query: DocumentQuery
    ) -> tuple[list[DocumentView], int]:
        """As `GET /api/v1/documents` (its guard included)."""
        if not principal.has_any_role(*READERS):
            raise Forbidden("documents are for the patient, doctors, nurses and admins")
        page = await self._documents.page(principal, query)
        return [_view(item) for item in page.items], page.total

    async def content(self, principal: Principal, document_id: uuid.UUID) -> tuple[str, bytes]:
        """As `GET /api/v1/documents/{id}/content` (audited as a download)."""
        stored = await self._documents.file(principal, document_id)
        return stored.content_type, await asyncio.to_thread(stored.path.read_bytes)

    async def entities(
        self, principal: Principal, document_id: uuid.UUID
    ) -> tuple[DocumentView, list[DocumentEntity]]:
        """As `GET /api/v1/documents/{id}` (entities for content readers; audited)."""
        read = await self._documents.get(principal, document_id)
        found = read.entities if isinstance(read.entities, list) else []
        fields = DocumentEntity.__struct_fields__
        return _view(read), [
            DocumentEntity(**{name: getattr(entity, name) for name in fields}) for entity in found
        ]

    async def upload(
        self, principal: Principal, document: NewDocument, body: AsyncIterator[bytes]
    ) -> DocumentView:
        """As `POST /api/v1/documents` (streamed, capped, sniffed, audited)."""
        request = UploadRequest(body, content_length=None, **msgspec.structs.asdict(document))
        return _view(to_read(await self._uploads.upload(principal, request)))


def _view(read: DocumentRead) -> DocumentView:
    return DocumentView(**{name: getattr(read, name) for name in DocumentView.__struct_fields__})
