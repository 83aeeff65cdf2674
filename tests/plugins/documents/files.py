"""Real files made in the tests: PDFs (fpdf2), images (Pillow), text; nothing is committed."""

import base64
import binascii
import io
import struct
import zlib
from typing import Any

from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from tests.plugins.documents.lzw import lzw_encode, lzw_repeat

NEXT_LINE: dict[str, Any] = {"new_x": "LMARGIN", "new_y": "NEXT"}
LAB_REPORT_PAGE_1 = [
    "Laboratory report - Clinique Saint-Etienne",
    "Patient: Renée Müller    Date of report: 2026-03-12",
    "Vital signs: BP 128/82 mmHg, HR 76 bpm, Temp 37.9 °C, SpO2 96 %",
]
LAB_ROWS = [
    ("Test", "Result", "Unit"),
    ("HbA1c", "7.2", "%"),
    ("Fasting glucose", "6.1", "mmol/L"),
    ("Creatinine", "88", "µmol/L"),
]
LAB_REPORT_PAGE_2 = [
    "Medications:",
    "- Metformin 500 mg twice daily",
    "- Atorvastatin 20 mg at night",
    "",
    "Allergies: penicillin (rash)",
    "Diagnoses (ICD-10): E11.9 Type 2 diabetes mellitus; I10 essential hypertension",
    "Follow-up on 14/04/2026.",
]


def _pdf() -> FPDF:
    pdf = FPDF(format="A4")
    pdf.set_font("Helvetica", size=11)
    pdf.set_auto_page_break(auto=True, margin=15)
    return pdf


def _lines(pdf: FPDF, lines: list[str]) -> None:
    for line in lines:
        pdf.multi_cell(0, 7, line, **NEXT_LINE)


def lab_report_pdf() -> bytes:
    """Two pages: vitals, a lab table, medications, an allergy line and ICD-10 codes."""
    pdf = _pdf()
    pdf.add_page()
    _lines(pdf, LAB_REPORT_PAGE_1)
    for test, result, unit in LAB_ROWS:
        pdf.cell(60, 8, test, border=1)
        pdf.cell(30, 8, result, border=1)
        pdf.cell(30, 8, unit, border=1, new_x="LMARGIN", new_y="NEXT")
    pdf.add_page()
    _lines(pdf, LAB_REPORT_PAGE_2)
    return bytes(pdf.output())


def long_pdf(pages: int, paragraphs: int = 4) -> bytes:
    """A report of `pages` pages with accented text on each."""
    pdf = _pdf()
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.multi_cell(
            0, 7, f"Compte rendu, page {number}: fièvre à 38,5 °C, Müller, Øre.", **NEXT_LINE
        )
        for _ in range(paragraphs):
            pdf.multi_cell(
                0,
                6,
                "Le patient présente une toux sèche depuis trois jours. Examen clinique "
                "sans particularité; auscultation pulmonaire normale. Traitement symptomatique "
                "et contrôle dans une semaine si les symptômes persistent.",
                **NEXT_LINE,
            )
    return bytes(pdf.output())


def encrypted_pdf() -> bytes:
    """A PDF that needs a password to open."""
    pdf = _pdf()
    pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.add_page()
    pdf.cell(text="Confidential")
    return bytes(pdf.output())


def scanned_pdf() -> bytes:
    """Two pages that are only pictures, like a scan: no text layer."""
    pdf = _pdf()
    for _ in range(2):
        pdf.add_page()
        pdf.image(io.BytesIO(image("PNG", (400, 560))), x=10, y=10, w=190)
    return bytes(pdf.output())


def text_picture(lines: list[str], kind: str = "PNG", pages: int = 1) -> bytes:
    """A picture of typed `lines` (what a phone photo or scanner gives), `pages` frames (TIFF)."""
    font = ImageFont.load_default(size=36)
    frames = []
    for page in range(pages):
        frame = Image.new("L", (1400, 90 + 70 * len(lines)), 255)
        draw = ImageDraw.Draw(frame)
        for row, line in enumerate(lines):
            draw.text((40, 40 + 70 * row), line.format(page=page + 1), fill=0, font=font)
        frames.append(frame)
    buffer = io.BytesIO()
    frames[0].save(buffer, format=kind, save_all=pages > 1, append_images=frames[1:])
    return buffer.getvalue()


