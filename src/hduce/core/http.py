"""Small helpers route modules share: the caller's address and documented problem answers."""

from typing import Any

from litestar import Request
from litestar.openapi import ResponseSpec

from hduce.core.errors import PROBLEM_JSON, Problem, status_phrase


def client_ip(request: Request[Any, Any, Any]) -> str | None:
    """The caller's address, for audit records and rate limits."""
    return request.client.host if request.client else None


def problems(*codes: int) -> dict[int, ResponseSpec]:
    """OpenAPI entries for the problem+json answers a route gives besides 401."""
    return {
        code: ResponseSpec(
            data_container=Problem, media_type=PROBLEM_JSON, description=status_phrase(code)
        )
        for code in codes
    }
