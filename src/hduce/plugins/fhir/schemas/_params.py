"""What every search reads: its parameters' names checked, its page, `date` and `_lastUpdated`."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import msgspec

from hduce.plugins.fhir.errors import BadSearch
from hduce.plugins.fhir.schemas._dates import instant_bounds, last_updated
from hduce.plugins.fhir.schemas._paging import Paging, paging
from hduce.plugins.fhir.schemas._search_params import Filters, search_parameters
from hduce.plugins.fhir.schemas._values import Params

GENERAL = frozenset({"_format", "_pretty", "_summary", "_totalMethod"})
"""Parameters of every interaction (checked on the router), not search filters."""


class Search(msgspec.Struct, frozen=True):
    """What every search reads besides its own filters: the page, `date` and `_lastUpdated`."""

    page: Paging
    date_from: datetime | None
    """The first instant the `date` values leave open, when bounded."""
    date_before: datetime | None
    """The instant after the last one the `date` values leave open, when bounded."""
    updated_from: datetime | None
    updated_before: datetime | None

    def window(self) -> dict[str, Any]:
        """`updated_from`, `updated_before`, `limit`, `offset`: the contracts' query arguments."""
        return {
            "updated_from": self.updated_from,
            "updated_before": self.updated_before,
            "limit": self.page.count,
            "offset": self.page.offset,
        }


def search_of(params: Params, filters: Filters) -> Search:
    """`params` checked against `filters`, with their paging, `date` and `_lastUpdated` read."""
    check_names(params, filters)
    page = paging(params)
    date_from, date_before = instant_bounds("date", params.get("date", []))
    updated_from, updated_before = last_updated(params)
    return Search(page, date_from, date_before, updated_from, updated_before)


def check_names(params: Iterable[str], filters: Filters) -> None:
    """400 on a search parameter this resource does not support."""
    supported = search_parameters(filters).keys()
    unknown = sorted(set(params) - supported - GENERAL)
    if unknown:
        raise BadSearch(
            f"unsupported search parameter {', '.join(unknown)}; "
            f"supported: {', '.join(sorted(supported))}"
        )
