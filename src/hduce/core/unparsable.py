"""Why a request body does not parse: the detail of the 400 problem it answers."""

import traceback

from litestar._multipart import parse_multipart_form
from litestar.exceptions import HTTPException, SerializationException
from multipart import ParserError  # type: ignore[import-untyped]

FORM = "the multipart/form-data body does not parse"


def unparsable_body(exc: BaseException) -> str | None:
    """Why Litestar could not parse the request body (None: `exc` is not about that).

    Besides its own 400s, Litestar's form parser lets a text part's decoding error out as it is
    (a part that is not UTF-8 or names a charset Python lacks): a client's error, not ours.
    """
    cause = exc.__cause__ if isinstance(exc, HTTPException) else None
    if isinstance(cause, SerializationException):
        return f"the JSON body does not parse: {cause}"
    if isinstance(cause, ParserError):
        return f"{FORM}: {cause}"
    if isinstance(exc, UnicodeDecodeError | LookupError) and _raised_parsing_a_form(exc):
        return f"{FORM}: a text field does not decode ({exc})"
    return None


def _raised_parsing_a_form(exc: BaseException) -> bool:
    parser = parse_multipart_form.__code__
    return any(frame.f_code is parser for frame, _ in traceback.walk_tb(exc.__traceback__))
