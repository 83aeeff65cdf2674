"""One Unicode form for text people type and look up (NFC, as most keyboards send it)."""

import functools
import unicodedata
from collections.abc import Collection

import msgspec
import msgspec.inspect


def nfc(text: str) -> str:
    """`text` precomposed (Unicode NFC): `ë` typed as `e` and U+0308 becomes the one character.

    Text stored and searched this way matches whichever form it was typed in.
    """
    return unicodedata.normalize("NFC", text)


def check_nfc_lengths(struct: msgspec.Struct, stored: Collection[str] | None = None) -> None:
    """Refuse (`ValueError`, a 422 naming the field) text too long for its field once in NFC.

    For the fields of an input stored in NFC (`stored`; default: all): NFC may lengthen text
    (U+095B is U+091C U+093C) past the `max_length` msgspec checked on the text as sent.
    """
    for name, limit in _text_limits(type(struct)).items():
        value = getattr(struct, name) if stored is None or name in stored else None
        if isinstance(value, str) and len(normal := nfc(value)) > limit:
            raise ValueError(
                f"Expected `str` of length <= {limit} in Unicode NFC, the form it is stored in"
                f" (this one is {len(normal)} characters) - at `$.{name}`"
            )


@functools.cache
def _text_limits(struct_type: type[msgspec.Struct]) -> dict[str, int]:
    """The `max_length` of each text field of `struct_type` that has one."""
    info = msgspec.inspect.type_info(struct_type)
    assert isinstance(info, msgspec.inspect.StructType)
    limits = {field.name: _max_length(field.type) for field in info.fields}
    return {name: limit for name, limit in limits.items() if limit is not None}


def _max_length(kind: msgspec.inspect.Type) -> int | None:
    """The `max_length` of a text type, also inside metadata or a union (`str | None`)."""
    if isinstance(kind, msgspec.inspect.Metadata):
        return _max_length(kind.type)
    if isinstance(kind, msgspec.inspect.UnionType):
        return next(filter(None, map(_max_length, kind.types)), None)
    return kind.max_length if isinstance(kind, msgspec.inspect.StrType) else None
