"""The FHIR `read` and `search` interactions: route handlers made from a service method.

A read is one handler; a search two, by GET and by POST to `_search` (a form).

Every resource type's read and search differ only in the service method behind them, so the
resource modules list `(path, handler name, method)`; the handler, its dependencies, its answer
and its OpenAPI operation (named by the handler name, described by the method's summary line)
are made here once.
"""

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import fields
from functools import partial
from typing import Any

from litestar import HttpMethod, Request, Response, route
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler

from hduce.core.errors import NotFound
from hduce.core.http import client_ip
from hduce.core.security import Principal
from hduce.plugins.fhir.errors import BadSearch
from hduce.plugins.fhir.routes._general import counted, counting
from hduce.plugins.fhir.routes._openapi import (
    FhirBundle,
    FhirOperation,
    FhirResource,
    fhir_responses,
    search_operation,
)
from hduce.plugins.fhir.routes._parameters import BY_FORM, FILTERS, parameters
from hduce.plugins.fhir.routes._responses import (
    base_url,
    bundle,
    cursor_bundle,
    fhir_response,
)
from hduce.plugins.fhir.schemas import CURSOR, Filters, Params, count_only, local_references
from hduce.plugins.fhir.services import Caller, FhirServices

SearchMethod = Callable[[Any, Caller, Params], Awaitable[Any]]
"""A service's search, unbound (`DeviceResources.search`): `(resources, total, page)`, or
`(resources, next cursor)` for a search that pages by cursor."""

ReadMethod = Callable[[Any, Caller, str], Awaitable[dict[str, Any]]]
"""A service's read, unbound (`DeviceResources.read`): the resource with the id in the path."""

Method = Callable[[Any, Caller, Any], Awaitable[Any]]
"""Either of the two: `(service, caller, query or id)`."""

AnyRequest = Request[Any, Any, Any]


def search_route(
    resource_type: str,
    filters: Filters,
    name: str,
    method: SearchMethod,
    description: str | None = None,
) -> tuple[HTTPRouteHandler, HTTPRouteHandler]:
    """`GET /<resource_type>` and `POST /<resource_type>/_search` (a form, and the query).

    Both answer the searchset `Bundle` of what `method` finds for the parameters; `filters`
    are those `method` takes besides paging (documented with it); with `_cursor` among them
    the search pages by cursor, without a total to count.
    """
    by_cursor = CURSOR in filters

    def asked(request: AnyRequest) -> Params:
        query = parameters(request)
        if by_cursor and counting(query):
            raise BadSearch(
                f"`_summary=count` and `_count=0` need a total: {resource_type} pages by "
                "cursor, without one"
            )
        return counted(local_references(query, filters, base_url(request)))

    def answer(request: AnyRequest, found: Any) -> Response[bytes]:
        query = parameters(request)
        if counting(query):
            return fhir_response(count_only(base_url(request), resource_type, query, found[1]))
        if by_cursor:
            return cursor_bundle(request, resource_type, found)
        return bundle(request, resource_type, found)

    path, responses = f"/{resource_type}", fhir_responses(FhirBundle)
    by_get = {
        "responses": responses,
        "operation_class": search_operation(filters),
        "opt": {FILTERS: filters},
    }
    by_post = {
        "http_method": HttpMethod.POST,
        "responses": fhir_responses(FhirBundle, form=True),
        "operation_class": search_operation(filters, form=True),
        "opt": {FILTERS: filters, BY_FORM: True},
    }
    return (
        _route(path, name, method, asked, answer, description, by_get),
        _route(f"{path}/_search", f"{name}_by_post", method, asked, answer, description, by_post),
    )


def read_route(
    path: str, name: str, method: ReadMethod, description: str | None = None
) -> HTTPRouteHandler:
    """`GET <path>` (its one parameter the id): the resource `method` reads, as FHIR JSON."""
    documented = {"responses": fhir_responses(FhirResource), "operation_class": FhirOperation}
    return _route(
        path, name, method, _path_id, lambda _, read: fhir_response(read), description, documented
    )


def _route(
    path: str,
    name: str,
    method: Method,
    asked: Callable[[AnyRequest], Any],
    answer: Callable[[AnyRequest, Any], Response[bytes]],
    description: str | None,
    documented: dict[str, Any],
) -> HTTPRouteHandler:
    """The handler called `name` (its OpenAPI operation id and summary): `method(caller, asked)`.

    Its description is `description`, else the summary line of the method's docstring; its
    answers and parameters in the OpenAPI document are `documented` (route handler options).
    """

    async def handler(
        request: AnyRequest,
        principal: NamedDependency[Principal],
        fhir: NamedDependency[FhirServices],
    ) -> Response[bytes]:
        caller = Caller(principal, client_ip(request), base_url(request))
        return answer(request, await _bound(fhir, method)(caller, asked(request)))

    handler.__name__ = handler.__qualname__ = name
    summary = inspect.cleandoc(method.__doc__ or "").partition("\n")[0]
    options = {"http_method": HttpMethod.GET, "status_code": 200, **documented}
    return route(path, description=description or summary, **options)(handler)


def _path_id(request: AnyRequest) -> str:
    """The one path parameter of a read: the resource's id."""
    (resource_id,) = request.path_params.values()
    return str(resource_id)


def _bound(fhir: FhirServices, method: Method) -> Callable[[Caller, Any], Awaitable[Any]]:
    """`method` bound to the one of the FHIR services that has it.

    404 while the plugin behind that service is disabled (its routes are not mounted then).
    """
    for field in fields(fhir):
        service = getattr(fhir, field.name)
        if getattr(type(service), method.__name__, None) is method:
            return partial(method, service)
    raise NotFound("this FHIR resource type is not served here")
