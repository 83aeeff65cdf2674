"""Why Litestar refused a request, in words: the `detail` of its problems."""

import traceback

from litestar import Request
from litestar._multipart import parse_multipart_form
from litestar.exceptions import (
    HTTPException,
    MethodNotAllowedException,
    NotFoundException,
    SerializationException,
)
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from multipart import ParserError, ParserLimitReached  # type: ignore[import-untyped]

FORM = "the multipart/form-data body"


def refusal_detail(request: Request, exc: Exception) -> str | None:
    """Why Litestar refused the request (None: it says nothing more than its status)."""
    if isinstance(exc, HTTPException):
        return _unparsable_body(exc) or _unrouted(request, exc) or _too_large(request, exc)
    if isinstance(exc, UnicodeDecodeError | LookupError) and _raised_parsing_a_form(exc):
        # Litestar lets a text field's decoding error out as it is (a field that is not UTF-8,
        # or names a charset Python lacks): the client's error, not ours.
        return f"{FORM} does not parse: a text field does not decode ({exc})"
    return None


def _unparsable_body(exc: HTTPException) -> str | None:
    cause = exc.__cause__
    if isinstance(cause, SerializationException):
        return f"the JSON body does not parse: {cause}"
    if isinstance(cause, ParserError):
        return f"{FORM} does not parse: {cause}"
    return None


def _unrouted(request: Request, exc: HTTPException) -> str | None:
    if isinstance(exc, MethodNotAllowedException):
        allowed = (exc.headers or {}).get("allow", "")
        return f"{request.method} is not allowed on this path; it allows {allowed}"
    if not isinstance(exc, NotFoundException) or exc.detail != NotFoundException().detail:
        return None
    cause = exc.__cause__
    if isinstance(cause, ValueError) and not isinstance(cause, HTTPException):
        return f"no route matches this path: a path parameter is malformed ({cause})"
    return "no route matches this path"


def _too_large(request: Request, exc: HTTPException) -> str | None:
    if isinstance(exc, RequestEntityTooLarge):
        limit = request.route_handler.resolve_request_max_body_size()
        return f"the request body is over the {limit} bytes this route accepts"
    # Litestar's form parser says "Request Entity Too Large", in a 400, over its field count.
    if isinstance(exc.__context__, ParserLimitReached):
        if "segment count" not in str(exc.__context__):
            return f"{FORM} is over a limit: {exc.__context__}"
        return f"{FORM} has more than {request.app.multipart_form_part_limit} fields"
    return None


def _raised_parsing_a_form(exc: BaseException) -> bool:
    parser = parse_multipart_form.__code__
    return any(frame.f_code is parser for frame, _ in traceback.walk_tb(exc.__traceback__))
