"""Which page of a searchset: `_count` and `_offset` (or a cursor) read from the query."""

import msgspec

from hduce.core.numbers import whole_number
from hduce.plugins.fhir.errors import BadSearch
from hduce.plugins.fhir.schemas._values import Params, single

DEFAULT_COUNT = 20
MAX_COUNT = 100
PAGING = frozenset({"_count", "_offset"})
CURSOR = "_cursor"
"""The paging parameter of a type that pages by cursor (with `_count`, without `_offset`)."""


Pinned = tuple[tuple[str, str], ...]
"""`(name, value)` pairs of search parameters; a name may repeat (`start=ge…&start=lt…`)."""


class Paging(msgspec.Struct, frozen=True):
    """Which page of a searchset: `_count` entries after skipping `_offset`."""

    count: int
    offset: int
    pinned: Pinned = ()
    """Parameters the page's links carry besides the query's, e.g. the snapshot they page."""


def paging(params: Params) -> Paging:
    """`_count` (1 to 100, default 20) and `_offset` (0 or more)."""
    count = _integer(params, "_count", DEFAULT_COUNT, low=1, high=MAX_COUNT)
    return Paging(count, _integer(params, "_offset", 0, low=0, high=1_000_000))


def _integer(params: Params, name: str, default: int, *, low: int, high: int) -> int:
    text = single(params, name)
    if text is None:
        return default
    number = whole_number(text, high)
    if number is None or number < low:
        raise BadSearch(f"{name}: a whole number from {low} to {high}")
    return number
