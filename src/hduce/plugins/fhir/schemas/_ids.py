"""Ids in search values and paths: `<id>`, `<type>/<id>` or `<system>|<id>`."""

import uuid
from collections.abc import Collection, Mapping

from hduce.core.errors import NotFound
from hduce.plugins.fhir.errors import BadSearch
from hduce.plugins.fhir.schemas._search_params import Filters, values
from hduce.plugins.fhir.schemas._values import Params, single


def wanted_ids(
    params: Params, filters: Filters, prefixes: Mapping[str, Collection[str]], separator: str
) -> frozenset[uuid.UUID] | None:
    """The ids the parameters named in `prefixes` ask for; None when none is given.

    Each value is `<id>` or `<prefix><separator><id>` with one of the parameter's prefixes
    (anything else, such as `|<id>`, a token without a system, matches nothing); a
    parameter's comma-separated values are ORed (where `filters` declares so), the parameters
    ANDed.
    """
    wanted: frozenset[uuid.UUID] | None = None
    for name, allowed in prefixes.items():
        given = values(params, filters, name)
        if given is None:
            continue
        ids = frozenset[uuid.UUID]().union(
            *(_named_id(value, separator, allowed) for value in given)
        )
        wanted = ids if wanted is None else wanted & ids
    return wanted


def _named_id(value: str, separator: str, allowed: Collection[str]) -> frozenset[uuid.UUID]:
    prefix, named, ident = value.rpartition(separator)
    return one_id(ident) if prefix in {*allowed, *([] if named else [""])} else frozenset()


def local_references(params: Params, filters: Filters, base_url: str) -> Params:
    """`params` with the values of reference parameters under `base_url` made relative.

    FHIR lets a reference value be a URL: this server's own (`<base_url>/Patient/<id>`, as its
    `fullUrl`s read) names `Patient/<id>`; another server's stays as given (a 400, or nothing).
    """
    prefix = f"{base_url.rstrip('/')}/"
    return {
        name: [",".join(part.removeprefix(prefix) for part in value.split(",")) for value in given]
        if name in filters and filters[name].type == "reference"
        else given
        for name, given in params.items()
    }


def reference_id(params: Params, name: str, *kinds: str) -> uuid.UUID | None:
    """The id in `name=<id>` or `name=<kind>/<id>` (any of `kinds`), or None when absent.

    400 for anything else.
    """
    text = single(params, name)
    return None if text is None else _reference(name, text, kinds)


def reference_ids(
    params: Params, filters: Filters, name: str, *kinds: str
) -> list[uuid.UUID] | None:
    """The ids `name` asks for (see `values`), each as `reference_id` reads it; None if absent."""
    given = values(params, filters, name)
    return None if given is None else [_reference(name, text, kinds) for text in given]


def _reference(name: str, text: str, kinds: tuple[str, ...]) -> uuid.UUID:
    kind, _, ident = text.rpartition("/")
    try:
        if kind in {"", *kinds}:
            return uuid.UUID(ident)
    except ValueError:
        pass
    raise BadSearch(f"{name}: {text!r} is not a {' or '.join(kinds)} id")


def path_id(text: str, resource_type: str) -> uuid.UUID:
    """The id in a read's path; 404 when it is no UUID (no such resource)."""
    try:
        return uuid.UUID(text)
    except ValueError:
        raise NotFound(f"no such {resource_type}") from None


def one_id(text: str) -> frozenset[uuid.UUID]:
    """The one id `text` names, or none when it is no UUID (a filter that matches nothing)."""
    try:
        return frozenset({uuid.UUID(text)})
    except ValueError:
        return frozenset()
