"""Answers on `/fhir/R4`: one resource as `application/fhir+json`, or a search's `Bundle`."""

from typing import Any

import msgspec
from litestar import Request, Response

from hduce.core.config import ServerSettings
from hduce.core.config.addresses import listening_url
from hduce.plugins.fhir.routes._general import FHIR_JSON
from hduce.plugins.fhir.routes._parameters import parameters
from hduce.plugins.fhir.schemas import cursor_searchset, entity_tag, paging, searchset

FHIR_BASE = "/fhir/R4"
PUBLIC_BASE = "fhir_public_base"
"""The router option holding the configured absolute URL of `/fhir/R4` (see `public_base`)."""


def fhir_response(resource: dict[str, Any], status_code: int = 200) -> Response[bytes]:
    """One FHIR resource as `application/fhir+json`, with its version as `ETag` if it has one."""
    tag = entity_tag(resource)
    return Response(
        msgspec.json.encode(resource),
        status_code=status_code,
        media_type=FHIR_JSON,
        headers={"ETag": tag} if tag else None,
    )


def public_base(server: ServerSettings) -> str | None:
    """`/fhir/R4` under a configured `server.public_url`; None when it was left to default.

    An unset `public_url` defaults to the listening address (`http://<host>:<port>`): then,
    in development, links follow the address each request reached instead.
    """
    if server.public_url == listening_url(server.host, server.port):
        return None
    return f"{server.public_url.rstrip('/')}{FHIR_BASE}"


def base_url(request: Request[Any, Any, Any]) -> str:
    """The absolute URL of `/fhir/R4`: the router's `public_base`, else as the client reached it.

    The request's address comes from its Host header, which anyone can forge: it is only the
    fallback of a server without `server.public_url`.
    """
    configured = request.route_handler.opt.get(PUBLIC_BASE)
    return configured or f"{str(request.base_url).rstrip('/')}{FHIR_BASE}"


def bundle(request: Request[Any, Any, Any], resource_type: str, found: Any) -> Response[bytes]:
    """A searchset `Bundle` of `(resources, total, page)` with paging links."""
    resources, total, page = found
    query = parameters(request)
    return fhir_response(searchset(base_url(request), resource_type, query, page, resources, total))


def cursor_bundle(
    request: Request[Any, Any, Any], resource_type: str, found: Any
) -> Response[bytes]:
    """A cursor-paged searchset `Bundle` of `(resources, next_cursor)`."""
    resources, next_cursor = found
    query = parameters(request)
    count = paging(query).count
    return fhir_response(
        cursor_searchset(base_url(request), resource_type, query, count, resources, next_cursor)
    )
