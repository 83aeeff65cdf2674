"""`POST /documents/form`: the upload of a browser form (multipart)."""

import uuid
from collections.abc import AsyncIterator
from typing import Annotated

import msgspec
from litestar import Request, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.handlers import HTTPRouteHandler
from litestar.params import Body

from hduce.contracts.documents import DocumentKind
from hduce.core.http import client_ip, problems
from hduce.core.security import Principal
from hduce.plugins.documents.errors import UnsupportedType
from hduce.plugins.documents.routes._upload import NO_STORE, NOSNIFF
from hduce.plugins.documents.schemas import DocumentRead
from hduce.plugins.documents.services import DocumentServices, UploadRequest, to_read

FORM_DESCRIPTION = """
For browser forms: the same upload as `POST /documents`, as `multipart/form-data` with a `file`
part (its filename is kept) and optional `patient_id`, `title` and `kind` fields. The whole form
may be at most `max_upload_size` plus 64 KiB (413 otherwise).
"""
FORM_OVERHEAD = 64 * 1024
READ_CHUNK = 1024 * 1024
NOT_A_FORM = (
    "send a `multipart/form-data` form with a `file` part here; the file itself as the request "
    "body goes to `POST /api/v1/documents`"
)


class UploadForm(msgspec.Struct, kw_only=True):
    """A browser form carrying one document."""

    file: UploadFile
    patient_id: uuid.UUID | None = None
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None
    kind: DocumentKind = DocumentKind.OTHER


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
        before_request=_require_form,
    )
    async def upload_document_form(
        request: Request,
        principal: NamedDependency[Principal],
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
            filename=data.file.filename,
            patient_source="body",
        )
        try:
            return to_read(await documents.uploads.upload(principal, upload, ip=client_ip(request)))
        finally:
            await data.file.close()

    return upload_document_form


async def _require_form(request: Request) -> None:
    """Refuse a body declared as anything but a multipart form before it is parsed as one."""
    media_type = request.content_type[0]
    if media_type and media_type != RequestEncodingType.MULTI_PART:
        raise UnsupportedType(NOT_A_FORM)


async def _read(upload: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await upload.read(READ_CHUNK):
        yield chunk
