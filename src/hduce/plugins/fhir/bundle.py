"""Searchset `Bundle`s with `self`, `first`, `previous` and `next` links."""

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from hduce.plugins.fhir.params import Paging


def searchset(
    base_url: str,
    resource_type: str,
    query: Mapping[str, Sequence[str]],
    page: Paging,
    resources: Sequence[dict[str, Any]],
    total: int,
) -> dict[str, Any]:
    """One page of search results; links repeat the query with another `_offset`."""
    url = f"{base_url.rstrip('/')}/{resource_type}"

    def link(relation: str, offset: int) -> dict[str, str]:
        params = [(k, v) for k, vs in query.items() if k not in {"_offset", "_count"} for v in vs]
        params += [("_count", str(page.count)), ("_offset", str(offset))]
        return {"relation": relation, "url": f"{url}?{urlencode(params)}"}

    links = [link("self", page.offset), link("first", 0)]
    if page.offset > 0:
        links.append(link("previous", max(page.offset - page.count, 0)))
    if page.offset + len(resources) < total:
        links.append(link("next", page.offset + page.count))
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "link": links,
        "entry": [
            {"fullUrl": f"{url}/{r['id']}", "resource": r, "search": {"mode": "match"}}
            for r in resources
        ],
    }
