"""Ids in search values and paths: `<id>`, `<type>/<id>` or `<system>|<id>`."""

import uuid
from collections.abc import Collection, Mapping

from hduce.core.errors import NotFound
from hduce.plugins.fhir.errors import BadSearch
from hduce.plugins.fhir.schemas._values import Params, any_of, single


def wanted_ids(
    params: Params, prefixes: Mapping[str, Collection[str]], separator: str
) -> frozenset[uuid.UUID] | None:
    """The ids the parameters named in `prefixes` ask for; None when none is given.

    Each value is `<id>` or `<prefix><separator><id>` with one of the parameter's prefixes
    (anything else matches nothing); a parameter's comma-separated values are ORed, the
    parameters ANDed.
    """
    wanted: frozenset[uuid.UUID] | None = None
    for name, allowed in prefixes.items():
        values = any_of(params, name)
        if values is None:
            continue
        ids = frozenset[uuid.UUID]().union(
            *(_named_id(value, separator, allowed) for value in values)
        )
        wanted = ids if wanted is None else wanted & ids
    return wanted


def _named_id(value: str, separator: str, allowed: Collection[str]) -> frozenset[uuid.UUID]:
    prefix, _, ident = value.rpartition(separator)
    return one_id(ident) if prefix in {"", *allowed} else frozenset()


def reference_id(params: Params, name: str, *kinds: str) -> uuid.UUID | None:
    """The id in `name=<id>` or `name=<kind>/<id>` (any of `kinds`), or None when absent.

    400 for anything else.
    """
    text = single(params, name)
    if text is None:
        return None
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
