"""Which type a file is, judged from its bytes (magic numbers), never from the client.

Text is UTF-8, else Windows-1252.
"""

import codecs
from pathlib import Path

PDF, PNG, JPEG, TIFF = "application/pdf", "image/png", "image/jpeg", "image/tiff"
TEXT = "text/plain"
SNIFF_BYTES = 8192
"""How much of the start of a file `sniff` looks at."""
UTF8, WINDOWS_1252 = "utf-8", "windows-1252"
_CHARSET_CHUNK = 1024 * 1024
# The bytes Windows-1252 leaves undefined; decoders (browsers' too) read them as Latin-1 does,
# as C1 control characters.
_UNDEFINED_1252 = frozenset(b"\x81\x8d\x8f\x90\x9d")
_WINDOWS_1252_TABLE = "".join(
    chr(byte) if byte in _UNDEFINED_1252 else bytes([byte]).decode("cp1252") for byte in range(256)
)

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


def decode_text(data: bytes) -> str:
    """Text bytes as UTF-8 (a byte order mark dropped), else as Windows-1252."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return codecs.charmap_decode(data, "strict", _WINDOWS_1252_TABLE)[0]


def text_charset(path: Path) -> str:
    """`utf-8` if the text file at `path` is UTF-8 throughout, else Windows-1252.

    Blocking (run it in a thread); it reads the file once, a megabyte at a time.
    """
    decoder = codecs.getincrementaldecoder(UTF8)()
    with path.open("rb") as file:
        try:
            while chunk := file.read(_CHARSET_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return WINDOWS_1252
    return UTF8


def _looks_like_text(head: bytes) -> bool:
    if not head or any(byte in _TEXT_CONTROLS for byte in head):
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut off by the end of the sample is still UTF-8.
        if exc.start < len(head) - 3 or len(head) < SNIFF_BYTES:
            return _looks_like_windows_1252(head)
    return True


def _looks_like_windows_1252(head: bytes) -> bool:
    # Its quotes, dashes and euro sign are 0x80-0x9f; the few bytes it leaves undefined are C1
    # controls, which real legacy text has (almost) none of.
    return sum(byte in _UNDEFINED_1252 for byte in head) <= len(head) // 100
