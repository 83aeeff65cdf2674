"""The portal's documents: upload, list, one document with its extracted entities, download."""

import uuid
from collections.abc import AsyncIterator

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath

from hduce.contracts.auth import Role
from hduce.contracts.documents import DocumentKind, DocumentQuery, DocumentShelf, NewDocument
from hduce.core.errors import HduceError
from hduce.core.security import Principal
from hduce.plugins.web.errors import BadInput, FormTooLarge
from hduce.plugins.web.routes._attachments import attachment, clean_name
from hduce.plugins.web.routes._csrf import TOO_LARGE_PAGE
from hduce.plugins.web.routes._days import own_zone
from hduce.plugins.web.routes._enabled import enabled
from hduce.plugins.web.routes._render import go, render, viewer
from hduce.plugins.web.routes._upload_words import EMPTY, in_megabytes, upload_refusal
from hduce.plugins.web.services import WebServices

SHOWN = 100
CHUNK = 1024 * 1024
UPLOAD_LIMIT = 64 * 1024 * 1024
"""The most a form may carry (the documents plugin applies its own, smaller cap to the file)."""
FORM_ROOM = 64 * 1024
"""What the form's other fields and its multipart framing may take of `UPLOAD_LIMIT`."""


def shelf_of(web: WebServices) -> DocumentShelf:
    """The documents contract (404 pages when the documents plugin is off)."""
    return enabled(web.shelf, "documents")


def largest_file(shelf: DocumentShelf) -> int:
    """The largest file a patient can send: the documents' cap, or what the form's limit leaves."""
    return min(shelf.max_upload_size, UPLOAD_LIMIT - FORM_ROOM)


async def _page(
    request: Request,
    web: WebServices,
    patient: Principal,
    *,
    chosen: tuple[str, str] = ("", DocumentKind.OTHER),
    refusal: HduceError | None = None,
) -> Response[str]:
    """The documents page; after a refusal, its reason in words and the chosen title and kind."""
    shelf = shelf_of(web)
    found, total = await shelf.page(patient, DocumentQuery(patient_id=patient.id, limit=SHOWN))
    largest = largest_file(shelf)
    return render(
        request,
        web,
        "portal/documents.html",
        title="Documents",
        documents=found,
        total=total,
        kinds=list(DocumentKind),
        chosen_title=chosen[0],
        chosen_kind=chosen[1],
        zone=await own_zone(web, patient.id),
        largest=in_megabytes(largest),
        error=upload_refusal(refusal, largest) if refusal else "",
        status_code=refusal.status_code if refusal else 200,
    )


@get("/portal/documents")
async def documents(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """One's documents, newest first, and the upload form."""
    return await _page(request, web, viewer(request, Role.PATIENT))


async def _too_large(request: Request, web: WebServices) -> Response[str]:
    """The form again after it was refused unread for being over `UPLOAD_LIMIT`."""
    refusal = FormTooLarge("The form is larger than the portal accepts.")
    return await _page(request, web, viewer(request, Role.PATIENT), refusal=refusal)


@post(
    "/portal/documents",
    request_max_body_size=UPLOAD_LIMIT,
    opt={TOO_LARGE_PAGE: _too_large},
)
async def upload(request: Request, web: NamedDependency[WebServices]) -> Response[str]:
    """Store the chosen file for oneself; its text and entities are extracted afterwards.

    The content alone decides the type (a PDF saved as `.png` is a PDF); a refusal shows the
    form again, with the chosen title and kind and the reason in plain words.
    """
    patient = viewer(request, Role.PATIENT)
    form = await request.form()
    file, kind = form.get("file"), str(form.get("kind") or DocumentKind.OTHER)
    title = str(form.get("title", "")).strip()[:200]
    try:
        if not isinstance(file, UploadFile) or not file.filename:
            raise BadInput("Choose a file to upload.")
        if kind not in set(DocumentKind):
            raise BadInput("Choose what kind of document this is.")
        document = NewDocument(
            patient_id=None,
            title=title or None,
            kind=DocumentKind(kind),
            filename=file.filename[:255],
            declared_type=None,  # browsers guess from the name: the content is sniffed instead
        )
        first = await file.read(CHUNK)
        if not first:
            raise BadInput(EMPTY)
        stored = await shelf_of(web).upload(patient, document, _chunks(first, file))
    except HduceError as exc:
        return await _page(request, web, patient, chosen=(title, kind), refusal=exc)
    return go(request, f"/portal/documents/{stored.id}")


@get("/portal/documents/{document_id:uuid}")
async def document(
    request: Request, document_id: FromPath[uuid.UUID], web: NamedDependency[WebServices]
) -> Response[str]:
    """One of one's documents: status and the entities found in it (others': 404)."""
    patient = viewer(request, Role.PATIENT)
    view, entities = await shelf_of(web).entities(patient, document_id)
    return render(
        request,
        web,
        "portal/document.html",
        title=view.title,
        document=view,
        entities=entities,
        zone=await own_zone(web, patient.id),
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


async def _chunks(first: bytes, file: UploadFile) -> AsyncIterator[bytes]:
    yield first
    while chunk := await file.read(CHUNK):
        yield chunk


HANDLERS = (documents, upload, document, download)
