"""The FHIR `read` and `search` interactions as decorators over the service call behind them.

Every resource type's read and search differ only in that call, so a resource module writes
just the call, named and documented as its handler; the handler (its dependencies, answer and
OpenAPI operation) is made here once.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler

from hduce.core.http import client_ip
from hduce.core.security import Principal
from hduce.plugins.fhir.routes._responses import base_url, bundle, fhir_response, query_of
from hduce.plugins.fhir.services import FhirServices


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


Found = Any
"""A search's `(resources, total, page)`."""

Resource = dict[str, Any]
"""One FHIR resource as JSON."""

Answer = Callable[[FhirCall], Awaitable[Response[bytes]]]


def search(
    resource_type: str,
) -> Callable[[Callable[[FhirCall], Awaitable[Found]]], HTTPRouteHandler]:
    """`GET /<resource_type>` answering a searchset `Bundle` of what the decorated function finds.

    The function's name and docstring are the OpenAPI operation's, as for a plain handler.
    """

    def decorate(find: Callable[[FhirCall], Awaitable[Found]]) -> HTTPRouteHandler:
        async def answer(call: FhirCall) -> Response[bytes]:
            return bundle(call.request, resource_type, await find(call))

        return _route(f"/{resource_type}", find, answer)

    return decorate


def read(path: str) -> Callable[[Callable[[FhirCall, str], Awaitable[Resource]]], HTTPRouteHandler]:
    """`GET <path>` (its one parameter the id) answering the resource the function returns."""

    def decorate(fetch: Callable[[FhirCall, str], Awaitable[Resource]]) -> HTTPRouteHandler:
        async def answer(call: FhirCall) -> Response[bytes]:
            (resource_id,) = call.request.path_params.values()
            return fhir_response(await fetch(call, resource_id))

        return _route(path, fetch, answer)

    return decorate


def _route(path: str, interaction: Callable[..., Any], answer: Answer) -> HTTPRouteHandler:
    """The route handler of `interaction`, under its name and docstring."""

    async def handler(
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        fhir: NamedDependency[FhirServices],
    ) -> Response[bytes]:
        return await answer(FhirCall(request, principal, fhir))

    handler.__name__ = handler.__qualname__ = interaction.__name__
    handler.__doc__ = interaction.__doc__
    return get(path)(handler)