def scan_and_text_pdf(scanned: list[str], typed: str) -> bytes:
    """Page 1 a picture of `scanned` lines (no text layer), page 2 real text."""
    pdf = _pdf()
    pdf.add_page()
    pdf.image(io.BytesIO(text_picture(scanned)), x=10, y=10, w=190)
    pdf.add_page()
    pdf.multi_cell(0, 8, typed)
    return bytes(pdf.output())


def corrupt_pdf() -> bytes:
    """Starts like a PDF, but is not one."""
    return b"%PDF-1.7\n" + b"this is not a real PDF body\n" * 400


def image(kind: str = "PNG", size: tuple[int, int] = (64, 48)) -> bytes:
    """A small real image (PNG, JPEG or TIFF)."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=kind)
    return buffer.getvalue()


CLINIC_LETTER = (
    "Referral letter\n\nDear colleague,\r\nplease see Mr. Dupont (BP 150/95 mmHg).\r\n"
    "Current treatment: lisinopril 10 mg daily.\nAllergies: NKDA\n"
)


def inflating_pdf(
    inflated: int,
    *,
    end_of_line: bytes = b"\n",
    window_bits: int = 15,
    layers: int = 1,
    text: bytes = b"",
    lzw: str = "",
    early_change: int = 1,
) -> bytes:
    """One page whose content stream is `inflated` bytes of blanks, deflated to about 1/200.

    `end_of_line` follows the `stream` keyword; `window_bits` is the deflate window; `layers`
    deflates it that many times (a `/FlateDecode` chain); `lzw` LZW-encodes the blanks under
    the Flate layers (`inner`, down to about 1/1,300; `early_change` 0 widens codes one code
    late) or the deflated bytes over them (`outer`);
    `text` (`AHx` or `A85`) writes the result as ASCII hex or ASCII85 text, its filter first.
    """
    if lzw == "inner":
        stream = lzw_repeat(ord(" "), inflated, early_change)
        filters, flate = [b"/LZWDecode"], layers
    else:
        deflater = zlib.compressobj(1, zlib.DEFLATED, window_bits)
        blanks = b" " * (1024 * 1024)
        stream = b"".join(deflater.compress(blanks) for _ in range(inflated // len(blanks)))
        stream, filters, flate = stream + deflater.flush(), [b"/FlateDecode"], layers - 1
    for _ in range(flate):
        stream, filters = zlib.compress(stream), [b"/FlateDecode", *filters]
    if lzw == "outer":
        stream, filters = lzw_encode(stream), [b"/LZWDecode", *filters]
    parameters = b"" if early_change else b" /DecodeParms [<< /EarlyChange 0 >>]"
    if text == b"AHx":
        stream, filters = binascii.hexlify(stream) + b">", [b"/ASCIIHexDecode", *filters]
    elif text == b"A85":
        stream, filters = base64.a85encode(stream, wrapcol=72, adobe=True)[2:], [b"/A85", *filters]
    return _assembled_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
            b"<< /Length %d /Filter [%s]%s >>\nstream%s%s\nendstream"
            % (len(stream), b" ".join(filters), parameters, end_of_line, stream),
        ]
    )


def zero_page_pdf() -> bytes:
    """A valid PDF whose page tree holds no page."""
    return _assembled_pdf(
        [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
    )


def _assembled_pdf(objects: list[bytes]) -> bytes:
    """A PDF of `objects` (numbered from 1, the catalog first) and its cross-reference table."""
    pdf, offsets = bytearray(b"%PDF-1.7\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(pdf)


def blank_picture(size: tuple[int, int]) -> bytes:
    """A white 1-bit PNG of `size` pixels (tiny as a file, large once decoded)."""
    buffer = io.BytesIO()
    Image.new("1", size, 1).save(buffer, format="PNG")
    return buffer.getvalue()


def claimed_picture(width: int, height: int) -> bytes:
    """A 1-bit PNG whose header claims `width` x `height` pixels, with one row of them."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    row = zlib.compress(b"\x00" + b"\xff" * (width // 8))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", row) + chunk(b"IEND", b"")


