"""Control characters in the text a client sends: refused, but for tabs and line breaks."""

import re
from collections.abc import Collection, Iterator, Mapping

import msgspec

CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""Every C0 and C1 control character but tab, line feed and carriage return."""


def check_controls(struct: msgspec.Struct, kept: Collection[str] = ()) -> None:
    """Refuse (`ValueError`, a 422 naming the field) text holding a control character.

    NUL, which PostgreSQL cannot store, and BEL, ESC and the like, which a terminal showing a
    name (`hduce user list`) would obey; tabs and line breaks stay, for text with lines. Fields
    in `kept` are taken as sent (passwords: one set with such a character must still work).
    """
    for name in struct.__struct_fields__:
        if name in kept:
            continue
        for text in _texts(getattr(struct, name)):
            if why := why_refused(text):
                raise ValueError(f"{why} - at `$.{name}`")


def why_refused(text: str) -> str | None:
    """What is wrong with `text` if it holds a control character (but tabs and line breaks)."""
    if found := CONTROLS.search(text):
        return (
            f"text may not contain control characters (here U+{ord(found[0]):04X});"
            " tabs and line breaks are allowed"
        )
    return None


def _texts(value: object) -> Iterator[str]:
    """The text of a field: itself, or the text in a list or the keys and values of a map."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        yield from (text for pair in value.items() for text in pair if isinstance(text, str))
    elif isinstance(value, list | tuple | set | frozenset):
        yield from (text for text in value if isinstance(text, str))
