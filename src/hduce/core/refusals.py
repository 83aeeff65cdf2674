"""Why Litestar refused a request, in words: its problems' `detail`, its 422s' invalid inputs."""

import re
import traceback
from typing import Any

from litestar import Request
from litestar._multipart import parse_multipart_form
from litestar.exceptions import (
    HTTPException,
    MethodNotAllowedException,
    NotFoundException,
    SerializationException,
    ValidationException,
)
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from multipart import ParserError, ParserLimitReached  # type: ignore[import-untyped]

from hduce.core.text_patterns import worded

FORM = "the multipart/form-data body"
ECHO_LIMIT = 200
"""Characters of a client's text an invalid input's message or key repeats, at most."""
NOT_A_FILE = "a file is expected, and this part is a text field (it has no `filename`)"
UNSUPPORTED_TEXT = "Unsupported type: <class 'str'>"
"""Litestar's words for a text where a file (an upload) is expected."""
MISSING_PARAMETER = re.compile(r"Missing required (\w+) parameter '(.+?)' for path ", re.DOTALL)
"""Litestar's words for a required parameter not sent (then the whole request target)."""


def refusal_detail(request: Request, exc: Exception) -> str | None:
    """Why Litestar refused the request (None: it says nothing more than its status)."""
    if isinstance(exc, HTTPException):
        return _unparsable_body(exc) or _unrouted(request, exc) or _too_large(request, exc)
    if isinstance(exc, UnicodeError | LookupError) and _raised_parsing_a_form(exc):
        # Litestar lets a text field's decoding error out as it is (a field that is not UTF-8,
        # names a charset Python lacks, or one whose decoder raises a plain UnicodeError, like
        # `undefined`, `punycode` or `idna`): the client's error, not ours.
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


def invalid_inputs(exc: ValidationException) -> list[Any] | None:
    """Litestar's invalid inputs of a 422, each message and key cut to `ECHO_LIMIT` characters.

    A message repeats what the client sent (an unknown key): 5 MB of it came back twice. A
    required parameter not sent is one too, named without the request target Litestar repeats;
    a text field sent for a file is said in words, not in Python's, and a text its pattern
    refuses in the words kept beside the pattern.
    """
    missing = MISSING_PARAMETER.match(exc.detail)
    if missing:
        source, key = missing.groups()
        return [
            {
                "message": f"a required {source} parameter is missing",
                "key": _cut(key),
                "source": source,
            }
        ]
    if not isinstance(exc.extra, list):
        return None
    return [_worded(error) if isinstance(error, dict) else error for error in exc.extra]


def _worded(error: dict[str, Any]) -> dict[str, Any]:
    message = error.get("message")
    if message == UNSUPPORTED_TEXT:
        error = {**error, "message": NOT_A_FILE}
    elif isinstance(message, str):
        error = {**error, "message": worded(message)}
    return {name: _cut(value) for name, value in error.items()}


def described(error: Any) -> str:
    """One invalid input in words, for a 422's `detail`: `key: message`."""
    if not isinstance(error, dict):
        return _cut(str(error))
    key = error.get("key")
    message = str(error.get("message", "invalid value"))
    return f"{key}: {message}" if key else message


def _cut(value: Any) -> Any:
    if isinstance(value, str) and len(value) > ECHO_LIMIT:
        return value[: ECHO_LIMIT - 1] + "…"
    return value
