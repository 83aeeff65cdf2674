"""Settings of the documents plugin (`[plugins.documents]`)."""

from typing import Literal

from hduce.core.config import Duration, Section

MIB = 1024 * 1024


class DocumentsConfig(Section):
    """Storage, upload limits, accepted types and extraction workers."""

    storage_dir: str = ""
    """Where document files are kept, content-addressed; empty: `<data_dir>/documents`."""
    max_upload_size: int = 25 * MIB
    """Largest accepted upload, in bytes; a bigger body is answered 413."""
    allowed_types: tuple[str, ...] = (
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/tiff",
        "text/plain",
    )
    """Content types accepted, as sniffed from the bytes (PDF, PNG, JPEG, TIFF, plain text)."""
    extraction_workers: int = 2
    """Processes that extract text (PDFium is not thread-safe, so processes, not threads)."""
    extraction_timeout: Duration = Duration(120)
    """Longest extraction of one document; its process is then killed and the document `failed`."""
    date_order: Literal["dmy", "mdy"] = "dmy"
    """How numeric dates like `03/04/2026` in documents are read: day first or month first."""
    max_page_size: int = 100
    """Largest page of `GET /api/v1/documents`."""
