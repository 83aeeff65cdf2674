"""Searchset `Bundle`s with `self`, `first`, `previous` and `next` links."""

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from hduce.plugins.fhir.schemas._paging import CURSOR, PAGING, Paging, Pinned
from hduce.plugins.fhir.schemas._values import Params

_PAGING = PAGING | {CURSOR}


def searchset(
    base_url: str,
    resource_type: str,
    query: Params,
    page: Paging,
    resources: Sequence[dict[str, Any]],
    total: int,
) -> dict[str, Any]:
    """One page of offset-paged results; links repeat the query with another `_offset`.

    They also carry `page.pinned` (in place of the query's values of those parameters).
    """
    url = f"{base_url.rstrip('/')}/{resource_type}"

    def link(relation: str, offset: int) -> dict[str, str]:
        return _link(relation, url, query, page.pinned, _count=page.count, _offset=offset)

    links = [link("self", page.offset), link("first", 0)]
    if page.offset > 0:
        links.append(link("previous", max(page.offset - page.count, 0)))
    if page.offset + len(resources) < total:
        links.append(link("next", page.offset + page.count))
    return {**_bundle(url, links, resources), "total": total}


def count_only(base_url: str, resource_type: str, query: Params, total: int) -> dict[str, Any]:
    """The answer to `_summary=count` or `_count=0`: the total and a `self` link, no entries."""
    url = f"{base_url.rstrip('/')}/{resource_type}"
    link = _link("self", url, query, (), _count=(query.get("_count") or [None])[0])
    return {"resourceType": "Bundle", "type": "searchset", "total": total, "link": [link]}


def cursor_searchset(
    base_url: str,
    resource_type: str,
    query: Params,
    count: int,
    resources: Sequence[dict[str, Any]],
    next_cursor: str | None,
) -> dict[str, Any]:
    """One page of cursor-paged results (no total); `next` carries the following `_cursor`."""
    url = f"{base_url.rstrip('/')}/{resource_type}"
    cursor = (query.get("_cursor") or [None])[0]
    links = [
        _link("self", url, query, (), _count=count, _cursor=cursor),
        _link("first", url, query, (), _count=count),
    ]
    if next_cursor:
        links.append(_link("next", url, query, (), _count=count, _cursor=next_cursor))
    return _bundle(url, links, resources)


def _link(
    relation: str, url: str, query: Params, pinned: Pinned, **paging: object
) -> dict[str, str]:
    """The query's URL with `pinned` (each name's values in place of the query's) and `paging`."""
    replaced = _PAGING | paging.keys() | {name for name, _ in pinned}
    params = [(k, v) for k, vs in query.items() if k not in replaced for v in vs]
    params += [*pinned, *((k, str(v)) for k, v in paging.items() if v is not None)]
    return {"relation": relation, "url": f"{url}?{urlencode(params)}"}


def _bundle(url: str, links: list[dict[str, str]], resources: Sequence[dict[str, Any]]) -> dict:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "link": links,
        "entry": [
            {"fullUrl": f"{url}/{r['id']}", "resource": r, "search": {"mode": "match"}}
            for r in resources
        ],
    }
