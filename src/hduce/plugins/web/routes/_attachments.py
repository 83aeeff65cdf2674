"""Files the browser saves: a clean name in `Content-Disposition` (UTF-8 and ASCII)."""

import mimetypes
import re
import unicodedata
from urllib.parse import quote

from litestar import Response

from hduce.plugins.web.routes._render import PAGE_HEADERS

UNSAFE = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|;]')
"""Characters no saved file name (nor the header) should carry."""
NOT_ASCII_SAFE = re.compile(r"[^A-Za-z0-9._ ()+-]")
LONGEST = 200


def clean_name(name: str | None, fallback: str, media_type: str) -> str:
    """`name` without folders, control characters or quotes.

    With no name left, `fallback` and the usual extension of `media_type`.
    """
    base = re.split(r"[/\\]", name or "")[-1]
    cleaned = UNSAFE.sub("_", base).strip(" .")[:LONGEST]
    return cleaned or fallback + (mimetypes.guess_extension(media_type) or "")


def attachment(body: bytes, media_type: str, filename: str) -> Response[bytes]:
    """A file the browser saves as `filename` (a clean name), with the page headers."""
    folded = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    plain = NOT_ASCII_SAFE.sub("_", folded) or "download"
    disposition = f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"
    return Response(
        body, media_type=media_type, headers={**PAGE_HEADERS, "Content-Disposition": disposition}
    )
