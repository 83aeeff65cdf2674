"""The FHIR `read` and `search` interactions: one route handler each, built from a line a resource.

Every resource type's read and search differ only in the service call behind them, so a resource
module names its handler, its docstring and that call; the handler (its path, answer and
OpenAPI operation) is made here once.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler

from hduce.core.http import client_ip
from hduce.core.security import Principal
from hduce.plugins.fhir.routes._responses import base_url, bundle, fhir_response, query_of
from hduce.plugins.fhir.services import FhirServices

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class FhirCall:
    """One interaction's caller and services, and what its request tells a service."""

    request: Request[Any, Any, Any]
    principal: Principal
    fhir: FhirServices

    @property
    def query(self) -> dict[str, list[str]]:
        """Every query parameter with all its values."""
        return query_of(self.request)

    @property
    def ip(self) -> str | None:
        """The caller's address, for the audit log."""
        return client_ip(self.request)

    @property
    def base(self) -> str:
        """The absolute URL of `/fhir/R4`, for references in the answer."""
        return base_url(self.request)


Search = Callable[[FhirCall], Awaitable[Any]]
"""A search: `(resources, total, page)` for the call's query."""

Read = Callable[[FhirCall, str], Awaitable[dict[str, Any]]]
"""A read: the one resource with the id in the path (NotFound when the caller may not see it)."""


def search_route(resource_type: str, name: str, doc: str, search: Search) -> HTTPRouteHandler:
    """`GET /<resource_type>`: a searchset `Bundle`; `name` and `doc` make its OpenAPI operation."""

    async def handler(
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        fhir: NamedDependency[FhirServices],
    ) -> Response[bytes]:
        found = await search(FhirCall(request, principal, fhir))
        return bundle(request, resource_type, found)

    return get(f"/{resource_type}")(_named(handler, name, doc))


def read_route(path: str, name: str, doc: str, read: Read) -> HTTPRouteHandler:
    """`GET <path>` with one path parameter, the id: the resource as `application/fhir+json`."""

    async def handler(
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        fhir: NamedDependency[FhirServices],
    ) -> Response[bytes]:
        (resource_id,) = request.path_params.values()
        return fhir_response(await read(FhirCall(request, principal, fhir), resource_id))

    return get(path)(_named(handler, name, doc))


def _named(handler: F, name: str, doc: str) -> F:
    """The handler under its operation's name (the OpenAPI id and summary) and description."""
    handler.__name__ = handler.__qualname__ = name
    handler.__doc__ = doc
    return handler
