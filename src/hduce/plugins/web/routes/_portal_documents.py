"""The portal's documents: upload, list, one document with its extracted entities, download."""

import uuid
from collections.abc import AsyncIterator

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath

from hduce.contracts.auth import Role
from hduce.contracts.documents import DocumentKind, DocumentQuery, DocumentShelf, NewDocument
from hduce.plugins.web.errors import BadInput
from hduce.plugins.web.routes._attachments import attachment, clean_name
from hduce.plugins.web.routes._enabled import enabled
from hduce.plugins.web.routes._render import go, render, viewer
from hduce.plugins.web.services import WebServices

SHOWN = 100
CHUNK = 1024 * 1024
UPLOAD_LIMIT = 64 * 1024 * 1024
"""The most a form may carry (the documents plugin applies its own, smaller cap to the file)."""


def shelf_of(web: WebServices) -> DocumentShelf:
    """The documents contract (404 pages when the documents plugin is off)."""
    return enabled(web.shelf, "documents")


@get("/portal/documents")
async def documents(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """One's documents, newest first, and the upload form."""
    patient = viewer(request, Role.PATIENT)
    query = DocumentQuery(patient_id=patient.id, limit=SHOWN)
    found, total = await shelf_of(web).page(patient, query)
    return render(
        request,
        web,
        "portal/documents.html",
        title="Documents",
        documents=found,
        total=total,
        kinds=list(DocumentKind),
    )


@post("/portal/documents", request_max_body_size=UPLOAD_LIMIT)
async def upload(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """Store the chosen file for oneself; its text and entities are extracted afterwards."""
    patient = viewer(request, Role.PATIENT)
    form = await request.form()
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        raise BadInput("choose a file to upload")
    kind = str(form.get("kind") or DocumentKind.OTHER)
    if kind not in set(DocumentKind):
        raise BadInput("choose what kind of document this is")
    title = str(form.get("title", "")).strip()[:200] or None
    document = NewDocument(
        patient_id=None,
        title=title,
        kind=DocumentKind(kind),
        filename=file.filename[:255],
        declared_type=file.content_type,
    )
    stored = await shelf_of(web).upload(patient, document, _chunks(file))
    return go(request, f"/portal/documents/{stored.id}")


@get("/portal/documents/{document_id:uuid}")
async def document(
    request: Request, document_id: FromPath[uuid.UUID], web: NamedDependency[WebServices]
) -> Response[str]:
    """One of one's documents: status and the entities found in it (others': 404)."""
    patient = viewer(request, Role.PATIENT)
    view, entities = await shelf_of(web).entities(patient, document_id)
    return render(
        request, web, "portal/document.html", title=view.title, document=view, entities=entities
    )


@get("/portal/documents/{document_id:uuid}/file")
async def download(
    request: Request, document_id: FromPath[uuid.UUID], web: NamedDependency[WebServices]
) -> Response[bytes]:
    """The file of one of one's documents, as an attachment (others': 404)."""
    patient = viewer(request, Role.PATIENT)
    shelf = shelf_of(web)
    view = await shelf.get(patient, document_id)
    media_type, body = await shelf.content(patient, document_id)
    name = clean_name(view.filename, f"document-{document_id}", media_type)
    return attachment(body, media_type, name)


async def _chunks(file: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await file.read(CHUNK):
        yield chunk


HANDLERS = (documents, upload, document, download)
