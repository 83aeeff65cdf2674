"""Which type a file is, judged from its first bytes (magic numbers), never from the client."""

import codecs
from pathlib import Path

PDF, PNG, JPEG, TIFF = "application/pdf", "image/png", "image/jpeg", "image/tiff"
TEXT = "text/plain"
SNIFF_BYTES = 8192
"""How much of the start of a file `sniff` looks at."""
UTF8, LATIN1 = "utf-8", "iso-8859-1"
_CHARSET_CHUNK = 1024 * 1024

_MAGIC = (
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"II*\x00", TIFF),
    (b"MM\x00*", TIFF),
)
# Tab, line feed, form feed and carriage return are the only control characters text may hold.
_TEXT_CONTROLS = frozenset(range(32)) - {9, 10, 12, 13}
_LABELS = {PDF: "a PDF", PNG: "a PNG image", JPEG: "a JPEG image", TIFF: "a TIFF image"}
_LABELS[TEXT] = "plain text"
EXTENSIONS = {
    PDF: (".pdf",),
    PNG: (".png",),
    JPEG: (".jpg", ".jpeg"),
    TIFF: (".tif", ".tiff"),
    TEXT: (".txt", ".text"),
}
"""File name extensions of each type, the usual one first."""


def sniff(head: bytes) -> str | None:
    """The content type of a file starting with `head`, or None if it is none we know."""
    for magic, content_type in _MAGIC:
        if head.startswith(magic):
            return content_type
    return TEXT if _looks_like_text(head) else None


def label(content_type: str) -> str:
    """How a content type is named in messages."""
    return _LABELS.get(content_type, content_type)


def text_charset(path: Path) -> str:
    """`utf-8` if the text file at `path` is UTF-8 throughout, else Latin-1.

    Blocking (run it in a thread); it reads the file once, a megabyte at a time.
    """
    decoder = codecs.getincrementaldecoder(UTF8)()
    with path.open("rb") as file:
        try:
            while chunk := file.read(_CHARSET_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return LATIN1
    return UTF8


def _looks_like_text(head: bytes) -> bool:
    if not head or any(byte in _TEXT_CONTROLS for byte in head):
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut off by the end of the sample is still UTF-8.
        if exc.start < len(head) - 3 or len(head) < SNIFF_BYTES:
            return _looks_like_latin1(head)
    return True


def _looks_like_latin1(head: bytes) -> bool:
    # Bytes 0x80-0x9f are C1 controls in Latin-1: real legacy text has (almost) none.
    return sum(0x80 <= byte <= 0x9F for byte in head) <= len(head) // 100
