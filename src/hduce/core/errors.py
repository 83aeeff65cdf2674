"""Domain errors with HTTP status, and their RFC 9457 problem+json rendering.

Which answer each exception gets (a domain error, Litestar's, PostgreSQL's, a bug) is
`core.error_answers`.
"""

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, Self

import msgspec
from litestar import Request, Response

PROBLEM_JSON = "application/problem+json"
PROBLEM_TYPE_BASE = "https://hduce.dev/problems/"


class HduceError(Exception):
    """Base for errors a client can act on; subclasses set `status_code`, `slug` and `title`."""

    status_code: int = 400
    slug: str = "bad-request"
    title: str = "Bad request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra

    @classmethod
    def naming(
        cls, key: str, message: str, source: str = "query", *, detail: str | None = None
    ) -> Self:
        """One invalid input, named in `errors`; the detail `key: message`, or `detail`."""
        found = FieldError(message=message, key=key, source=source)
        return cls(f"{key}: {message}" if detail is None else detail, errors=[found])


class NotFound(HduceError):
    """The resource does not exist, or the caller may not know that it does."""

    status_code, slug, title = 404, "not-found", "Not found"


class Conflict(HduceError):
    """The request conflicts with the current state of the resource."""

    status_code, slug, title = 409, "conflict", "Conflict"


class Forbidden(HduceError):
    """The caller is known but may not do this."""

    status_code, slug, title = 403, "forbidden", "Forbidden"


class InvalidRequest(HduceError):
    """A well-formed request whose values the API cannot accept: answered as a failed validation."""

    status_code, slug, title = 422, "validation-error", "Invalid request"


class FieldError(msgspec.Struct, omit_defaults=True):
    """One invalid input of a 422 answer: what is wrong, with which key, in which part."""

    message: str
    key: str | None = None
    source: str | None = None
    """`body`, `query`, `path`, `header` or `cookie`."""


class Problem(msgspec.Struct, omit_defaults=True):
    """An RFC 9457 problem details document."""

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    request_id: str | None = None
    errors: list[FieldError] | None = None
    """On 422 validation errors: each invalid input."""


def problem_response(
    request: Request,
    status: int,
    slug: str,
    detail: str | None,
    *,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Response[bytes]:
    """Render one problem+json response; a 401's says how to authenticate (`WWW-Authenticate`)."""
    if status == 401:
        # Here, not at the top: the security package's guards raise this module's errors.
        from hduce.core.security.bearer import challenge

        headers = {"WWW-Authenticate": challenge(request.scope), **(headers or {})}
    standard = msgspec.to_builtins(
        Problem(
            type=PROBLEM_TYPE_BASE + slug,
            title=title or status_phrase(status),
            status=status,
            detail=detail,
            instance=request.url.path,
            request_id=request.scope.get("state", {}).get("request_id"),
        )
    )
    return Response(
        content=msgspec.json.encode({**(extra or {}), **standard}),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def status_phrase(status: int) -> str:
    """The reason phrase of an HTTP status, or a generic one for non-standard codes."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Client error" if status < 500 else "Server error"
