"""What both upload routes share: the answer's headers and example, and the file's name."""

import contextlib
from email.message import EmailMessage

from litestar import Request
from litestar.datastructures import CacheControlHeader, ResponseHeader

from hduce.core.errors import FieldError
from hduce.plugins.documents.errors import InvalidDocument

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
# Patient data: never kept by a browser or proxy, never rendered as another type.
NO_STORE = CacheControlHeader(no_store=True)
NOSNIFF = [ResponseHeader(name="X-Content-Type-Options", value="nosniff")]
DISPOSITION = "Content-Disposition"


def disposition_name(request: Request) -> str | None:
    """The filename of a `Content-Disposition: attachment; filename="..."` header, if any.

    Clients (curl among them) send the name's UTF-8 bytes as they are: the header's bytes are
    read as UTF-8 when they are UTF-8, else as Latin-1. A header that cannot be parsed is a 422.
    """
    header = request.headers.get(DISPOSITION)
    if not header:
        return None
    with contextlib.suppress(UnicodeDecodeError):
        header = header.encode("latin-1").decode()  # the bytes as received, read as UTF-8
    message = EmailMessage()
    try:
        message[DISPOSITION] = header
    except ValueError as exc:  # a line break (\x85 NEL, U+2028 …) inside the header
        raise InvalidDocument(
            f"the {DISPOSITION} header cannot be parsed ({exc}); "
            "send the file name in the `filename` query parameter instead",
            errors=[FieldError(message=str(exc), key=DISPOSITION, source="header")],
        ) from exc
    return message.get_filename()
