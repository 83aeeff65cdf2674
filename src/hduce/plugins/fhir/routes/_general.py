"""FHIR's general parameters, valid on every interaction: `_format`, `_pretty`, `_summary`.

Answers are JSON: a `_format` naming another format, or without `_format` an `Accept` header
naming only other formats, is a 406 (a body in another format, a 415). `_pretty` is a
presentation hint, accepted. `_summary` is `count` (a search's total, without its entries, as
`_count=0`) or `false`; the other summaries (summary elements, text, data) are not offered.
"""

from typing import Any

from litestar import Request

from hduce.plugins.fhir.errors import BadSearch, NotJson, UnsupportedBody
from hduce.plugins.fhir.routes._parameters import read_parameters
from hduce.plugins.fhir.schemas import Params

FHIR_JSON = "application/fhir+json"
ANSWERED = (FHIR_JSON, "application/json")
"""The media types of JSON this server may answer with."""
DSTU2_JSON = "application/json+fhir"
"""DSTU2's name of FHIR JSON, which R4 servers still take when named (answered as FHIR_JSON)."""
JSON_FORMATS = frozenset({"json", DSTU2_JSON, *ANSWERED})
_CHOICES = {
    "_pretty": ("true", "false"),
    "_summary": ("count", "false"),
    # fhirpy's `.count()` sends it (Aidbox's name): the total is always counted exactly.
    "_totalMethod": ("count",),
}


async def check_general_parameters(request: Request[Any, Any, Any]) -> None:
    """Refuse a `_format` or an `Accept` without JSON (406), unknown `_pretty` or `_summary`.

    A `_format` overrides the `Accept` header (FHIR: for clients that cannot set it).
    """
    params = await read_parameters(request)
    formats = params.get("_format", [])
    for value in formats:
        # `+` in a query is a space: `application/fhir+json` often arrives as `fhir json`.
        media_type = value.partition(";")[0].strip().replace(" ", "+").lower()
        if media_type not in JSON_FORMATS:
            raise NotJson(f"`_format` {value!r}: this server answers JSON only ({_listed()})")
    accept = request.headers.get("accept")
    if accept and not formats and not _accepts_json(accept):
        raise NotJson(f"`Accept: {accept}`: this server answers JSON only ({_listed()})")
    for name, choices in _CHOICES.items():
        for value in params.get(name, []):
            if value not in choices:
                raise BadSearch(f"`{name}` is {' or '.join(choices)}, got {value!r}")


def check_json_body(request: Request[Any, Any, Any]) -> None:
    """Refuse (415) a body whose `Content-Type` is not JSON; none at all is read as JSON."""
    content_type = request.headers.get("content-type")
    if content_type and "json" not in content_type.partition(";")[0].lower():
        raise UnsupportedBody(f"`Content-Type: {content_type}`: send the resource as {FHIR_JSON}")


def counting(params: Params) -> bool:
    """Whether the search asks for its total only: `_summary=count` or `_count=0`."""
    return params.get("_summary", [""])[0] == "count" or _count_zero(params)


def counted(params: Params) -> Params:
    """`params` as the search reads them: `_count=0` (the total only) reads a page of one."""
    return {**params, "_count": ["1"]} if _count_zero(params) else params


def _count_zero(params: Params) -> bool:
    given = params.get("_count", [])
    return len(given) == 1 and set(given[0]) == {"0"}


def _accepts_json(accept: str) -> bool:
    """Whether a JSON type we answer is acceptable: its most specific range has a q above 0.

    DSTU2's name counts only when named (a wildcard's JSON is the two R4 types).
    """
    qualities: dict[str, float] = {}
    for part in accept.split(","):
        media_range, *parameters = part.split(";")
        qualities[media_range.strip().lower()] = _quality(parameters)
    if qualities.get(DSTU2_JSON, 0) > 0:
        return True
    return any(
        next((qualities[r] for r in (media_type, "application/*", "*/*") if r in qualities), 0) > 0
        for media_type in ANSWERED
    )


def _quality(parameters: list[str]) -> float:
    """The `q` of a media range's parameters (1 when absent or unreadable)."""
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value)
            except ValueError:
                return 1.0
    return 1.0


def _listed() -> str:
    return ", ".join(sorted(JSON_FORMATS))
