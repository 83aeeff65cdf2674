"""What both upload routes share: the answer's headers and example."""

from litestar.datastructures import CacheControlHeader, ResponseHeader

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
