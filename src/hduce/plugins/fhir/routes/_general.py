"""FHIR's general parameters, valid on every interaction: `_format`, `_pretty`, `_summary`.

Answers are JSON whatever is asked: a `_format` naming another format is a 406. `_pretty` is a
presentation hint, accepted. `_summary` is `count` (a search's total, without its entries) or
`false`; the other summaries (elements marked as summary, text, data) are not offered.
"""

from typing import Any

from litestar import Request

from hduce.plugins.fhir.errors import BadSearch, NotJson

JSON_FORMATS = frozenset({"json", "application/json", "application/fhir+json"})
_CHOICES = {"_pretty": ("true", "false"), "_summary": ("count", "false")}


async def check_general_parameters(request: Request[Any, Any, Any]) -> None:
    """Refuse a `_format` other than JSON (406) and unknown `_pretty` or `_summary` values."""
    for value in request.query_params.getall("_format", []):
        # `+` in a query is a space: `application/fhir+json` often arrives as `fhir json`.
        media_type = value.partition(";")[0].strip().replace(" ", "+").lower()
        if media_type not in JSON_FORMATS:
            raise NotJson(f"`_format` {value!r}: this server answers JSON only ({_listed()})")
    for name, choices in _CHOICES.items():
        for value in request.query_params.getall(name, []):
            if value not in choices:
                raise BadSearch(f"`{name}` is {' or '.join(choices)}, got {value!r}")


def counting(request: Request[Any, Any, Any]) -> bool:
    """Whether the search asks for its total only (`_summary=count`)."""
    return request.query_params.get("_summary") == "count"


def _listed() -> str:
    return ", ".join(sorted(JSON_FORMATS))