def scanned_letters_pdf(pages: int) -> bytes:
    """`pages` pages that are pictures of typed lines: slow work for OCR."""
    picture = text_picture([f"Line {n}: patient seen, blood pressure normal." for n in range(12)])
    pdf = _pdf()
    for _ in range(pages):
        pdf.add_page()
        pdf.image(io.BytesIO(picture), x=10, y=10, w=190)
    return bytes(pdf.output())


def stamped_scan_pdf(scanned: list[str], stamp: str) -> bytes:
    """An A4 page: a picture of `scanned` lines under one 7-pt line of text (a fax header)."""
    pdf = _pdf()
    pdf.add_page()
    pdf.set_font_size(7)
    pdf.cell(text=stamp)
    # Blank lines make the picture cover a quarter of the page, as little as a scan body does.
    picture = text_picture(scanned + [""] * (8 - len(scanned)))
    pdf.image(io.BytesIO(picture), x=10, y=20, w=190)
    return bytes(pdf.output())


def filled_form_pdf(*, appearance: bool) -> bytes:
    """A form page: a typed label, and a text field filled in with `Warfarin 5 mg daily`.

    With `appearance` the field carries the picture of its value, as most PDF editors save it;
    without, only the value and `/NeedAppearances` (the reader draws it), as some web forms do.
    """
    field = b"/Tx BMC BT /F1 11 Tf 2 6 Td (Warfarin 5 mg daily) Tj ET EMC"
    label = b"BT /F1 11 Tf 50 780 Td (Current medication:) Tj ET"
    font = b"<< /Font << /F1 4 0 R >> >>"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [5 0 R] /NeedAppearances true"
        b" /DA (/F1 11 Tf 0 g) /DR %s >> >>" % font,
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources %s /Contents 6 0 R"
        b" /Annots [5 0 R] >>" % font,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /Annot /Subtype /Widget /FT /Tx /T (meds) /V (Warfarin 5 mg daily) /F 4"
        b" /Rect [200 770 450 790] /P 3 0 R /DA (/F1 11 Tf 0 g)%s >>"
        % (b" /AP << /N 7 0 R >>" if appearance else b""),
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(label), label),
        b"<< /Type /XObject /Subtype /Form /BBox [0 0 250 20] /Resources %s /Length %d >>\n"
        b"stream\n%s\nendstream" % (font, len(field), field),
    ]
    return _assembled_pdf(objects)


def sideways_photo(lines: list[str], kind: str) -> bytes:
    """A picture of `lines` stored turned a quarter left, its EXIF Orientation (6) saying so.

    How a phone held upright saves a photo: the viewer turns it back a quarter right.
    """
    upright = Image.open(io.BytesIO(text_picture(lines))).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    buffer = io.BytesIO()
    upright.rotate(90, expand=True).save(buffer, format=kind, exif=exif.tobytes())
    return buffer.getvalue()


def transparent_picture(lines: list[str], mode: str) -> bytes:
    """A PNG of black `lines` on a transparent background, in `mode` (RGBA, LA or P)."""
    canvas = Image.new("RGBA", (1400, 90 + 70 * len(lines)), (0, 0, 0, 0))
    draw = ImageDraw.Draw(canvas)
    for row, line in enumerate(lines):
        draw.text((40, 40 + 70 * row), line, fill=(0, 0, 0, 255), font=ImageFont.load_default(36))
    picture = canvas.convert(mode) if mode != "P" else canvas.quantize(colors=16)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()
