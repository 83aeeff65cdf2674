"""Text and entity extraction of one stored file; runs in a worker process, never on the loop."""

import functools
import logging
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from hduce.plugins.documents.config import DocumentsConfig
from hduce.plugins.documents.services._sniff import JPEG, PDF, PNG, TEXT, TIFF, decode_text
from hduce.plugins.documents.services.extraction._budget import check_pdf_streams, check_pixels
from hduce.plugins.documents.services.extraction._ocr import OcrOptions, read_image
from hduce.plugins.documents.services.extraction._unreadable import Unreadable
from hduce.plugins.documents.services.extraction.entities import (
    PAGE_BREAK,
    entities_by_piece,
    load,
)

if TYPE_CHECKING:
    from PIL import Image

# Control characters PDFium leaves in text (soft hyphens come out as \x02) and C1 controls (the
# bytes Windows-1252 leaves undefined); tab, line feed and form feed stay.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0d-\x1f\x7f-\x9f]")
logger = logging.getLogger("hduce.documents.extraction")


class ExtractionOptions(msgspec.Struct, frozen=True, kw_only=True):
    """How to read documents, from the plugin config (crosses into the extraction processes)."""

    date_order: str = "dmy"
    ocr: OcrOptions = msgspec.field(default_factory=OcrOptions)
    max_stream: int = 0
    """Most bytes one PDF stream may inflate to (0: no check)."""
    max_pixels: int = 50_000_000
    """Most pixels of one picture."""
    max_entities: int = 10_000
    """Most entities kept (the first found)."""

    @classmethod
    def from_config(cls, config: DocumentsConfig) -> "ExtractionOptions":
        """The options `[plugins.documents]` sets."""
        ocr = OcrOptions(
            enabled=config.ocr,
            languages=config.ocr_languages,
            data_dir=config.ocr_data_dir,
            max_pages=config.ocr_max_pages,
            dpi=config.ocr_dpi,
        )
        return cls(
            date_order=config.date_order,
            ocr=ocr,
            max_stream=config.extraction_memory_limit // 4,
            max_pixels=config.max_image_pixels,
            max_entities=config.max_entities,
        )


class ExtractionResult(msgspec.Struct, frozen=True, kw_only=True):
    """What extraction found: status `done` with text and entities, or `failed` with an error."""

    ok: bool
    text: str = ""
    page_count: int | None = None
    entities: list[dict[str, Any]] = msgspec.field(default_factory=list)
    note: str | None = None
    error: str | None = None


class _Pages(msgspec.Struct, kw_only=True):
    """The text of each page; how many were read by OCR, and how many were left without text."""

    texts: list[str] = msgspec.field(default_factory=list)
    ocr_read: int = 0
    unread: int = 0

    def add_scan(self, read: Callable[[], str], ocr: OcrOptions, layer: str = "") -> None:
        """A scanned page: OCR it unless OCR is off or has read `max_pages` already.

        `layer` is the little text the page has besides its picture (a fax header): kept first.
        """
        if ocr.enabled and self.ocr_read < ocr.max_pages:
            read_text = normalize(read())
            self.texts.append(f"{layer}\n{read_text}" if layer else read_text)
            self.ocr_read += 1
        else:
            self.texts.append(layer)
            self.unread += 1

    def note(self, ocr: OcrOptions) -> str | None:
        """What a reader of the text should know about scanned pages."""
        total, said = len(self.texts), []
        if self.ocr_read:
            said.append(f"{self.ocr_read} of {total} pages read by OCR (may contain errors)")
        if self.unread:
            why = "OCR is turned off" if not ocr.enabled else f"OCR stops at {ocr.max_pages}"
            said.append(f"{self.unread} of {total} pages are scans OCR did not read ({why})")
        return "; ".join(said) or None


def extract_file(path: str, content_type: str, options: ExtractionOptions) -> dict[str, Any]:
    """Extract text and entities from the file at `path` (as builtins: crosses processes)."""
    try:
        result = _extract(Path(path), content_type, options)
    except FileNotFoundError:
        result = _failed("the stored file is missing")
    except Unreadable as exc:
        result = _failed(str(exc))
    except Exception as exc:  # every failure becomes the document's reason, never a retry
        # A MemoryError in a C extension's callback reaches us as the SystemError it causes.
        if isinstance(exc, MemoryError) or isinstance(exc.__cause__, MemoryError):
            result = _failed("the file needs more memory than extraction may use")
        else:
            logger.exception("extraction of %s failed", path)
            result = _failed(f"the file could not be read ({type(exc).__name__}: {exc})")
    return msgspec.to_builtins(result)


def preload() -> None:
    """Load decoders and entity dictionaries up front, so a job's timeout counts extraction only."""
    import pypdfium2  # noqa: F401
    from PIL import ImageSequence, PngImagePlugin, TiffImagePlugin  # noqa: F401

    load()


