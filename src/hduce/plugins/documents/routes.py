"""The documents API under `/api/v1/documents`."""

import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Annotated

import msgspec
from litestar import Controller, Request, delete, get, patch, post
from litestar.datastructures import CacheControlHeader, ResponseHeader, UploadFile
from litestar.di import NamedDependency
from litestar.enums import MediaType, RequestEncodingType
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.spec import OpenAPIMediaType, Operation, RequestBody, Schema
from litestar.openapi.spec.enums import OpenAPIFormat, OpenAPIType
from litestar.params import Body, FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import File

from hduce.contracts.documents import DocumentKind, DocumentStatus
from hduce.core.http import PageOffset, answer_example, problems
from hduce.core.security import principal_of, requires_roles
from hduce.plugins.documents.access import READERS
from hduce.plugins.documents.schemas import DocumentPage, DocumentRead, DocumentUpdate
from hduce.plugins.documents.service import to_read
from hduce.plugins.documents.services import DocumentServices
from hduce.plugins.documents.uploads import UploadRequest

UPLOAD_DESCRIPTION = """
Send the file itself as the request body (`Content-Type: application/octet-stream` or the
file's own type); metadata goes in the query. The type is sniffed from the bytes: PDF, PNG,
JPEG, TIFF and plain text are accepted (415 otherwise, or when the declared type disagrees).
Bodies over `max_upload_size` answer 413, an empty body 422. The filename comes from
`filename` or a `Content-Disposition: attachment; filename="..."` header. Staff name the
patient; patients upload for themselves. Extraction runs afterwards: poll the status.
"""
FORM_DESCRIPTION = """
For browser forms: the same upload as `POST /documents`, as `multipart/form-data` with a `file`
part (its filename is kept) and optional `patient_id`, `title` and `kind` fields. The whole form
may be at most `max_upload_size` plus 64 KiB (413 otherwise).
"""
UPLOADED = {
    "id": "3d4c5b6a-7980-4a1b-9c2d-3e4f5a6b7c8d",
    "patient_id": "0b7e5c1e-4f3a-4a8e-9d61-2f1c3b5a7e90",
    "uploaded_by": "0b7e5c1e-4f3a-4a8e-9d61-2f1c3b5a7e90",
    "title": "Blood count, November",
    "kind": "lab_result",
    "filename": "blood-count.pdf",
    "content_type": "application/pdf",
    "size": 48213,
    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "status": "pending",
    "created_at": "2026-12-02T10:05:00Z",
    "updated_at": "2026-12-02T10:05:00Z",
}
FORM_OVERHEAD = 64 * 1024
READ_CHUNK = 1024 * 1024
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")
# Patient data: never kept by a browser or proxy, never rendered as another type.
NO_STORE = CacheControlHeader(no_store=True)
NOSNIFF = [ResponseHeader(name="X-Content-Type-Options", value="nosniff")]


@dataclass
class RawUploadOperation(Operation):
    """The OpenAPI operation of the raw upload: its body is the file's bytes."""

    def __post_init__(self) -> None:
        """Describe the body, which the handler reads as a stream rather than a parameter."""
        binary = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
        self.request_body = RequestBody(
            content={"application/octet-stream": OpenAPIMediaType(schema=binary)},
            description="The document's bytes (or send them with the file's own Content-Type).",
            required=True,
        )


class UploadForm(msgspec.Struct, kw_only=True):
    """A browser form carrying one document."""

    file: UploadFile
    patient_id: uuid.UUID | None = None
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None
    kind: DocumentKind = DocumentKind.OTHER


