"""The file name a raw upload's `Content-Disposition` header gives (RFC 6266 and RFC 8187)."""

import contextlib
import re
from email.message import EmailMessage, Message
from urllib.parse import unquote_to_bytes

from litestar import Request

from hduce.core.errors import FieldError
from hduce.plugins.documents.errors import InvalidDocument

DISPOSITION = "Content-Disposition"
# `filename*=charset'language'value`, the value percent-encoded (RFC 8187 ext-value).
_EXTENDED = re.compile(r"(?:^|;)\s*filename\*\s*=\s*([^;]*)", re.IGNORECASE)
_EXT_VALUE = re.compile(
    r"([A-Za-z0-9!#$%&+\-^_`{}~]+)'[A-Za-z0-9\-]*'((?:%[0-9A-Fa-f]{2}|[A-Za-z0-9!#$&+\-.^_`|~])*)"
)
# The charsets RFC 8187 has every recipient read; Python's names for them.
_CHARSETS = {"utf-8": "utf-8", "iso-8859-1": "latin-1"}


def disposition_name(request: Request) -> str | None:
    """The file name of a `Content-Disposition: attachment; filename…` header, if any.

    `filename*` wins over `filename`, as RFC 6266 says; one that cannot be decoded (not UTF-8 or
    ISO-8859-1, bad percent-encoding, bytes its charset does not have) leaves `filename`, and
    without one is a 422, as is a header that cannot be parsed. Clients (curl among them) send
    `filename`'s UTF-8 bytes as they are: the header's bytes are read as UTF-8 when they are
    UTF-8, else as Latin-1.
    """
    header = request.headers.get(DISPOSITION)
    if not header:
        return None
    with contextlib.suppress(UnicodeDecodeError):
        header = header.encode("latin-1").decode()  # the bytes as received, read as UTF-8
    checked = EmailMessage()
    try:
        checked[DISPOSITION] = header
    except ValueError as exc:  # a line break (\x85 NEL, U+2028 …) inside the header
        raise _invalid(str(exc)) from exc
    extended = _EXTENDED.search(header)
    if extended is None:
        return checked.get_filename()
    name = _decoded(extended[1].strip())
    if name is not None:
        return name
    plain = _plain_name(header)
    if plain is None:
        raise _invalid(
            f"its filename* ({extended[1].strip()[:80]!r}) is not a percent-encoded UTF-8 or "
            "ISO-8859-1 name, such as UTF-8''r%C3%A9sum%C3%A9.pdf"
        )
    return plain


def _plain_name(header: str) -> str | None:
    """The header's `filename` parameter, read with the plain parser.

    The header object of `EmailMessage` puts a decoded `filename*`, even a broken one, in
    `filename`'s place.
    """
    message = Message()
    message[DISPOSITION] = header
    for key, value in message.get_params(header=DISPOSITION, failobj=[]):
        if key.lower() == "filename" and isinstance(value, str):
            return value
    return None


def _decoded(value: str) -> str | None:
    """The name an RFC 8187 ext-value spells; None when it is not one this reads."""
    match = _EXT_VALUE.fullmatch(value)
    charset = _CHARSETS.get(match[1].lower()) if match else None
    if match is None or charset is None:
        return None
    try:
        return unquote_to_bytes(match[2]).decode(charset)
    except UnicodeDecodeError:
        return None


def _invalid(reason: str) -> InvalidDocument:
    return InvalidDocument(
        f"the {DISPOSITION} header cannot be read: {reason}; "
        "send the file name in the `filename` query parameter instead",
        errors=[FieldError(message=reason, key=DISPOSITION, source="header")],
    )
