"""Booleans written as words (`DEBUG=yes`): turned into `bool` where the settings expect one."""

from collections.abc import Mapping
from typing import Any

import msgspec

WORDS = {"yes": True, "on": True, "no": False, "off": False}


def normalise_booleans(raw: Any, kind: type) -> Any:
    """A copy of `raw` with yes/no/on/off (any case) as `bool` wherever `kind` has a bool field."""
    return _normalise(raw, msgspec.inspect.type_info(kind))


def _normalise(raw: Any, info: msgspec.inspect.Type) -> Any:
    if isinstance(raw, str) and _accepts_bool(info):
        return WORDS.get(raw.strip().lower(), raw)
    if isinstance(info, msgspec.inspect.StructType) and isinstance(raw, Mapping):
        fields = {field.encode_name: field.type for field in info.fields}
        return {
            key: _normalise(value, fields[key]) if key in fields else value
            for key, value in raw.items()
        }
    return raw


def _accepts_bool(info: msgspec.inspect.Type) -> bool:
    if isinstance(info, msgspec.inspect.UnionType):
        return any(isinstance(t, msgspec.inspect.BoolType) for t in info.types)
    return isinstance(info, msgspec.inspect.BoolType)
