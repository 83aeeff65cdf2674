"""Request bodies in the OpenAPI document as the API reads them.

A body the handler may go without (`data: X | None = None`) is documented `required: false`
(Litestar documents every body as required), and the object of a struct that refuses unknown
fields (a 422) says `additionalProperties: false`.
"""

from typing import Any, get_args

import msgspec
from litestar import Litestar
from litestar.openapi.spec import OpenAPI, RequestBody, Schema
from litestar.routes import HTTPRoute


def describe_bodies(app: Litestar, openapi: OpenAPI) -> None:
    """Mark optional request bodies and close the objects of structs that refuse unknown fields."""
    closed: set[type[msgspec.Struct]] = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path_format not in (openapi.paths or {}):
            continue
        item = (openapi.paths or {})[route.path_format]
        for handler in route.route_handlers:
            data = handler.parsed_fn_signature.parameters.get("data")
            if data is None:
                continue
            _strict_structs(data.annotation, closed)
            for method in handler.http_methods:
                operation = getattr(item, method.lower(), None)
                body = operation.request_body if operation is not None else None
                if isinstance(body, RequestBody) and (data.has_default or data.is_optional):
                    body.required = False
    schemas = openapi.components.schemas if openapi.components else {}
    for name, schema in (schemas or {}).items():
        if isinstance(schema, Schema) and any(_describes(schema, name, kind) for kind in closed):
            schema.additional_properties = False


def _strict_structs(kind: Any, found: set[type[msgspec.Struct]]) -> None:
    """Add to `found` each struct `kind` is or holds that refuses unknown fields."""
    if isinstance(kind, type) and issubclass(kind, msgspec.Struct):
        if kind in found:
            return
        if kind.__struct_config__.forbid_unknown_fields:
            found.add(kind)
        for field in msgspec.structs.fields(kind):
            _strict_structs(field.type, found)
        return
    for argument in get_args(kind):
        _strict_structs(argument, found)


def _describes(schema: Schema, name: str, kind: type[msgspec.Struct]) -> bool:
    """Whether the component `name` is `kind`'s object (its name and its fields)."""
    fields = {field.encode_name for field in msgspec.structs.fields(kind)}
    named = name == kind.__name__ or name.endswith(f"_{kind.__name__}")
    return named and set(schema.properties or {}) == fields
