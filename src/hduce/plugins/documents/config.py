"""Settings of the documents plugin (`[plugins.documents]`)."""

from pathlib import Path
from typing import Annotated, Literal

from msgspec import Meta

from hduce.core.config import NonNegative, Positive, PositiveDuration, Section
from hduce.core.text_patterns import matching

MIB = 1024 * 1024
GIB = 1024 * MIB


class DocumentsConfig(Section):
    """Storage, upload limits, accepted types, extraction workers and OCR."""

    storage_dir: str = ""
    """Where document files are kept, content-addressed; empty: `<data_dir>/documents`."""
    max_upload_size: Positive = 25 * MIB
    """Largest accepted upload, in bytes; a bigger body is answered 413."""
    allowed_types: tuple[str, ...] = (
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/tiff",
        "text/plain",
    )
    """Content types accepted, as sniffed from the bytes (PDF, PNG, JPEG, TIFF, plain text)."""
    extraction_workers: Positive = 2
    """Processes that extract text (PDFium is not thread-safe, so processes, not threads)."""
    extraction_timeout: PositiveDuration = PositiveDuration(120)
    """Longest extraction of one document; its process is then killed and the document `failed`."""
    extraction_memory_limit: NonNegative = GIB
    """Address space of each extraction process, in bytes (0: none); PDF streams may inflate
    to a quarter of it, and a file needing more fails with a reason."""
    extraction_recycle_after: Positive = 10_000
    """Documents one extraction process reads before a fresh one replaces it (a fresh process
    costs about what 200 one-page documents do, so this stays large; memory is watched below)."""
    extraction_recycle_memory: NonNegative = 512 * MIB
    """Resident memory after a document beyond which the extraction process is replaced."""
    extraction_idle_timeout: PositiveDuration = PositiveDuration(60)
    """An extraction process without work this long exits (a new one starts on demand)."""
    stuck_check_interval: PositiveDuration = PositiveDuration(60)
    """How often the web process looks for documents whose extraction task was dead-lettered
    (every delivery failed, e.g. with PostgreSQL frozen) and extracts them again, or fails them
    once out of attempts."""
    max_image_pixels: Positive = 50_000_000
    """Largest picture (or TIFF page) read, in pixels; a larger one fails before it is decoded."""
    max_entities: Positive = 10_000
    """Entities kept per document, the first found; the note says how many more there were."""
    storage_min_free: NonNegative = 100 * MIB
    """Free bytes the store's file system must keep; below it the health check fails."""
    date_order: Literal["dmy", "mdy"] = "dmy"
    """How numeric dates like `03/04/2026` in documents are read: day first or month first."""
    ocr: bool = True
    """Read images and PDF pages without a text layer (scans) with Tesseract."""
    ocr_languages: Annotated[
        str,
        matching(
            r"^[A-Za-z_]+(\+[A-Za-z_]+)*$",
            "Tesseract language names (letters and `_`) joined by `+` (`eng+fra`)",
        ),
    ] = "eng"
    """Tesseract languages joined by `+` (`eng+fra`); each needs its `<lang>.traineddata` file."""
    ocr_data_dir: str = ""
    """Folder of the language files; empty: where the `tessdata.fast-*` packages put them."""
    ocr_max_pages: Positive = 50
    """Pages of one document OCR reads at most; the others are noted as not read."""
    ocr_dpi: Annotated[int, Meta(ge=72, le=600)] = 300
    """Resolution scanned PDF pages are rendered at for OCR."""
    max_page_size: Positive = 100
    """Largest page of `GET /api/v1/documents`."""


def storage_root(config: DocumentsConfig, data_dir: str | Path) -> Path:
    """The document store: `storage_dir`, else `<data_dir>/documents`."""
    return Path(config.storage_dir or Path(data_dir) / "documents")
