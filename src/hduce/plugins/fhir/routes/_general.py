"""FHIR's general parameters, valid on every interaction: `_format`, `_pretty`, `_summary`.

Answers are JSON: a `_format`, or an `Accept` header, naming only other formats is a 406 (a
body in another format, a 415). `_pretty` is a presentation hint, accepted. `_summary` is
`count` (a search's total, without its entries) or `false`; the other summaries (summary
elements, text, data) are not offered.
"""

from typing import Any

from litestar import Request

from hduce.plugins.fhir.errors import BadSearch, NotJson, NotJsonBody

FHIR_JSON = "application/fhir+json"
JSON_FORMATS = frozenset({"json", "application/json", FHIR_JSON})
_CHOICES = {"_pretty": ("true", "false"), "_summary": ("count", "false")}


async def check_general_parameters(request: Request[Any, Any, Any]) -> None:
    """Refuse a `_format` or an `Accept` without JSON (406), unknown `_pretty` or `_summary`."""
    accept = request.headers.get("accept")
    if accept and not _accepts_json(accept):
        raise NotJson(f"`Accept: {accept}`: this server answers JSON only ({_listed()})")
    for value in request.query_params.getall("_format", []):
        # `+` in a query is a space: `application/fhir+json` often arrives as `fhir json`.
        media_type = value.partition(";")[0].strip().replace(" ", "+").lower()
        if media_type not in JSON_FORMATS:
            raise NotJson(f"`_format` {value!r}: this server answers JSON only ({_listed()})")
    for name, choices in _CHOICES.items():
        for value in request.query_params.getall(name, []):
            if value not in choices:
                raise BadSearch(f"`{name}` is {' or '.join(choices)}, got {value!r}")


def check_json_body(request: Request[Any, Any, Any]) -> None:
    """Refuse (415) a body whose `Content-Type` is not JSON; none at all is read as JSON."""
    content_type = request.headers.get("content-type")
    if content_type and "json" not in content_type.partition(";")[0].lower():
        raise NotJsonBody(f"`Content-Type: {content_type}`: send the resource as {FHIR_JSON}")


def counting(request: Request[Any, Any, Any]) -> bool:
    """Whether the search asks for its total only (`_summary=count`)."""
    return request.query_params.get("_summary") == "count"


def _accepts_json(accept: str) -> bool:
    ranges = {part.partition(";")[0].strip().lower() for part in accept.split(",")}
    return not ranges.isdisjoint(JSON_FORMATS | {"*/*", "application/*"})


def _listed() -> str:
    return ", ".join(sorted(JSON_FORMATS))
