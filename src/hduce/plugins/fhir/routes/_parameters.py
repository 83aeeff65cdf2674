"""A FHIR request's parameters: its query, a `POST _search`'s form body, `Prefer`.

A search by POST sends its parameters as a form, possibly some also in the URL: both count.
Under `Prefer: handling=lenient` a search leaves out the parameters it does not know (its
links then show only those it used); by default, as under `handling=strict`, they are a 400.
"""

from typing import Any
from urllib.parse import parse_qsl

from litestar import Request

from hduce.plugins.fhir.errors import BadSearch, UnsupportedBody
from hduce.plugins.fhir.schemas import GENERAL, Filters, Params, search_parameters

FORM = "application/x-www-form-urlencoded"
FILTERS = "fhir_search_filters"
"""The route option holding a search's filters (what `handling=lenient` keeps)."""
BY_FORM = "fhir_search_form"
"""The route option marking a search by POST (its body is a form of parameters)."""
_PARAMS = "fhir_params"
"""Where a request keeps its parameters once read (`parameters`)."""

AnyRequest = Request[Any, Any, Any]


async def read_parameters(request: AnyRequest) -> Params:
    """Read (once, for `parameters`) the query, with the form of a search by POST."""
    given = {key: request.query_params.getall(key) for key in request.query_params}
    if request.route_handler.opt.get(BY_FORM):
        for key, value in await _form(request):
            given.setdefault(key, []).append(value)
    filters: Filters | None = request.route_handler.opt.get(FILTERS)
    if filters is not None and preference(request, "handling") == "lenient":
        known = search_parameters(filters).keys() | GENERAL
        given = {key: values for key, values in given.items() if key in known}
    request.state[_PARAMS] = given
    return given


def parameters(request: AnyRequest) -> Params:
    """Every parameter the request gives, with all its values (as `read_parameters` read them)."""
    return request.state[_PARAMS]


async def _form(request: AnyRequest) -> list[tuple[str, str]]:
    """The parameters in a search's form body; 415 for a body of another type."""
    body = await request.body()
    if not body:
        return []
    content_type = request.headers.get("content-type", "")
    if content_type.partition(";")[0].strip().lower() != FORM:
        raise UnsupportedBody(
            f"`Content-Type: {content_type}`: send the search's parameters as {FORM}"
        )
    try:
        return parse_qsl(body.decode(), keep_blank_values=True)
    except UnicodeDecodeError:
        raise BadSearch(f"the {FORM} body is not UTF-8") from None


def preference(request: AnyRequest, name: str) -> str | None:
    """The value the client prefers for `name` (RFC 7240 `Prefer`, among others), lower-cased.

    The value may be quoted (`handling="lenient"`); names and values are case-insensitive.
    """
    preferences = {
        key.strip().lower(): value.strip().strip('"').lower()
        for header in request.headers.getall("prefer", [])
        for given in header.split(",")
        for key, _, value in [given.partition(";")[0].partition("=")]
    }
    return preferences.get(name)
