"""Readable OpenAPI component names for generic structs: `Page[UserRead]` becomes `UserPage`."""

import dataclasses
import re
from typing import Any

from litestar.openapi.spec import OpenAPI, Reference, Schema

_GENERIC_TITLE = re.compile(r"^(?P<generic>\w+)\[(?P<argument>\w+)\]$")
_COMPONENT_PREFIX = "#/components/schemas/"


def component_name(title: str) -> str | None:
    """`UserPage` for the title `Page[UserRead]`; None for a non-generic title."""
    match = _GENERIC_TITLE.match(title)
    if match is None:
        return None
    argument = match["argument"].removesuffix("Read")
    return f"{argument}{match['generic']}"


def name_generic_components(openapi: OpenAPI) -> None:
    """Rename the components of parametrised generics and every reference to them, in place."""
    schemas = openapi.components.schemas if openapi.components else None
    if not schemas:
        return
    renames: dict[str, str] = {}
    for key, schema in list(schemas.items()):
        new = component_name(schema.title or "") if isinstance(schema, Schema) else None
        if new is not None and new not in schemas:
            renames[_COMPONENT_PREFIX + key] = _COMPONENT_PREFIX + new
            schemas[new] = dataclasses.replace(schema, title=new)
            del schemas[key]
    if renames:
        _rewrite_references(openapi, renames, set())


def _rewrite_references(node: Any, renames: dict[str, str], seen: set[int]) -> None:
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, Reference):
        node.ref = renames.get(node.ref, node.ref)
    elif isinstance(node, dict):
        for value in node.values():
            _rewrite_references(value, renames, seen)
    elif isinstance(node, list | tuple):
        for value in node:
            _rewrite_references(value, renames, seen)
    elif dataclasses.is_dataclass(node) and not isinstance(node, type):
        for field in dataclasses.fields(node):
            _rewrite_references(getattr(node, field.name), renames, seen)
