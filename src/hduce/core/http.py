"""Small helpers route modules share: the caller's address, paging and documented problems."""

import re
from contextvars import ContextVar
from typing import Annotated, Any

from litestar import Request
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import Body, BodyKwarg, QueryParameter
from litestar.types import Scope

from hduce.core.errors import PROBLEM_JSON, Problem, status_phrase

serving_client_var: ContextVar[str | None] = ContextVar("hduce_client_ip", default=None)
"""The address of the HTTP client being served; set by `RequestPath` for each request."""


def client_ip(request: Request[Any, Any, Any]) -> str | None:
    """The caller's address, for audit records and rate limits."""
    return request.client.host if request.client else None


def serving_client_ip() -> str | None:
    """The address of the HTTP client whose request is being served (None outside a request).

    The same address as `client_ip`: the server has already resolved `X-Forwarded-For` from the
    `trusted_proxies` (and from no one else) before the app sees the request.
    """
    return serving_client_var.get()


def exclude_pattern(exclude: str | list[str] | None) -> re.Pattern[str] | None:
    """A middleware config's `exclude` paths as one pattern (None: nothing is excluded)."""
    if not exclude:
        return None
    return re.compile("|".join([exclude] if isinstance(exclude, str) else exclude))


def path_excluded(pattern: re.Pattern[str] | None, scope: Scope) -> bool:
    """Litestar's rule for `exclude`: a mount matches on its raw path, other routes on the path."""
    if pattern is None:
        return False
    mount = getattr(scope.get("route_handler"), "is_mount", False)
    return pattern.search(scope["raw_path"].decode() if mount else scope["path"]) is not None


def problems(*codes: int) -> dict[int, ResponseSpec]:
    """OpenAPI entries for the problem+json answers a route gives besides 401."""
    return {
        # Real examples are added for the whole document by `core.openapi_contract`.
        code: ResponseSpec(
            data_container=Problem,
            media_type=PROBLEM_JSON,
            description=status_phrase(code),
            generate_examples=False,
        )
        for code in codes
    }


def body_example(summary: str, value: Any) -> BodyKwarg:
    """A JSON request body documented with one real example, for `Annotated[T, ...]`."""
    return Body(examples=[Example(summary=summary, value=value)])


def answer_example(
    status: int, data: type, summary: str, value: Any, description: str = ""
) -> dict[int, ResponseSpec]:
    """The success answer of a route documented with one real example (for `responses=`)."""
    spec = ResponseSpec(
        data_container=data,
        description=description or status_phrase(status),
        examples=[Example(summary=summary, value=value)],
        generate_examples=False,
    )
    return {status: spec}


MAX_OFFSET = 10_000_000
PageOffset = Annotated[
    int, QueryParameter(ge=0, le=MAX_OFFSET, description="How many items to skip (paging).")
]
"""The `offset` query parameter of every paginated list."""
