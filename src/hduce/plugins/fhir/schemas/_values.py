"""A search parameter's raw values: FHIR's comma-separated OR, one value, the 400s for both."""

import re
from collections.abc import Mapping, Sequence

from hduce.plugins.fhir.errors import BadSearch

Params = Mapping[str, Sequence[str]]
"""A request's query: every parameter with all its values."""
OR = re.compile(r"(?<!\\),")
r"""The commas between a parameter's values (FHIR's OR); `\,` is a comma inside a value."""


def any_of(params: Params, name: str) -> list[str] | None:
    r"""The comma-separated values of `name` (FHIR's OR; `\,` is a comma in a value), or None.

    400 when the parameter repeats or a value is empty.
    """
    given = params.get(name) or []
    if len(given) > 1:
        raise BadSearch(f"{name}: give it once")
    if not given:
        return None
    values = [value.replace("\\,", ",").strip() for value in OR.split(given[0])]
    if not all(values):
        raise BadSearch(f"{name}: empty value")
    return values


def single(params: Params, name: str) -> str | None:
    """The one value of `name`, or None; 400 when it repeats, is empty or lists several."""
    values = any_of(params, name)
    if values is not None and len(values) > 1:
        raise several(name)
    return values[0] if values else None


def several(name: str) -> BadSearch:
    """The 400 for comma-separated values (an OR) of a parameter that takes one."""
    return BadSearch(
        f"{name}: one value; comma-separated values (OR) are not supported for {name} "
        "(a comma inside a value is written \\,)"
    )
