"""The document routes: upload, list, read, download, edit and delete."""

import uuid
from dataclasses import dataclass
from typing import Annotated

from litestar import Controller, Request, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.enums import MediaType
from litestar.openapi.spec import (
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    Operation,
    RequestBody,
    Schema,
)
from litestar.openapi.spec.enums import OpenAPIFormat, OpenAPIType
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import File

from hduce.contracts.documents import DocumentKind, DocumentQuery, DocumentStatus
from hduce.core.http import PageOffset, answer_example, client_ip, problems
from hduce.core.schemas import Page
from hduce.core.security import Principal, requires_roles
from hduce.plugins.documents.routes._disposition import disposition_name
from hduce.plugins.documents.routes._upload import NO_STORE, NOSNIFF, UPLOADED
from hduce.plugins.documents.schemas import DocumentRead, DocumentUpdate
from hduce.plugins.documents.services import DocumentServices, UploadRequest, to_read
from hduce.plugins.documents.services._access import READERS
from hduce.plugins.documents.services._sniff import EXTENSIONS

UPLOAD_DESCRIPTION = """
Send the file itself as the request body (`Content-Type: application/octet-stream` or the
file's own type); metadata goes in the query. The type is sniffed from the bytes: PDF, PNG,
JPEG, TIFF and plain text are accepted (415 otherwise, or when the declared type disagrees).
Bodies over `max_upload_size` answer 413, an empty body 422. The filename comes from
`filename` or a `Content-Disposition: attachment; filename="..."` header (`filename*` first,
as RFC 6266 says); one over 255 characters is cut, its extension kept. Staff name the
patient; patients upload for themselves. Extraction runs afterwards: poll the status.
"""


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


@dataclass
class DownloadOperation(Operation):
    """The OpenAPI operation of a download: the file is served with the type it was stored as."""

    def __post_init__(self) -> None:
        """Name each stored type, and `last-modified` as the HTTP date it is (not RFC 3339)."""
        answer = (self.responses or {}).get("200")
        if not isinstance(answer, OpenAPIResponse):
            return
        binary = OpenAPIMediaType(
            schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
        )
        answer.content = dict.fromkeys(EXTENSIONS, binary)
        answer.headers = {
            **(answer.headers or {}),
            "last-modified": OpenAPIHeader(
                schema=Schema(type=OpenAPIType.STRING),
                description="When the file was stored, as an HTTP date (RFC 9110): "
                "`Sat, 05 Dec 2026 17:37:34 GMT`",
            ),
        }


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
        principal: NamedDependency[Principal],
        documents: NamedDependency[DocumentServices],
        patient_id: FromQuery[uuid.UUID | None] = None,
        title: Annotated[str | None, QueryParameter(min_length=1, max_length=200)] = None,
        kind: FromQuery[DocumentKind] = DocumentKind.OTHER,
        filename: Annotated[str | None, QueryParameter(min_length=1)] = None,
    ) -> DocumentRead:
        """Upload a document for a patient (streamed; type sniffed; size capped)."""
        upload = UploadRequest(
            request.stream(),
            declared_type=request.headers.get("content-type"),
            content_length=request.content_length,
            patient_id=patient_id,
            title=title,
            kind=kind,
            filename=filename or disposition_name(request),
        )
        return to_read(await documents.uploads.upload(principal, upload, ip=client_ip(request)))

    @get(guards=[requires_roles(*READERS)], responses=problems(403, 422))
    async def list_documents(
        self,
        principal: NamedDependency[Principal],
        documents: NamedDependency[DocumentServices],
        patient_id: FromQuery[uuid.UUID | None] = None,
        kind: FromQuery[DocumentKind | None] = None,
        status: FromQuery[DocumentStatus | None] = None,
        limit: Annotated[int | None, QueryParameter(ge=1)] = None,
        offset: PageOffset = 0,
    ) -> Page[DocumentRead]:
        """Documents, newest first: patients see theirs; doctors, nurses and admins everyone's."""
        query = DocumentQuery(
            patient_id=patient_id, kind=kind, status=status, limit=limit, offset=offset
        )
        return await documents.documents.page(principal, query)

    @get("/{document_id:uuid}", responses=problems(403, 404))
    async def get_document(
        self,
        request: Request,
        principal: NamedDependency[Principal],
        document_id: FromPath[uuid.UUID],
        documents: NamedDependency[DocumentServices],
    ) -> DocumentRead:
        """Metadata and status; with the entities for the patient, doctors and nurses."""
        return await documents.documents.get(principal, document_id, ip=client_ip(request))

    @get(
        "/{document_id:uuid}/content",
        media_type="application/octet-stream",
        operation_class=DownloadOperation,
        responses=problems(403, 404),
    )
    async def download_document(
        self,
        request: Request,
        principal: NamedDependency[Principal],
        document_id: FromPath[uuid.UUID],
        documents: NamedDependency[DocumentServices],
    ) -> File:
        """The file as uploaded (the patient, doctors and nurses; audited)."""
        stored = await documents.documents.file(principal, document_id, ip=client_ip(request))
        return File(
            path=stored.path,
            filename=stored.filename,
            media_type=stored.content_type,
            encoding=stored.charset,  # the `charset` of text files
            content_disposition_type="attachment",
        )

    @get("/{document_id:uuid}/text", media_type=MediaType.TEXT, responses=problems(403, 404, 409))
    async def get_document_text(
        self,
        request: Request,
        principal: NamedDependency[Principal],
        document_id: FromPath[uuid.UUID],
        documents: NamedDependency[DocumentServices],
    ) -> str:
        """The extracted text, pages separated by form feeds; 409 until extraction is `done`."""
        return await documents.documents.text(principal, document_id, ip=client_ip(request))

    @patch("/{document_id:uuid}", responses=problems(403, 404))
    async def update_document(
        self,
        request: Request,
        principal: NamedDependency[Principal],
        document_id: FromPath[uuid.UUID],
        data: JSONBody[DocumentUpdate],
        documents: NamedDependency[DocumentServices],
    ) -> DocumentRead:
        """Change the title or kind (the uploader, doctors, nurses, admins)."""
        return await documents.documents.update(principal, document_id, data, ip=client_ip(request))

    @delete("/{document_id:uuid}", responses=problems(403, 404))
    async def delete_document(
        self,
        request: Request,
        principal: NamedDependency[Principal],
        document_id: FromPath[uuid.UUID],
        documents: NamedDependency[DocumentServices],
    ) -> None:
        """Delete (the uploader, admins): metadata stays for the audit trail, content goes."""
        await documents.documents.delete(principal, document_id, ip=client_ip(request))
