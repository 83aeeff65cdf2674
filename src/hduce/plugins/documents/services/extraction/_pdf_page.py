"""What a PDF page holds beside its text layer (filled-in form fields, pictures covering it); OCR.

Both are looked at only where they can matter: form fields in documents that have a form, pictures
on pages with little text; an ordinary page of text costs nothing more.
"""

from typing import Any

import pypdfium2.raw as pdfium_c

from hduce.plugins.documents.services.extraction._ocr import MAX_PIXELS, OcrOptions, read_image

SHORT_TEXT = 200
"""Characters of a text layer short enough to be a stamp or fax header over a scan."""
PICTURED = 0.25
"""Share of a page pictures cover from which a page with a short text layer is read as a scan."""


def has_form(document: Any) -> bool:
    """Whether the document has an interactive form (AcroForm or XFA) whose fields hold values."""
    return bool(pdfium_c.FPDF_GetFormType(document) != pdfium_c.FORMTYPE_NONE)


def with_fields_drawn(document: Any, index: int, page: Any) -> Any:
    """Page `index` reloaded with its form fields' values drawn in (its text layer holds them).

    `page` itself when it has no form field. The document's form environment must be
    initialised: it draws the fields saved without their picture (`/NeedAppearances`).
    """
    if not _has_widgets(page):
        return page
    if page.flatten() != pdfium_c.FLATTEN_SUCCESS:
        return page
    page.close()  # the loaded page still shows the content from before
    return document[index]


def is_stamped_scan(page: Any, text: str) -> bool:
    """Whether a page whose text layer is `text` is a scan under a line or two of text.

    A fax header or a stamp: short text, pictures over a quarter of the page or more.
    """
    return len(text.strip()) < SHORT_TEXT and _pictured_share(page) >= PICTURED


def _hide_text(page: Any) -> None:
    """Take the text objects off the loaded page (not the file), so that OCR reads only the rest."""
    for item in list(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT], max_depth=0)):
        page.remove_obj(item)
        item.close()


def read_scanned(page: Any, ocr: OcrOptions) -> str:
    """OCR a PDF page rendered at `ocr.dpi` (less for a page too large for that)."""
    width, height = page.get_size()  # points: 1/72 inch
    scale = min(ocr.dpi / 72, (MAX_PIXELS / max(1.0, width * height)) ** 0.5)
    return read_image(page.render(scale=scale, grayscale=True).to_pil(), ocr)


def read_picture(page: Any, ocr: OcrOptions) -> str:
    """OCR a scanned page without its text layer, kept already (OCR would read it twice)."""
    _hide_text(page)
    return read_scanned(page, ocr)


def _has_widgets(page: Any) -> bool:
    for number in range(pdfium_c.FPDFPage_GetAnnotCount(page)):
        annotation = pdfium_c.FPDFPage_GetAnnot(page, number)
        try:
            if pdfium_c.FPDFAnnot_GetSubtype(annotation) == pdfium_c.FPDF_ANNOT_WIDGET:
                return True
        finally:
            pdfium_c.FPDFPage_CloseAnnot(annotation)
    return False


def _pictured_share(page: Any) -> float:
    """The share of the page's visible box that pictures (or forms holding one) cover, at most 1."""
    left, bottom, right, top = page.get_bbox()
    covered = 0.0
    for item in page.get_objects(max_depth=0):
        if item.type == pdfium_c.FPDF_PAGEOBJ_IMAGE or (
            item.type == pdfium_c.FPDF_PAGEOBJ_FORM and _holds_picture(page, item)
        ):
            x0, y0, x1, y1 = item.get_bounds()
            width = max(0.0, min(x1, right) - max(x0, left))
            height = max(0.0, min(y1, top) - max(y0, bottom))
            covered += width * height
    return min(1.0, covered / max(1.0, (right - left) * (top - bottom)))


def _holds_picture(page: Any, form: Any) -> bool:
    pictures = page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], form=form)
    return next(pictures, None) is not None