class DocumentController(Controller):
    """Upload, list, read, download, edit and delete medical documents."""

    path = "/documents"
    tags = ["documents"]
    cache_control = NO_STORE
    response_headers = NOSNIFF

    @post(
        # The size cap is the plugin's own (`max_upload_size`), enforced while streaming.
        request_max_body_size=None,
        operation_class=RawUploadOperation,
        responses={
            **answer_example(201, DocumentRead, "Stored; extraction pending", UPLOADED),
            **problems(403, 413, 415, 422),
        },
        description=UPLOAD_DESCRIPTION,
    )
    async def upload_document(
        self,
        request: Request,
        documents: NamedDependency[DocumentServices],
        patient_id: FromQuery[uuid.UUID | None] = None,
        title: Annotated[str | None, QueryParameter(min_length=1, max_length=200)] = None,
        kind: FromQuery[DocumentKind] = DocumentKind.OTHER,
        filename: Annotated[str | None, QueryParameter(min_length=1, max_length=255)] = None,
    ) -> DocumentRead:
        """Upload a document for a patient (streamed; type sniffed; size capped)."""
        upload = UploadRequest(
            request.stream(),
            declared_type=request.headers.get("content-type"),
            content_length=request.content_length,
            patient_id=patient_id,
            title=title,
            kind=kind,
            filename=_safe_name(filename or _disposition_name(request)),
        )
        return to_read(await documents.uploads.upload(principal_of(request), upload))

    @get(guards=[requires_roles(*READERS)], responses=problems(403, 422))
    async def list_documents(
        self,
        request: Request,
        documents: NamedDependency[DocumentServices],
        patient_id: FromQuery[uuid.UUID | None] = None,
        kind: FromQuery[DocumentKind | None] = None,
        status: FromQuery[DocumentStatus | None] = None,
        limit: Annotated[int | None, QueryParameter(ge=1)] = None,
        offset: PageOffset = 0,
    ) -> DocumentPage:
        """Documents, newest first: patients see theirs; doctors, nurses and admins everyone's."""
        return await documents.documents.page(
            principal_of(request),
            patient_id=patient_id,
            kind=kind,
            status=status,
            limit=limit,
            offset=offset,
        )

    @get("/{document_id:uuid}", responses=problems(403, 404))
    async def get_document(
        self,
        request: Request,
        document_id: FromPath[uuid.UUID],
        documents: NamedDependency[DocumentServices],
    ) -> DocumentRead:
        """Metadata and status; with the entities for the patient, doctors and nurses."""
        return await documents.documents.get(principal_of(request), document_id)

    @get("/{document_id:uuid}/content", responses=problems(403, 404))
    async def download_document(
        self,
        request: Request,
        document_id: FromPath[uuid.UUID],
        documents: NamedDependency[DocumentServices],
    ) -> File:
        """The file as uploaded (the patient, doctors and nurses; audited)."""
        stored = await documents.documents.file(principal_of(request), document_id)
        return File(
            path=stored.path,
            filename=stored.filename,
            media_type=stored.content_type,
            content_disposition_type="attachment",
        )

    @get("/{document_id:uuid}/text", media_type=MediaType.TEXT, responses=problems(403, 404, 409))
    async def get_document_text(
        self,
        request: Request,
        document_id: FromPath[uuid.UUID],
        documents: NamedDependency[DocumentServices],
    ) -> str:
        """The extracted text, pages separated by form feeds; 409 until extraction is `done`."""
        return await documents.documents.text(principal_of(request), document_id)

    @patch("/{document_id:uuid}", responses=problems(403, 404))
    async def update_document(
        self,
        request: Request,
        document_id: FromPath[uuid.UUID],
        data: JSONBody[DocumentUpdate],
        documents: NamedDependency[DocumentServices],
    ) -> DocumentRead:
        """Change the title or kind (the uploader, doctors, nurses, admins)."""
        return await documents.documents.update(principal_of(request), document_id, data)

    @delete("/{document_id:uuid}", responses=problems(403, 404))
    async def delete_document(
        self,
        request: Request,
        document_id: FromPath[uuid.UUID],
        documents: NamedDependency[DocumentServices],
    ) -> None:
        """Delete (the uploader, admins): metadata stays for the audit trail, content goes."""
        await documents.documents.delete(principal_of(request), document_id)


def form_upload_handler(max_upload_size: int) -> HTTPRouteHandler:
    """`POST /documents/form`, capped by Litestar at the configured size plus the form's parts."""

    @post(
        "/documents/form",
        tags=["documents"],
        request_max_body_size=max_upload_size + FORM_OVERHEAD,
        cache_control=NO_STORE,
        response_headers=NOSNIFF,
        responses=problems(403, 413, 415, 422),
        description=FORM_DESCRIPTION,
    )
    async def upload_document_form(
        request: Request,
        data: Annotated[UploadForm, Body(media_type=RequestEncodingType.MULTI_PART)],
        documents: NamedDependency[DocumentServices],
    ) -> DocumentRead:
        """Upload a document from a browser form (multipart)."""
        upload = UploadRequest(
            _read(data.file),
            declared_type=data.file.content_type,
            content_length=None,
            patient_id=data.patient_id,
            title=data.title,
            kind=data.kind,
            filename=_safe_name(data.file.filename),
        )
        try:
            return to_read(await documents.uploads.upload(principal_of(request), upload))
        finally:
            await data.file.close()

    return upload_document_form


async def _read(upload: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await upload.read(READ_CHUNK):
        yield chunk


def _disposition_name(request: Request) -> str | None:
    header = request.headers.get("content-disposition")
    if not header:
        return None
    message = EmailMessage()
    message["content-disposition"] = header
    return message.get_filename()


def _safe_name(name: str | None) -> str | None:
    if not name:
        return None
    base = _UNSAFE_NAME.sub("", name.replace("\\", "/").rsplit("/", 1)[-1]).strip()
    return base[:255] or None
