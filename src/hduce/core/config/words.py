"""Words written in any case: booleans (`DEBUG=yes`) and choices (`LOG_LEVEL=debug`).

Turned into the `bool` or the choice's own spelling wherever the settings expect one.
"""

from collections.abc import Mapping
from typing import Any

import msgspec

BOOLEANS = {"yes": True, "on": True, "no": False, "off": False}


def normalise_words(raw: Any, kind: type) -> Any:
    """A copy of `raw` with yes/no/on/off as `bool` and choices in their own case, by `kind`."""
    return _normalise(raw, msgspec.inspect.type_info(kind))


def _normalise(raw: Any, info: msgspec.inspect.Type) -> Any:
    if isinstance(raw, str):
        return _words(info).get(raw.strip().lower(), raw)
    if isinstance(info, msgspec.inspect.StructType) and isinstance(raw, Mapping):
        fields = {field.encode_name: field.type for field in info.fields}
        return {
            key: _normalise(value, fields[key]) if key in fields else value
            for key, value in raw.items()
        }
    return raw


def _words(info: msgspec.inspect.Type) -> dict[str, Any]:
    """The words a field of type `info` understands, lower case, and what each means."""
    types = info.types if isinstance(info, msgspec.inspect.UnionType) else (info,)
    words: dict[str, Any] = {}
    for one in types:
        if isinstance(one, msgspec.inspect.BoolType):
            words |= BOOLEANS
        elif isinstance(one, msgspec.inspect.LiteralType):
            words |= {value.lower(): value for value in one.values if isinstance(value, str)}
    return words
