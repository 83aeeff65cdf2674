"""Text and entity extraction of one stored file; runs in a worker process, never on the loop."""

import re
from pathlib import Path
from typing import Any

import msgspec

from hduce.plugins.documents.entities import PAGE_BREAK, extract_entities
from hduce.plugins.documents.sniff import JPEG, PDF, PNG, TEXT, TIFF

IMAGE_NOTE = "images are stored as they are: no OCR is available, so no text was extracted"
NO_TEXT_LAYER_NOTE = "the PDF has no text layer (a scan?): no OCR is available"
# Control characters PDFium leaves in text (soft hyphens come out as \x02); tab, line feed and
# form feed stay.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0d-\x1f\x7f]")


class ExtractionResult(msgspec.Struct, frozen=True, kw_only=True):
    """What extraction found: status `done` with text and entities, or `failed` with an error."""

    ok: bool
    text: str = ""
    page_count: int | None = None
    entities: list[dict[str, Any]] = msgspec.field(default_factory=list)
    note: str | None = None
    error: str | None = None


def extract_file(path: str, content_type: str, date_order: str) -> dict[str, Any]:
    """Extract text and entities from the file at `path` (as builtins: crosses processes)."""
    try:
        result = _extract(Path(path), content_type, date_order)
    except FileNotFoundError:
        result = ExtractionResult(ok=False, error="the stored file is missing")
    return msgspec.to_builtins(result)


def _extract(path: Path, content_type: str, date_order: str) -> ExtractionResult:
    if content_type == PDF:
        return _with_entities(*_pdf_text(path), date_order)
    if content_type == TEXT:
        return _with_entities(_plain_text(path.read_bytes()), None, date_order)
    if content_type in (PNG, JPEG, TIFF):
        return ExtractionResult(ok=True, note=IMAGE_NOTE)
    return ExtractionResult(ok=False, error=f"no extractor for {content_type}")


def _with_entities(
    extracted: str | ExtractionResult, page_count: int | None, date_order: str
) -> ExtractionResult:
    if isinstance(extracted, ExtractionResult):
        return extracted
    entities = [msgspec.to_builtins(e) for e in extract_entities(extracted, date_order=date_order)]
    note = NO_TEXT_LAYER_NOTE if page_count and not extracted.strip(PAGE_BREAK + " \n") else None
    return ExtractionResult(
        ok=True, text=extracted, page_count=page_count, entities=entities, note=note
    )


def _pdf_text(path: Path) -> tuple[str | ExtractionResult, int | None]:
    import pypdfium2 as pdfium  # only worker processes load PDFium

    try:
        document = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        return ExtractionResult(ok=False, error=_pdf_error(str(exc))), None
    try:
        pages = []
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            pages.append(normalize(textpage.get_text_range()))
            textpage.close()
            page.close()
        return PAGE_BREAK.join(pages), len(pages)
    except pdfium.PdfiumError as exc:
        return ExtractionResult(ok=False, error=f"the PDF could not be read: {exc}"), None
    finally:
        document.close()


def _pdf_error(message: str) -> str:
    if "password" in message.lower():
        return "the PDF is encrypted (password protected); upload it without a password"
    return f"the PDF is damaged or not a PDF ({message})"


def _plain_text(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return normalize(text)


def normalize(text: str) -> str:
    """Unix line ends and no stray control characters (PDFium ends lines with CR LF)."""
    return _CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