def _failed(error: str) -> ExtractionResult:
    return ExtractionResult(ok=False, error=error)


def _extract(path: Path, content_type: str, options: ExtractionOptions) -> ExtractionResult:
    if content_type == PDF:
        if options.max_stream:
            check_pdf_streams(path, options.max_stream)
        pages = _pdf_pages(path, options.ocr)
    elif content_type in (PNG, JPEG, TIFF):
        pages = _image_pages(path, options)
    elif content_type == TEXT:
        text = normalize(decode_text(path.read_bytes()))
        entities, cut = _entities(text, options)
        return ExtractionResult(ok=True, text=text, entities=entities, note=cut)
    else:
        return _failed(f"no extractor for {content_type}")
    if isinstance(pages, ExtractionResult):
        return pages
    text = PAGE_BREAK.join(pages.texts)
    entities, cut = _entities(text, options)
    notes = [note for note in (pages.note(options.ocr), cut) if note]
    return ExtractionResult(
        ok=True,
        text=text,
        page_count=len(pages.texts),
        entities=entities,
        note="; ".join(notes) or None,
    )


def _entities(text: str, options: ExtractionOptions) -> tuple[list[dict[str, Any]], str | None]:
    """The first `max_entities` entities of `text`, and a note when more were found.

    Reading stops after the piece of text in which more were found: the note then says "more
    than" `max_entities`.
    """
    kept: list[dict[str, Any]] = []
    found, most = 0, options.max_entities
    for entities, end in entities_by_piece(text, date_order=options.date_order):
        found += len(entities)
        kept += [msgspec.to_builtins(entity) for entity in entities[: most - len(kept)]]
        if found > most:
            many = found if end == len(text) else f"more than {most}"
            return kept, f"{many} entities found; only the first {most} are kept (max_entities)"
    return kept, None


def _pdf_pages(path: Path, ocr: OcrOptions) -> _Pages | ExtractionResult:
    import pypdfium2 as pdfium  # only worker processes load PDFium

    from hduce.plugins.documents.services.extraction._pdf_page import (
        has_form,
        is_stamped_scan,
        read_picture,
        read_scanned,
        with_fields_drawn,
    )

    try:
        document = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        return _failed(_load_error(path, str(exc)))
    try:
        pages, form = _Pages(), has_form(document)
        if form:
            document.init_forms()  # before any page is loaded
        for index in range(len(document)):
            page = document[index]
            if form:
                page = with_fields_drawn(document, index, page)
            textpage = page.get_textpage()
            text = normalize(textpage.get_text_range())
            textpage.close()
            if not text.strip():
                pages.add_scan(functools.partial(read_scanned, page, ocr), ocr)
            elif is_stamped_scan(page, text):
                pages.add_scan(functools.partial(read_picture, page, ocr), ocr, text.strip())
            else:
                pages.texts.append(text)
            page.close()
        return pages
    except pdfium.PdfiumError as exc:
        return _failed(f"the PDF could not be read: {exc}")
    finally:
        document.close()


def _image_pages(path: Path, options: ExtractionOptions) -> _Pages | ExtractionResult:
    from PIL import Image, ImageSequence

    pages = _Pages()
    # `max_pixels` is checked before a picture is decoded, naming its size: Pillow's own check
    # (a warning, then an error at 179 million pixels) would come first and say less.
    Image.MAX_IMAGE_PIXELS = None
    try:
        with Image.open(path) as image:
            for frame in ImageSequence.Iterator(image):
                pages.add_scan(functools.partial(_read_frame, frame, options), options.ocr)
    except OSError as exc:
        return _failed(f"the image could not be read: {exc}")
    return pages


def _read_frame(frame: "Image.Image", options: ExtractionOptions) -> str:
    # Only the header is read so far: refuse before the pixels are decoded.
    check_pixels(frame.width, frame.height, options.max_pixels)
    return read_image(frame, options.ocr)


def _load_error(path: Path, message: str) -> str:
    """Why PDFium refused the file at `path`, `message` its error.

    pypdfium2 also refuses a document without pages, naming whatever error PDFium recorded last
    (another file's, or "Success"): a document PDFium itself opens has no pages.
    """
    import pypdfium2.raw as pdfium_c

    handle = pdfium_c.FPDF_LoadDocument(os.fsencode(path), None)
    if handle:
        pdfium_c.FPDF_CloseDocument(handle)
        return "the PDF has no pages"
    if "password" in message.lower():
        return "the PDF is encrypted (password protected); upload it without a password"
    return f"the PDF is damaged or not a PDF ({message})"


def normalize(text: str) -> str:
    """Unix line ends and no stray control characters (PDFium ends lines with CR LF)."""
    return _CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
