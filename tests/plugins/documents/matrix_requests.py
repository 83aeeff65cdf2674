"""Requests of the authorization matrix for the documents routes, with their set-up.

Each sender takes a matrix cell (`clinic`, `caller`, `target`, `call`), seeds a document of the
target (patient and uploader) directly in the database and the store, and sends the request.
"""

import hashlib
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from httpx import Response

from tests.plugins.documents.helpers import API

Sender = Callable[[Any], Awaitable[Response]]


async def seed_document(cell: Any) -> uuid.UUID:
    """An extracted text document whose patient and uploader is the target."""
    data = f"Matrix note {uuid.uuid4().hex}: BP 120/80 mmHg".encode()
    digest = hashlib.sha256(data).hexdigest()
    root = Path(cell.clinic.context.settings.plugins.sections["documents"]["storage_dir"])
    (root / digest[:2]).mkdir(parents=True, exist_ok=True)
    (root / digest[:2] / digest[2:]).write_bytes(data)
    document_id = uuid.uuid4()
    await cell.clinic.execute(
        "INSERT INTO document (id, patient, uploaded_by, title, kind, content_type, size, sha256, "
        "status, text, page_count) VALUES ($1, $2, $2, 'Matrix note', 'other', 'text/plain', $3, "
        "$4, 'done', $5, 1)",
        document_id,
        cell.target.id,
        len(data),
        digest,
        data.decode(),
    )
    return document_id


def on_document(method: str, suffix: str = "", body: object = None) -> Sender:
    """A request on a seeded document of the target."""

    async def send(cell: Any) -> Response:
        document_id = await seed_document(cell)
        return await cell.call(method, f"{API}/{document_id}{suffix}", body)

    return send


async def upload(cell: Any) -> Response:
    """Upload a short text; for another patient when the target is not the caller."""
    params = {}
    if cell.caller is None or cell.target.id != cell.caller.id:
        params["patient_id"] = str(cell.target.id)
    headers = {**cell.headers, "Content-Type": "text/plain"}
    return await cell.clinic.client.post(
        API, content=b"Matrix upload", params=params, headers=headers
    )


async def upload_form(cell: Any) -> Response:
    """The same upload as a browser form."""
    data = {}
    if cell.caller is None or cell.target.id != cell.caller.id:
        data["patient_id"] = str(cell.target.id)
    files = {"file": ("note.txt", b"Matrix form upload", "text/plain")}
    return await cell.clinic.client.post(
        f"{API}/form", files=files, data=data, headers=cell.headers
    )


DOCUMENT_REQUESTS: dict[tuple[str, str], Sender] = {
    ("POST", API): upload,
    ("POST", f"{API}/form"): upload_form,
    ("GET", f"{API}/{{document_id}}"): on_document("GET"),
    ("GET", f"{API}/{{document_id}}/content"): on_document("GET", "/content"),
    ("GET", f"{API}/{{document_id}}/text"): on_document("GET", "/text"),
    ("PATCH", f"{API}/{{document_id}}"): on_document("PATCH", body={"title": "Renamed"}),
    ("DELETE", f"{API}/{{document_id}}"): on_document("DELETE"),
}
