"""Answers on `/fhir/R4`: one resource as `application/fhir+json`, or a search's `Bundle`."""

from typing import Any

import msgspec
from litestar import Request, Response

from hduce.plugins.fhir.routes._general import FHIR_JSON, counting
from hduce.plugins.fhir.schemas import count_only, cursor_searchset, searchset

FHIR_BASE = "/fhir/R4"


def fhir_response(resource: dict[str, Any], status_code: int = 200) -> Response[bytes]:
    """One FHIR resource as `application/fhir+json`."""
    return Response(msgspec.json.encode(resource), status_code=status_code, media_type=FHIR_JSON)


def base_url(request: Request[Any, Any, Any]) -> str:
    """The absolute URL of `/fhir/R4` as the client reached it."""
    return f"{str(request.base_url).rstrip('/')}{FHIR_BASE}"


def query_of(request: Request[Any, Any, Any]) -> dict[str, list[str]]:
    """Every query parameter with all its values."""
    return {key: request.query_params.getall(key) for key in request.query_params}


def bundle(request: Request[Any, Any, Any], resource_type: str, found: Any) -> Response[bytes]:
    """A searchset `Bundle` of `(resources, total, page)` with paging links."""
    resources, total, page = found
    base, query = base_url(request), query_of(request)
    if counting(request):
        return fhir_response(count_only(base, resource_type, query, total))
    return fhir_response(searchset(base, resource_type, query, page, resources, total))


def cursor_bundle(
    request: Request[Any, Any, Any], resource_type: str, count: int, found: Any
) -> Response[bytes]:
    """A cursor-paged searchset `Bundle` of `(resources, next_cursor)`."""
    resources, next_cursor = found
    query = query_of(request)
    return fhir_response(
        cursor_searchset(base_url(request), resource_type, query, count, resources, next_cursor)
    )
